// conv2d_packed.vta end to end, strategy and mechanism apart: the template's space and
// TVM's tophub line (strategy), and the streams emitted for its configs run on the
// simulator, bit-exact against a plain NCHW integer convolution (mechanism).
#include "autotune/Records.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/vta/Conv2dPacked.h"
#include "rqc/vta/Simulator.h"
#include "schedules/vta/VtaTemplates.h"

#include "StreamBuilder.h"
#include "TestPackage.h"
#include "VtaTestPackage.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

using namespace rqc;
using namespace rqc::vta;
using schedule::Workload;

namespace {

// The first ResNet-18 line of TVM's tophub vta_v0.10.log (../shared/reference/vta.md 5).
const char *kTvmResNet18Line =
    R"({"input": ["ext_dev -device=vta -keys=cpu -model=pynq_1x16_i8w8a32_15_15_18_17", "conv2d_packed.vta", [["TENSOR", [1, 16, 14, 14, 1, 16], "int8"], ["TENSOR", [32, 16, 3, 3, 16, 16], "int8"], [2, 2], [1, 1, 1, 1], [1, 1], "NCHW1n16c", "int32"], {}], "config": {"index": 203, "code_hash": null, "entity": [["tile_b", "sp", [1, 1]], ["tile_h", "sp", [1, 7]], ["tile_w", "sp", [1, 7]], ["tile_ci", "sp", [16, 1]], ["tile_co", "sp", [2, 16]], ["oc_nthread", "ot", 2], ["h_nthread", "ot", 1]]}, "result": [[0.0039937316], 0, 8.405554056167603, 1562808175.4555], "version": 0.2, "tvm_version": "0.7.dev0"})";

Workload convWorkload(int64_t c, int64_t h, int64_t w, int64_t k, int64_t kernel, int64_t stride, int64_t pad) {
  Workload wl;
  wl.op = "conv2d";
  wl.data = {{1, c, h, w}, "int8"};
  wl.weight = {{k, c, kernel, kernel}, "int8"};
  wl.strides = {stride, stride};
  wl.pads = {pad, pad, pad, pad};
  wl.output = {1, k, (h + 2 * pad - kernel) / stride + 1, (w + 2 * pad - kernel) / stride + 1};
  wl.layout = "NCHW1n16c";
  wl.outDtype = "int32";
  return wl;
}

schedule::TargetDesc vtaTarget() {
  schedule::TargetDesc t;
  t.key = "vta";
  t.str = "ext_dev -device=vta -keys=cpu -model=pynq_1x16_i8w8a32_15_15_18_17";
  t.model = "pynq_1x16_i8w8a32_15_15_18_17";
  return t;
}


struct RunResult {
  std::vector<int8_t> actual, expected;
  SimulationReport report;
};

// Packs seeded data, emits the stream for `tiling`, encodes it into a DRAM image, runs it
// on the simulator and unpacks the result.
RunResult runConv(const Conv2dShape &s, const Conv2dTiling &tiling, const Conv2dEpilogue &e, uint32_t seed) {
  const VtaConfig config = VtaConfig::pynq();
  std::vector<int8_t> x = vta::test::randomInt8(size_t(s.batch * s.inChannels * s.height * s.width), seed);
  std::vector<int8_t> w = vta::test::randomInt8(size_t(s.outChannels * s.inChannels * s.kernelH * s.kernelW), seed + 1);
  std::vector<int32_t> bias(size_t(s.outChannels));
  std::mt19937 rng(seed + 2);
  for (int32_t &b : bias) b = int32_t(rng() % 20001) - 10000;

  const size_t outBytes = size_t(s.batch * s.outChannels * s.outHeight() * s.outWidth());
  vta::test::Image img(config, size_t(8) << 20);
  Conv2dBuffers buffers;
  buffers.input = img.putInt8(packActivations(config, x, s.batch, s.inChannels, s.height, s.width));
  buffers.weight = img.putInt8(packWeights(config, w, s.outChannels, s.inChannels, s.kernelH, s.kernelW));
  buffers.bias = img.putInt32(packBias(config, bias));
  std::vector<int32_t> shifts;
  if (e.perChannelShift) {
    for (int64_t k = 0; k < s.outChannels; ++k) shifts.push_back(int32_t(rng() % 13));
    buffers.shift = img.putInt32(packBias(config, shifts));
  }
  buffers.output = img.alloc(outBytes);
  buffers.uops = img.alloc(0); // the micro-ops go here, right after the output
  Conv2dStream stream = emitConv2dPacked(config, s, tiling, e, buffers);
  EXPECT_EQ(img.putUops(stream.uops), buffers.uops);
  const uint64_t insnOffset = img.putProgram(stream.program);

  RunResult r;
  r.report = Simulator(config).run(DramView(img.bytes), insnOffset, stream.program.size());
  r.actual = unpackActivations(config, img.getInt8(buffers.output, outBytes), s.batch, s.outChannels,
                               s.outHeight(), s.outWidth());
  r.expected = vta::test::referenceConv(s, x, w, bias, e, shifts);
  return r;
}

} // namespace

// TVM's own log line names the same workload and the same point of the space here, and
// that point (two virtual threads over output channels) runs bit-exact on a real
// ResNet-18 layer (256 -> 512 channels, 14x14, 3x3 stride 2).
TEST(VtaConv2dPacked, TvmTophubLineAppliesToTheSameWorkload) {
  std::optional<autotune::TuningRecord> rec = autotune::parseRecord(kTvmResNet18Line);
  ASSERT_TRUE(rec);
  const Workload w = convWorkload(256, 14, 14, 512, 3, 2, 1);
  EXPECT_EQ(w.args(), rec->args);
  EXPECT_EQ(w.macs(), schedule::vta::conv2dShapeOf(w).macs()); // 57.8 M, as for the NCHW workload
  const schedule::Template *t = schedule::findTemplate(rec->task);
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->matches(w));
  std::vector<const schedule::Template *> forVta = schedule::templatesFor(w, "vta");
  ASSERT_EQ(forVta.size(), 1u);
  EXPECT_EQ(forVta[0], t);

  const schedule::ConfigSpace space = t->space(w);
  std::string why;
  std::optional<schedule::Config> c = space.fromEntity(rec->entity, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->index(), 203u); // AutoTVM's index of that entity in TVM's space
  EXPECT_EQ(space.get(203).entity(), rec->entity);

  const schedule::Schedule sched = t->schedule(w, *c, vtaTarget());
  EXPECT_EQ(sched.packed("input"), "NCHW1n16c");
  EXPECT_EQ(sched.packed("weight"), "OIHW16o16i");
  const Conv2dTiling tiling = schedule::vta::conv2dTilingOf(sched, VtaConfig::pynq());
  EXPECT_EQ(tiling.tileH, 7);
  EXPECT_EQ(tiling.tileW, 7);
  EXPECT_EQ(tiling.tileCi, 1);
  EXPECT_EQ(tiling.tileCo, 16);
  EXPECT_EQ(tiling.ocThreads, 2);
  EXPECT_EQ(tiling.hThreads, 1);

  RunResult r = runConv(schedule::vta::conv2dShapeOf(w), tiling, Conv2dEpilogue{8, true}, 7);
  EXPECT_EQ(r.actual, r.expected);
  // Every multiply-add is one lane of a GEMM micro-op: 256 MACs each.
  EXPECT_EQ(r.report.counters.gemmUops * 256, uint64_t(schedule::vta::conv2dShapeOf(w).macs()));
}

// Every ResNet-18 line of TVM's vta_v0.10.log: its args are a workload rqc prints back the
// same way, its entity is the point with the same index in rqc's space, and the template
// accepts it (every TVM config fits rqc's buffer split). `rqc vta conv2d` (ctest
// vta.cli.conv2d_tophub) emits and checks them all bit-exact.
TEST(VtaConv2dPacked, EveryTvmResNet18LineNamesTheSamePoint) {
  std::ifstream in(RQC_VTA_TEST_DATA "/tvm_vta_v0.10_resnet18.log");
  ASSERT_TRUE(in);
  const schedule::Template *t = schedule::findTemplate("conv2d_packed.vta");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::optional<autotune::TuningRecord> rec = autotune::parseRecord(line);
    ASSERT_TRUE(rec) << line;
    std::string why;
    std::optional<Workload> w = schedule::vta::conv2dWorkloadFromArgs(rec->args, &why);
    ASSERT_TRUE(w) << why;
    EXPECT_EQ(w->args(), rec->args);
    ASSERT_TRUE(t->matches(*w));
    std::optional<schedule::Config> c = t->space(*w).fromEntity(rec->entity, &why);
    ASSERT_TRUE(c) << why;
    EXPECT_EQ(c->index(), uint64_t(rec->index)) << rec->args.dump();
    EXPECT_NO_THROW(t->schedule(*w, *c, vtaTarget())) << rec->args.dump();
    ++lines;
  }
  EXPECT_EQ(lines, 10);
  // Malformed args are refused with a reason.
  std::string why;
  EXPECT_FALSE(schedule::vta::conv2dWorkloadFromArgs(nlohmann::json::array({1, 2}), &why));
  EXPECT_NE(why.find("7 entries"), std::string::npos);
}

// Seeded random points of the space on convolutions of several shapes (odd sizes,
// strides 1 and 2, 1x1 and 3x3, borders): every point the template accepts emits a stream
// that passes the checker and is bit-exact; points it refuses name the reason.
TEST(VtaConv2dPacked, RandomConfigsAreBitExact) {
  const std::vector<Workload> workloads = {
      convWorkload(32, 14, 14, 32, 3, 1, 1), convWorkload(32, 14, 14, 64, 3, 2, 1),
      convWorkload(64, 7, 7, 32, 1, 1, 0),   convWorkload(16, 9, 9, 48, 3, 2, 1),
      convWorkload(48, 6, 10, 16, 3, 1, 2),
  };
  const schedule::Template *t = schedule::findTemplate("conv2d_packed.vta");
  ASSERT_NE(t, nullptr);
  std::mt19937 rng(11);
  int ran = 0, refused = 0;
  for (const Workload &w : workloads) {
    const schedule::ConfigSpace space = t->space(w);
    for (int i = 0; i < 6; ++i) {
      const schedule::Config c = space.get(rng() % space.size());
      schedule::Schedule sched;
      try {
        sched = t->schedule(w, c, vtaTarget());
      } catch (const schedule::InvalidConfig &e) {
        EXPECT_NE(std::string(e.what()).find("conv2d_packed.vta: "), std::string::npos);
        ++refused;
        continue;
      }
      SCOPED_TRACE(w.args().dump() + " " + c.str());
      RunResult r = runConv(schedule::vta::conv2dShapeOf(w), schedule::vta::conv2dTilingOf(sched, VtaConfig::pynq()),
                            Conv2dEpilogue{int(rng() % 10), bool(rng() % 2)}, uint32_t(100 + ran));
      EXPECT_EQ(r.actual, r.expected);
      ++ran;
    }
    // The fallback is always emittable and exact.
    const schedule::Config fb = t->fallback(w, space, vtaTarget());
    const schedule::Schedule sched = t->schedule(w, fb, vtaTarget());
    RunResult r = runConv(schedule::vta::conv2dShapeOf(w), schedule::vta::conv2dTilingOf(sched, VtaConfig::pynq()),
                          Conv2dEpilogue{6, true}, 3);
    EXPECT_EQ(r.actual, r.expected) << "fallback " << fb.str();
  }
  EXPECT_GE(ran, 10);
  EXPECT_GE(refused, 1);
}

// Power-of-two per-channel weight scales give one shift per output channel: an ALU SHR
// with a register operand (the shifts loaded into ACC like the bias), bit-exact against
// the reference with 64 random shifts in [0, 12], with one and two threads.
TEST(VtaConv2dPacked, PerChannelShiftsAreBitExact) {
  Conv2dShape s;
  s.inChannels = 32, s.height = 8, s.width = 8, s.outChannels = 64, s.kernelH = 3, s.kernelW = 3;
  s.padTop = s.padLeft = s.padBottom = s.padRight = 1;
  for (int64_t threads : {1, 2}) {
    Conv2dTiling tiling;
    tiling.tileH = 4, tiling.tileW = 8, tiling.tileCi = 2, tiling.tileCo = 2, tiling.ocThreads = threads;
    Conv2dEpilogue e;
    e.perChannelShift = true, e.relu = threads == 2;
    RunResult r = runConv(s, tiling, e, 80 + uint32_t(threads));
    EXPECT_EQ(r.actual, r.expected) << threads << " threads";
  }
}

// Tiles of fewer than 3 outputs cannot loop the reduction inside one GEMM (the
// accumulator hazard): the emitter issues one GEMM per reduction step instead.
TEST(VtaConv2dPacked, TinyTilesAvoidTheAccumulatorHazard) {
  Conv2dShape s;
  s.inChannels = 32, s.height = 5, s.width = 4, s.outChannels = 32, s.kernelH = 3, s.kernelW = 3;
  s.padTop = s.padLeft = s.padBottom = s.padRight = 1;
  for (int64_t tileW : {1, 2}) {
    Conv2dTiling tiling;
    tiling.tileH = 1, tiling.tileW = tileW, tiling.tileCi = 2, tiling.tileCo = 1, tiling.ocThreads = 2;
    RunResult r = runConv(s, tiling, Conv2dEpilogue{7, false}, 40 + uint32_t(tileW));
    EXPECT_EQ(r.actual, r.expected) << "tile_w " << tileW;
  }
}

// Out-of-range tiles are refused before anything is emitted, with the buffer named.
TEST(VtaConv2dPacked, OversizedTilesAreRefused) {
  const Workload w = convWorkload(256, 14, 14, 512, 3, 2, 1);
  const schedule::Template *t = schedule::findTemplate("conv2d_packed.vta");
  const schedule::ConfigSpace space = t->space(w);
  const schedule::Config whole = space.at({{"tile_b", nlohmann::json{1, 1}}, {"tile_h", nlohmann::json{1, 7}},
                                           {"tile_w", nlohmann::json{1, 7}}, {"tile_ci", nlohmann::json{1, 16}},
                                           {"tile_co", nlohmann::json{1, 32}}, {"oc_nthread", 1}, {"h_nthread", 1}});
  try {
    t->schedule(w, whole, vtaTarget());
    FAIL() << "a tile of all 512 output channels and all 256 input channels was accepted";
  } catch (const schedule::InvalidConfig &e) {
    EXPECT_NE(std::string(e.what()).find("the buffer holds"), std::string::npos) << e.what();
  }
  // Two threads over one channel tile cannot split it.
  const schedule::Config odd = space.at({{"tile_b", nlohmann::json{1, 1}}, {"tile_h", nlohmann::json{1, 7}},
                                         {"tile_w", nlohmann::json{7, 1}}, {"tile_ci", nlohmann::json{16, 1}},
                                         {"tile_co", nlohmann::json{1, 32}}, {"oc_nthread", 2}, {"h_nthread", 1}});
  EXPECT_THROW(t->schedule(w, odd, vtaTarget()), schedule::InvalidConfig);
  Conv2dTiling bad;
  bad.tileH = 7, bad.tileW = 7, bad.tileCi = 16, bad.tileCo = 32;
  EXPECT_THROW(emitConv2dPacked(VtaConfig::pynq(), schedule::vta::conv2dShapeOf(w), bad, {}, {}), Error);
}

// Virtual threads for real: the same tiles with two threads over output channels keep
// the result and take fewer cycles, because one thread's loads overlap the other's GEMMs.
TEST(VtaConv2dPacked, TwoVirtualThreadsAreExactAndFaster) {
  Conv2dShape s;
  s.inChannels = 64, s.height = 14, s.width = 14, s.outChannels = 64, s.kernelH = 3, s.kernelW = 3;
  s.padTop = s.padLeft = s.padBottom = s.padRight = 1;
  Conv2dTiling one;
  one.tileH = 7, one.tileW = 14, one.tileCi = 1, one.tileCo = 2;
  Conv2dTiling two = one;
  two.ocThreads = 2;
  RunResult r1 = runConv(s, one, Conv2dEpilogue{9, true}, 5);
  RunResult r2 = runConv(s, two, Conv2dEpilogue{9, true}, 5);
  EXPECT_EQ(r1.actual, r1.expected);
  EXPECT_EQ(r2.actual, r2.expected);
  EXPECT_EQ(r1.report.counters.gemmUops, r2.report.counters.gemmUops);
  EXPECT_LT(r2.report.totalCycles, r1.report.totalCycles);
  std::printf("conv 64->64 14x14 3x3: 1 thread %llu cycles (GEMM utilization %.1f%%), 2 threads %llu (%.1f%%)\n",
              (unsigned long long)r1.report.totalCycles, 100 * r1.report.gemmUtilization,
              (unsigned long long)r2.report.totalCycles, 100 * r2.report.gemmUtilization);
}

// dense_packed.vta: TVM's dense line (vta_v0.10.log) names the same point; random points of
// a classifier-sized and a batched dense layer are bit-exact.
TEST(VtaDensePacked, TvmLineAndRandomConfigsAreBitExact) {
  const char *line =
      R"({"input": ["ext_dev -device=vta -keys=cpu -model=pynq_1x16_i8w8a32_15_15_18_17", "dense_packed.vta", [["TENSOR", [1, 16, 1, 16], "int8"], ["TENSOR", [8, 16, 16, 16], "int8"], null, "int32"], {}], "config": {"index": 4, "code_hash": null, "entity": [["tile_b", "sp", [1, 1]], ["tile_ci", "sp", [1, 16]], ["tile_co", "sp", [8, 1]], ["oc_nthread", "ot", 1]]}, "result": [[0.00014079940000000002], 0, 20.21724796295166, 1565674279.887257], "version": 0.2, "tvm_version": "0.7.dev0"})";
  auto dense = [](int64_t m, int64_t k, int64_t n) {
    Workload w;
    w.op = "dense";
    w.data = {{m, k}, "int8"};
    w.weight = {{n, k}, "int8"};
    w.output = {m, n};
    w.layout = "NC1n16c";
    w.outDtype = "int32";
    return w;
  };
  std::optional<autotune::TuningRecord> rec = autotune::parseRecord(line);
  ASSERT_TRUE(rec);
  const Workload tvm = dense(1, 256, 128);
  EXPECT_EQ(tvm.args(), rec->args);
  const schedule::Template *t = schedule::findTemplate("dense_packed.vta");
  ASSERT_NE(t, nullptr);
  ASSERT_TRUE(t->matches(tvm));
  std::string why;
  std::optional<schedule::Config> c = t->space(tvm).fromEntity(rec->entity, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->index(), 4u);
  const VtaConfig pynq = VtaConfig::pynq();
  RunResult r = runConv(schedule::vta::denseShapeOf(tvm),
                        schedule::vta::denseTilingOf(t->schedule(tvm, *c, vtaTarget()), pynq), Conv2dEpilogue{7, false}, 9);
  EXPECT_EQ(r.actual, r.expected);

  std::mt19937 rng(5);
  int ran = 0;
  for (const Workload &w : {dense(1, 512, 1008), dense(4, 64, 32)}) {
    const schedule::ConfigSpace space = t->space(w);
    std::vector<schedule::Config> configs = {t->fallback(w, space, vtaTarget())};
    for (int i = 0; i < 6; ++i) configs.push_back(space.get(rng() % space.size()));
    for (const schedule::Config &cfg : configs) {
      schedule::Schedule sched;
      try {
        sched = t->schedule(w, cfg, vtaTarget());
      } catch (const schedule::InvalidConfig &) {
        continue;
      }
      SCOPED_TRACE(w.args().dump() + " " + cfg.str());
      RunResult d = runConv(schedule::vta::denseShapeOf(w), schedule::vta::denseTilingOf(sched, pynq),
                            Conv2dEpilogue{int(rng() % 12), bool(rng() % 2)}, uint32_t(200 + ran));
      EXPECT_EQ(d.actual, d.expected);
      ++ran;
    }
  }
  EXPECT_GE(ran, 8);
}


// ---- VTA kernels in a package (docs/package-format.md, device "vta") ----

// A package of two VTA kernels loads (images placed, code relocated, params copied once)
// and runs through the Executor, bit-exact, twice in a row.
TEST(VtaPackage, TwoConvolutionsRunThroughTheExecutor) {
  const VtaConfig c = VtaConfig::pynq();
  vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
  std::shared_ptr<const rqc::Module> module = p.builder.load();
  rqc::Executor exec(module);
  for (uint32_t seed : {1u, 2u}) {
    std::vector<int8_t> x = vta::test::randomInt8(32 * 100, seed);
    Tensor in(DType::I8, Shape(p.inShape));
    const std::vector<int8_t> packedX = packActivations(c, x, 1, 32, 10, 10);
    std::memcpy(in.data<int8_t>(), packedX.data(), packedX.size());
    exec.setInput(0, in);
    exec.run();
    Tensor out = exec.getOutput(0);
    std::vector<int8_t> packedY(out.data<int8_t>(), out.data<int8_t>() + 48 * 100);
    EXPECT_EQ(unpackActivations(c, packedY, 1, 48, 10, 10), vta::test::twoLayerReference(p, x)) << "seed " << seed;
  }
}

// Broken VTA packages are refused at load with one line naming the problem.
TEST(VtaPackage, BrokenPackagesAreRefused) {
  auto refused = [](vta::test::TwoLayerPackage p, const std::string &expected) {
    try {
      p.builder.load();
      ADD_FAILURE() << "loaded; expected: " << expected;
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    p.builder.extra.clear();
    refused(std::move(p), "has VTA kernels but no vta.bin");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    p.builder.description["kernels"][1]["vta"]["code_offset"] = 1 << 20;
    refused(std::move(p), "its code lies beyond vta.bin");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    p.builder.description["kernels"][0]["vta"]["arg_offsets"][1] = 0; // weights over the input
    refused(std::move(p), "overlapping regions");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    p.builder.description["kernels"][0]["vta"]["image_bytes"] = 4096;
    refused(std::move(p), "beyond its image_bytes");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    p.builder.description["target"]["kind"] = "llvm";
    refused(std::move(p), "is \"vta\" in a package for target 'llvm'");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    // Kernel 0's first STORE moved past its own image (into kernel 1's, once relocated).
    const Isa isa(VtaConfig::pynq());
    auto &k0 = p.builder.description["kernels"][0]["vta"];
    std::string &code = p.builder.extra[0].second;
    const size_t first = k0["code_offset"].get<size_t>() + 4 * k0["uop_count"].get<size_t>();
    bool moved = false;
    for (size_t n = 0; n < k0["insn_count"].get<size_t>() && !moved; ++n) {
      std::vector<InsnWord> w = insnWordsFromBytes(reinterpret_cast<const uint8_t *>(code.data() + first + 16 * n), 1);
      Instruction insn = isa.decode(w[0]);
      if (auto *m = std::get_if<MemInsn>(&insn); m && m->opcode == Opcode::Store) {
        m->dramBase += uint32_t(k0["image_bytes"].get<uint64_t>() / 16);
        const std::vector<uint8_t> bytes = toBytes({isa.encode(insn)});
        code.replace(first + 16 * n, 16, std::string(bytes.begin(), bytes.end()));
        moved = true;
      }
    }
    ASSERT_TRUE(moved);
    refused(std::move(p), "beyond the kernel's image");
  }
  {
    vta::test::TwoLayerPackage p = vta::test::twoLayerPackage();
    // An undefined opcode in the first instruction of kernel 1 (checksum recomputed).
    const uint64_t at = p.builder.description["kernels"][1]["vta"]["code_offset"].get<uint64_t>() +
                        4 * p.builder.description["kernels"][1]["vta"]["uop_count"].get<uint64_t>();
    p.builder.extra[0].second[at] = char(p.builder.extra[0].second[at] | 0x7);
    refused(std::move(p), "kernel 'conv1': instruction 0");
  }
}
