// What an op handler sees of the node it imports: typed access to inputs (SSA values or
// compile-time constants), attributes with defaults, and ways to define outputs. Errors
// thrown through fail() carry the node name, op type and opset.
#pragma once

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rqc::onnx_import {

// A named ONNX value: an SSA value, a compile-time constant, or both (a constant is
// materialized as graph.constant when an op needs it as an operand).
struct ImportedValue {
  mlir::Value value;
  std::optional<Tensor> constant;
};

class NodeContext {
public:
  NodeContext(const ::onnx::NodeProto &node, int64_t opset, mlir::OpBuilder &builder,
              std::map<std::string, ImportedValue> &values, const std::string &modelName);

  const ::onnx::NodeProto &node() const { return node_; }
  int64_t opset() const { return opset_; }
  mlir::OpBuilder &builder() { return builder_; }
  mlir::MLIRContext *ctx() { return builder_.getContext(); }
  mlir::Location loc() const { return loc_; }

  [[noreturn]] void fail(const std::string &message) const;

  // ---- inputs ----
  // Present = listed and non-empty (ONNX marks skipped optional inputs with "").
  bool hasInput(int i) const;
  void requireInputs(int min, int max) const;
  // The SSA value of input i (constants become graph.constant ops, once).
  mlir::Value input(int i);
  mlir::RankedTensorType inputType(int i);
  Shape inputShape(int i);
  DType inputDType(int i);
  // The constant of input i, or nullptr when it is computed at run time.
  const Tensor *constantInput(int i) const;
  const Tensor &requireConstant(int i, const std::string &what) const;
  bool allInputsConstant() const;

  // ---- attributes ----
  bool hasAttr(const std::string &name) const;
  int64_t attrInt(const std::string &name, int64_t dflt) const;
  float attrFloat(const std::string &name, float dflt) const;
  std::string attrString(const std::string &name, const std::string &dflt) const;
  std::vector<int64_t> attrInts(const std::string &name, std::vector<int64_t> dflt = {}) const;
  const ::onnx::TensorProto *attrTensor(const std::string &name) const;
  // Refuses attributes the handler does not understand (so nothing is silently ignored).
  void allowOnlyAttrs(std::initializer_list<const char *> names) const;

  // ---- outputs ----
  int numOutputs() const { return node_.output_size(); }
  bool outputUsed(int i) const;
  void setOutput(int i, mlir::Value v);
  void setConstantOutput(int i, Tensor t);

  // ---- building ops ----
  // Ops whose result type is inferred (InferTypeOpAdaptor): build, infer, verify.
  template <typename OpT, typename... Args> mlir::Value build(Args &&...args) {
    auto op = builder_.create<OpT>(loc_, builder_.getNoneType(), std::forward<Args>(args)...);
    llvm::SmallVector<mlir::Type, 1> types;
    std::string diag;
    {
      mlir::ScopedDiagnosticHandler h(ctx(), [&](mlir::Diagnostic &d) {
        if (diag.empty()) diag = d.str();
        return mlir::success();
      });
      if (mlir::failed(OpT::inferReturnTypes(ctx(), loc_, typename OpT::Adaptor(op), types))) {
        op->erase();
        fail(diag.empty() ? "type inference failed" : diag);
      }
    }
    op->getResult(0).setType(types[0]);
    verifyOrFail(op);
    return op->getResult(0);
  }
  // Ops whose result type is given.
  template <typename OpT, typename... Args> mlir::Value buildTyped(mlir::Type type, Args &&...args) {
    auto op = builder_.create<OpT>(loc_, type, std::forward<Args>(args)...);
    verifyOrFail(op);
    return op->getResult(0);
  }
  mlir::Value constant(const Tensor &t);
  mlir::Value reshape(mlir::Value v, const Shape &shape);

private:
  void verifyOrFail(mlir::Operation *op);
  const ImportedValue &lookup(int i) const;

  const ::onnx::NodeProto &node_;
  int64_t opset_;
  mlir::OpBuilder &builder_;
  std::map<std::string, ImportedValue> &values_;
  std::string modelName_;
  mlir::Location loc_;
};

using OpHandler = std::function<void(NodeContext &)>;
using OpHandlerMap = std::map<std::string, OpHandler>;

// Handler tables, one per family (OnnxNNOps.cpp, OnnxShapeOps.cpp, OnnxQuantOps.cpp).
void addNNOps(OpHandlerMap &map);
void addShapeOps(OpHandlerMap &map);
void addQuantOps(OpHandlerMap &map);

// Shared helpers.
struct ConvAttrs {
  std::vector<int64_t> strides, pads, dilations; // pads: [top, left, bottom, right]
  int64_t groups;
};
// Conv/ConvInteger/QLinearConv attributes (auto_pad resolved to explicit pads).
ConvAttrs convAttrs(NodeContext &n, int inputIdx, int weightIdx);
int64_t normalizeAxis(NodeContext &n, int64_t axis, int64_t rank);
std::vector<float> tensorAsFloats(const Tensor &t);
std::vector<int64_t> tensorAsInts(const Tensor &t);

} // namespace rqc::onnx_import
