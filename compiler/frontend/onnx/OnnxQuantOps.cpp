// Handlers for the quantized ops. QDQ models keep QuantizeLinear/DequantizeLinear as
// graph.quantize/graph.dequantize; the integer ops (QLinearConv, ConvInteger, ...)
// become an integer convolution or product in i32, plus graph.requantize where ONNX
// rescales to 8 bits. Scales and zero points must be constants.
#include "compiler/frontend/onnx/NodeContext.h"

using namespace mlir;

namespace rqc::onnx_import {

namespace {

std::vector<int32_t> zeroPoints(NodeContext &n, int i) {
  std::vector<int32_t> out;
  if (!n.hasInput(i)) return {0};
  for (int64_t v : tensorAsInts(n.requireConstant(i, "zero point"))) out.push_back(static_cast<int32_t>(v));
  if (out.empty()) n.fail("zero point is empty");
  return out;
}

std::vector<float> scales(NodeContext &n, int i) {
  auto s = tensorAsFloats(n.requireConstant(i, "scale"));
  if (s.empty()) n.fail("scale is empty");
  return s;
}

void requireQuantInput(NodeContext &n, int i) {
  DType t = n.inputDType(i);
  if (t != DType::I8 && t != DType::U8)
    n.fail("input " + std::to_string(i) + " has element type " + dtypeName(t) + "; int8 or uint8 expected");
}

int64_t quantAxis(NodeContext &n, size_t numScales) {
  int64_t rank = static_cast<int64_t>(n.inputShape(0).size());
  if (numScales == 1) return 0;
  if (n.opset() < 13) n.fail("per-axis scales need opset 13");
  return normalizeAxis(n, n.attrInt("axis", 1), rank);
}

void importQuantizeLinear(NodeContext &n) {
  n.requireInputs(2, 3);
  n.allowOnlyAttrs({"axis", "saturate"});
  if (n.inputDType(0) != DType::F32) n.fail("input must be float32");
  auto s = scales(n, 1);
  auto z = zeroPoints(n, 2);
  DType out = n.hasInput(2) ? n.inputDType(2) : DType::U8;
  if (out != DType::I8 && out != DType::U8) n.fail("only int8 and uint8 quantization is supported");
  auto type = graph::tensorTypeFor(out, n.inputShape(0), n.ctx());
  n.setOutput(0, n.buildTyped<graph::QuantizeOp>(type, n.input(0), s, z, quantAxis(n, s.size())));
}

void importDequantizeLinear(NodeContext &n) {
  n.requireInputs(2, 3);
  n.allowOnlyAttrs({"axis"});
  DType t = n.inputDType(0);
  if (t != DType::I8 && t != DType::U8 && t != DType::I32)
    n.fail(std::string("input type ") + dtypeName(t) + " is not supported (int8, uint8, int32)");
  auto s = scales(n, 1);
  auto z = zeroPoints(n, 2);
  n.setOutput(0, n.build<graph::DequantizeOp>(n.input(0), s, z, quantAxis(n, s.size())));
}

int32_t scalarZeroPoint(NodeContext &n, int i, const char *what) {
  auto z = zeroPoints(n, i);
  if (z.size() != 1) n.fail(std::string(what) + " zero point must be per tensor");
  return z[0];
}

void importConvInteger(NodeContext &n) {
  n.requireInputs(2, 4);
  requireQuantInput(n, 0);
  requireQuantInput(n, 1);
  ConvAttrs c = convAttrs(n, 0, 1);
  n.setOutput(0, n.build<graph::Conv2DIntegerOp>(n.input(0), n.input(1), Value(),
                                                 static_cast<uint32_t>(scalarZeroPoint(n, 2, "input")),
                                                 zeroPoints(n, 3), c.strides, c.pads, c.dilations,
                                                 c.groups));
}

// y = requantize(x_scale * w_scale / y_scale) of (conv_integer + bias).
void importQLinearConv(NodeContext &n) {
  n.requireInputs(8, 9);
  requireQuantInput(n, 0);
  requireQuantInput(n, 3);
  ConvAttrs c = convAttrs(n, 0, 3);
  float xs = scales(n, 1).at(0), ys = scales(n, 6).at(0);
  auto ws = scales(n, 4);
  Value bias;
  if (n.hasInput(8)) {
    if (n.inputDType(8) != DType::I32) n.fail("bias must be int32");
    bias = n.input(8);
  }
  Value acc = n.build<graph::Conv2DIntegerOp>(n.input(0), n.input(3), bias,
                                              static_cast<uint32_t>(scalarZeroPoint(n, 2, "input")),
                                              zeroPoints(n, 5), c.strides, c.pads, c.dilations, c.groups);
  std::vector<float> multiplier;
  for (float w : ws) multiplier.push_back(xs * w / ys);
  DType out = n.inputDType(7);
  auto type = RankedTensorType::get(llvm::cast<RankedTensorType>(acc.getType()).getShape(),
                                    graph::elementTypeFor(out, n.ctx()));
  n.setOutput(0, n.buildTyped<graph::RequantizeOp>(type, acc, multiplier,
                                                   static_cast<uint32_t>(scalarZeroPoint(n, 7, "output")),
                                                   int64_t(1)));
}

void importMatMulInteger(NodeContext &n) {
  n.requireInputs(2, 4);
  n.allowOnlyAttrs({});
  requireQuantInput(n, 0);
  requireQuantInput(n, 1);
  n.setOutput(0, n.build<graph::MatMulIntegerOp>(n.input(0), n.input(1),
                                                 static_cast<uint32_t>(scalarZeroPoint(n, 2, "a")),
                                                 zeroPoints(n, 3)));
}

void importQLinearMatMul(NodeContext &n) {
  n.requireInputs(8, 8);
  n.allowOnlyAttrs({});
  requireQuantInput(n, 0);
  requireQuantInput(n, 3);
  float as = scales(n, 1).at(0), ys = scales(n, 6).at(0);
  auto bs = scales(n, 4);
  Value acc = n.build<graph::MatMulIntegerOp>(n.input(0), n.input(3),
                                              static_cast<uint32_t>(scalarZeroPoint(n, 2, "a")),
                                              zeroPoints(n, 5));
  auto accType = llvm::cast<RankedTensorType>(acc.getType());
  std::vector<float> multiplier;
  for (float b : bs) multiplier.push_back(as * b / ys);
  DType out = n.inputDType(7);
  auto type = RankedTensorType::get(accType.getShape(), graph::elementTypeFor(out, n.ctx()));
  n.setOutput(0, n.buildTyped<graph::RequantizeOp>(type, acc, multiplier,
                                                   static_cast<uint32_t>(scalarZeroPoint(n, 7, "output")),
                                                   accType.getRank() - 1));
}

} // namespace

void addQuantOps(OpHandlerMap &m) {
  m["QuantizeLinear"] = importQuantizeLinear;
  m["DequantizeLinear"] = importDequantizeLinear;
  m["ConvInteger"] = importConvInteger;
  m["QLinearConv"] = importQLinearConv;
  m["MatMulInteger"] = importMatMulInteger;
  m["QLinearMatMul"] = importQLinearMatMul;
}

} // namespace rqc::onnx_import
