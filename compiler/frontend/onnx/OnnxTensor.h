// ONNX TensorProto <-> rqc::Tensor. Used by the importer (initializers, Constant
// nodes) and by the conformance runner (test_data_set_*/input_*.pb).
#pragma once

#include "rqc/runtime/Tensor.h"

#include <string>

namespace onnx {
class TensorProto;
}

namespace rqc::onnx_import {

// `baseDir` resolves external-data locations (relative to the model file).
// Throws rqc::Error naming the tensor for unsupported types, missing or short data.
Tensor readTensorProto(const ::onnx::TensorProto &proto, const std::string &baseDir);
// Reads a serialized TensorProto file (.pb).
Tensor readTensorProtoFile(const std::string &path);
// Name of an ONNX TensorProto::DataType value, for messages ("FLOAT", "INT64", ...).
std::string onnxTypeName(int dataType);
// Maps an ONNX element type to rqc's, or throws naming the type.
DType dtypeForOnnx(int dataType, const std::string &what);

} // namespace rqc::onnx_import
