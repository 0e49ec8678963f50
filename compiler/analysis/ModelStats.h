// Static statistics of a graph-dialect module: op histogram, parameters, MACs per layer.
#pragma once

#include "rqc/runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace rqc::analysis {

struct LayerStats {
  std::string name; // the ONNX node name (op location)
  std::string op;   // graph-dialect op, e.g. "conv2d"
  Shape outputShape;
  int64_t macs;
};

struct ModelStats {
  std::map<std::string, int64_t> opCounts; // graph-dialect op -> count
  int64_t parameters = 0;                  // elements of all weight constants
  int64_t totalMacs = 0;
  std::vector<LayerStats> layers;          // ops that multiply-accumulate
};

// MACs of one op (0 for ops without multiply-accumulates). A Winograd convolution counts
// the MACs of the direct convolution it computes.
int64_t macsOf(mlir::Operation *op);
ModelStats computeStats(mlir::ModuleOp module);

} // namespace rqc::analysis
