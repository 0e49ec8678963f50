// DLPack interop: the C++ API exchanges tensors as DLTensor (dlpack 0.6), the common
// in-memory tensor structure of PyTorch, TVM, ONNX Runtime and others.
#pragma once

#include "rqc/runtime/Tensor.h"

#include <dlpack/dlpack.h>

#include <string>

namespace rqc {

DLDataType toDLDataType(DType dtype);
// "float32", "int16", "float32x4" (lanes), "bfloat16", ...
std::string describeDLDataType(DLDataType type);

// Bytes of a DLTensor's elements (shape product times element size).
uint64_t dlTensorBytes(const DLTensor &tensor);
// Where the elements start: data + byte_offset.
void *dlTensorData(const DLTensor &tensor);

// Throws rqc::Error, starting with `what`, unless `tensor` is a CPU tensor of exactly
// `dtype` and `shape`, densely packed in row-major order (strides NULL or compact; the
// stride of a dimension of size 1 does not matter), with data for its elements.
void checkDLTensor(const DLTensor &tensor, DType dtype, const Shape &shape, const std::string &what);

// A DLTensor viewing `tensor`'s storage; valid while `tensor` (or a copy sharing its
// storage) lives. The shape pointer refers to `tensor.shape()`.
DLTensor toDLTensor(const Tensor &tensor);

// A Tensor holding a copy of a contiguous CPU DLTensor of a dtype rqc supports.
Tensor tensorFromDLTensor(const DLTensor &tensor, const std::string &what);

} // namespace rqc
