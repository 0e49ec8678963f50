// The CPU templates (x86 and arm_cpu share the algorithms; the target key changes the
// name and the fallback follows the target's vector width and register count). One file
// per template; this header declares their factories for schedules/Registry.cpp and the
// heuristics they share.
#pragma once

#include "schedules/Template.h"

namespace rqc::schedule::cpu {

// conv2d_NCHWc.<key>: blocked direct convolution (TVM's topi/x86/conv2d.py conv2d_NCHWc).
std::unique_ptr<Template> makeConv2dNCHWc(const std::string &key);
// conv2d_NCHWc_winograd.<key>: 3x3 stride-1 convolutions by Winograd's F(m x m, 3 x 3).
std::unique_ptr<Template> makeConv2dNCHWcWinograd(const std::string &key);
// conv2d_NCHWc_int8.<key>: the integer convolution (uint8/int8 x int8 -> int32) blocked, with
// four-channel dot products (VNNI's vpdpbusd where present).
std::unique_ptr<Template> makeConv2dNCHWcInt8(const std::string &key);
// depthwise_conv2d_NCHWc.<key>: blocked depthwise convolution.
std::unique_ptr<Template> makeDepthwiseConv2dNCHWc(const std::string &key);
// dense_pack.<key>: dense with the weight packed to [M/x, K, x].
std::unique_ptr<Template> makeDensePack(const std::string &key);
// pool2d_NCHWc.<key>: max and average pooling on channel-blocked activations.
std::unique_ptr<Template> makePool2dNCHWc(const std::string &key);
// generic.<key>: every other kernel (elementwise, layout changes, reductions, integer
// kernels): parallel tiles and register tiles per op, vectorized.
std::unique_ptr<Template> makeGeneric(const std::string &key);
// test_faults.<key>: generated kernels that abort, hang or compute wrong values, for
// testing the tuner (registered only with RQC_TEST_FAULT_TEMPLATES=1).
std::unique_ptr<Template> makeTestFaults(const std::string &key);

// The fallback channel block of a tensor with `channels` channels: two vectors, else one,
// else the largest divisor up to two vectors. It depends on the channel count only, so the
// block a convolution writes is the block the next one reads: no layout change between
// them.
int64_t channelBlock(int64_t channels, const TargetDesc &t);

// The channel block of 8-bit activations between the integer kernels (the fallbacks of
// conv2d_NCHWc_int8 and of depthwise_conv2d_NCHWc on 8-bit data): four vectors of i32
// accumulators on AVX-512 (64 channels: per weight load, 7 output columns of vpdpbusd
// with 32 registers, twice the float block's rate on ResNet-18's 7x7 and 14x14 layers),
// otherwise channelBlock's block, or a multiple of 4 when that is not one.
int64_t int8ChannelBlock(int64_t channels, const TargetDesc &t);

// A register block of `columns` output columns x `channels` output channels
// (channelBlock(outChannels)): its accumulators plus one register per weight vector and
// one for the broadcast input fit the target's registers.
struct RegisterBlock {
  int64_t channels;
  int64_t columns;
};
RegisterBlock registerBlock(int64_t outChannels, int64_t outWidth, const TargetDesc &t);

// The steps of a direct convolution on channel-blocked data (conv2d_NCHWc and
// conv2d_NCHWc_int8): data packed NCHW{ic}c, weights `weightLayout`, result NCHW{oc}c; the
// padding computed at root; parallel tiles of (oc block, `rows` output rows); register
// tiles of rows x ow outputs replaced by `microKernel` with `args`; the initializer and
// the epilogue vectorized. Throws InvalidConfig when ow or rows does not divide the output.
Schedule directConvSchedule(const std::string &name, const Workload &w, int64_t ic, const std::string &weightLayout,
                            int64_t oc, int64_t rows, int64_t ow, const std::string &microKernel,
                            std::vector<int64_t> args);

} // namespace rqc::schedule::cpu
