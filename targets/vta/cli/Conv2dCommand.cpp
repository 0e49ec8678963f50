// `rqc vta conv2d --records LOG`: every conv2d_packed.vta record of a tuning log (TVM's
// tophub vta logs or rqc's), emitted by rqc with the record's config and with rqc's
// untuned fallback, run on the simulator with seeded data, checked bit-exact against a
// plain integer convolution, and timed by the cycle model next to the time the log
// measured. The cycle model is not calibrated against a board (docs/vta.md), so the
// ratio to a board-measured time is an estimate, not a measurement.
#include "targets/vta/cli/VtaCli.h"

#include "autotune/Records.h"
#include "rqc/runtime/Error.h"
#include "rqc/vta/Conv2dPacked.h"
#include "rqc/vta/Simulator.h"
#include "schedules/vta/VtaTemplates.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <random>

namespace rqc::vta {
namespace {

struct Conv2dOptions {
  std::string records, config;
  bool json = false;
  uint32_t seed = 1;
};

struct Run {
  bool exact = false;
  uint64_t cycles = 0;
  double ms = 0;
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

// Lays the operands out in one DRAM image, emits, encodes and simulates.
Run simulate(const VtaConfig &config, const Conv2dShape &s, const Conv2dTiling &tiling, const Data &d) {
  std::vector<uint8_t> dram;
  auto place = [&](size_t bytes, size_t align) {
    size_t at = (std::max<size_t>(dram.size(), 4096) + align - 1) / align * align; // nothing at address 0
    dram.resize(at + bytes, 0);
    return at;
  };
  const std::vector<int8_t> x = packActivations(config, d.x, s.batch, s.inChannels, s.height, s.width);
  const std::vector<int8_t> w = packWeights(config, d.w, s.outChannels, s.inChannels, s.kernelH, s.kernelW);
  const std::vector<int32_t> bias = packBias(config, d.bias);
  const size_t outBytes = size_t(s.batch * s.outChannels * s.outHeight() * s.outWidth());
  Conv2dBuffers buf;
  buf.input = place(x.size(), 256);
  std::copy(x.begin(), x.end(), reinterpret_cast<int8_t *>(&dram[buf.input]));
  buf.weight = place(w.size(), 256);
  std::copy(w.begin(), w.end(), reinterpret_cast<int8_t *>(&dram[buf.weight]));
  buf.bias = place(bias.size() * 4, 256);
  for (size_t i = 0; i < bias.size(); ++i)
    for (unsigned k = 0; k < 4; ++k) dram[buf.bias + 4 * i + k] = uint8_t(uint32_t(bias[i]) >> (8 * k));
  buf.output = place(outBytes, 256);
  buf.uops = place(0, 256);
  const Conv2dStream stream = emitConv2dPacked(config, s, tiling, d.epilogue, buf);
  const Isa isa(config);
  place(stream.uops.size() * kUopBytes, 4);
  for (size_t i = 0; i < stream.uops.size(); ++i) storeUop(&dram[buf.uops + i * kUopBytes], isa.encodeUop(stream.uops[i]));
  std::vector<InsnWord> words;
  for (const Instruction &insn : stream.program) words.push_back(isa.encode(insn));
  const std::vector<uint8_t> code = toBytes(words);
  const size_t insnAt = place(code.size(), kInsnBytes);
  std::copy(code.begin(), code.end(), dram.begin() + long(insnAt));

  const SimulationReport report = Simulator(config).run(DramView(dram), insnAt, words.size());
  std::vector<int8_t> packedOut(reinterpret_cast<int8_t *>(&dram[buf.output]),
                                reinterpret_cast<int8_t *>(&dram[buf.output]) + outBytes);
  Run r;
  r.exact = unpackActivations(config, packedOut, s.batch, s.outChannels, s.outHeight(), s.outWidth()) == d.expected;
  r.cycles = report.totalCycles;
  r.ms = report.microseconds() / 1000.0;
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

void runConv2d(const Conv2dOptions &o) {
  const autotune::RecordLog log = autotune::readRecords(o.records);
  for (const auto &skipped : log.skipped)
    std::cerr << "rqc vta conv2d: warning: " << skipped.origin << ": " << skipped.reason << "\n";
  const schedule::Template *tmpl = schedule::findTemplate("conv2d_packed.vta");
  nlohmann::json rows = nlohmann::json::array();
  bool allExact = true;
  double logMs = 0, recMs = 0, fbMs = 0;
  int64_t macs = 0;
  for (const autotune::TuningRecord &r : log.records) {
    if (r.task != "conv2d_packed.vta" || r.errorNo != 0) continue;
    std::string why;
    std::optional<schedule::Workload> w = schedule::vta::conv2dWorkloadFromArgs(r.args, &why);
    if (!w) throw Error(o.records + ": " + r.workloadKey() + ": " + why);
    schedule::TargetDesc target;
    target.key = "vta";
    target.str = r.target;
    target.model = o.config.empty() ? modelOf(r.target) : o.config;
    const VtaConfig config = schedule::vta::vtaConfigOf(target);
    const schedule::ConfigSpace space = tmpl->space(*w);
    std::optional<schedule::Config> c = space.fromEntity(r.entity, &why);
    if (!c) throw Error(o.records + ": a conv2d_packed.vta record outside the space: " + why);
    const Conv2dShape shape = schedule::vta::conv2dShapeOf(*w);
    const Data data = seededData(shape, o.seed);
    const Conv2dTiling recTiling = schedule::vta::conv2dTilingOf(tmpl->schedule(*w, *c, target), config);
    const schedule::Config fb = tmpl->fallback(*w, space, target);
    const Conv2dTiling fbTiling = schedule::vta::conv2dTilingOf(tmpl->schedule(*w, fb, target), config);
    const Run rec = simulate(config, shape, recTiling, data), fall = simulate(config, shape, fbTiling, data);
    const double measured = r.meanCost() * 1000.0;
    auto gops = [&](double ms) { return ms > 0 ? 2.0 * double(shape.macs()) / (ms * 1e6) : 0.0; };
    allExact = allExact && rec.exact && fall.exact;
    logMs += measured, recMs += rec.ms, fbMs += fall.ms, macs += shape.macs();
    rows.push_back({{"workload", describeShape(shape)},
                    {"macs", shape.macs()},
                    {"log_ms", measured},
                    {"record", {{"config", c->str()}, {"sim_ms", rec.ms}, {"cycles", rec.cycles}, {"exact", rec.exact}}},
                    {"fallback", {{"config", fb.str()}, {"sim_ms", fall.ms}, {"cycles", fall.cycles}, {"exact", fall.exact}}}});
    if (!o.json && rows.size() == 1)
      std::printf("%-34s %8s | %9s %6s | %9s %6s %5s | %9s %6s %5s\n", "conv2d (NCHW -> OC, KHxKW/S)", "MMAC",
                  "log ms", "GOPS", "sim ms", "GOPS", "exact", "fallback", "GOPS", "exact");
    if (!o.json)
      std::printf("%-34s %8.1f | %9.3f %6.1f | %9.3f %6.1f %5s | %9.3f %6.1f %5s\n", describeShape(shape).c_str(),
                  double(shape.macs()) / 1e6, measured, gops(measured), rec.ms, gops(rec.ms), rec.exact ? "yes" : "NO",
                  fall.ms, gops(fall.ms), fall.exact ? "yes" : "NO");
  }
  if (rows.empty()) throw Error(o.records + ": no error-free conv2d_packed.vta record");
  if (o.json) {
    std::cout << nlohmann::json{{"layers", rows}, {"log_ms", logMs}, {"record_sim_ms", recMs}, {"fallback_sim_ms", fbMs},
                                {"all_exact", allExact}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("%-34s %8.1f | %9.3f %6s | %9.3f %6s %5s | %9.3f %6s %5s\n", "total (each workload once)",
                double(macs) / 1e6, logMs, "", recMs, "", "", fbMs, "", "");
    std::printf("log ms: the log's measured time (its target's board); sim ms: rqc's stream for the record's config "
                "and for rqc's fallback, on rqc's VTA cycle model (not calibrated against a board)\n");
  }
  if (!allExact) throw Error("a stream was not bit-exact against the integer reference");
}

} // namespace

void registerConv2dCommand(CLI::App &vta) {
  auto o = std::make_shared<Conv2dOptions>();
  CLI::App *c = vta.add_subcommand(
      "conv2d", "Emit, simulate and check every conv2d_packed.vta record of a tuning log, next to rqc's fallback");
  c->add_option("--records", o->records, "tuning log (AutoTVM format, e.g. TVM's tophub vta_v0.10.log)")->required();
  c->add_option("--config", o->config, "VTA configuration model string (default: each record's -model=)");
  c->add_option("--seed", o->seed, "seed of the random int8 data");
  c->add_flag("--json", o->json, "print the results as JSON");
  c->callback([o] { runConv2d(*o); });
}

} // namespace rqc::vta
