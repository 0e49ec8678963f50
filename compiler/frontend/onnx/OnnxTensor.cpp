#include "compiler/frontend/onnx/OnnxTensor.h"

#include "rqc/runtime/Error.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <charconv>
#include <fstream>
#include <sstream>

namespace rqc::onnx_import {

std::string onnxTypeName(int t) {
  if (::onnx::TensorProto_DataType_IsValid(t))
    return ::onnx::TensorProto_DataType_Name(static_cast<::onnx::TensorProto_DataType>(t));
  return "type " + std::to_string(t);
}

DType dtypeForOnnx(int t, const std::string &what) {
  switch (t) {
  case ::onnx::TensorProto::FLOAT: return DType::F32;
  case ::onnx::TensorProto::INT8: return DType::I8;
  case ::onnx::TensorProto::UINT8: return DType::U8;
  case ::onnx::TensorProto::INT32: return DType::I32;
  case ::onnx::TensorProto::INT64: return DType::I64;
  default:
    throw Error(what + " has element type " + onnxTypeName(t) +
                ", which rqc does not support (float32, int8, uint8, int32, int64)");
  }
}

namespace {

// Reads `length` bytes at `offset` of an external-data file.
std::string readExternal(const ::onnx::TensorProto &proto, const std::string &baseDir,
                         const std::string &what) {
  std::string location;
  int64_t offset = 0, length = -1;
  // std::stoll would throw a bare std::invalid_argument ("stoll") for a malformed number.
  auto number = [&](const ::onnx::StringStringEntryProto &kv) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(kv.value().data(), kv.value().data() + kv.value().size(), v);
    if (ec != std::errc() || end != kv.value().data() + kv.value().size() || v < 0)
      throw Error(what + ": external data " + kv.key() + " '" + kv.value() + "' is not a number");
    return v;
  };
  for (const auto &kv : proto.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = number(kv);
    else if (kv.key() == "length") length = number(kv);
  }
  if (location.empty()) throw Error(what + ": external data without a location");
  if (location.find("..") != std::string::npos || location[0] == '/')
    throw Error(what + ": external data location '" + location +
                "' must be a file next to the model");
  std::string path = baseDir.empty() ? location : baseDir + "/" + location;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(what + ": cannot open external data file '" + path + "'");
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  if (offset < 0 || offset + length > size)
    throw Error(what + ": external data file '" + path + "' is too short (" +
                std::to_string(size) + " bytes, need " + std::to_string(offset + length) + ")");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

template <typename Dst, typename Field> void copyTyped(Tensor &t, const Field &field) {
  Dst *dst = t.data<Dst>();
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<Dst>(field.Get(static_cast<int>(i)));
}

} // namespace

Tensor readTensorProto(const ::onnx::TensorProto &proto, const std::string &baseDir) {
  std::string what = "tensor '" + proto.name() + "'";
  DType dtype = dtypeForOnnx(proto.data_type(), what);
  Shape shape(proto.dims().begin(), proto.dims().end());
  // Validate the declared size against the data before allocating anything, so a
  // malformed file cannot request an absurd allocation.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(what + " has a negative dimension");
    if (d > 0 && n > (int64_t(1) << 40) / d) throw Error(what + " is impossibly large (" + shapeToString(shape) + ")");
    n *= d;
  }
  const int64_t bytes = n * static_cast<int64_t>(dtypeSize(dtype));
  int64_t available = -1; // bytes (raw/external) or values (typed fields)
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL) available = bytes; // checked on read
  else if (proto.has_raw_data()) available = static_cast<int64_t>(proto.raw_data().size());
  if (available >= 0 && available != bytes)
    throw Error(what + ": raw data has " + std::to_string(available) + " bytes, its shape " +
                shapeToString(shape) + " needs " + std::to_string(bytes));
  if (available < 0) {
    int64_t have = dtype == DType::F32 ? proto.float_data_size()
                 : dtype == DType::I64 ? proto.int64_data_size() : proto.int32_data_size();
    if (have != n)
      throw Error(what + " has " + std::to_string(have) + " values, its shape " + shapeToString(shape) +
                  " needs " + std::to_string(n));
  }
  Tensor t(dtype, shape);

  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL) {
    std::string bytes = readExternal(proto, baseDir, what);
    if (bytes.size() != t.nbytes())
      throw Error(what + ": external data has " + std::to_string(bytes.size()) +
                  " bytes, its shape needs " + std::to_string(t.nbytes()));
    if (!bytes.empty()) std::memcpy(t.raw(), bytes.data(), bytes.size()); // empty: no storage
    return t;
  }
  if (proto.has_raw_data()) {
    if (t.nbytes()) std::memcpy(t.raw(), proto.raw_data().data(), t.nbytes()); // empty: no storage
    return t;
  }
  switch (dtype) {
  case DType::F32: copyTyped<float>(t, proto.float_data()); break;
  case DType::I8: copyTyped<int8_t>(t, proto.int32_data()); break;
  case DType::U8: copyTyped<uint8_t>(t, proto.int32_data()); break;
  case DType::I32: copyTyped<int32_t>(t, proto.int32_data()); break;
  case DType::I64: copyTyped<int64_t>(t, proto.int64_data()); break;
  }
  return t;
}

Tensor readTensorProtoFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  ::onnx::TensorProto proto;
  if (!proto.ParseFromString(ss.str())) throw Error(path + ": not a valid ONNX TensorProto");
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  return readTensorProto(proto, dir);
}

} // namespace rqc::onnx_import
