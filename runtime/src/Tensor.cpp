#include "rqc/runtime/Tensor.h"

#include "AlignedMemory.h"
#include "rqc/runtime/Error.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace rqc {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32: return 4;
  case DType::I8: return 1;
  case DType::U8: return 1;
  case DType::I32: return 4;
  case DType::I64: return 8;
  }
  return 0;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "float32";
  case DType::I8: return "int8";
  case DType::U8: return "uint8";
  case DType::I32: return "int32";
  case DType::I64: return "int64";
  }
  return "?";
}

int64_t numElements(const Shape &shape) {
  // A zero dimension anywhere empties the tensor, however large the others are (and their
  // product must not be formed: it may overflow).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shapeToString(const Shape &shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(shape[i]);
  }
  return s;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d < 0) throw Error("negative dimension in tensor shape " + shapeToString(shape_));
  int64_t elements = 1;
  for (int64_t d : shape_)
    if (d != 0 && __builtin_mul_overflow(elements, d, &elements))
      throw Error("tensor shape " + shapeToString(shape_) + " has more elements than int64 holds");
  uint64_t byteCount;
  if (__builtin_mul_overflow(uint64_t(elements), uint64_t(dtypeSize(dtype_)), &byteCount) || byteCount > UINT64_MAX - 64)
    throw Error("tensor shape " + shapeToString(shape_) + " needs more bytes than exist");
  size_t bytes = (nbytes() + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  void *p = allocateAligned(bytes);
  if (!p) throw Error("out of memory allocating a " + shapeToString(shape_) + " tensor");
  std::memset(p, 0, bytes);
  storage_.reset(static_cast<uint8_t *>(p), [](uint8_t *q) { std::free(q); });
}

Tensor Tensor::reshaped(Shape shape) const {
  if (numElements(shape) != numel())
    throw Error("cannot reshape " + shapeToString(shape_) + " to " + shapeToString(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

void Tensor::checkType(DType expected) const {
  if (expected != dtype_)
    throw Error(std::string("tensor has dtype ") + dtypeName(dtype_) + ", accessed as " +
                dtypeName(expected));
}

} // namespace rqc
