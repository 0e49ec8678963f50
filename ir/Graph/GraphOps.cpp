// Shape rules, verifiers and folders of the graph dialect. Each rule names the op and
// the offending operand or attribute, because these messages reach users (an ONNX
// node with inconsistent shapes fails here, at its node's location).
#include "ir/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace rqc::graph;

namespace {

// Error helper for inferReturnTypes: prefixes the op name.
LogicalResult fail(std::optional<Location> loc, StringRef op, const Twine &message) {
  return emitOptionalError(loc, "'graph.", op, "' op ", message);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

RankedTensorType rankedType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

// Output extent of one spatial axis of a sliding window (conv or pool).
// With ceil_mode, the last window must start inside the input or its begin padding
// (the ONNX/PyTorch rule), otherwise it is dropped.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin,
                         int64_t padEnd, int64_t dilation, bool ceilMode) {
  int64_t span = in + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + padBegin) --out;
  return out;
}

// Checks strides/pads/dilations of a 2-D window op; fills output H and W.
LogicalResult checkWindow2D(std::optional<Location> loc, StringRef op, ArrayRef<int64_t> in,
                            ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                            ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                            bool ceilMode, int64_t &outH, int64_t &outW) {
  if (kernel.size() != 2 || llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return fail(loc, op, "kernel must be 2 positive sizes, got " + shapeStr(kernel));
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return fail(loc, op, "strides must be 2 positive values, got " + shapeStr(strides));
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return fail(loc, op, "pads must be 4 non-negative values [top, left, bottom, right], got " +
                             shapeStr(pads));
  if (dilations.size() != 2 || llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return fail(loc, op, "dilations must be 2 positive values, got " + shapeStr(dilations));
  outH = windowOutputSize(in[2], kernel[0], strides[0], pads[0], pads[2], dilations[0], ceilMode);
  outW = windowOutputSize(in[3], kernel[1], strides[1], pads[1], pads[3], dilations[1], ceilMode);
  if (outH < 1 || outW < 1)
    return fail(loc, op, "window " + shapeStr(kernel) + " does not fit the padded input " +
                             shapeStr(in));
  return success();
}

// Shared by conv2d and conv2d_integer.
LogicalResult inferConv2D(std::optional<Location> loc, StringRef op, Value input, Value weight,
                          ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                          ArrayRef<int64_t> dilations, int64_t groups,
                          SmallVector<int64_t> &outShape, StringRef weightLayout = "OIHW") {
  auto in = rankedType(input).getShape();
  SmallVector<int64_t> w(rankedType(weight).getShape());
  if (in.size() != 4) return fail(loc, op, "input must be NCHW (rank 4), got " + shapeStr(in));
  if (weightLayout != "OIHW" && weightLayout != "OHWI")
    return fail(loc, op, "weight_layout must be OIHW or OHWI, got " + weightLayout.str());
  if (w.size() != 4) return fail(loc, op, "weight must be " + weightLayout.str() + " (rank 4), got " + shapeStr(w));
  if (weightLayout == "OHWI") {
    if (groups != 1) return fail(loc, op, "an OHWI weight needs groups = 1");
    w = {w[0], w[3], w[1], w[2]}; // as OIHW
  }
  if (groups < 1) return fail(loc, op, "groups must be >= 1");
  if (in[1] % groups != 0 || w[0] % groups != 0)
    return fail(loc, op, llvm::formatv("groups {0} must divide input channels {1} and output "
                                       "channels {2}", groups, in[1], w[0]).str());
  if (w[1] * groups != in[1])
    return fail(loc, op, llvm::formatv("weight {0} expects {1} input channels, input {2} has {3}",
                                       shapeStr(w), w[1] * groups, shapeStr(in), in[1]).str());
  int64_t oh, ow;
  if (failed(checkWindow2D(loc, op, in, {w[2], w[3]}, strides, pads, dilations, false, oh, ow)))
    return failure();
  outShape = {in[0], w[0], oh, ow};
  return success();
}

// NumPy broadcasting of two shapes.
LogicalResult broadcastShapes(std::optional<Location> loc, StringRef op, ArrayRef<int64_t> a,
                              ArrayRef<int64_t> b, SmallVector<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return fail(loc, op, "shapes " + shapeStr(a) + " and " + shapeStr(b) +
                               " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return success();
}

// Scale / zero-point arrays of quantize-like ops: per tensor or per slice of `axis`.
LogicalResult checkQuantParams(Operation *op, RankedTensorType type, size_t numScales,
                               size_t numZeroPoints, int64_t axis) {
  if (numScales == 0) return op->emitOpError("needs at least one scale");
  if (numZeroPoints != numScales && numZeroPoints != 1)
    return op->emitOpError("has ") << numScales << " scales but " << numZeroPoints
                                   << " zero points";
  if (numScales > 1) {
    if (axis < 0 || axis >= type.getRank())
      return op->emitOpError("axis ") << axis << " is out of range for rank " << type.getRank();
    if (type.getDimSize(axis) != static_cast<int64_t>(numScales))
      return op->emitOpError("has ") << numScales << " scales for axis " << axis << " of size "
                                     << type.getDimSize(axis);
  }
  return success();
}

LogicalResult checkZeroPointRange(Operation *op, Type elementType, ArrayRef<int32_t> zps) {
  bool isUnsigned = elementType.isUnsignedInteger();
  int32_t lo = isUnsigned ? 0 : -128, hi = isUnsigned ? 255 : 127;
  for (int32_t z : zps)
    if (z < lo || z > hi)
      return op->emitOpError("zero point ") << z << " is out of range for " << elementType;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// convolution and matrix products
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> out;
  if (failed(inferConv2D(loc, "conv2d", adaptor.getInput(), adaptor.getWeight(),
                         adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
                         adaptor.getGroups(), out, adaptor.getWeightLayout())))
    return failure();
  if (Value bias = adaptor.getBias()) {
    auto b = rankedType(bias).getShape();
    if (b.size() != 1 || b[0] != out[1])
      return fail(loc, "conv2d", "bias must have shape [" + std::to_string(out[1]) + "], got " +
                                     shapeStr(b));
  }
  types.push_back(RankedTensorType::get(out, rankedType(adaptor.getInput()).getElementType()));
  return success();
}

LogicalResult Conv2DIntegerOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> out;
  if (failed(inferConv2D(loc, "conv2d_integer", adaptor.getInput(), adaptor.getWeight(),
                         adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
                         adaptor.getGroups(), out)))
    return failure();
  size_t nz = adaptor.getWeightZeroPoint().size();
  if (nz != 1 && static_cast<int64_t>(nz) != out[1])
    return fail(loc, "conv2d_integer", "weight_zero_point must have 1 or " +
                                           std::to_string(out[1]) + " entries, got " +
                                           std::to_string(nz));
  types.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 32)));
  return success();
}

LogicalResult DenseOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput()).getShape();
  auto w = rankedType(adaptor.getWeight()).getShape();
  if (in.size() != 2 || w.size() != 2)
    return fail(loc, "dense", "input and weight must be rank 2, got " + shapeStr(in) + " and " +
                                  shapeStr(w));
  if (in[1] != w[1])
    return fail(loc, "dense", "input " + shapeStr(in) + " and weight " + shapeStr(w) +
                                  " disagree on the reduction size");
  if (Value bias = adaptor.getBias()) {
    auto b = rankedType(bias).getShape();
    if (b.size() != 1 || b[0] != w[0])
      return fail(loc, "dense", "bias must have shape [" + std::to_string(w[0]) + "], got " +
                                    shapeStr(b));
  }
  types.push_back(RankedTensorType::get({in[0], w[0]}, rankedType(adaptor.getInput()).getElementType()));
  return success();
}

// ONNX MatMul: rank-1 operands are promoted (lhs prepends, rhs appends a 1) and the
// promoted dimension removed from the result; batch dimensions broadcast.
static LogicalResult inferMatMul(std::optional<Location> loc, StringRef op, Value lhs, Value rhs,
                                 SmallVector<int64_t> &out) {
  SmallVector<int64_t> a(rankedType(lhs).getShape()), b(rankedType(rhs).getShape());
  if (a.empty() || b.empty()) return fail(loc, op, "operands must have rank >= 1");
  bool lhsVec = a.size() == 1, rhsVec = b.size() == 1;
  if (lhsVec) a.insert(a.begin(), 1);
  if (rhsVec) b.push_back(1);
  if (a.back() != b[b.size() - 2])
    return fail(loc, op, "operands " + shapeStr(rankedType(lhs).getShape()) + " and " +
                             shapeStr(rankedType(rhs).getShape()) +
                             " disagree on the reduction size");
  SmallVector<int64_t> batch;
  if (failed(broadcastShapes(loc, op, ArrayRef<int64_t>(a).drop_back(2),
                             ArrayRef<int64_t>(b).drop_back(2), batch)))
    return failure();
  out = batch;
  if (!lhsVec) out.push_back(a[a.size() - 2]);
  if (!rhsVec) out.push_back(b.back());
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> out;
  if (failed(inferMatMul(loc, "matmul", adaptor.getLhs(), adaptor.getRhs(), out))) return failure();
  types.push_back(RankedTensorType::get(out, rankedType(adaptor.getLhs()).getElementType()));
  return success();
}

LogicalResult MatMulIntegerOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> out;
  if (failed(inferMatMul(loc, "matmul_integer", adaptor.getLhs(), adaptor.getRhs(), out)))
    return failure();
  auto rhs = rankedType(adaptor.getRhs()).getShape();
  size_t nz = adaptor.getRhsZeroPoint().size();
  if (nz != 1 && static_cast<int64_t>(nz) != rhs.back())
    return fail(loc, "matmul_integer", "rhs_zero_point must have 1 or " +
                                           std::to_string(rhs.back()) + " entries");
  types.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 32)));
  return success();
}

//===----------------------------------------------------------------------===//
// pooling
//===----------------------------------------------------------------------===//

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  if (in.getRank() != 4)
    return fail(loc, "max_pool2d", "input must be NCHW (rank 4), got " + shapeStr(in.getShape()));
  int64_t oh, ow;
  if (failed(checkWindow2D(loc, "max_pool2d", in.getShape(), adaptor.getKernel(),
                           adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
                           adaptor.getCeilMode(), oh, ow)))
    return failure();
  types.push_back(RankedTensorType::get({in.getDimSize(0), in.getDimSize(1), oh, ow},
                                        in.getElementType()));
  return success();
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  if (in.getRank() != 4)
    return fail(loc, "avg_pool2d", "input must be NCHW (rank 4), got " + shapeStr(in.getShape()));
  int64_t oh, ow;
  if (failed(checkWindow2D(loc, "avg_pool2d", in.getShape(), adaptor.getKernel(),
                           adaptor.getStrides(), adaptor.getPads(), {1, 1},
                           adaptor.getCeilMode(), oh, ow)))
    return failure();
  types.push_back(RankedTensorType::get({in.getDimSize(0), in.getDimSize(1), oh, ow},
                                        in.getElementType()));
  return success();
}

static LogicalResult inferGlobalPool(std::optional<Location> loc, StringRef op, Value input,
                                     SmallVectorImpl<Type> &types) {
  auto in = rankedType(input);
  if (in.getRank() < 3)
    return fail(loc, op, "input must be [N, C, spatial...], got " + shapeStr(in.getShape()));
  SmallVector<int64_t> out(in.getRank(), 1);
  out[0] = in.getDimSize(0);
  out[1] = in.getDimSize(1);
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

LogicalResult GlobalAvgPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferGlobalPool(loc, "global_avg_pool", adaptor.getInput(), types);
}

LogicalResult GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferGlobalPool(loc, "global_max_pool", adaptor.getInput(), types);
}

//===----------------------------------------------------------------------===//
// elementwise
//===----------------------------------------------------------------------===//

static LogicalResult inferBinary(std::optional<Location> loc, StringRef op, Value lhs, Value rhs,
                                 SmallVectorImpl<Type> &types) {
  auto a = rankedType(lhs), b = rankedType(rhs);
  if (a.getElementType() != b.getElementType())
    return fail(loc, op, "operand element types differ");
  SmallVector<int64_t> out;
  if (failed(broadcastShapes(loc, op, a.getShape(), b.getShape(), out))) return failure();
  types.push_back(RankedTensorType::get(out, a.getElementType()));
  return success();
}

#define RQC_BINARY_INFER(OP, NAME)                                                             \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc,              \
                                     Adaptor adaptor, SmallVectorImpl<Type> &types) {         \
    return inferBinary(loc, NAME, adaptor.getLhs(), adaptor.getRhs(), types);                  \
  }
RQC_BINARY_INFER(AddOp, "add")
RQC_BINARY_INFER(SubOp, "sub")
RQC_BINARY_INFER(MulOp, "mul")
RQC_BINARY_INFER(DivOp, "div")
#undef RQC_BINARY_INFER

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError("min ") << getMin().convertToFloat() << " is greater than max "
                               << getMax().convertToFloat();
  return success();
}

//===----------------------------------------------------------------------===//
// normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  if (in.getRank() < 2)
    return fail(loc, "batch_norm", "input must have a channel axis (rank >= 2)");
  for (Value p : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(), adaptor.getVariance()}) {
    auto s = rankedType(p).getShape();
    if (s.size() != 1 || s[0] != in.getDimSize(1))
      return fail(loc, "batch_norm", "parameters must have shape [" +
                                         std::to_string(in.getDimSize(1)) + "], got " + shapeStr(s));
  }
  types.push_back(in);
  return success();
}

LogicalResult LRNOp::verify() {
  if (getSize() < 1) return emitOpError("size must be >= 1, got ") << getSize();
  if (getType().getRank() < 2) return emitOpError("input must have a channel axis");
  return success();
}

LogicalResult SoftmaxOp::verify() {
  if (getAxis() < 0 || getAxis() >= getType().getRank())
    return emitOpError("axis ") << getAxis() << " is out of range for rank " << getType().getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// data movement
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto inputs = adaptor.getInputs();
  if (inputs.empty()) return fail(loc, "concat", "needs at least one input");
  auto first = rankedType(inputs[0]);
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return fail(loc, "concat", "axis " + std::to_string(axis) + " is out of range for rank " +
                                   std::to_string(first.getRank()));
  SmallVector<int64_t> out(first.getShape());
  out[axis] = 0;
  for (Value v : inputs) {
    auto t = rankedType(v);
    if (t.getElementType() != first.getElementType())
      return fail(loc, "concat", "inputs have different element types");
    if (t.getRank() != first.getRank())
      return fail(loc, "concat", "inputs have different ranks");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != first.getDimSize(d))
        return fail(loc, "concat", "input " + shapeStr(t.getShape()) + " does not match " +
                                       shapeStr(first.getShape()) + " outside axis " +
                                       std::to_string(axis));
    out[axis] += t.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(out, first.getElementType()));
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("changes the element type");
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ") << in << " (" << in.getNumElements() << " elements) to "
                                          << out << " (" << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType()) return getInput();
  if (auto value = llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return value.reshape(getType());
  return {};
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  auto perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return fail(loc, "transpose", "perm " + shapeStr(perm) + " does not match rank " +
                                      std::to_string(in.getRank()));
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return fail(loc, "transpose", "perm " + shapeStr(perm) + " is not a permutation");
    seen[p] = true;
    out.push_back(in.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  auto pads = adaptor.getPads();
  int64_t rank = in.getRank();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return fail(loc, "pad", "pads must have 2 x rank = " + std::to_string(2 * rank) + " entries");
  StringRef mode = adaptor.getMode();
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    return fail(loc, "pad", "mode must be constant, edge or reflect, got '" + mode.str() + "'");
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t b = pads[d], e = pads[d + rank];
    if (b < 0 || e < 0) return fail(loc, "pad", "negative pads (cropping) are not supported");
    if (mode == "reflect" && (b >= in.getDimSize(d) || e >= in.getDimSize(d)))
      return fail(loc, "pad", "reflect pads must be smaller than the dimension they pad");
    if (mode == "edge" && in.getDimSize(d) == 0 && (b || e))
      return fail(loc, "pad", "edge padding of an empty dimension");
    out.push_back(in.getDimSize(d) + b + e);
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// quantization
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError("result shape differs from input shape");
  if (llvm::any_of(getScale(), [](float s) { return !(s > 0.f); }))
    return emitOpError("scales must be positive");
  if (failed(checkQuantParams(*this, getType(), getScale().size(), getZeroPoint().size(), getAxis())))
    return failure();
  return checkZeroPointRange(*this, getType().getElementType(), getZeroPoint());
}

LogicalResult DequantizeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  size_t n = adaptor.getScale().size();
  if (n == 0) return fail(loc, "dequantize", "needs at least one scale");
  if (adaptor.getZeroPoint().size() != n && adaptor.getZeroPoint().size() != 1)
    return fail(loc, "dequantize", "scale and zero_point counts differ");
  if (n > 1) {
    int64_t axis = adaptor.getAxis();
    if (axis < 0 || axis >= in.getRank() || in.getDimSize(axis) != static_cast<int64_t>(n))
      return fail(loc, "dequantize", std::to_string(n) + " scales do not match axis " +
                                         std::to_string(axis) + " of " + shapeStr(in.getShape()));
  }
  types.push_back(RankedTensorType::get(in.getShape(), Float32Type::get(ctx)));
  return success();
}

LogicalResult RequantizeOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError("result shape differs from input shape");
  if (llvm::any_of(getScale(), [](float s) { return !(s > 0.f); }))
    return emitOpError("scales must be positive");
  if (failed(checkQuantParams(*this, getType(), getScale().size(), 1, getAxis()))) return failure();
  return checkZeroPointRange(*this, getType().getElementType(), {static_cast<int32_t>(getZeroPoint())});
}

#define GET_OP_CLASSES
#include "ir/Graph/GraphOps.cpp.inc"
