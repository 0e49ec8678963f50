#include "autotune/RemoteMeasure.h"

namespace rqc::autotune {

rpc::Job measureJob(const RunSettings &settings, const std::string &sha, const std::string &inputs,
                    const std::string &expected, const std::string &kernel) {
  rpc::Job job;
  job.set_package_sha256(sha);
  job.set_timeout_s(settings.timeoutS);
  job.set_threads(settings.threads);
  rpc::MeasureJob *measure = job.mutable_measure();
  measure->set_inputs_npz(inputs);
  measure->set_expected_npz(expected);
  measure->set_kernel(kernel);
  measure->set_number(settings.number);
  measure->set_repeat(settings.repeat);
  measure->set_min_repeat_ms(settings.minRepeatMs);
  measure->set_warmup(settings.warmup);
  measure->set_flush_cache(settings.flushCache);
  return job;
}

} // namespace rqc::autotune
