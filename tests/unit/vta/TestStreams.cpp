#include "TestStreams.h"

namespace rqc::vta::test {
namespace {

uint32_t elem(uint64_t byteOffset, unsigned elemBytes) { return uint32_t(byteOffset / elemBytes); }

} // namespace

// ---------------------------------------------------------------------------------
// (a) GEMM tile
BuiltStream buildGemmTile(Image &img, uint32_t seed) {
  constexpr int kRows = 16, kK = 32, kCo = 16, kKBlocks = kK / 16;
  constexpr int kShift = 6;
  constexpr int32_t kRound = 1 << (kShift - 1);
  const VtaConfig &c = img.isa().config();

  std::vector<int8_t> a = randomInt8(kRows * kK, seed);     // [r][k]
  std::vector<int8_t> w = randomInt8(kCo * kK, seed + 1);   // [o][k]
  std::vector<int32_t> bias;
  for (int8_t x : randomInt8(kCo, seed + 2))
    bias.push_back(int32_t(x) * 97);

  BuiltStream s;
  for (int r = 0; r < kRows; ++r)
    for (int o = 0; o < kCo; ++o) {
      int32_t acc = bias[o];
      for (int k = 0; k < kK; ++k)
        acc += int32_t(a[r * kK + k]) * int32_t(w[o * kK + k]);
      s.expected.push_back(requantize(acc, kRound, kShift));
    }

  // A row-major [r][k] already is INP elements [r][k-block][16]; W is packed as WGT
  // elements [k-block][o][16].
  uint64_t aOff = img.putInt8(a);
  std::vector<int8_t> wPacked(kKBlocks * kCo * 16);
  for (int kb = 0; kb < kKBlocks; ++kb)
    for (int o = 0; o < kCo; ++o)
      for (int k = 0; k < 16; ++k)
        wPacked[(kb * kCo + o) * 16 + k] = w[o * kK + kb * 16 + k];
  uint64_t wOff = img.putInt8(wPacked);
  uint64_t biasOff = img.putInt32(bias);
  s.outOffset = img.alloc(kRows * kCo);
  // uop 0: ACC[r] for GEMM, reset and the immediate ALU ops; uop 1: ACC[r] += ACC[16].
  uint64_t uopOff = img.putUops({Uop{0, 0, 0}, Uop{0, 16, 0}});

  Loop reset;
  reset.iterOut = kRows, reset.dstOut = 1;
  Loop mac; // outer: k-block, inner: rows, so one ACC entry is written every 16 micro-ops
  mac.iterOut = kKBlocks, mac.srcOut = 1, mac.wgtOut = 1;
  mac.iterIn = kRows, mac.dstIn = 1, mac.srcIn = kKBlocks;
  Loop rows;
  rows.iterIn = kRows, rows.dstIn = 1;

  s.program = {
      load(MemoryType::Inp, 0, elem(aOff, c.inpElemBytes()), kRows, kKBlocks, kKBlocks),
      load(MemoryType::Wgt, 0, elem(wOff, c.wgtElemBytes()), 1, kKBlocks, kKBlocks, "push_next"),
      loadUops(0, elem(uopOff, 4), 2, "pop_prev"),
      load(MemoryType::Acc, 16, elem(biasOff, c.accElemBytes()), 1, 1, 1),
      gemmReset(0, 1, reset),
      gemm(0, 1, mac),
      aluAcc(AluOpcode::Add, 1, 2, rows),
      aluImm(AluOpcode::Add, kRound, 0, 1, rows),
      aluImm(AluOpcode::Shr, kShift, 0, 1, rows),
      aluImm(AluOpcode::Max, -128, 0, 1, rows),
      aluImm(AluOpcode::Min, 127, 0, 1, rows, "push_next"),
      store(0, elem(s.outOffset, c.outElemBytes()), kRows, 1, 1, "pop_prev,push_prev"),
      noop(Opcode::Load, MemoryType::Uop, "pop_next"),
      finish(),
  };
  return s;
}

// ---------------------------------------------------------------------------------
// (b) 3x3 convolution
BuiltStream buildConv3x3(Image &img, uint32_t seed) {
  constexpr int kC = 32, kO = 32, kH = 8, kW = 8, kCb = kC / 16, kOb = kO / 16;
  constexpr int kTileRows = 4, kTiles = kH / kTileRows;
  constexpr int kInRows = kTileRows + 2, kInCols = kW + 2; // a padded INP tile
  constexpr int kShift = 8;
  const VtaConfig &c = img.isa().config();

  std::vector<int8_t> in = randomInt8(kC * kH * kW, seed);          // NCHW
  std::vector<int8_t> wt = randomInt8(kO * kC * 3 * 3, seed + 1);   // OIHW
  auto inAt = [&](int ch, int y, int x) -> int32_t {
    if (y < 0 || y >= kH || x < 0 || x >= kW)
      return 0;
    return in[(ch * kH + y) * kW + x];
  };

  // Reference output, then packed NCHW1n16c like the stream stores it: [ob][h][w][16].
  BuiltStream s;
  s.expected.resize(kO * kH * kW);
  for (int o = 0; o < kO; ++o)
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        int32_t acc = 0;
        for (int ch = 0; ch < kC; ++ch)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              acc += inAt(ch, y + ky - 1, x + kx - 1) * int32_t(wt[((o * kC + ch) * 3 + ky) * 3 + kx]);
        s.expected[((o / 16 * kH + y) * kW + x) * 16 + o % 16] = requantize(acc, 0, kShift);
      }

  // Input NCHW1n16c: INP element (cb, y, x) at (cb * H + y) * W + x.
  std::vector<int8_t> inPacked(kC * kH * kW);
  for (int ch = 0; ch < kC; ++ch)
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        inPacked[((ch / 16 * kH + y) * kW + x) * 16 + ch % 16] = in[(ch * kH + y) * kW + x];
  // Weights OIHW16o16i: WGT element (ob, cb, ky, kx) at ((ob * Cb + cb) * 3 + ky) * 3 + kx.
  std::vector<int8_t> wPacked(kO * kC * 9);
  for (int o = 0; o < kO; ++o)
    for (int ch = 0; ch < kC; ++ch)
      for (int k = 0; k < 9; ++k)
        wPacked[(((o / 16 * kCb + ch / 16) * 9 + k) * 16 + o % 16) * 16 + ch % 16] = wt[(o * kC + ch) * 9 + k];
  uint64_t inOff = img.putInt8(inPacked);
  uint64_t wOff = img.putInt8(wPacked);
  s.outOffset = img.alloc(kO * kH * kW);

  // SRAM: INP tile of input block cb at cb * 60 (6 x 10 padded), ACC/OUT (ob, row, x) at
  // ob * 32 + row * 8 + x. Micro-ops: [0] reset/ALU, then per input block one kernel of
  // 64 micro-ops over (ob, row, x), each walking the 3x3 window through the loops.
  std::vector<Uop> uops = {Uop{0, 0, 0}};
  for (int cb = 0; cb < kCb; ++cb)
    for (int ob = 0; ob < kOb; ++ob)
      for (int r = 0; r < kTileRows; ++r)
        for (int x = 0; x < kW; ++x)
          uops.push_back(Uop{uint32_t(ob * 32 + r * kW + x), uint32_t(cb * kInRows * kInCols + r * kInCols + x),
                             uint32_t((ob * kCb + cb) * 9)});
  uint64_t uopOff = img.putUops(uops);
  const uint32_t kernelSize = kOb * kTileRows * kW; // 64

  Loop reset;
  reset.iterIn = kOb * kTileRows * kW, reset.dstIn = 1;
  Loop window; // outer: ky, inner: kx; dst fixed per micro-op, 64 micro-ops apart
  window.iterOut = 3, window.srcOut = kInCols, window.wgtOut = 3;
  window.iterIn = 3, window.srcIn = 1, window.wgtIn = 1;
  Loop all = reset;

  std::vector<Instruction> &p = s.program;
  p.push_back(load(MemoryType::Wgt, 0, elem(wOff, c.wgtElemBytes()), 1, kOb * kCb * 9, kOb * kCb * 9));
  p.push_back(loadUops(0, elem(uopOff, 4), uint32_t(uops.size())));
  for (int t = 0; t < kTiles; ++t) {
    // Rows [t*4 - 1, t*4 + 5) of the input; the one outside the image is padding.
    int firstRow = t * kTileRows - 1, lastRow = t * kTileRows + kTileRows; // inclusive
    Pad pad;
    pad.x0 = pad.x1 = 1;
    if (firstRow < 0)
      pad.y0 = 1, firstRow = 0;
    if (lastRow >= kH)
      pad.y1 = 1, lastRow = kH - 1;
    uint32_t rows = uint32_t(lastRow - firstRow + 1);
    for (int cb = 0; cb < kCb; ++cb) {
      std::string flags = cb == 0 && t > 0 ? "pop_next" : "";         // INP free again (WAR)
      if (cb == kCb - 1)
        flags += flags.empty() ? "push_next" : ",push_next";          // INP ready (RAW)
      uint32_t dram = elem(inOff, c.inpElemBytes()) + uint32_t((cb * kH + firstRow) * kW);
      p.push_back(load(MemoryType::Inp, uint32_t(cb * kInRows * kInCols), dram, rows, kW, kW, flags, pad));
    }
    // Compute: wait for the INP tile, and (after the first tile) for the store of the
    // previous tile to have read OUT.
    p.push_back(gemmReset(0, 1, reset, t > 0 ? "pop_prev,pop_next" : "pop_prev"));
    for (int cb = 0; cb < kCb; ++cb)
      p.push_back(gemm(1 + cb * kernelSize, 1 + (cb + 1) * kernelSize, window, cb == kCb - 1 ? "push_prev" : ""));
    p.push_back(aluImm(AluOpcode::Shr, kShift, 0, 1, all));
    p.push_back(aluImm(AluOpcode::Max, -128, 0, 1, all));
    p.push_back(aluImm(AluOpcode::Min, 127, 0, 1, all, "push_next"));
    for (int ob = 0; ob < kOb; ++ob) {
      uint32_t dram = elem(s.outOffset, c.outElemBytes()) + uint32_t((ob * kH + t * kTileRows) * kW);
      p.push_back(store(uint32_t(ob * 32), dram, kTileRows, kW, kW,
                        ob == 0 ? (ob == kOb - 1 ? "pop_prev,push_prev" : "pop_prev")
                                : (ob == kOb - 1 ? "push_prev" : "")));
    }
  }
  // Drain the last WAR tokens so every queue ends empty and all work precedes FINISH.
  p.push_back(noop(Opcode::Load, MemoryType::Inp, "pop_next,push_next"));
  p.push_back(noop(Opcode::Load, MemoryType::Uop, "pop_prev,pop_next"));
  p.push_back(finish());
  return s;
}

// ---------------------------------------------------------------------------------
// (c) virtual threads
BuiltStream buildVirtualThreadGemm(Image &img, unsigned threads, unsigned tiles, uint32_t seed) {
  constexpr int kRows = 16, kK = 128, kKb = kK / 16, kCo = 64, kCob = kCo / 16;
  constexpr int kShift = 9;
  constexpr int32_t kRound = 1 << (kShift - 1);
  constexpr uint32_t kInpPerTile = kRows * kKb;  // 128 INP entries
  constexpr uint32_t kAccPerTile = kRows * kCob; // 64 ACC entries, (r, cob) at r * 4 + cob
  constexpr uint32_t kUopsPerThread = 1 + kCob;  // reset/ALU, then the GEMM kernel
  const VtaConfig &c = img.isa().config();

  std::vector<int8_t> w = randomInt8(kCo * kK, seed); // [o][k], shared by every tile
  std::vector<int8_t> wPacked(kCob * kKb * 256);      // WGT element (cob, kb) at cob * Kb + kb
  for (int o = 0; o < kCo; ++o)
    for (int k = 0; k < kK; ++k)
      wPacked[((o / 16 * kKb + k / 16) * 16 + o % 16) * 16 + k % 16] = w[o * kK + k];
  uint64_t wOff = img.putInt8(wPacked);

  BuiltStream s;
  std::vector<uint64_t> aOff(tiles);
  for (unsigned t = 0; t < tiles; ++t) {
    std::vector<int8_t> a = randomInt8(kRows * kK, seed + 1 + t); // [r][k] = INP [r][kb]
    aOff[t] = img.putInt8(a);
    for (int r = 0; r < kRows; ++r)
      for (int o = 0; o < kCo; ++o) {
        int32_t acc = 0;
        for (int k = 0; k < kK; ++k)
          acc += int32_t(a[r * kK + k]) * int32_t(w[o * kK + k]);
        s.expected.push_back(requantize(acc, kRound, kShift)); // [t][r][o]
      }
  }
  s.outOffset = img.alloc(tiles * kRows * kCo);

  // Per thread b: uop 0 = ACC base (reset, ALU), uops 1.. = GEMM kernel over cob.
  std::vector<Uop> uops;
  for (unsigned b = 0; b < threads; ++b) {
    uops.push_back(Uop{b * kAccPerTile, 0, 0});
    for (uint32_t cob = 0; cob < kCob; ++cob)
      uops.push_back(Uop{b * kAccPerTile + cob, b * kInpPerTile, cob * kKb});
  }
  uint64_t uopOff = img.putUops(uops);

  Loop all;
  all.iterIn = kAccPerTile, all.dstIn = 1;
  Loop mac; // outer: k-block, inner: rows, micro-ops: output blocks
  mac.iterOut = kKb, mac.srcOut = 1, mac.wgtOut = 1;
  mac.iterIn = kRows, mac.dstIn = kCob, mac.srcIn = kKb;

  std::vector<Instruction> &p = s.program;
  p.push_back(load(MemoryType::Wgt, 0, elem(wOff, c.wgtElemBytes()), 1, kCob * kKb, kCob * kKb));
  p.push_back(loadUops(0, elem(uopOff, 4), uint32_t(uops.size())));
  auto with = [](std::string flags, bool cond, const char *flag) {
    if (cond)
      flags += (flags.empty() ? "" : ",") + std::string(flag);
    return flags;
  };
  for (unsigned t = 0; t < tiles; ++t) {
    unsigned b = t % threads;
    bool reuse = t >= threads; // this tile's buffers were used by tile t - threads
    uint32_t uop0 = b * kUopsPerThread;
    p.push_back(load(MemoryType::Inp, b * kInpPerTile, elem(aOff[t], c.inpElemBytes()), kRows, kKb, kKb,
                     with("push_next", reuse, "pop_next")));
    p.push_back(gemmReset(uop0, uop0 + 1, all, with("pop_prev", reuse, "pop_next")));
    p.push_back(gemm(uop0 + 1, uop0 + 1 + kCob, mac, "push_prev"));
    p.push_back(aluImm(AluOpcode::Add, kRound, uop0, uop0 + 1, all));
    p.push_back(aluImm(AluOpcode::Shr, kShift, uop0, uop0 + 1, all));
    p.push_back(aluImm(AluOpcode::Max, -128, uop0, uop0 + 1, all));
    p.push_back(aluImm(AluOpcode::Min, 127, uop0, uop0 + 1, all, "push_next"));
    uint32_t dram = elem(s.outOffset, c.outElemBytes()) + t * kAccPerTile;
    p.push_back(store(b * kAccPerTile, dram, 1, kAccPerTile, kAccPerTile, "pop_prev,push_prev"));
  }
  // Drain: the last `threads` WAR tokens of each direction, then order all before FINISH.
  for (unsigned k = 0; k < threads; ++k)
    p.push_back(noop(Opcode::Load, MemoryType::Inp, k + 1 == threads ? "pop_next,push_next" : "pop_next"));
  for (unsigned k = 0; k < threads; ++k)
    p.push_back(noop(Opcode::Load, MemoryType::Uop, k == 0 ? "pop_prev,pop_next" : "pop_next"));
  p.push_back(finish());
  return s;
}

} // namespace rqc::vta::test
