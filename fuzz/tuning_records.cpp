// libFuzzer target: a tuning log -> readRecords (autotune/Records.cpp), as `rqc tune
// --resume`, `--tuning-records` and `rqc tophub` read logs. A malformed line must be
// skipped with its reason, never fatal; and every record read must survive the round trip
// rqc itself makes when it rewrites logs (formatRecord, then parseRecord again).
#include "FuzzSupport.h"

#include "autotune/Records.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = rqc::fuzz::writeInputFile(data, size, "records.log");
  return rqc::fuzz::runExpectingRqcErrors([&] {
    rqc::autotune::RecordLog log = rqc::autotune::readRecords(path);
    for (const rqc::autotune::TuningRecord &r : log.records) {
      (void)r.meanCost();
      std::string key = r.workloadKey();
      std::string line = rqc::autotune::formatRecord(r);
      std::optional<rqc::autotune::TuningRecord> again;
      try {
        again = rqc::autotune::parseRecord(line);
      } catch (const rqc::Error &e) {
        std::fprintf(stderr, "rqc fuzz: FINDING: a record read from %s does not re-read after formatRecord: %s\n",
                     r.origin.c_str(), e.what());
        std::abort();
      }
      if (!again || again->workloadKey() != key) {
        std::fprintf(stderr, "rqc fuzz: FINDING: the record from %s changes its workload on the round trip\n",
                     r.origin.c_str());
        std::abort();
      }
    }
  });
}
