// ONNX importer: reads an ONNX model (protobuf, opsets 7-18) into a module with one
// `func.func @main` of graph-dialect ops. Input and output names are kept in the
// function attributes `rqc.input_names` / `rqc.output_names`.
#pragma once

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>

namespace onnx {
class ModelProto;
}

namespace rqc::onnx_import {

struct ImportOptions {
  // Static shapes for graph inputs (`--input-shape NAME=1x3x224x224`): they give the
  // symbolic dimensions and must agree with the rank and the static dimensions the model
  // declares (an error otherwise). Inputs not listed use the model's shape with a
  // symbolic first (batch) dimension set to 1.
  std::map<std::string, Shape> inputShapes;
  // Graph inputs bound to fixed values: they become constants, not function arguments
  // (for parameters a model passes as inputs, e.g. the scales of a quantized op).
  std::map<std::string, Tensor> constantInputs;
};

// Thrown when an op needs a constant where the model feeds a graph input; binding that
// input with ImportOptions::constantInputs resolves it.
class RequiresConstantInput : public Error {
public:
  RequiresConstantInput(const std::string &message, std::string inputName)
      : Error(message), inputName(std::move(inputName)) {}
  std::string inputName;
};

// Throws rqc::Error with one line naming the file, and for node problems the node,
// its op type and the opset, e.g.
//   "m.onnx: node 'conv1' (Conv, opset 13): only 2-D convolution is supported".
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(const std::string &path, mlir::MLIRContext &ctx,
                                                 const ImportOptions &options = {});

// The same for a model already in memory (the quantizer's calibration and int8 models):
// `name` is what messages call it, `baseDir` where external data files are found.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(const ::onnx::ModelProto &model, const std::string &name,
                                                  const std::string &baseDir, mlir::MLIRContext &ctx,
                                                  const ImportOptions &options = {});

// Reads and parses an .onnx file. Throws rqc::Error with one line naming the file: missing
// or unreadable, empty, not a valid protobuf ModelProto, or without a graph.
::onnx::ModelProto readOnnxModelFile(const std::string &path);

// Parses "NAME=1x3x224x224" (throws rqc::Error on a malformed spec).
std::pair<std::string, Shape> parseInputShapeSpec(const std::string &spec);

// The operators the importer handles, sorted (for `rqc inspect` and the docs).
std::vector<std::string> supportedOnnxOps();

} // namespace rqc::onnx_import
