#include "ir/Graph/TensorAttr.h"

#include "rqc/runtime/Error.h"

#include <cstring>

using namespace mlir;

namespace rqc::graph {

Type elementTypeFor(DType dtype, MLIRContext *ctx) {
  switch (dtype) {
  case DType::F32: return Float32Type::get(ctx);
  case DType::I8: return IntegerType::get(ctx, 8);
  case DType::U8: return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case DType::I32: return IntegerType::get(ctx, 32);
  case DType::I64: return IntegerType::get(ctx, 64);
  }
  return {};
}

DType dtypeFor(Type t) {
  if (t.isF32()) return DType::F32;
  if (auto i = llvm::dyn_cast<IntegerType>(t)) {
    if (i.getWidth() == 8) return i.isUnsigned() ? DType::U8 : DType::I8;
    if (i.getWidth() == 32 && !i.isUnsigned()) return DType::I32;
    if (i.getWidth() == 64 && !i.isUnsigned()) return DType::I64;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  throw Error("element type " + os.str() + " is not supported");
}

RankedTensorType tensorTypeFor(DType dtype, const Shape &shape, MLIRContext *ctx) {
  return RankedTensorType::get(shape, elementTypeFor(dtype, ctx));
}

DenseElementsAttr toAttr(const Tensor &tensor, MLIRContext *ctx) {
  auto type = tensorTypeFor(tensor.dtype(), tensor.shape(), ctx);
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(static_cast<const char *>(tensor.raw()), tensor.nbytes()));
}

Tensor fromAttr(ElementsAttr attr) {
  auto type = llvm::cast<RankedTensorType>(attr.getType());
  Tensor t(dtypeFor(type.getElementType()), Shape(type.getShape().begin(), type.getShape().end()));
  auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
  if (!dense) throw Error("only dense constants are supported");
  ArrayRef<char> raw = dense.getRawData();
  size_t elem = dtypeSize(t.dtype());
  if (dense.isSplat()) {
    auto *dst = static_cast<char *>(t.raw());
    for (int64_t i = 0; i < t.numel(); ++i) std::memcpy(dst + i * elem, raw.data(), elem);
  } else {
    if (t.nbytes()) std::memcpy(t.raw(), raw.data(), t.nbytes()); // an empty tensor has no storage
  }
  return t;
}

} // namespace rqc::graph
