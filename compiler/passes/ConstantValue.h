// The value of a graph.constant, for the passes that fold or rewrite around constants.
#pragma once

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/TensorAttr.h"

#include <optional>

namespace rqc {

// `v`'s tensor when a graph.constant defines it, else nullopt.
inline std::optional<Tensor> constantValue(mlir::Value v) {
  if (auto c = v.getDefiningOp<graph::ConstantOp>()) return graph::fromAttr(c.getValue());
  return std::nullopt;
}

} // namespace rqc
