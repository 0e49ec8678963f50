// Conversions between host tensors (rqc::Tensor) and MLIR types/attributes.
#pragma once

#include "rqc/runtime/Tensor.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace rqc::graph {

mlir::Type elementTypeFor(DType dtype, mlir::MLIRContext *ctx);
// Throws rqc::Error for element types the graph dialect does not use.
DType dtypeFor(mlir::Type elementType);
mlir::RankedTensorType tensorTypeFor(DType dtype, const Shape &shape, mlir::MLIRContext *ctx);

mlir::DenseElementsAttr toAttr(const Tensor &tensor, mlir::MLIRContext *ctx);
Tensor fromAttr(mlir::ElementsAttr attr);

} // namespace rqc::graph
