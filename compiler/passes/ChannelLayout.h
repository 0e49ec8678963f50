// Which graph ops compute the same thing in any channel-blocked layout ("NCHW{x}c") of their
// operands: rqc-alter-layout pushes layout changes through them, and rqc-select-schedules'
// graph tuner treats the tensors around them as one layout group. Defined in AlterLayout.cpp.
#pragma once

#include "mlir/IR/Operation.h"

#include <optional>
#include <string>

namespace rqc {

// Elementwise ops (and per-tensor quantize/dequantize/requantize): every operand of the
// result's shape follows the result's layout.
bool isElementwise(mlir::Operation *op);
// A per-channel requantize (of a packed integer convolution): runs channel-blocked with its
// scales following the blocked channels.
bool isPerChannelRequantize(mlir::Operation *op);
// The data layout of a pooling op that can run channel-blocked, or nullopt.
std::optional<std::string> poolLayout(mlir::Operation *op);

} // namespace rqc
