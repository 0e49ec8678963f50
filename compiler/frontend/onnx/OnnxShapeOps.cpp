// Handlers for shape manipulation. Exported graphs compute shapes at run time
// (PyTorch's Shape -> Gather -> Unsqueeze -> Concat -> Reshape for a flatten); with
// static shapes these chains are evaluated here, at import, to constants. On run-time
// tensors the same ops become graph.reshape / graph.concat.
#include "compiler/frontend/onnx/NodeContext.h"
#include "compiler/frontend/onnx/OnnxTensor.h"

#include <cstring>

using namespace mlir;

namespace rqc::onnx_import {

namespace {

Tensor int64Tensor(const std::vector<int64_t> &values, Shape shape) {
  Tensor t(DType::I64, std::move(shape));
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(int64_t)); // data() may be null
  return t;
}

// Copies `count` contiguous blocks: the generic mover behind concat/gather/slice on
// host constants, independent of the element type.
void copyElements(const Tensor &src, int64_t srcIndex, Tensor &dst, int64_t dstIndex, int64_t count) {
  size_t e = dtypeSize(src.dtype());
  std::memcpy(static_cast<char *>(dst.raw()) + dstIndex * e,
              static_cast<const char *>(src.raw()) + srcIndex * e, count * e);
}

void importShape(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"start", "end"});
  Shape s = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(s.size());
  auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
  int64_t start = clampAxis(n.attrInt("start", 0)), end = clampAxis(n.attrInt("end", rank));
  std::vector<int64_t> dims(s.begin() + start, s.begin() + std::max(start, end));
  n.setConstantOutput(0, int64Tensor(dims, {static_cast<int64_t>(dims.size())}));
}

void importGather(NodeContext &n) {
  n.requireInputs(2, 2);
  n.allowOnlyAttrs({"axis"});
  // Only shape computations use Gather in the supported networks.
  const Tensor &data = n.requireConstant(0, "data");
  const Tensor &indexTensor = n.requireConstant(1, "indices");
  auto indices = tensorAsInts(indexTensor);
  Shape idxShape = indexTensor.shape();
  int64_t axis = normalizeAxis(n, n.attrInt("axis", 0), data.rank());
  int64_t outer = 1, inner = 1, dim = data.dim(axis);
  for (int64_t i = 0; i < axis; ++i) outer *= data.dim(i);
  for (int64_t i = axis + 1; i < data.rank(); ++i) inner *= data.dim(i);
  Shape out(data.shape().begin(), data.shape().begin() + axis);
  out.insert(out.end(), idxShape.begin(), idxShape.end());
  out.insert(out.end(), data.shape().begin() + axis + 1, data.shape().end());
  Tensor r(data.dtype(), out);
  int64_t k = static_cast<int64_t>(indices.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < k; ++j) {
      int64_t idx = indices[j] < 0 ? indices[j] + dim : indices[j];
      if (idx < 0 || idx >= dim) n.fail("index " + std::to_string(indices[j]) + " is out of range");
      copyElements(data, (o * dim + idx) * inner, r, (o * k + j) * inner, inner);
    }
  n.setConstantOutput(0, r);
}

// Axes of Unsqueeze/Squeeze: an attribute before opset 13, an input after.
std::vector<int64_t> axesOf(NodeContext &n, bool required) {
  if (n.opset() < 13) {
    n.requireInputs(1, 1);
    n.allowOnlyAttrs({"axes"});
    if (required && !n.hasAttr("axes")) n.fail("attribute 'axes' is required");
    return n.attrInts("axes");
  }
  n.requireInputs(required ? 2 : 1, 2);
  n.allowOnlyAttrs({});
  return n.hasInput(1) ? tensorAsInts(n.requireConstant(1, "axes")) : std::vector<int64_t>{};
}

// Defines output 0 as input 0 with another shape (a constant stays a constant).
void setReshaped(NodeContext &n, const Shape &shape) {
  if (const Tensor *c = n.constantInput(0)) n.setConstantOutput(0, c->reshaped(shape));
  else n.setOutput(0, n.reshape(n.input(0), shape));
}

void importUnsqueeze(NodeContext &n) {
  auto axes = axesOf(n, true);
  Shape in = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    int64_t ax = normalizeAxis(n, a, rank);
    if (inserted[ax]) n.fail("axis " + std::to_string(a) + " is repeated");
    inserted[ax] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(inserted[i] ? 1 : in[next++]);
  setReshaped(n, out);
}

void importSqueeze(NodeContext &n) {
  auto axes = axesOf(n, false);
  Shape in = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(rank, false);
  for (int64_t a : axes) {
    int64_t ax = normalizeAxis(n, a, rank);
    if (in[ax] != 1) n.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(in[ax]));
    drop[ax] = true;
  }
  Shape out;
  for (int64_t i = 0; i < rank; ++i)
    if (!(axes.empty() ? in[i] == 1 : drop[i])) out.push_back(in[i]);
  setReshaped(n, out);
}

void importConcat(NodeContext &n) {
  n.allowOnlyAttrs({"axis"});
  if (n.node().input_size() < 1) n.fail("needs at least one input");
  if (!n.hasAttr("axis")) n.fail("attribute 'axis' is required");
  Shape first = n.inputShape(0);
  int64_t axis = normalizeAxis(n, n.attrInt("axis", 0), static_cast<int64_t>(first.size()));
  if (n.allInputsConstant()) {
    Shape out = first;
    out[axis] = 0;
    for (int i = 0; i < n.node().input_size(); ++i) {
      const Tensor &t = *n.constantInput(i);
      if (t.rank() != first.size() || t.dtype() != n.constantInput(0)->dtype())
        n.fail("inputs differ in rank or type");
      out[axis] += t.dim(axis);
    }
    Tensor r(n.constantInput(0)->dtype(), out);
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= out[i];
    int64_t inner = r.numel() / std::max<int64_t>(outer * out[axis], 1), offset = 0;
    for (int i = 0; i < n.node().input_size(); ++i) {
      const Tensor &t = *n.constantInput(i);
      int64_t block = t.dim(axis) * inner;
      for (int64_t o = 0; o < outer; ++o) copyElements(t, o * block, r, o * out[axis] * inner + offset, block);
      offset += block;
    }
    n.setConstantOutput(0, r);
    return;
  }
  SmallVector<Value> inputs;
  for (int i = 0; i < n.node().input_size(); ++i) inputs.push_back(n.input(i));
  n.setOutput(0, n.build<graph::ConcatOp>(ValueRange(inputs), static_cast<uint64_t>(axis)));
}

// Reshape: the target shape is an input (opset >= 5); 0 copies the input dimension
// (unless allowzero), -1 is inferred.
void importReshape(NodeContext &n) {
  n.requireInputs(2, 2);
  n.allowOnlyAttrs({"allowzero"});
  Shape in = n.inputShape(0);
  auto spec = tensorAsInts(n.requireConstant(1, "shape"));
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  Shape out;
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == 0 && !allowZero) {
      if (i >= in.size()) n.fail("shape entry 0 at position " + std::to_string(i) + " has no input dimension to copy");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0) n.fail("shape has more than one -1");
      inferred = static_cast<int64_t>(i);
      out.push_back(1);
      continue;
    }
    if (d < 0) n.fail("shape entry " + std::to_string(d) + " is invalid");
    out.push_back(d);
    known *= d;
  }
  int64_t total = numElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      n.fail("cannot reshape " + shapeToString(in) + " with -1 in the target shape");
    out[inferred] = total / known;
  }
  if (numElements(out) != total)
    n.fail("cannot reshape " + shapeToString(in) + " to " + shapeToString(out));
  setReshaped(n, out);
}

void importFlatten(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"axis"});
  Shape in = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = n.attrInt("axis", 1);
  if (axis < -rank || axis > rank) n.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= in[i];
  setReshaped(n, {outer, inner});
}

void importCast(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"to", "saturate"});
  DType to = dtypeForOnnx(static_cast<int>(n.attrInt("to", 0)), "Cast target");
  if (const Tensor *c = n.constantInput(0)) {
    Tensor r(to, c->shape());
    auto f = tensorAsFloats(*c);
    auto i = tensorAsInts(*c);
    for (int64_t k = 0; k < r.numel(); ++k) {
      switch (to) {
      case DType::F32: r.data<float>()[k] = c->dtype() == DType::F32 ? f[k] : static_cast<float>(i[k]); break;
      case DType::I8: r.data<int8_t>()[k] = static_cast<int8_t>(i[k]); break;
      case DType::U8: r.data<uint8_t>()[k] = static_cast<uint8_t>(i[k]); break;
      case DType::I32: r.data<int32_t>()[k] = static_cast<int32_t>(i[k]); break;
      case DType::I64: r.data<int64_t>()[k] = i[k]; break;
      }
    }
    n.setConstantOutput(0, r);
    return;
  }
  if (n.inputDType(0) != to)
    n.fail(std::string("casting run-time tensors from ") + dtypeName(n.inputDType(0)) + " to " +
           dtypeName(to) + " is not supported");
  n.setOutput(0, n.input(0));
}

// Slice: starts/ends/axes/steps are inputs from opset 10 on, attributes before. They must
// be constants (rqc compiles static shapes). A constant data input (shape computations)
// is sliced at import; an activation becomes graph.slice.
void importSlice(NodeContext &n) {
  Shape shape = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset() < 10) {
    n.requireInputs(1, 1);
    n.allowOnlyAttrs({"starts", "ends", "axes"});
    starts = n.attrInts("starts");
    ends = n.attrInts("ends");
    axes = n.attrInts("axes");
  } else {
    n.requireInputs(3, 5);
    n.allowOnlyAttrs({});
    starts = tensorAsInts(n.requireConstant(1, "starts"));
    ends = tensorAsInts(n.requireConstant(2, "ends"));
    if (n.hasInput(3)) axes = tensorAsInts(n.requireConstant(3, "axes"));
    if (n.hasInput(4)) steps = tensorAsInts(n.requireConstant(4, "steps"));
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    n.fail("starts, ends, axes and steps differ in length");
  std::vector<int64_t> begin(rank, 0), step(rank, 1), count(shape);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = normalizeAxis(n, axes[i], rank), dim = shape[ax], s = steps[i];
    if (seen[ax]) n.fail("axis " + std::to_string(ax) + " is listed twice");
    seen[ax] = true;
    if (s == 0) n.fail("step 0 is invalid");
    // The specification's clamping: start and end to [0, dim] for forward steps; start to
    // [0, dim - 1] and end to [-1, dim - 1] backwards.
    auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    step[ax] = s;
    if (dim == 0) {
      count[ax] = 0;
    } else if (s > 0) {
      int64_t b = clampIdx(starts[i], 0, dim), e = clampIdx(ends[i], 0, dim);
      count[ax] = e > b ? 1 + (e - b - 1) / s : 0; // no e - b + s - 1: s may be INT64_MAX
      begin[ax] = b;
    } else {
      int64_t b = clampIdx(starts[i], 0, dim - 1), e = clampIdx(ends[i], -1, dim - 1);
      // -s overflows for INT64_MIN: divide by the magnitude as unsigned.
      uint64_t magnitude = uint64_t(0) - uint64_t(s);
      count[ax] = b > e ? 1 + int64_t(uint64_t(b - e - 1) / magnitude) : 0;
      begin[ax] = b;
    }
    if (count[ax] <= 1) step[ax] = 1; // one element or none: the step never applies
    if (count[ax] == 0) begin[ax] = 0;
  }
  const Tensor *constant = n.constantInput(0);
  if (!constant) {
    n.setOutput(0, n.build<graph::SliceOp>(n.input(0), begin, count, step));
    return;
  }
  const Tensor &data = *constant;
  Tensor r(data.dtype(), count);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t k = 0; k < r.numel(); ++k) {
    int64_t rem = k, src = 0, stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      idx[d] = rem % count[d];
      rem /= count[d];
    }
    for (int64_t d = rank - 1; d >= 0; --d) {
      src += (begin[d] + idx[d] * step[d]) * stride;
      stride *= data.dim(d);
    }
    copyElements(data, src, r, k, 1);
  }
  n.setConstantOutput(0, r);
}

void importConstant(NodeContext &n) {
  n.requireInputs(0, 0);
  if (n.node().attribute_size() != 1) n.fail("expects exactly one value attribute");
  const auto &a = n.node().attribute(0);
  if (a.name() == "value") {
    n.setConstantOutput(0, readTensorProto(a.t(), ""));
  } else if (a.name() == "value_float") {
    Tensor t(DType::F32, {});
    t.data<float>()[0] = a.f();
    n.setConstantOutput(0, t);
  } else if (a.name() == "value_floats") {
    Tensor t(DType::F32, {a.floats_size()});
    for (int i = 0; i < a.floats_size(); ++i) t.data<float>()[i] = a.floats(i);
    n.setConstantOutput(0, t);
  } else if (a.name() == "value_int") {
    n.setConstantOutput(0, int64Tensor({a.i()}, {}));
  } else if (a.name() == "value_ints") {
    n.setConstantOutput(0, int64Tensor(std::vector<int64_t>(a.ints().begin(), a.ints().end()),
                                       {a.ints_size()}));
  } else {
    n.fail("attribute '" + a.name() + "' is not supported");
  }
}

void importConstantOfShape(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"value"});
  auto dims = tensorAsInts(n.requireConstant(0, "shape"));
  Tensor fill(DType::F32, {1});
  if (const auto *v = n.attrTensor("value")) fill = readTensorProto(*v, "");
  Tensor r(fill.dtype(), Shape(dims.begin(), dims.end()));
  for (int64_t i = 0; i < r.numel(); ++i) copyElements(fill, 0, r, i, 1);
  n.setConstantOutput(0, r);
}

} // namespace

void addShapeOps(OpHandlerMap &m) {
  m["Shape"] = importShape;
  m["Gather"] = importGather;
  m["Unsqueeze"] = importUnsqueeze;
  m["Squeeze"] = importSqueeze;
  m["Concat"] = importConcat;
  m["Reshape"] = importReshape;
  m["Flatten"] = importFlatten;
  m["Cast"] = importCast;
  m["Slice"] = importSlice;
  m["Constant"] = importConstant;
  m["ConstantOfShape"] = importConstantOfShape;
}

} // namespace rqc::onnx_import
