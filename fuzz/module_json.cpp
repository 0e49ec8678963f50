// libFuzzer target: module.json text -> parseModuleDescription (runtime/src/
// ModuleDescription.cpp), then the memory plan the executor builds on the description it
// returns, which must therefore be consistent. Expected: a plan or one rqc::Error.
#include "FuzzSupport.h"

#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/ModuleDescription.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A params.bin of 1 GiB: larger than any seed needs, so the param ranges are checked
  // against a real bound without every mutated offset failing on it.
  constexpr uint64_t kParamsBytes = 1ull << 30;
  return rqc::fuzz::runExpectingRqcErrors([&] {
    rqc::ModuleInfo info = rqc::parseModuleDescription(std::string(reinterpret_cast<const char *>(data), size),
                                                       kParamsBytes, "fuzz.rqc");
    rqc::MemoryPlan plan = rqc::planMemory(info);
    (void)plan;
  });
}
