// One int8 convolution on VTA as an instruction stream: the mechanism behind the
// conv2d_packed.vta schedule template (schedules/vta/conv2d_packed.cpp), which chooses the
// tiling. The algorithm is TVM's vta_conv2d.py schedule as described in
// ../shared/reference/vta.md section 4 (no TVM code is used):
//
//   layouts   activations NCHW{BATCH}n{BLOCK_IN}c (one INP/OUT element = the BLOCK channels
//             of one position), weights OIHW{BLOCK_OUT}o{BLOCK_IN}i (one WGT element = a
//             BLOCK_OUT x BLOCK_IN block, output channel as the row), bias (OC/BLOCK_OUT,
//             BATCH, BLOCK_OUT) int32 (one ACC element);
//   tiles     the output is cut into tiles of tileCo channel blocks x tileH rows x tileW
//             columns of one batch block; per tile the input channels are reduced in
//             groups of tileCi blocks: one INP load per block (its zero border made by the
//             LOAD's padding fields) and one WGT load per group;
//   compute   GEMM over micro-ops that walk the tile's outputs (channel block, row,
//             column), with the input-channel blocks and the filter rows as the GEMM's
//             two loops and one GEMM per filter column; then the epilogue in ACC: bias
//             add (LOAD ACC + ALU ADD), SHR by `shift`, MAX/MIN clip (ReLU clips at 0);
//             OUT holds the low 8 bits, STOREd per channel block;
//   threads   ocThreads x hThreads virtual threads (TVM's oc_nthread, h_nthread): the
//             tiles are dealt to the threads (channel tiles, then row tiles, in halves),
//             every on-chip buffer is split between them, and the threads' tiles are
//             interleaved in the stream with dependency tokens, so the load module
//             fills one thread's buffers while compute works on another's, and the
//             store of one overlaps the other's compute.
//
// Tokens: load group j (one input-channel group of one tile) pops the compute->load
// token of group j - threads (its buffer slot is free) and pushes load->compute; compute
// pops that before the group's GEMMs and pushes compute->load after; a tile's epilogue
// pushes compute->store; its STOREs pop that and push store->compute, which the same
// thread's next tile pops before resetting its accumulators (GEMM and ALU also write
// OUT). The stream ends by draining the last tokens, so the token balance is zero and
// everything is ordered before FINISH (the simulator's checker verifies both).
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/Instruction.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rqc::vta {

// The convolution in unpacked terms (NCHW data, OIHW weights). Channels must be multiples
// of BLOCK_IN (inChannels) and BLOCK_OUT (outChannels), the batch a multiple of BATCH
// (the graph side pads channels with zeros). Dilation 1, groups 1.
struct Conv2dShape {
  int64_t batch = 1, inChannels = 16, height = 1, width = 1;
  int64_t outChannels = 16, kernelH = 1, kernelW = 1;
  int64_t strideH = 1, strideW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;

  int64_t outHeight() const { return (height + padTop + padBottom - kernelH) / strideH + 1; }
  int64_t outWidth() const { return (width + padLeft + padRight - kernelW) / strideW + 1; }
  int64_t macs() const { return batch * outChannels * outHeight() * outWidth() * inChannels * kernelH * kernelW; }
};

// One point of conv2d_packed.vta's space, in VTA elements: tileCo/tileCi count channel
// blocks of BLOCK_OUT/BLOCK_IN, tileB batch blocks (TVM defines tile_b but never applies
// it; only 1 is accepted), tileH/tileW output rows/columns. Every tile size divides its
// extent (AutoTVM's "factors" splits), so all tiles have one shape.
struct Conv2dTiling {
  int64_t tileB = 1, tileH = 1, tileW = 1, tileCi = 1, tileCo = 1;
  int64_t ocThreads = 1, hThreads = 1;
  int64_t threads() const { return ocThreads * hThreads; }
};

// The requantization epilogue: out = clip((conv + bias) >> shift, relu ? 0 : -128, clipHigh),
// with an arithmetic (flooring) shift; fold the rounding 2^(shift-1) into the bias. The
// shift is in [0, 15] (the Pynq ALU's shift range): one for the tensor, or with
// perChannelShift one per output channel (power-of-two per-channel weight scales), read
// from Conv2dBuffers::shift by an ALU SHR with a register operand.
struct Conv2dEpilogue {
  int shift = 0;
  bool relu = false;
  bool perChannelShift = false;
  int clipHigh = 127; // below 127 for a ReLU6 (Clip) quantized with scale s: round(6 / s)
};

// Physical byte addresses of the stream's DRAM operands, each aligned to its element size
// (INP/OUT 16, WGT 256, ACC 64, micro-ops 4 bytes on Pynq).
struct Conv2dBuffers {
  uint64_t input = 0;   // packed activations, NCHW{BATCH}n{BLOCK_IN}c
  uint64_t weight = 0;  // packed weights, OIHW{BLOCK_OUT}o{BLOCK_IN}i
  uint64_t bias = 0;    // packed int32 bias, (OC/BLOCK_OUT, BATCH, BLOCK_OUT)
  uint64_t output = 0;  // packed int8 result, NCHW{BATCH}n{BLOCK_OUT}c
  uint64_t shift = 0;   // perChannelShift: packed int32 shifts in [0, 15], laid out as the bias
  uint64_t uops = 0;    // where the caller puts the returned micro-ops
};

struct Conv2dStream {
  std::vector<Instruction> program; // ends with FINISH
  std::vector<Uop> uops;            // loaded once by the stream's first instruction
};

// On-chip footprint of a tiling, in elements of each buffer (all threads together). The
// tile sizes must be positive (whyNotEmittable checks that before it calls this).
struct Conv2dFootprint {
  uint64_t inp = 0, wgt = 0, acc = 0, uops = 0;
};
Conv2dFootprint footprint(const VtaConfig &config, const Conv2dShape &shape, const Conv2dTiling &tiling);

// Why `tiling` cannot be emitted for `shape` on `config` (a tile size that does not divide
// its extent, a thread split of an odd number of tiles, a buffer over capacity, an ISA
// field out of range), as one line, e.g. "the INP tiles need 2450 elements, the buffer
// holds 2048"; nullopt when it can. Also refuses shapes VTA cannot run (channels not
// multiples of the block, padding over 15). (Dilation is not representable in
// Conv2dShape: the templates refuse dilated workloads; the epilogue's shift is checked by
// emitConv2dPacked.)
std::optional<std::string> whyNotEmittable(const VtaConfig &config, const Conv2dShape &shape,
                                           const Conv2dTiling &tiling);

// The stream for one convolution. Throws rqc::Error with whyNotEmittable's message when
// the tiling cannot be emitted; every stream it returns passes the simulator's checker.
Conv2dStream emitConv2dPacked(const VtaConfig &config, const Conv2dShape &shape, const Conv2dTiling &tiling,
                              const Conv2dEpilogue &epilogue, const Conv2dBuffers &buffers);

// A convolution as a self-contained kernel image for a package (docs/package-format.md,
// device "vta"): input, weight, bias, the shifts (perChannelShift only) and output at
// `argOffsets` (in that order, the package's arg order; each aligned to 256 bytes and to its
// element size (1024 bytes for a 32x32 weight element); also by name
// in `buffers`), then the micro-ops (`uopOffset`) and the instructions (`insnOffset`,
// 256-byte aligned); all offsets in bytes, `imageBytes` a multiple of 4096, every DRAM
// address in the stream relative to the image's start. Throws as emitConv2dPacked.
struct Conv2dKernelImage {
  uint64_t imageBytes = 0;
  std::vector<uint64_t> argOffsets; // input, weight, bias, [shift,] output
  Conv2dBuffers buffers;            // the same offsets by name (uops: uopOffset)
  uint64_t uopOffset = 0, insnOffset = 0;
  Conv2dStream stream;
  // vta.bin's bytes for this kernel: the encoded micro-ops, then the instructions.
  std::vector<uint8_t> code(const VtaConfig &config) const;
};
Conv2dKernelImage conv2dKernelImage(const VtaConfig &config, const Conv2dShape &shape, const Conv2dTiling &tiling,
                                    const Conv2dEpilogue &epilogue);

// ---- packing (layouts above); channels are zero-padded up to the block ----
// NCHW int8 [N, C, H, W] -> NCHW{BATCH}n{BLOCK_IN}c; bytes =
// ceil(N/BATCH)*BATCH * ceil(C/BLOCK_IN)*BLOCK_IN * H * W (padding zero).
std::vector<int8_t> packActivations(const VtaConfig &config, const std::vector<int8_t> &nchw, int64_t n, int64_t c,
                                    int64_t h, int64_t w);
// NCHW{BATCH}n{BLOCK_OUT}c -> NCHW int8 [N, C, H, W] (dropping padded channels).
std::vector<int8_t> unpackActivations(const VtaConfig &config, const std::vector<int8_t> &packed, int64_t n,
                                      int64_t c, int64_t h, int64_t w);
// OIHW int8 [O, I, KH, KW] -> OIHW{BLOCK_OUT}o{BLOCK_IN}i.
std::vector<int8_t> packWeights(const VtaConfig &config, const std::vector<int8_t> &oihw, int64_t o, int64_t i,
                                int64_t kh, int64_t kw);
// int32 [O] -> (ceil(O/BLOCK_OUT), BATCH, BLOCK_OUT), broadcast over the batch lanes.
std::vector<int32_t> packBias(const VtaConfig &config, const std::vector<int32_t> &bias);

} // namespace rqc::vta
