// Shape rules, verifiers and folders of the graph dialect. Each rule names the op and
// the offending operand or attribute, because these messages reach users (an ONNX
// node with inconsistent shapes fails here, at its node's location).
#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/Layout.h"
#include "rqc/runtime/Error.h"

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

// The primal shape (axes in `order`) of a tensor of `shape` in layout `layout`; fails with
// the layout's problem (malformed, wrong rank, block not dividing its axis).
LogicalResult primalShape(std::optional<Location> loc, StringRef op, StringRef what, ArrayRef<int64_t> shape,
                          StringRef layout, StringRef order, SmallVector<int64_t> &out) {
  try {
    rqc::graph::Layout l = rqc::graph::Layout::parse(layout.str());
    std::vector<int64_t> p = l.primalShapeOf(std::vector<int64_t>(shape.begin(), shape.end()), order.str());
    out.assign(p.begin(), p.end());
    return success();
  } catch (const rqc::Error &e) {
    return fail(loc, op, what.str() + " " + shapeStr(shape) + ": " + e.what());
  }
}

// `primal` (axes in `order`) in layout `layout`.
LogicalResult layoutShape(std::optional<Location> loc, StringRef op, ArrayRef<int64_t> primal, StringRef layout,
                          StringRef order, SmallVector<int64_t> &out) {
  try {
    rqc::graph::Layout l = rqc::graph::Layout::parse(layout.str());
    std::vector<int64_t> s = l.shapeOf(std::vector<int64_t>(primal.begin(), primal.end()), order.str());
    out.assign(s.begin(), s.end());
    return success();
  } catch (const rqc::Error &e) {
    return fail(loc, op, std::string("result: ") + e.what());
  }
}

// The block of output channels of a packed conv weight ("OIHW8i16o" -> 16), or 0.
int64_t outputBlockOf(StringRef weightLayout) {
  if (weightLayout == "OIHW" || weightLayout == "OHWI") return 0;
  try {
    return rqc::graph::Layout::parse(weightLayout.str()).block('O');
  } catch (const rqc::Error &) {
    return 0;
  }
}

// Shared by conv2d and conv2d_integer.
LogicalResult inferConv2D(std::optional<Location> loc, StringRef op, Value input, Value weight,
                          ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                          ArrayRef<int64_t> dilations, int64_t groups,
                          SmallVector<int64_t> &outShape, StringRef weightLayout = "OIHW",
                          StringRef dataLayout = "NCHW") {
  SmallVector<int64_t> in, w;
  if (failed(primalShape(loc, op, "input", rankedType(input).getShape(), dataLayout, "NCHW", in)) ||
      failed(primalShape(loc, op, "weight", rankedType(weight).getShape(), weightLayout, "OIHW", w)))
    return failure();
  if (weightLayout == "OHWI" && groups != 1) return fail(loc, op, "an OHWI weight needs groups = 1");
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
  int64_t block = outputBlockOf(weightLayout);
  if ((dataLayout != "NCHW") != (block != 0))
    return fail(loc, op, "data_layout " + dataLayout.str() + " and weight_layout " + weightLayout.str() +
                             " must both be packed or both be plain");
  return layoutShape(loc, op, {in[0], w[0], oh, ow}, rqc::graph::blockedNCHW(block), "NCHW", outShape);
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
                         adaptor.getGroups(), out, adaptor.getWeightLayout(), adaptor.getDataLayout())))
    return failure();
  if (Value bias = adaptor.getBias()) {
    int64_t channels = out[1] * (out.size() == 5 ? out[4] : 1);
    auto b = rankedType(bias).getShape();
    if (b.size() != 1 || b[0] != channels)
      return fail(loc, "conv2d", "bias must have shape [" + std::to_string(channels) + "], got " +
                                     shapeStr(b));
  }
  types.push_back(RankedTensorType::get(out, rankedType(adaptor.getInput()).getElementType()));
  return success();
}

std::string Conv2DOp::getResultLayout() { return rqc::graph::blockedNCHW(outputBlockOf(getWeightLayout())); }
std::string Conv2DIntegerOp::getResultLayout() { return rqc::graph::blockedNCHW(outputBlockOf(getWeightLayout())); }

LogicalResult WinogradWeightTransformOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                                          SmallVectorImpl<Type> &types) {
  auto w = rankedType(adaptor.getWeight()).getShape();
  int64_t m = adaptor.getTileSize(), ib = adaptor.getInputBlock(), ob = adaptor.getOutputBlock();
  if (w.size() != 4 || w[2] != 3 || w[3] != 3)
    return fail(loc, "winograd_weight_transform", "weight must be [O, I, 3, 3], got " + shapeStr(w));
  if (m != 2 && m != 4) return fail(loc, "winograd_weight_transform", "tile_size must be 2 or 4");
  if (ib < 1 || ob < 1 || w[1] % ib || w[0] % ob)
    return fail(loc, "winograd_weight_transform", "blocks " + std::to_string(ib) + "/" + std::to_string(ob) +
                                                      " do not divide the channels of " + shapeStr(w));
  types.push_back(RankedTensorType::get({m + 2, m + 2, w[0] / ob, w[1] / ib, ib, ob},
                                        rankedType(adaptor.getWeight()).getElementType()));
  return success();
}

LogicalResult Conv2DWinogradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput()).getShape(), u = rankedType(adaptor.getWeight()).getShape();
  auto p = adaptor.getPads();
  int64_t m = adaptor.getTileSize();
  if (in.size() != 5 || in[0] != 1) return fail(loc, "conv2d_winograd", "input must be [1, C/c, H, W, c], got " + shapeStr(in));
  if (u.size() != 6 || u[0] != m + 2 || u[1] != m + 2 || u[3] != in[1] || u[4] != in[4])
    return fail(loc, "conv2d_winograd", "weight " + shapeStr(u) + " is not the transform of a 3x3 filter for input " +
                                            shapeStr(in) + " and tile size " + std::to_string(m));
  if (p.size() != 4) return fail(loc, "conv2d_winograd", "pads must be [top, left, bottom, right]");
  int64_t oh = in[2] + p[0] + p[2] - 2, ow = in[3] + p[1] + p[3] - 2;
  if (oh < m || ow < m || oh % m || ow % m)
    return fail(loc, "conv2d_winograd", "output " + std::to_string(oh) + "x" + std::to_string(ow) +
                                            " is not made of " + std::to_string(m) + "x" + std::to_string(m) + " tiles");
  if (Value bias = adaptor.getBias())
    if (rankedType(bias).getShape() != ArrayRef<int64_t>{u[2] * u[5]})
      return fail(loc, "conv2d_winograd", "bias must have shape [" + std::to_string(u[2] * u[5]) + "]");
  types.push_back(RankedTensorType::get({1, u[2], oh / m, m, ow / m, m, u[5]}, rankedType(adaptor.getInput()).getElementType()));
  return success();
}

std::string Conv2DWinogradOp::getResultLayout() {
  std::string m = std::to_string(getTileSize());
  return "NCH" + m + "hW" + m + "w" + std::to_string(llvm::cast<RankedTensorType>(getType()).getDimSize(6)) + "c";
}

LogicalResult Conv2DIntegerOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> out;
  if (failed(inferConv2D(loc, "conv2d_integer", adaptor.getInput(), adaptor.getWeight(),
                         adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
                         adaptor.getGroups(), out, adaptor.getWeightLayout(), adaptor.getDataLayout())))
    return failure();
  int64_t channels = out[1] * (out.size() == 5 ? out[4] : 1);
  size_t nz = adaptor.getWeightZeroPoint().size();
  if (nz != 1 && static_cast<int64_t>(nz) != channels)
    return fail(loc, "conv2d_integer", "weight_zero_point must have 1 or " +
                                           std::to_string(channels) + " entries, got " +
                                           std::to_string(nz));
  if (Value bias = adaptor.getBias()) {
    auto b = rankedType(bias).getShape();
    if (b.size() != 1 || b[0] != channels)
      return fail(loc, "conv2d_integer", "bias must have shape [" + std::to_string(channels) + "], got " + shapeStr(b));
  }
  types.push_back(RankedTensorType::get(out, IntegerType::get(ctx, 32)));
  return success();
}

LogicalResult DenseOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput()).getShape();
  SmallVector<int64_t> w;
  if (failed(primalShape(loc, "dense", "weight", rankedType(adaptor.getWeight()).getShape(), adaptor.getWeightLayout(),
                         "MK", w)))
    return failure();
  if (in.size() != 2)
    return fail(loc, "dense", "input must be rank 2, got " + shapeStr(in));
  if (in[1] != w[1])
    return fail(loc, "dense", "input " + shapeStr(in) + " and weight " + shapeStr(w) +
                                  " disagree on the reduction size");
  if (Value bias = adaptor.getBias()) {
    auto b = rankedType(bias).getShape();
    if (b.size() != 1 || b[0] != w[0])
      return fail(loc, "dense", "bias must have shape [" + std::to_string(w[0]) + "], got " +
                                    shapeStr(b));
  }
  // A packed weight [M/x, K, x] gives the result packed the same way: [N, M/x, x].
  int64_t block = adaptor.getWeightLayout() == "MK" ? 0 : rqc::graph::Layout::parse(adaptor.getWeightLayout().str()).block('M');
  SmallVector<int64_t> out{in[0], w[0]};
  if (block) out = {in[0], w[0] / block, block};
  types.push_back(RankedTensorType::get(out, rankedType(adaptor.getInput()).getElementType()));
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

// Pooling in `layout` ("NCHW" or "NCHW{x}c"): the window applies to H and W, the result
// keeps the layout.
static LogicalResult inferPool(std::optional<Location> loc, StringRef op, Value input, StringRef layout,
                               ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                               ArrayRef<int64_t> dilations, bool ceilMode, SmallVectorImpl<Type> &types) {
  auto in = rankedType(input);
  SmallVector<int64_t> p, out;
  if (failed(primalShape(loc, op, "input", in.getShape(), layout, "NCHW", p))) return failure();
  int64_t oh, ow;
  if (failed(checkWindow2D(loc, op, p, kernel, strides, pads, dilations, ceilMode, oh, ow)) ||
      failed(layoutShape(loc, op, {p[0], p[1], oh, ow}, layout, "NCHW", out)))
    return failure();
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPool(loc, "max_pool2d", adaptor.getInput(), adaptor.getDataLayout(), adaptor.getKernel(),
                   adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(), adaptor.getCeilMode(), types);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferPool(loc, "avg_pool2d", adaptor.getInput(), adaptor.getDataLayout(), adaptor.getKernel(),
                   adaptor.getStrides(), adaptor.getPads(), {1, 1}, adaptor.getCeilMode(), types);
}

static LogicalResult inferGlobalPool(std::optional<Location> loc, StringRef op, Value input, StringRef layout,
                                     SmallVectorImpl<Type> &types) {
  auto in = rankedType(input);
  if (layout != "NCHW") { // blocked: [N, C/x, H, W, x] -> [N, C/x, 1, 1, x]
    SmallVector<int64_t> p;
    if (failed(primalShape(loc, op, "input", in.getShape(), layout, "NCHW", p))) return failure();
    types.push_back(RankedTensorType::get({in.getDimSize(0), in.getDimSize(1), 1, 1, in.getDimSize(4)},
                                          in.getElementType()));
    return success();
  }
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
  return inferGlobalPool(loc, "global_avg_pool", adaptor.getInput(), adaptor.getDataLayout(), types);
}

LogicalResult GlobalMaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor, SmallVectorImpl<Type> &types) {
  return inferGlobalPool(loc, "global_max_pool", adaptor.getInput(), adaptor.getDataLayout(), types);
}

//===----------------------------------------------------------------------===//
// layout_transform
//===----------------------------------------------------------------------===//

LogicalResult LayoutTransformOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  try {
    rqc::graph::Layout src = rqc::graph::Layout::parse(adaptor.getSrcLayout().str());
    rqc::graph::Layout dst = rqc::graph::Layout::parse(adaptor.getDstLayout().str());
    std::vector<int64_t> primal = src.primalShapeOf(std::vector<int64_t>(in.getShape().begin(), in.getShape().end()));
    std::vector<int64_t> out = dst.shapeOf(primal, src.primal());
    types.push_back(RankedTensorType::get(out, in.getElementType()));
    return success();
  } catch (const rqc::Error &e) {
    return fail(loc, "layout_transform", "input " + shapeStr(in.getShape()) + ": " + e.what());
  }
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
RQC_BINARY_INFER(MaxOp, "max")
RQC_BINARY_INFER(MinOp, "min")
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

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto in = rankedType(adaptor.getInput());
  auto starts = adaptor.getStarts(), sizes = adaptor.getSizes(), steps = adaptor.getSteps();
  int64_t rank = in.getRank();
  if (static_cast<int64_t>(starts.size()) != rank || static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(steps.size()) != rank)
    return fail(loc, "slice", "starts, sizes and steps need one entry per axis (" + std::to_string(rank) + ")");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = in.getDimSize(d), first = starts[d], n = sizes[d], step = steps[d];
    if (step == 0) return fail(loc, "slice", "step 0 on axis " + std::to_string(d));
    if (n < 0) return fail(loc, "slice", "negative size on axis " + std::to_string(d));
    if (n == 0) continue;
    int64_t last = first + (n - 1) * step;
    if (first < 0 || first >= dim || last < 0 || last >= dim)
      return fail(loc, "slice", "axis " + std::to_string(d) + " reads outside its " + std::to_string(dim) +
                                    " elements");
  }
  types.push_back(RankedTensorType::get(sizes, in.getElementType()));
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
  if (!getDataLayout().empty()) {
    // Blocked channels: the scales follow the primal channel axis (outer x block).
    rqc::graph::Layout l = rqc::graph::Layout::parse(getDataLayout().str());
    if (l.primal() != "NCHW" || l.rank() != 5 || l.axes()[4].factor == 0 || getType().getRank() != 5)
      return emitOpError("data_layout must be a channel-blocked NCHW{x}c on a rank-5 tensor, got '")
             << getDataLayout() << "'";
    int64_t channels = getType().getDimSize(1) * getType().getDimSize(4);
    if (getScale().size() > 1 && (getAxis() != 1 || static_cast<int64_t>(getScale().size()) != channels))
      return emitOpError("has ") << getScale().size() << " scales; in layout " << getDataLayout()
                                 << " they must be one per channel (axis 1, " << channels << " channels)";
  } else if (failed(checkQuantParams(*this, getType(), getScale().size(), 1, getAxis()))) {
    return failure();
  }
  return checkZeroPointRange(*this, getType().getElementType(), {static_cast<int32_t>(getZeroPoint())});
}

LogicalResult VtaConv2DOp::verify() {
  auto x = getInput().getType(), w = getWeight().getType(), y = getType();
  if (x.getRank() != 6 || w.getRank() != 6 || y.getRank() != 6 || getBias().getType().getRank() != 3)
    return emitOpError("takes NCHW{b}n{c}c data, OIHW{c}o{c}i weights and a [O/c, b, c] bias (ranks 6, 6, 3)");
  const int64_t b = x.getDimSize(4), c = x.getDimSize(5);
  if (w.getDimSize(4) != c || w.getDimSize(5) != c || w.getDimSize(1) != x.getDimSize(1))
    return emitOpError("weight blocks ") << w.getDimSize(4) << "x" << w.getDimSize(5) << " and input channel blocks "
                                          << w.getDimSize(1) << " do not match the input's " << x.getDimSize(1) << "x" << c;
  if (getStrides().size() != 2 || getPads().size() != 4)
    return emitOpError("needs 2 strides and 4 pads");
  const int64_t oh = (x.getDimSize(2) + getPads()[0] + getPads()[2] - w.getDimSize(2)) / getStrides()[0] + 1;
  const int64_t ow = (x.getDimSize(3) + getPads()[1] + getPads()[3] - w.getDimSize(3)) / getStrides()[1] + 1;
  SmallVector<int64_t> expected{x.getDimSize(0), w.getDimSize(0), oh, ow, b, c};
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result shape does not follow from the input, weight, strides and pads");
  SmallVector<int64_t> perChannel{w.getDimSize(0), b, c};
  if (getBias().getType().getShape() != ArrayRef<int64_t>(perChannel) ||
      (getShifts() && llvm::cast<RankedTensorType>(getShifts().getType()).getShape() != ArrayRef<int64_t>(perChannel)))
    return emitOpError("bias and shifts must be [O/c, b, c]");
  if (getShift() > 15) return emitOpError("shift must be in [0, 15]");
  if (static_cast<int32_t>(getClipHigh()) < (getRelu() ? 0 : -128) || static_cast<int32_t>(getClipHigh()) > 127)
    return emitOpError("clip_high must be in [") << (getRelu() ? 0 : -128) << ", 127]";
  return success();
}

#define GET_OP_CLASSES
#include "ir/Graph/GraphOps.cpp.inc"
