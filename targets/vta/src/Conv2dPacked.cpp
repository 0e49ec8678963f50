// The conv2d_packed.vta stream emitter; the algorithm and the token protocol are described
// in Conv2dPacked.h.
#include "rqc/vta/Conv2dPacked.h"

#include "rqc/runtime/Error.h"
#include "rqc/vta/Isa.h"

#include <algorithm>
#include <array>

namespace rqc::vta {

namespace {

constexpr int64_t kMaxLoopIter = (1 << 14) - 1; // GEMM/ALU iter_out, iter_in
constexpr int64_t kMaxDmaSize = (1 << 16) - 1;  // LOAD/STORE y_size, x_size, x_stride
constexpr int64_t kMaxPad = (1 << 4) - 1;       // LOAD pad fields

std::string str(int64_t v) { return std::to_string(v); }

// The geometry every tile shares (all tile sizes divide their extents).
struct Geometry {
  int64_t batchBlocks, inBlocks, outBlocks, outH, outW;
  int64_t inRows, inCols;                 // the INP tile of one input block, with its halo
  int64_t tilesB, tilesH, tilesW, tilesCo, ciGroups;
  int64_t threads;
  uint64_t outputs;                       // ACC entries of one tile: tileCo x tileH x tileW
  bool foldedGemm;                        // GEMM loops over (ci, kh); one GEMM per kw
  uint64_t inpSlot, wgtSlot, accSlot;     // per thread, in elements (ACC: outputs, bias, shifts)
  uint64_t gemmUops, uopsPerThread;       // per thread
};

Geometry geometryOf(const VtaConfig &c, const Conv2dShape &s, const Conv2dTiling &t) {
  Geometry g{};
  g.batchBlocks = s.batch / c.batch();
  g.inBlocks = s.inChannels / c.blockIn();
  g.outBlocks = s.outChannels / c.blockOut();
  g.outH = s.outHeight();
  g.outW = s.outWidth();
  g.inRows = (t.tileH - 1) * s.strideH + s.kernelH;
  g.inCols = (t.tileW - 1) * s.strideW + s.kernelW;
  g.tilesB = g.batchBlocks / t.tileB;
  g.tilesH = g.outH / t.tileH;
  g.tilesW = g.outW / t.tileW;
  g.tilesCo = g.outBlocks / t.tileCo;
  g.ciGroups = g.inBlocks / t.tileCi;
  g.threads = t.threads();
  g.outputs = uint64_t(t.tileCo * t.tileH * t.tileW);
  // The accumulator hazard: a micro-op may not write an ACC entry one of the two before
  // it wrote. With at least 3 outputs the reduction can be GEMM loops around them;
  // otherwise each reduction step is its own GEMM instruction.
  g.foldedGemm = g.outputs >= 3;
  g.inpSlot = uint64_t(t.tileCi * g.inRows * g.inCols);
  g.wgtSlot = uint64_t(t.tileCo * t.tileCi * s.kernelH * s.kernelW);
  g.accSlot = g.outputs + 2 * uint64_t(t.tileCo); // + the bias and per-channel shift tiles
  g.gemmUops = g.outputs * uint64_t(g.foldedGemm ? s.kernelW : t.tileCi * s.kernelH * s.kernelW);
  g.uopsPerThread = 3 + g.gemmUops; // reset/ALU, bias add, shift, GEMM kernels
  return g;
}

std::optional<std::string> shapeProblem(const VtaConfig &c, const Conv2dShape &s) {
  if (c.inpBits() != 8 || c.wgtBits() != 8 || c.accBits() != 32)
    return "only int8 inputs and weights with int32 accumulators are supported (config " + c.modelString() + ")";
  if (s.batch < 1 || s.inChannels < 1 || s.height < 1 || s.width < 1 || s.outChannels < 1 || s.kernelH < 1 ||
      s.kernelW < 1 || s.strideH < 1 || s.strideW < 1)
    return std::string("sizes and strides must be positive");
  if (s.padTop < 0 || s.padLeft < 0 || s.padBottom < 0 || s.padRight < 0) return std::string("negative padding");
  if (std::max({s.padTop, s.padLeft, s.padBottom, s.padRight}) > kMaxPad)
    return "padding over " + str(kMaxPad) + " (the LOAD pad fields are 4 bits)";
  if (s.outHeight() < 1 || s.outWidth() < 1) return std::string("the filter is larger than the padded input");
  if (s.inChannels % c.blockIn())
    return "input channels " + str(s.inChannels) + " are not a multiple of BLOCK_IN " + str(c.blockIn());
  if (s.outChannels % c.blockOut())
    return "output channels " + str(s.outChannels) + " are not a multiple of BLOCK_OUT " + str(c.blockOut());
  if (s.batch % c.batch()) return "batch " + str(s.batch) + " is not a multiple of BATCH " + str(c.batch());
  return std::nullopt;
}

std::optional<std::string> capacity(const char *buffer, uint64_t need, uint64_t depth) {
  if (need <= depth) return std::nullopt;
  return std::string("the ") + buffer + " tiles need " + std::to_string(need) + " elements, the buffer holds " +
         std::to_string(depth);
}

DepFlags flags(bool popPrev, bool popNext, bool pushPrev, bool pushNext) {
  DepFlags d;
  d.popPrev = popPrev, d.popNext = popNext, d.pushPrev = pushPrev, d.pushNext = pushNext;
  return d;
}

MemInsn memInsn(Opcode op, MemoryType type, uint32_t sram, uint64_t dram, int64_t ySize, int64_t xSize,
                int64_t xStride) {
  MemInsn m;
  m.opcode = op;
  m.memoryType = type;
  m.sramBase = sram;
  m.dramBase = uint32_t(dram);
  m.ySize = uint32_t(ySize);
  m.xSize = uint32_t(xSize);
  m.xStride = uint32_t(xStride);
  return m;
}

// A LOAD/STORE of nothing that only carries tokens; the memory type picks the module.
MemInsn tokenOnly(Opcode op, MemoryType type, DepFlags deps) {
  MemInsn m = memInsn(op, type, 0, 0, 0, 0, 0);
  m.deps = deps;
  return m;
}

AluInsn aluImm(AluOpcode op, int32_t imm, uint32_t uop, int64_t count) {
  AluInsn a;
  a.aluOpcode = op;
  a.useImm = true;
  a.imm = imm;
  a.uopBgn = uop, a.uopEnd = uop + 1;
  a.iterOut = 1, a.iterIn = uint32_t(count);
  a.dstFactorIn = 1;
  return a;
}

uint64_t elementAddress(uint64_t byteAddress, unsigned elemBytes, const char *what) {
  if (byteAddress % elemBytes)
    throw Error(std::string("conv2d_packed.vta: the ") + what + " address " + std::to_string(byteAddress) +
                " is not aligned to its " + std::to_string(elemBytes) + "-byte elements");
  uint64_t e = byteAddress / elemBytes;
  if (e > UINT32_MAX) throw Error(std::string("conv2d_packed.vta: the ") + what + " address is beyond 32 bits");
  return e;
}

} // namespace

Conv2dFootprint footprint(const VtaConfig &config, const Conv2dShape &shape, const Conv2dTiling &tiling) {
  Geometry g = geometryOf(config, shape, tiling);
  uint64_t t = uint64_t(g.threads);
  return Conv2dFootprint{t * g.inpSlot, t * g.wgtSlot, t * g.accSlot, t * g.uopsPerThread};
}

std::optional<std::string> whyNotEmittable(const VtaConfig &c, const Conv2dShape &s, const Conv2dTiling &t) {
  if (auto why = shapeProblem(c, s)) return why;
  if (t.tileB < 1 || t.tileH < 1 || t.tileW < 1 || t.tileCi < 1 || t.tileCo < 1)
    return std::string("tile sizes must be positive");
  if (t.tileB != 1) return "tile_b inner " + str(t.tileB) + ": only 1 is supported (TVM never applies tile_b)";
  const int64_t outH = s.outHeight(), outW = s.outWidth();
  const int64_t inBlocks = s.inChannels / c.blockIn(), outBlocks = s.outChannels / c.blockOut();
  if (outH % t.tileH) return "tile_h " + str(t.tileH) + " does not divide the output height " + str(outH);
  if (outW % t.tileW) return "tile_w " + str(t.tileW) + " does not divide the output width " + str(outW);
  if (inBlocks % t.tileCi)
    return "tile_ci " + str(t.tileCi) + " does not divide the " + str(inBlocks) + " input channel blocks";
  if (outBlocks % t.tileCo)
    return "tile_co " + str(t.tileCo) + " does not divide the " + str(outBlocks) + " output channel blocks";
  if (t.ocThreads != 1 && t.ocThreads != 2) return "oc_nthread " + str(t.ocThreads) + " is not 1 or 2";
  if (t.hThreads != 1 && t.hThreads != 2) return "h_nthread " + str(t.hThreads) + " is not 1 or 2";
  if ((outBlocks / t.tileCo) % t.ocThreads)
    return "oc_nthread " + str(t.ocThreads) + " needs an even number of channel tiles, there are " +
           str(outBlocks / t.tileCo);
  if ((outH / t.tileH) % t.hThreads)
    return "h_nthread " + str(t.hThreads) + " needs an even number of row tiles, there are " + str(outH / t.tileH);

  Geometry g = geometryOf(c, s, t);
  Conv2dFootprint f = footprint(c, s, t);
  if (auto why = capacity("INP", f.inp, c.inpDepth())) return why;
  if (auto why = capacity("WGT", f.wgt, c.wgtDepth())) return why;
  if (auto why = capacity("ACC", f.acc, std::min(c.accDepth(), c.outDepth()))) return why;
  if (auto why = capacity("micro-op", f.uops, c.uopDepth())) return why;
  // ISA field ranges of the instructions the emitter writes.
  if (g.inCols > kMaxDmaSize || g.wgtSlot > uint64_t(kMaxDmaSize) ||
      std::max<int64_t>({s.width, inBlocks * s.kernelH * s.kernelW, outW}) > kMaxDmaSize)
    return std::string("a DMA row is longer than the 16-bit size/stride fields allow");
  if (g.outputs > uint64_t(kMaxLoopIter))
    return "a tile of " + std::to_string(g.outputs) + " outputs exceeds the 14-bit loop count";
  return std::nullopt;
}

Conv2dStream emitConv2dPacked(const VtaConfig &c, const Conv2dShape &s, const Conv2dTiling &t,
                              const Conv2dEpilogue &epilogue, const Conv2dBuffers &buffers) {
  if (auto why = whyNotEmittable(c, s, t)) throw Error("conv2d_packed.vta: " + *why);
  if (!epilogue.perChannelShift && (epilogue.shift < 0 || epilogue.shift > 15))
    throw Error("conv2d_packed.vta: shift " + std::to_string(epilogue.shift) + " is outside [0, 15]");
  const Geometry g = geometryOf(c, s, t);
  const uint64_t inpE = elementAddress(buffers.input, c.inpElemBytes(), "input");
  const uint64_t wgtE = elementAddress(buffers.weight, c.wgtElemBytes(), "weight");
  const uint64_t biasE = elementAddress(buffers.bias, c.accElemBytes(), "bias");
  const uint64_t outE = elementAddress(buffers.output, c.outElemBytes(), "output");
  const uint64_t shiftE = epilogue.perChannelShift ? elementAddress(buffers.shift, c.accElemBytes(), "shift") : 0;
  const uint64_t uopE = elementAddress(buffers.uops, 4, "micro-op");
  const int64_t T = g.threads, KH = s.kernelH, KW = s.kernelW;
  const uint32_t tileOutputs = uint32_t(g.outputs), rowOutputs = uint32_t(t.tileH * t.tileW);

  // Per-thread buffer slots and micro-ops.
  auto accBase = [&](int64_t th) { return uint32_t(th * g.accSlot); };
  auto biasBase = [&](int64_t th) { return uint32_t(th * g.accSlot + g.outputs); };
  auto shiftBase = [&](int64_t th) { return uint32_t(th * g.accSlot + g.outputs + t.tileCo); };
  auto inpBase = [&](int64_t th) { return uint32_t(th * g.inpSlot); };
  auto wgtBase = [&](int64_t th) { return uint32_t(th * g.wgtSlot); };
  auto uopBase = [&](int64_t th) { return uint32_t(th * g.uopsPerThread); };

  Conv2dStream out;
  for (int64_t th = 0; th < T; ++th) {
    out.uops.push_back(Uop{accBase(th), 0, 0});            // reset, SHR, MAX, MIN
    out.uops.push_back(Uop{accBase(th), biasBase(th), 0});  // bias add
    out.uops.push_back(Uop{accBase(th), shiftBase(th), 0}); // per-channel shift
    // One kernel per filter column (folded) or per (ci, kh, kw) step: the tile's outputs
    // in (channel block, row, column) order.
    const int64_t ciSteps = g.foldedGemm ? 1 : t.tileCi, khSteps = g.foldedGemm ? 1 : KH;
    for (int64_t ci = 0; ci < ciSteps; ++ci)
      for (int64_t kh = 0; kh < khSteps; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw)
          for (int64_t co = 0; co < t.tileCo; ++co)
            for (int64_t oh = 0; oh < t.tileH; ++oh)
              for (int64_t ow = 0; ow < t.tileW; ++ow)
                out.uops.push_back(Uop{
                    uint32_t(accBase(th) + (co * t.tileH + oh) * t.tileW + ow),
                    uint32_t(inpBase(th) + ci * g.inRows * g.inCols + (oh * s.strideH + kh) * g.inCols +
                             ow * s.strideW + kw),
                    uint32_t(wgtBase(th) + ((co * t.tileCi + ci) * KH + kh) * KW + kw)});
  }

  std::vector<Instruction> &p = out.program;
  p.push_back(memInsn(Opcode::Load, MemoryType::Uop, 0, uopE, 1, int64_t(out.uops.size()), int64_t(out.uops.size())));

  // The tiles of thread `th` (oc half, row half), step `step` in its sequence b, h, co, w.
  const int64_t hPerThread = g.tilesH / t.hThreads, coPerThread = g.tilesCo / t.ocThreads;
  const int64_t steps = g.tilesB * hPerThread * coPerThread * g.tilesW;
  struct Origin {
    int64_t n, co, oh, ow; // batch block, first output channel block, first row, first column
  };
  auto origin = [&](int64_t th, int64_t step) {
    const int64_t ocT = th / t.hThreads, hT = th % t.hThreads;
    const int64_t w = step % g.tilesW, co = step / g.tilesW % coPerThread;
    const int64_t h = step / (g.tilesW * coPerThread) % hPerThread, b = step / (g.tilesW * coPerThread * hPerThread);
    return Origin{b * t.tileB, (ocT * coPerThread + co) * t.tileCo, (hT * hPerThread + h) * t.tileH, w * t.tileW};
  };

  uint64_t loadGroup = 0;
  for (int64_t step = 0; step < steps; ++step) {
    for (int64_t th = 0; th < T; ++th) {
      // Reset the accumulators once the store of this thread's previous tile has read OUT.
      GemmInsn reset;
      reset.deps = flags(false, step > 0, false, false);
      reset.resetReg = true;
      reset.uopBgn = uopBase(th), reset.uopEnd = uopBase(th) + 1;
      reset.iterOut = 1, reset.iterIn = tileOutputs, reset.dstFactorIn = 1;
      p.push_back(reset);
    }
    for (int64_t ciGroup = 0; ciGroup < g.ciGroups; ++ciGroup) {
      for (int64_t th = 0; th < T; ++th) {
        const Origin o = origin(th, step);
        // Loads: one INP tile per input block, then the group's weights.
        const size_t firstLoad = p.size();
        const int64_t ih0 = o.oh * s.strideH - s.padTop, iw0 = o.ow * s.strideW - s.padLeft;
        const int64_t padY0 = std::max<int64_t>(0, -ih0), padX0 = std::max<int64_t>(0, -iw0);
        const int64_t padY1 = std::max<int64_t>(0, ih0 + g.inRows - s.height);
        const int64_t padX1 = std::max<int64_t>(0, iw0 + g.inCols - s.width);
        for (int64_t ci = 0; ci < t.tileCi; ++ci) {
          const int64_t block = ciGroup * t.tileCi + ci;
          const uint64_t row0 = uint64_t(((o.n * g.inBlocks + block) * s.height + ih0 + padY0) * s.width + iw0 + padX0);
          MemInsn m = memInsn(Opcode::Load, MemoryType::Inp, uint32_t(inpBase(th) + ci * g.inRows * g.inCols),
                              inpE + row0, g.inRows - padY0 - padY1, g.inCols - padX0 - padX1, s.width);
          m.yPad0 = uint32_t(padY0), m.yPad1 = uint32_t(padY1), m.xPad0 = uint32_t(padX0), m.xPad1 = uint32_t(padX1);
          p.push_back(m);
        }
        const uint64_t w0 = uint64_t((o.co * g.inBlocks + ciGroup * t.tileCi) * KH * KW);
        p.push_back(memInsn(Opcode::Load, MemoryType::Wgt, wgtBase(th), wgtE + w0, t.tileCo, t.tileCi * KH * KW,
                            g.inBlocks * KH * KW));
        // The slot was last used by group loadGroup - T: wait until compute is done with it.
        if (loadGroup >= uint64_t(T)) std::get<MemInsn>(p[firstLoad]).deps.popNext = true;
        std::get<MemInsn>(p.back()).deps.pushNext = true;
        ++loadGroup;

        // GEMMs over the group.
        const size_t firstGemm = p.size();
        const uint32_t kernels = uopBase(th) + 3;
        if (g.foldedGemm) {
          for (int64_t kw = 0; kw < KW; ++kw) {
            GemmInsn gm;
            gm.uopBgn = kernels + uint32_t(kw * g.outputs), gm.uopEnd = gm.uopBgn + tileOutputs;
            gm.iterOut = uint32_t(t.tileCi), gm.iterIn = uint32_t(KH);
            if (t.tileCi > 1) gm.srcFactorOut = uint32_t(g.inRows * g.inCols), gm.wgtFactorOut = uint32_t(KH * KW);
            if (KH > 1) gm.srcFactorIn = uint32_t(g.inCols), gm.wgtFactorIn = uint32_t(KW);
            p.push_back(gm);
          }
        } else {
          for (int64_t k = 0; k < t.tileCi * KH * KW; ++k) {
            GemmInsn gm;
            gm.uopBgn = kernels + uint32_t(k * g.outputs), gm.uopEnd = gm.uopBgn + tileOutputs;
            gm.iterOut = 1, gm.iterIn = 1;
            p.push_back(gm);
          }
        }
        std::get<GemmInsn>(p[firstGemm]).deps.popPrev = true;
        std::get<GemmInsn>(p.back()).deps.pushPrev = true;
      }
    }
    for (int64_t th = 0; th < T; ++th) {
      const Origin o = origin(th, step);
      // Epilogue in ACC: + bias, >> shift, clip; OUT takes the low 8 bits.
      p.push_back(memInsn(Opcode::Load, MemoryType::Acc, biasBase(th), biasE + uint64_t(o.co), 1, t.tileCo, t.tileCo));
      // ACC[co][h][w] op= ACC[tile co], over the tile: bias add, per-channel shift.
      auto perChannel = [&](AluOpcode op, uint32_t uop) {
        AluInsn a;
        a.aluOpcode = op;
        a.uopBgn = uop, a.uopEnd = uop + 1;
        a.iterOut = uint32_t(t.tileCo), a.iterIn = rowOutputs;
        if (t.tileCo > 1) a.dstFactorOut = rowOutputs, a.srcFactorOut = 1;
        a.dstFactorIn = 1;
        return a;
      };
      p.push_back(perChannel(AluOpcode::Add, uopBase(th) + 1));
      if (epilogue.perChannelShift) {
        p.push_back(memInsn(Opcode::Load, MemoryType::Acc, shiftBase(th), shiftE + uint64_t(o.co), 1, t.tileCo,
                            t.tileCo));
        p.push_back(perChannel(AluOpcode::Shr, uopBase(th) + 2));
      } else if (epilogue.shift > 0) {
        p.push_back(aluImm(AluOpcode::Shr, epilogue.shift, uopBase(th), tileOutputs));
      }
      p.push_back(aluImm(AluOpcode::Max, epilogue.relu ? 0 : -128, uopBase(th), tileOutputs));
      p.push_back(aluImm(AluOpcode::Min, epilogue.clipHigh, uopBase(th), tileOutputs));
      std::get<AluInsn>(p.back()).deps.pushNext = true;
      // Stores, one per output channel block.
      const size_t firstStore = p.size();
      for (int64_t co = 0; co < t.tileCo; ++co) {
        const uint64_t row0 = uint64_t(((o.n * g.outBlocks + o.co + co) * g.outH + o.oh) * g.outW + o.ow);
        p.push_back(memInsn(Opcode::Store, MemoryType::Out, uint32_t(accBase(th) + co * rowOutputs), outE + row0,
                            t.tileH, t.tileW, g.outW));
      }
      std::get<MemInsn>(p[firstStore]).deps.popPrev = true;
      std::get<MemInsn>(p.back()).deps.pushPrev = true;
    }
  }

  // Drain: the load module takes the last T compute->load tokens and tells compute it is
  // done; compute takes that and the last T store->compute tokens; then FINISH.
  for (int64_t k = 0; k < T; ++k)
    p.push_back(tokenOnly(Opcode::Load, MemoryType::Inp, flags(false, true, false, k + 1 == T)));
  for (int64_t k = 0; k < T; ++k)
    p.push_back(tokenOnly(Opcode::Load, MemoryType::Uop, flags(k == 0, true, false, false)));
  p.push_back(FinishInsn{});
  return out;
}

Conv2dKernelImage conv2dKernelImage(const VtaConfig &c, const Conv2dShape &s, const Conv2dTiling &t,
                                    const Conv2dEpilogue &e) {
  const uint64_t inBytes = uint64_t(s.batch * s.inChannels * s.height * s.width) * (c.inpBits() / 8);
  const uint64_t wBytes = uint64_t(s.outChannels * s.inChannels * s.kernelH * s.kernelW) * (c.wgtBits() / 8);
  const uint64_t biasBytes = uint64_t(s.outChannels / c.blockOut()) * c.accElemBytes();
  const uint64_t outBytes = uint64_t(s.batch * s.outChannels * s.outHeight() * s.outWidth()) * (c.outBits() / 8);
  Conv2dKernelImage img;
  uint64_t end = 0;
  auto place = [&](uint64_t bytes, uint64_t align) {
    const uint64_t at = (end + align - 1) / align * align;
    end = at + bytes;
    return at;
  };
  // Each operand at a multiple of its element size (DRAM addresses count elements), and of
  // 256 bytes: a 32x32 configuration's weight element is 1024 bytes.
  auto at = [](uint64_t elemBytes) { return std::max<uint64_t>(256, elemBytes); };
  Conv2dBuffers b;
  b.input = place(inBytes, at(c.inpElemBytes()));
  b.weight = place(wBytes, at(c.wgtElemBytes()));
  b.bias = place(biasBytes, at(c.accElemBytes()));
  if (e.perChannelShift) b.shift = place(biasBytes, at(c.accElemBytes()));
  b.output = place(outBytes, at(c.outElemBytes()));
  b.uops = place(0, 256);
  img.stream = emitConv2dPacked(c, s, t, e, b);
  img.uopOffset = place(img.stream.uops.size() * kUopBytes, 4);
  img.insnOffset = place(img.stream.program.size() * kInsnBytes, 256);
  img.imageBytes = place(0, 4096);
  img.buffers = b;
  img.argOffsets = {b.input, b.weight, b.bias};
  if (e.perChannelShift) img.argOffsets.push_back(b.shift);
  img.argOffsets.push_back(b.output);
  return img;
}

std::vector<uint8_t> Conv2dKernelImage::code(const VtaConfig &config) const {
  const Isa isa(config);
  std::vector<uint8_t> out(stream.uops.size() * kUopBytes);
  for (size_t i = 0; i < stream.uops.size(); ++i) storeUop(&out[i * kUopBytes], isa.encodeUop(stream.uops[i]));
  std::vector<InsnWord> words;
  for (const Instruction &insn : stream.program) words.push_back(isa.encode(insn));
  const std::vector<uint8_t> insns = toBytes(words);
  out.insert(out.end(), insns.begin(), insns.end());
  return out;
}

// ---- packing ----

std::vector<int8_t> packActivations(const VtaConfig &c, const std::vector<int8_t> &nchw, int64_t n, int64_t ch,
                                    int64_t h, int64_t w) {
  if (int64_t(nchw.size()) != n * ch * h * w) throw Error("packActivations: the data does not hold N*C*H*W values");
  const int64_t B = c.batch(), C = c.blockIn(), cb = (ch + C - 1) / C, nb = (n + B - 1) / B;
  std::vector<int8_t> out(size_t(nb * cb * h * w * B * C), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < ch; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          out[size_t(((((i / B * cb + k / C) * h + y) * w + x) * B + i % B) * C + k % C)] =
              nchw[size_t(((i * ch + k) * h + y) * w + x)];
  return out;
}

std::vector<int8_t> unpackActivations(const VtaConfig &c, const std::vector<int8_t> &packed, int64_t n, int64_t ch,
                                      int64_t h, int64_t w) {
  const int64_t B = c.batch(), C = c.blockOut(), cb = (ch + C - 1) / C, nb = (n + B - 1) / B;
  if (int64_t(packed.size()) != nb * cb * h * w * B * C)
    throw Error("unpackActivations: the data does not hold the packed N*C*H*W values");
  std::vector<int8_t> out(size_t(n * ch * h * w));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < ch; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          out[size_t(((i * ch + k) * h + y) * w + x)] =
              packed[size_t(((((i / B * cb + k / C) * h + y) * w + x) * B + i % B) * C + k % C)];
  return out;
}

std::vector<int8_t> packWeights(const VtaConfig &c, const std::vector<int8_t> &oihw, int64_t o, int64_t i,
                                int64_t kh, int64_t kw) {
  if (int64_t(oihw.size()) != o * i * kh * kw) throw Error("packWeights: the data does not hold O*I*KH*KW values");
  const int64_t BO = c.blockOut(), BI = c.blockIn(), ob = (o + BO - 1) / BO, ib = (i + BI - 1) / BI;
  std::vector<int8_t> out(size_t(ob * ib * kh * kw * BO * BI), 0);
  for (int64_t a = 0; a < o; ++a)
    for (int64_t b = 0; b < i; ++b)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          out[size_t(((((a / BO * ib + b / BI) * kh + y) * kw + x) * BO + a % BO) * BI + b % BI)] =
              oihw[size_t(((a * i + b) * kh + y) * kw + x)];
  return out;
}

std::vector<int32_t> packBias(const VtaConfig &c, const std::vector<int32_t> &bias) {
  const int64_t BO = c.blockOut(), B = c.batch(), o = int64_t(bias.size()), ob = (o + BO - 1) / BO;
  std::vector<int32_t> out(size_t(ob * B * BO), 0);
  for (int64_t a = 0; a < o; ++a)
    for (int64_t b = 0; b < B; ++b) out[size_t((a / BO * B + b) * BO + a % BO)] = bias[size_t(a)];
  return out;
}

} // namespace rqc::vta
