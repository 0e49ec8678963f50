#include "compiler/tune/TaskModule.h"

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <random>

using namespace mlir;

namespace rqc::tune {

// The integer convolution of conv2d_NCHWc_int8 and depthwise_conv2d_NCHWc: uint8 or int8
// data, int8 weights, int32 result.
bool isIntegerConv(const schedule::Workload &w) {
  return (w.op == "conv2d" || w.op == "depthwise_conv2d") && (w.data.dtype == "uint8" || w.data.dtype == "int8") && w.weight.dtype == "int8" &&
         w.outDtype == "int32";
}

bool isTunable(const schedule::Workload &w) {
  if (schedule::isVtaPacked(w.layout)) return w.op == "conv2d" && isIntegerConv(w); // conv2d_packed.vta
  static const char *ops[] = {"conv2d", "depthwise_conv2d", "group_conv2d", "dense", "max_pool2d", "avg_pool2d"};
  for (const char *op : ops)
    if (w.op == op) return w.data.dtype == "float32" || isIntegerConv(w);
  return false;
}

namespace {

// conv2d_packed.vta's task: graph.vta_conv2d on packed int8 data (NCHW{b}n{c}c) with random
// int8 weights, a random bias equal over the batch lanes and per-channel shifts of 8 (the
// form rqc quantize --power-of-two's per-channel weight scales compile to, whose epilogue
// loads the shifts: the kernel a network ships), so the output bytes are neither all
// saturated nor all zero.
OwningOpRef<ModuleOp> buildVtaTaskModule(OpBuilder &b, OwningOpRef<ModuleOp> &module, const schedule::Workload &w,
                                         std::mt19937_64 &rng) {
  MLIRContext *ctx = b.getContext();
  const auto [batch, block] = schedule::vtaBlocks(w.layout);
  const auto &x = w.data.shape, &k = w.weight.shape, &y = w.output;
  auto i8 = [&](std::vector<int64_t> shape) { return RankedTensorType::get(shape, b.getI8Type()); };
  auto in = i8({x[0] / batch, x[1] / block, x[2], x[3], batch, block});
  auto out = i8({y[0] / batch, y[1] / block, y[2], y[3], batch, block});
  auto fn = b.create<func::FuncOp>(b.getUnknownLoc(), "main", b.getFunctionType({in}, {out}));
  b.setInsertionPointToEnd(fn.addEntryBlock());
  Tensor wt(DType::I8, {k[0] / block, k[1] / block, k[2], k[3], block, block});
  Tensor bias(DType::I32, {k[0] / block, batch, block});
  std::uniform_int_distribution<int> weights(-127, 127), biases(-1000, 1000);
  for (int64_t i = 0; i < wt.numel(); ++i) wt.data<int8_t>()[i] = static_cast<int8_t>(weights(rng));
  for (int64_t o = 0; o < k[0]; ++o) {
    const int32_t v = biases(rng);
    for (int64_t l = 0; l < batch; ++l) bias.data<int32_t>()[((o / block) * batch + l) * block + o % block] = v;
  }
  Value weight = b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(wt, ctx));
  Value biasValue = b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(bias, ctx));
  Tensor shifts(DType::I32, bias.shape());
  for (int64_t i = 0; i < shifts.numel(); ++i) shifts.data<int32_t>()[i] = 8;
  Value shiftValue = b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(shifts, ctx));
  Value result = b.create<graph::VtaConv2DOp>(NameLoc::get(b.getStringAttr(kTaskKernelName)), out, fn.getArgument(0),
                                              weight, biasValue, shiftValue, w.strides, w.pads, 0u, false, 127u);
  b.create<func::ReturnOp>(b.getUnknownLoc(), result);
  fn->setAttr("rqc.input_names", b.getStrArrayAttr({kTaskInputName}));
  fn->setAttr("rqc.output_names", b.getStrArrayAttr({kTaskOutputName}));
  return std::move(module);
}

} // namespace

OwningOpRef<ModuleOp> buildTaskModule(MLIRContext &ctx, const schedule::Workload &w, uint64_t seed) {
  if (!isTunable(w)) throw Error("a '" + w.op + "' workload cannot be tuned on its own (no standalone op)");
  ctx.getOrLoadDialect<graph::GraphDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  OpBuilder b(&ctx);
  Location loc = NameLoc::get(b.getStringAttr(kTaskKernelName));
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());
  std::mt19937_64 rng(seed);
  auto constant = [&](const std::vector<int64_t> &shape, double scale) {
    Tensor t(DType::F32, shape);
    std::normal_distribution<float> n(0.f, static_cast<float>(scale));
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = n(rng);
    return b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(t, &ctx)).getResult();
  };
  if (schedule::isVtaPacked(w.layout)) return buildVtaTaskModule(b, module, w, rng);
  const bool integer = isIntegerConv(w);
  Type element = !integer ? b.getF32Type()
                 : w.data.dtype == "uint8" ? Type(b.getIntegerType(8, /*isSigned=*/false))
                                           : Type(b.getIntegerType(8));
  auto in = RankedTensorType::get(w.data.shape, element);
  auto fn = b.create<func::FuncOp>(b.getUnknownLoc(), "main", b.getFunctionType({in}, {}));
  b.setInsertionPointToEnd(fn.addEntryBlock());
  Value x = fn.getArgument(0), out;
  if (w.op == "dense") {
    const int64_t k = w.weight.shape[1];
    Value weight = constant(w.weight.shape, 1.0 / std::sqrt(double(k)));
    Value bias = w.bias ? constant({w.weight.shape[0]}, 1.0) : Value();
    out = b.create<graph::DenseOp>(loc, x, weight, bias, b.getStringAttr("MK")).getResult();
  } else if (w.op == "max_pool2d") {
    out = b.create<graph::MaxPool2DOp>(loc, x, b.getDenseI64ArrayAttr(w.kernel), b.getDenseI64ArrayAttr(w.strides),
                                       b.getDenseI64ArrayAttr(w.pads), b.getDenseI64ArrayAttr(w.dilations),
                                       b.getBoolAttr(false), b.getStringAttr(w.layout))
              .getResult();
  } else if (w.op == "avg_pool2d") {
    out = b.create<graph::AvgPool2DOp>(loc, x, b.getDenseI64ArrayAttr(w.kernel), b.getDenseI64ArrayAttr(w.strides),
                                       b.getDenseI64ArrayAttr(w.pads), b.getBoolAttr(false),
                                       b.getBoolAttr(w.countIncludePad), b.getStringAttr(w.layout))
              .getResult();
  } else if (integer) {
    // Random 7-bit weights and i32 bias, the input zero point in the middle of uint8: the
    // kernel the integer template schedules (its requantization is an epilogue, not tuned).
    // 7-bit so that on x86 without VNNI the task takes the vpmaddubsw kernel: the only
    // integer convolutions --int8-kernels=auto makes there are those whose weights pass
    // neighbourPairsFitI16 (elsewhere the weights' range does not change the kernel).
    const auto &ws = w.weight.shape;
    Tensor wt(DType::I8, ws), bias(DType::I32, {ws[0]});
    std::uniform_int_distribution<int> weights(-63, 63), biases(-1000, 1000);
    for (int64_t i = 0; i < wt.numel(); ++i) wt.data<int8_t>()[i] = static_cast<int8_t>(weights(rng));
    for (int64_t i = 0; i < bias.numel(); ++i) bias.data<int32_t>()[i] = biases(rng);
    Value weight = b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(wt, &ctx));
    Value biasValue = w.bias ? b.create<graph::ConstantOp>(b.getUnknownLoc(), graph::toAttr(bias, &ctx)).getResult() : Value();
    const uint32_t inputZeroPoint = w.data.dtype == "uint8" ? 128u : 0u;
    out = b.create<graph::Conv2DIntegerOp>(loc, x, weight, biasValue, inputZeroPoint, ArrayRef<int32_t>{0},
                                           w.strides, w.pads, w.dilations, w.groups)
              .getResult();
  } else { // convolutions
    const auto &ws = w.weight.shape;
    Value weight = constant(ws, 1.0 / std::sqrt(double(ws[1] * ws[2] * ws[3])));
    Value bias = w.bias ? constant({ws[0]}, 1.0) : Value();
    out = b.create<graph::Conv2DOp>(loc, x, weight, bias, b.getDenseI64ArrayAttr(w.strides),
                                    b.getDenseI64ArrayAttr(w.pads), b.getDenseI64ArrayAttr(w.dilations),
                                    b.getI64IntegerAttr(w.groups), b.getStringAttr("NCHW"), b.getStringAttr("OIHW"))
              .getResult();
  }
  b.create<func::ReturnOp>(b.getUnknownLoc(), out);
  fn.setFunctionType(b.getFunctionType({in}, {out.getType()}));
  fn->setAttr("rqc.input_names", b.getStrArrayAttr({kTaskInputName}));
  fn->setAttr("rqc.output_names", b.getStrArrayAttr({kTaskOutputName}));
  return module;
}

} // namespace rqc::tune
