// A dense, row-major host tensor with 64-byte aligned, shared storage.
// Used by the reference executor, .npy/.npz I/O and (later) the runtime's executor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rqc {

enum class DType : uint8_t { F32, I8, U8, I32, I64 };

size_t dtypeSize(DType dtype);
const char *dtypeName(DType dtype); // "float32", "int8", ...

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::I8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };

using Shape = std::vector<int64_t>;
int64_t numElements(const Shape &shape);
std::string shapeToString(const Shape &shape); // "1x3x224x224"

class Tensor {
public:
  Tensor() = default;
  // Zero-initialised tensor.
  Tensor(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_.at(static_cast<size_t>(i)); }
  int64_t numel() const { return numElements(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtypeSize(dtype_); }
  bool empty() const { return !storage_; }

  void *raw() { return storage_.get(); }
  const void *raw() const { return storage_.get(); }

  // Typed access; throws rqc::Error on a dtype mismatch.
  template <typename T> T *data() {
    checkType(DTypeOf<T>::value);
    return static_cast<T *>(raw());
  }
  template <typename T> const T *data() const {
    checkType(DTypeOf<T>::value);
    return static_cast<const T *>(raw());
  }

  // Same storage, another shape with the same number of elements.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;

private:
  void checkType(DType expected) const;

  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<uint8_t> storage_;
};

} // namespace rqc
