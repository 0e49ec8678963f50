#include "rqc/runtime/DLPack.h"
#include "rqc/runtime/Error.h"

#include <cstring>

namespace rqc {

namespace {

const char *deviceName(int type) {
  switch (type) {
  case kDLCPU: return "CPU";
  case kDLCUDA: return "CUDA";
  case kDLCUDAHost: return "CUDA host";
  case kDLOpenCL: return "OpenCL";
  case kDLVulkan: return "Vulkan";
  case kDLMetal: return "Metal";
  case kDLVPI: return "VPI";
  case kDLROCM: return "ROCm";
  case kDLROCMHost: return "ROCm host";
  case kDLExtDev: return "ext_dev";
  case kDLCUDAManaged: return "CUDA managed";
  default: return "unknown";
  }
}

bool sameType(DLDataType a, DLDataType b) { return a.code == b.code && a.bits == b.bits && a.lanes == b.lanes; }

bool rqcTypeOf(DLDataType t, DType &out) {
  for (DType d : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64})
    if (sameType(t, toDLDataType(d))) {
      out = d;
      return true;
    }
  return false;
}

Shape shapeOf(const DLTensor &t) { return Shape(t.shape, t.shape + t.ndim); }

void checkDevice(const DLTensor &t, const std::string &what) {
  if (t.device.device_type != kDLCPU)
    throw Error(what + ": tensor is on a " + deviceName(t.device.device_type) + " device (DLPack device type " +
                std::to_string(t.device.device_type) + "); this runtime takes CPU tensors (kDLCPU)");
}

void checkShapeFields(const DLTensor &t, const std::string &what) {
  if (t.ndim < 0) throw Error(what + ": tensor has a negative ndim (" + std::to_string(t.ndim) + ")");
  if (t.ndim > 0 && !t.shape) throw Error(what + ": tensor has ndim " + std::to_string(t.ndim) + " but no shape");
  for (int i = 0; i < t.ndim; ++i)
    if (t.shape[i] < 0) throw Error(what + ": tensor has a negative dimension (" + shapeToString(shapeOf(t)) + ")");
}

// Dense row-major: each stride equals the product of the later dimensions. A dimension of
// size 1 is never stepped over, so its stride is free (PyTorch reports such strides).
void checkContiguous(const DLTensor &t, const std::string &what) {
  if (!t.strides) return;
  int64_t expected = 1;
  bool empty = false;
  for (int i = 0; i < t.ndim; ++i) empty |= t.shape[i] == 0;
  if (empty) return;
  for (int i = t.ndim - 1; i >= 0; --i) {
    if (t.shape[i] != 1 && t.strides[i] != expected) {
      std::string strides;
      for (int j = 0; j < t.ndim; ++j) strides += (j ? "," : "") + std::to_string(t.strides[j]);
      throw Error(what + ": tensor is not densely packed in row-major order (strides [" + strides +
                  "] for shape " + shapeToString(shapeOf(t)) + "); make it contiguous first");
    }
    expected *= t.shape[i];
  }
}

void checkData(const DLTensor &t, const std::string &what) {
  if (!t.data && dlTensorBytes(t) > 0) throw Error(what + ": tensor has no data (null pointer)");
}

} // namespace

DLDataType toDLDataType(DType dtype) {
  switch (dtype) {
  case DType::F32: return {kDLFloat, 32, 1};
  case DType::I8: return {kDLInt, 8, 1};
  case DType::U8: return {kDLUInt, 8, 1};
  case DType::I32: return {kDLInt, 32, 1};
  case DType::I64: return {kDLInt, 64, 1};
  }
  return {kDLOpaqueHandle, 0, 0};
}

std::string describeDLDataType(DLDataType t) {
  std::string base;
  switch (t.code) {
  case kDLInt: base = "int"; break;
  case kDLUInt: base = "uint"; break;
  case kDLFloat: base = "float"; break;
  case kDLBfloat: base = "bfloat"; break;
  case kDLComplex: base = "complex"; break;
  case kDLOpaqueHandle: base = "handle"; break;
  default: base = "type" + std::to_string(t.code) + "_"; break;
  }
  std::string s = base + std::to_string(t.bits);
  if (t.lanes != 1) s += "x" + std::to_string(t.lanes);
  return s;
}

uint64_t dlTensorBytes(const DLTensor &t) {
  uint64_t n = 1;
  for (int i = 0; i < t.ndim && t.shape; ++i) n *= static_cast<uint64_t>(t.shape[i] < 0 ? 0 : t.shape[i]);
  return n * ((static_cast<uint64_t>(t.dtype.bits) * t.dtype.lanes + 7) / 8);
}

void *dlTensorData(const DLTensor &t) { return static_cast<char *>(t.data) + t.byte_offset; }

void checkDLTensor(const DLTensor &t, DType dtype, const Shape &shape, const std::string &what) {
  checkDevice(t, what);
  if (!sameType(t.dtype, toDLDataType(dtype)))
    throw Error(what + ": dtype " + describeDLDataType(t.dtype) + " does not match the model's " + dtypeName(dtype));
  checkShapeFields(t, what);
  if (shapeOf(t) != shape)
    throw Error(what + ": shape " + shapeToString(shapeOf(t)) + " does not match the model's " + shapeToString(shape));
  checkContiguous(t, what);
  checkData(t, what);
}

DLTensor toDLTensor(const Tensor &tensor) {
  DLTensor t{};
  t.data = const_cast<void *>(tensor.raw());
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(tensor.rank());
  t.dtype = toDLDataType(tensor.dtype());
  t.shape = const_cast<int64_t *>(tensor.shape().data());
  t.strides = nullptr;
  t.byte_offset = 0;
  return t;
}

Tensor tensorFromDLTensor(const DLTensor &t, const std::string &what) {
  checkDevice(t, what);
  DType dtype;
  if (!rqcTypeOf(t.dtype, dtype))
    throw Error(what + ": dtype " + describeDLDataType(t.dtype) + " is not supported (float32, int8, uint8, int32, int64)");
  checkShapeFields(t, what);
  checkContiguous(t, what);
  checkData(t, what);
  Tensor out(dtype, shapeOf(t));
  if (out.nbytes()) std::memcpy(out.raw(), dlTensorData(t), out.nbytes());
  return out;
}

} // namespace rqc
