// The value of a graph.constant, for the passes that fold or rewrite around constants.
#pragma once

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/TensorAttr.h"

#include <optional>
#include <vector>

namespace rqc {

// `v`'s tensor when a graph.constant defines it, else nullopt.
inline std::optional<Tensor> constantValue(mlir::Value v) {
  if (auto c = v.getDefiningOp<graph::ConstantOp>()) return graph::fromAttr(c.getValue());
  return std::nullopt;
}

// The i32 bias of an integer convolution, in units of accScale[c] = sx * sw[c]: a
// dequantized i32 constant at exactly that scale (what quantizers write) is taken as it
// is; a float constant is rounded half to even, as ONNX Runtime's quantizer rounds it;
// nullopt for anything else (rqc-qdq-to-integer, rqc-partition-vta).
std::optional<Tensor> integerBias(mlir::Value bias, const std::vector<float> &accScale);

// Whether int8 weights [O, I, ...] keep 255 * (|w[o][2k][t]| + |w[o][2k+1][t]|) <= 32767 for
// every output channel, tap t and pair of neighbouring input channels (an odd last channel
// pairs with a zero): a byte times each, summed, then fits i16, so vpmaddubsw (u8 x s8
// pairs into saturating i16, x86 without VNNI) is exact. 7-bit weights always do.
bool neighbourPairsFitI16(const Tensor &w);

} // namespace rqc
