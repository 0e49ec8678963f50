// Runs a graph-dialect module (`func.func @main`) op by op with the reference kernels.
// Constants are converted once at construction; intermediates are freed after their
// last use.
#pragma once

#include "rqc/runtime/Npy.h"
#include "rqc/runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace rqc::reference {

struct TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;
};

// Evaluates one graph op (not graph.constant) on host tensors; `operand` returns the
// tensor of each operand value. Used by the executor and by constant folding.
Tensor evaluateOp(mlir::Operation *op, const std::function<const Tensor &(mlir::Value)> &operand);

class ReferenceExecutor {
public:
  explicit ReferenceExecutor(mlir::ModuleOp module);
  ~ReferenceExecutor();

  const std::vector<TensorInfo> &inputs() const { return inputs_; }
  const std::vector<TensorInfo> &outputs() const { return outputs_; }

  // Inputs in the order of inputs(); throws rqc::Error on a dtype or shape mismatch.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs);
  // By name: every input must be given; outputs are returned with their names.
  NamedTensors run(const NamedTensors &inputs);

private:
  struct Impl;
  Impl *impl_;
  std::vector<TensorInfo> inputs_, outputs_;
};

} // namespace rqc::reference
