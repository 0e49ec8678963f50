// The CPU templates (x86 and arm_cpu share the algorithms; the target key changes the
// name and the fallback follows the target's vector width and register count). One file
// per template; this header declares their factories for schedules/Registry.cpp and the
// heuristics they share.
#pragma once

#include "schedules/Template.h"

namespace rqc::schedule::cpu {

// conv2d_NCHWc.<key>: blocked direct convolution (TVM's topi/x86/conv2d.py conv2d_NCHWc).
std::unique_ptr<Template> makeConv2dNCHWc(const std::string &key);
// depthwise_conv2d_NCHWc.<key>: blocked depthwise convolution.
std::unique_ptr<Template> makeDepthwiseConv2dNCHWc(const std::string &key);
// dense_pack.<key>: dense with the weight packed to [M/x, K, x].
std::unique_ptr<Template> makeDensePack(const std::string &key);
// pool2d_NCHWc.<key>: max and average pooling on channel-blocked activations.
std::unique_ptr<Template> makePool2dNCHWc(const std::string &key);
// generic.<key>: every other kernel (elementwise, layout changes, reductions, integer
// kernels): parallel tiles and register tiles per op, vectorized.
std::unique_ptr<Template> makeGeneric(const std::string &key);

// A register block for an output tile of `owBlocks` columns x `vectors` vectors of output
// channels: the accumulators (owBlock * vectors) plus one register per weight vector and
// one for the broadcast input must fit the target's registers.
struct RegisterBlock {
  int64_t channels; // output-channel block (a multiple of the lanes when possible)
  int64_t columns;  // output-column block
};
// The fallback block for `outChannels` x `outWidth` outputs: the most accumulators that fit,
// then the wider channel block (fewer broadcasts per FMA).
RegisterBlock registerBlock(int64_t outChannels, int64_t outWidth, const TargetDesc &t);

} // namespace rqc::schedule::cpu
