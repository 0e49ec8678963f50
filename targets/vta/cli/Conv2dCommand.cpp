// `rqc vta conv2d --records LOG`: every conv2d_packed.vta record of a tuning log (TVM's
// tophub vta logs or rqc's), emitted by rqc with the record's config and with rqc's
// untuned fallback, run on the simulator with seeded data, checked bit-exact against a
// plain integer convolution, and timed by the cycle model next to the time the log
// measured. With --trials N, each workload is also tuned on the simulator (AutoTVM's
// loop with rqc's tuners; records marked with device "rqc-vta-simulator/<model>"). The cycle
// model is calibrated on these very lines (TVM's Pynq times, docs/vta.md "Calibration"):
// within 21% per layer, an estimate of a board, not a measurement.
#include "targets/vta/cli/VtaCli.h"

#include "autotune/Records.h"
#include "autotune/Tuner.h"
#include "rqc/runtime/Error.h"
#include "rqc/vta/Conv2dPacked.h"
#include "rqc/vta/Simulator.h"
#include "schedules/vta/VtaTemplates.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <iostream>
#include <memory>
#include <random>

namespace rqc::vta {
namespace {

struct Conv2dOptions {
  std::string records, config;
  bool json = false;
  uint32_t seed = 1;
  // --trials N: tune each workload on the simulator, appending records to `output`.
  int trials = 0;
  std::string tuner = "xgb", output;
  bool tunerGiven = false;
};

// The host reference and the simulation of a bigger convolution take minutes.
constexpr int64_t kMaxMacs = int64_t(1) << 32;

struct Run {
  bool exact = false;
  uint64_t cycles = 0;
  double ms = 0;
  double utilization = 0; // GEMM: busy cycles / total
};

// The plain NCHW/OIHW integer convolution with the stream's epilogue.
std::vector<int8_t> reference(const Conv2dShape &s, const std::vector<int8_t> &x, const std::vector<int8_t> &w,
                              const std::vector<int32_t> &bias, const Conv2dEpilogue &e) {
  const int64_t OH = s.outHeight(), OW = s.outWidth();
  std::vector<int32_t> acc(size_t(s.batch * s.outChannels * OH * OW), 0);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t k = 0; k < s.outChannels; ++k)
      for (int64_t c = 0; c < s.inChannels; ++c)
        for (int64_t r = 0; r < s.kernelH; ++r)
          for (int64_t q = 0; q < s.kernelW; ++q) {
            const int32_t wv = w[size_t(((k * s.inChannels + c) * s.kernelH + r) * s.kernelW + q)];
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * s.strideH - s.padTop + r;
              if (ih < 0 || ih >= s.height) continue;
              const int8_t *row = &x[size_t(((n * s.inChannels + c) * s.height + ih) * s.width)];
              int32_t *out = &acc[size_t(((n * s.outChannels + k) * OH + oh) * OW)];
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t iw = ow * s.strideW - s.padLeft + q;
                if (iw >= 0 && iw < s.width) out[ow] += wv * int32_t(row[iw]);
              }
            }
          }
  std::vector<int8_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t k = int64_t(i) / (OH * OW) % s.outChannels;
    out[i] = int8_t(std::min(127, std::max(e.relu ? 0 : -128, (acc[i] + bias[size_t(k)]) >> e.shift)));
  }
  return out;
}

struct Data {
  std::vector<int8_t> x, w, expected;
  std::vector<int32_t> bias;
  Conv2dEpilogue epilogue{8, true};
};

Data seededData(const Conv2dShape &s, uint32_t seed) {
  Data d;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> i8(-128, 127), b(-20000, 20000);
  d.x.resize(size_t(s.batch * s.inChannels * s.height * s.width));
  d.w.resize(size_t(s.outChannels * s.inChannels * s.kernelH * s.kernelW));
  d.bias.resize(size_t(s.outChannels));
  for (int8_t &v : d.x) v = int8_t(i8(rng));
  for (int8_t &v : d.w) v = int8_t(i8(rng));
  for (int32_t &v : d.bias) v = b(rng);
  d.expected = reference(s, d.x, d.w, d.bias, d.epilogue);
  return d;
}

// The kernel image of a package (conv2dKernelImage) as the simulator's whole DRAM: the
// packed operands and the code at their offsets, addresses relative to byte 0.
Run simulate(const VtaConfig &config, const Conv2dShape &s, const Conv2dTiling &tiling, const Data &d) {
  const Conv2dKernelImage img = conv2dKernelImage(config, s, tiling, d.epilogue);
  std::vector<uint8_t> dram(img.imageBytes, 0);
  auto put = [&](uint64_t at, const void *bytes, size_t n) { std::memcpy(dram.data() + at, bytes, n); };
  const std::vector<int8_t> x = packActivations(config, d.x, s.batch, s.inChannels, s.height, s.width);
  const std::vector<int8_t> w = packWeights(config, d.w, s.outChannels, s.inChannels, s.kernelH, s.kernelW);
  const std::vector<int32_t> bias = packBias(config, d.bias); // little-endian hosts only (as VTA's)
  put(img.buffers.input, x.data(), x.size());
  put(img.buffers.weight, w.data(), w.size());
  put(img.buffers.bias, bias.data(), bias.size() * 4);
  const std::vector<uint8_t> code = img.code(config);
  const size_t uopBytes = img.stream.uops.size() * kUopBytes;
  put(img.uopOffset, code.data(), uopBytes);
  put(img.insnOffset, code.data() + uopBytes, code.size() - uopBytes);

  const SimulationReport report = Simulator(config).run(DramView(dram), img.insnOffset, img.stream.program.size());
  const size_t outBytes = size_t(s.batch * s.outChannels * s.outHeight() * s.outWidth());
  const auto *out = reinterpret_cast<const int8_t *>(dram.data() + img.buffers.output);
  Run r;
  r.exact = unpackActivations(config, std::vector<int8_t>(out, out + outBytes), s.batch, s.outChannels,
                              s.outHeight(), s.outWidth()) == d.expected;
  r.cycles = report.totalCycles;
  r.ms = report.microseconds() / 1000.0;
  r.utilization = report.gemmUtilization;
  return r;
}

std::string modelOf(const std::string &target) {
  const std::string key = "-model=";
  size_t at = target.find(key);
  if (at == std::string::npos) return "";
  size_t end = target.find(' ', at);
  return target.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

std::string describeShape(const Conv2dShape &s) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lldx%lldx%lldx%lld -> %lld, %lldx%lld/%lld", (long long)s.batch,
                (long long)s.inChannels, (long long)s.height, (long long)s.width, (long long)s.outChannels,
                (long long)s.kernelH, (long long)s.kernelW, (long long)s.strideH);
  return buf;
}

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// AutoTVM's loop on the simulator: the fallback first, then the tuner's batches; every
// candidate emitted, run and checked bit-exact (a wrong one is WrongAnswer, never a time);
// each record appended (fsync) as it completes. Returns the best config and its time.
std::pair<schedule::Config, Run> tuneOnSimulator(const Conv2dOptions &o, const schedule::Template &tmpl,
                                                 const schedule::Workload &w, const schedule::TargetDesc &target,
                                                 const VtaConfig &config, const Data &data) {
  const schedule::ConfigSpace space = tmpl.space(w);
  const Conv2dShape shape = schedule::vta::conv2dShapeOf(w);
  std::unique_ptr<autotune::Tuner> tuner = autotune::makeTuner(o.tuner, space, o.seed);
  tuner->setFilter([&](const schedule::Config &c) {
    try {
      tmpl.schedule(w, c, target);
      return true;
    } catch (const schedule::InvalidConfig &) {
      return false;
    }
  });
  std::optional<schedule::Config> first = tmpl.fallback(w, space, target);
  tuner->markVisited(first->index());
  std::optional<std::pair<schedule::Config, Run>> best;
  int done = 0;
  while (done < o.trials) {
    std::vector<schedule::Config> batch;
    if (first) batch.push_back(*first), first.reset();
    for (schedule::Config &c : tuner->next(std::min(8, o.trials - done) - int(batch.size()))) batch.push_back(c);
    if (batch.empty()) break; // the space is used up
    std::vector<autotune::MeasureResult> results;
    for (const schedule::Config &c : batch) {
      const double started = unixNow();
      autotune::MeasureResult m;
      Run r;
      try {
        r = simulate(config, shape, schedule::vta::conv2dTilingOf(tmpl.schedule(w, c, target), config), data);
        if (r.exact) m.costs = {r.ms / 1000.0};
        else m.error = autotune::MeasureError::WrongAnswer, m.message = "output differs from the integer reference";
      } catch (const std::exception &e) {
        m.error = autotune::MeasureError::RuntimeDevice, m.message = e.what();
      }
      m.timestamp = unixNow();
      m.allCost = m.timestamp - started;
      autotune::TuningRecord rec;
      rec.target = target.str;
      rec.task = tmpl.name();
      rec.args = w.args();
      rec.index = int64_t(c.index());
      rec.entity = c.entity();
      rec.costs = m.costs;
      rec.errorNo = int(m.error);
      rec.allCost = m.allCost;
      rec.timestamp = m.timestamp;
      rec.rqcVersion = RQC_VERSION;
      rec.spaceHash = space.hash();
      rec.device = "rqc-vta-simulator/" + config.modelString(); // simulated, never a board's time
      rec.errorMsg = m.message.substr(0, 300);
      rec.tuner = o.tuner;
      autotune::appendRecord(o.output, rec);
      if (m.error == autotune::MeasureError::NoError && (!best || r.ms < best->second.ms)) best = {{c, r}};
      results.push_back(std::move(m));
      ++done;
    }
    tuner->update(batch, results);
  }
  if (!best) throw Error("no candidate of " + w.args().dump() + " ran correctly");
  return *best;
}

void runConv2d(const Conv2dOptions &o) {
  if (o.trials < 0) throw Error("--trials must not be negative, got " + std::to_string(o.trials));
  if (o.trials > 0 && o.output.empty()) throw Error("--trials needs -o LOG for the tuning records");
  if (o.trials > 0) {
    bool found = false;
    std::string known;
    for (const autotune::TunerInfo &t : autotune::tuners()) {
      found = found || t.name == o.tuner;
      known += (known.empty() ? "" : ", ") + t.name;
    }
    if (!found) throw Error("unknown tuner '" + o.tuner + "' (known: " + known + ")");
  }
  if (o.trials == 0 && (!o.output.empty() || o.tunerGiven))
    throw Error("--tuner and -o only apply with --trials N");
  VtaConfig override;
  if (!o.config.empty()) override = VtaConfig::fromSpec(o.config); // a model string or a vta_config.json
  const autotune::RecordLog log = autotune::readRecords(o.records);
  for (const auto &skipped : log.skipped)
    std::cerr << "rqc vta conv2d: warning: " << skipped.origin << ": " << skipped.reason << "\n";
  const schedule::Template *tmpl = schedule::findTemplate("conv2d_packed.vta");
  // One row per workload: its fastest error-free record (AutoTVM's ApplyHistoryBest).
  std::vector<const autotune::TuningRecord *> best;
  std::map<std::string, size_t> rowOf;
  for (const autotune::TuningRecord &r : log.records) {
    if (r.task != "conv2d_packed.vta" || r.errorNo != 0) continue;
    auto [it, fresh] = rowOf.emplace(r.args.dump(), best.size());
    if (fresh) best.push_back(&r);
    else if (r.meanCost() < best[it->second]->meanCost()) best[it->second] = &r;
  }
  if (best.empty()) throw Error(o.records + ": no error-free conv2d_packed.vta record");
  nlohmann::json rows = nlohmann::json::array();
  struct Threads {
    std::string workload;
    Run one, two;
  };
  std::vector<Threads> oneThread; // rqc's fallback with 1 and with 2 virtual threads
  bool allExact = true;
  double logMs = 0, recMs = 0, fbMs = 0, tunedMs = 0;
  int64_t macs = 0;
  for (const autotune::TuningRecord *rp : best) {
    const autotune::TuningRecord &r = *rp;
    auto fail = [&](const std::string &why) { throw Error(r.origin + ": " + why); };
    std::string why;
    std::optional<schedule::Workload> w = schedule::vta::conv2dWorkloadFromArgs(r.args, &why);
    if (!w) fail(why);
    if (!tmpl->matches(*w))
      fail("conv2d_packed.vta computes int8 x int8 -> int32 convolutions without dilation, channels in blocks; "
           "not " + r.args.dump());
    schedule::TargetDesc target;
    target.key = "vta";
    target.str = r.target;
    try {
      target.model = o.config.empty() ? VtaConfig::fromModelString(modelOf(r.target)).modelString()
                                      : override.modelString();
    } catch (const Error &e) {
      fail(std::string("the record's target: ") + e.what());
    }
    const VtaConfig config = schedule::vta::vtaConfigOf(target);
    const schedule::ConfigSpace space = tmpl->space(*w);
    std::optional<schedule::Config> c = space.fromEntity(r.entity, &why);
    if (!c) fail("a config outside conv2d_packed.vta's space: " + why);
    if (schedule::vta::conv2dShapeOf(*w).macs() > kMaxMacs)
      fail("a convolution of " + std::to_string(schedule::vta::conv2dShapeOf(*w).macs()) +
           " multiply-adds, over this command's limit of 2^32");
    schedule::Schedule recSchedule;
    try {
      recSchedule = tmpl->schedule(*w, *c, target);
    } catch (const schedule::InvalidConfig &e) {
      fail(e.what());
    }
    const Conv2dShape shape = schedule::vta::conv2dShapeOf(*w);
    const Data data = seededData(shape, o.seed);
    const Conv2dTiling recTiling = schedule::vta::conv2dTilingOf(recSchedule, config);
    const schedule::Config fb = tmpl->fallback(*w, space, target);
    const Conv2dTiling fbTiling = schedule::vta::conv2dTilingOf(tmpl->schedule(*w, fb, target), config);
    const Run rec = simulate(config, shape, recTiling, data), fall = simulate(config, shape, fbTiling, data);
    // The fallback without virtual threads: what they gain.
    const schedule::Config fb1 = schedule::vta::bestFittingConfig(space, shape, target, tmpl->name(), 1);
    const Run single = simulate(config, shape, schedule::vta::conv2dTilingOf(tmpl->schedule(*w, fb1, target), config), data);
    oneThread.push_back({describeShape(shape), single, fall});
    std::optional<std::pair<schedule::Config, Run>> tuned;
    if (o.trials > 0) tuned = tuneOnSimulator(o, *tmpl, *w, target, config, data);
    const double measured = r.meanCost() * 1000.0;
    auto gops = [&](double ms) { return ms > 0 ? 2.0 * double(shape.macs()) / (ms * 1e6) : 0.0; };
    allExact = allExact && rec.exact && fall.exact && single.exact;
    logMs += measured, recMs += rec.ms, fbMs += fall.ms, macs += shape.macs();
    rows.push_back({{"workload", describeShape(shape)},
                    {"macs", shape.macs()},
                    {"log_ms", measured},
                    {"log_device", r.device.empty() ? "unknown" : r.device},
                    {"log_origin", r.origin},
                    {"record", {{"config", c->str()}, {"sim_ms", rec.ms}, {"cycles", rec.cycles}, {"exact", rec.exact}}},
                    {"fallback", {{"config", fb.str()}, {"sim_ms", fall.ms}, {"cycles", fall.cycles}, {"exact", fall.exact},
                                  {"gemm_utilization", fall.utilization}}},
                    {"fallback_1_thread", {{"config", fb1.str()}, {"sim_ms", single.ms}, {"cycles", single.cycles},
                                           {"exact", single.exact}, {"gemm_utilization", single.utilization}}}});
    if (tuned) {
      tunedMs += tuned->second.ms;
      rows.back()["tuned"] = {{"config", tuned->first.str()}, {"sim_ms", tuned->second.ms}, {"cycles", tuned->second.cycles}};
    }
    if (!o.json && rows.size() == 1)
      std::printf("%-34s %8s | %9s %6s | %9s %6s %5s | %9s %6s %5s%s\n", "conv2d (NCHW -> OC, KHxKW/S)", "MMAC",
                  "log ms", "GOPS", "sim ms", "GOPS", "exact", "fallback", "GOPS", "exact",
                  o.trials > 0 ? " |     tuned   GOPS" : "");
    if (!o.json) {
      std::printf("%-34s %8.1f | %9.3f %6.1f | %9.3f %6.1f %5s | %9.3f %6.1f %5s", describeShape(shape).c_str(),
                  double(shape.macs()) / 1e6, measured, gops(measured), rec.ms, gops(rec.ms), rec.exact ? "yes" : "NO",
                  fall.ms, gops(fall.ms), fall.exact ? "yes" : "NO");
      if (tuned) std::printf(" | %9.3f %6.1f", tuned->second.ms, gops(tuned->second.ms));
      std::printf("\n");
    }
  }
  if (o.json) {
    nlohmann::json out{{"layers", rows}, {"log_ms", logMs}, {"record_sim_ms", recMs}, {"fallback_sim_ms", fbMs},
                       {"all_exact", allExact}};
    if (o.trials > 0) out["tuned_sim_ms"] = tunedMs;
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("%-34s %8.1f | %9.3f %6s | %9.3f %6s %5s | %9.3f %6s %5s", "total", double(macs) / 1e6, logMs, "",
                recMs, "", "", fbMs, "", "");
    if (o.trials > 0) std::printf(" | %9.3f", tunedMs);
    std::printf("\n");
    // Virtual threading: the fallback restricted to one thread against the fallback (two).
    std::printf("\n%-34s | %12s %6s | %12s %6s\n", "rqc's fallback: virtual threads", "1: cycles", "GEMM",
                "2: cycles", "GEMM");
    uint64_t c1 = 0, c2 = 0;
    double busy1 = 0, busy2 = 0;
    for (const Threads &t : oneThread) {
      std::printf("%-34s | %12llu %5.1f%% | %12llu %5.1f%%\n", t.workload.c_str(), (unsigned long long)t.one.cycles,
                  100 * t.one.utilization, (unsigned long long)t.two.cycles, 100 * t.two.utilization);
      c1 += t.one.cycles, c2 += t.two.cycles;
      busy1 += t.one.utilization * double(t.one.cycles), busy2 += t.two.utilization * double(t.two.cycles);
    }
    std::printf("%-34s | %12llu %5.1f%% | %12llu %5.1f%%\n\n", "total", (unsigned long long)c1,
                c1 ? 100 * busy1 / double(c1) : 0.0, (unsigned long long)c2, c2 ? 100 * busy2 / double(c2) : 0.0);
    std::printf("one row per workload, its fastest record; log ms: that record's time (measured on its device: a "
                "board, or rqc's simulator for device rqc-vta-simulator/...); sim ms: rqc's stream for the record's "
                "config, rqc's fallback%s, on rqc's VTA cycle model (calibrated to TVM's Pynq times within 25%%, docs/vta.md); the second table: rqc's "
                "fallback with one and with two virtual threads\n",
                o.trials > 0 ? " and the best tuned config" : "");
  }
  if (!allExact) throw Error("a stream was not bit-exact against the integer reference");
}

} // namespace

void registerConv2dCommand(CLI::App &vta) {
  auto o = std::make_shared<Conv2dOptions>();
  CLI::App *c = vta.add_subcommand(
      "conv2d", "Emit, simulate and check every conv2d_packed.vta record of a tuning log, next to rqc's fallback");
  c->add_option("--records", o->records, "tuning log (AutoTVM format, e.g. TVM's tophub vta_v0.10.log)")->required();
  c->add_option("--config", o->config,
                "VTA configuration: a model string or a vta_config.json (default: each record's -model=)");
  c->add_option("--seed", o->seed, "seed of the random int8 data and of the tuner");
  c->add_flag("--json", o->json, "print the results as JSON");
  c->add_option("--trials", o->trials,
                "also tune each workload on the simulator with this many candidates (the fallback first), "
                "each checked bit-exact; records go to -o");
  CLI::Option *tuner = c->add_option("--tuner", o->tuner, "tuner for --trials: random, grid, ga or xgb (default xgb)");
  c->add_option("-o,--output", o->output, "tuning log the --trials records are appended to (durably, one by one)");
  c->callback([o, tuner] {
    o->tunerGiven = tuner->count() > 0;
    runConv2d(*o);
  });
}

} // namespace rqc::vta
