#include "compiler/reference/ReferenceExecutor.h"
#include "compiler/reference/kernels/Kernels.h"

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/Layout.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace rqc::reference {

namespace {

Shape shapeOf(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return Shape(t.getShape().begin(), t.getShape().end());
}

Tensor allocResult(Operation *op) {
  Value r = op->getResult(0);
  return Tensor(graph::dtypeFor(llvm::cast<RankedTensorType>(r.getType()).getElementType()),
                shapeOf(r));
}

Window2D window(ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                ArrayRef<int64_t> dilations) {
  return Window2D{std::vector<int64_t>(kernel.begin(), kernel.end()),
                  std::vector<int64_t>(strides.begin(), strides.end()),
                  std::vector<int64_t>(pads.begin(), pads.end()),
                  std::vector<int64_t>(dilations.begin(), dilations.end())};
}

// `t` (in `layout`) in layout `to`; the same tensor when the layouts agree.
Tensor relaid(const Tensor &t, const std::string &layout, const std::string &to) {
  if (layout == to) return t;
  graph::Layout src = graph::Layout::parse(layout), dst = graph::Layout::parse(to);
  Tensor out(t.dtype(), dst.shapeOf(src.primalShapeOf(t.shape()), src.primal()));
  layoutTransform(t, layout, to, out);
  return out;
}

// Ops with packed layouts run as their plain (NCHW / OIHW / MK) form between layout
// changes: the oracle stays the one plain kernel per op.
template <typename Fn> void inPlainLayout(const std::string &outLayout, Tensor &out, const std::string &plain, Fn compute) {
  if (outLayout == plain) {
    compute(out);
    return;
  }
  graph::Layout l = graph::Layout::parse(outLayout);
  Tensor plainOut(out.dtype(), l.primalShapeOf(out.shape(), plain));
  compute(plainOut);
  out = relaid(plainOut, plain, outLayout);
}

std::vector<int64_t> kernelOf(const Tensor &oihw) { return {oihw.dim(2), oihw.dim(3)}; }

template <typename T> std::vector<T> vec(ArrayRef<T> a) {
  return std::vector<T>(a.begin(), a.end());
}

} // namespace

Tensor evaluateOp(Operation *op, const std::function<const Tensor &(Value)> &get) {
  Tensor out = allocResult(op);
  auto opt = [&](Value v) -> const Tensor * { return v ? &get(v) : nullptr; };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](graph::Conv2DOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        Tensor w = relaid(get(o.getWeight()), o.getWeightLayout().str(), "OIHW");
        inPlainLayout(o.getResultLayout(), out, "NCHW", [&](Tensor &r) {
          conv2d(x, w, opt(o.getBias()), window(kernelOf(w), o.getStrides(), o.getPads(), o.getDilations()),
                 o.getGroups(), r);
        });
      })
      .Case([&](graph::WinogradWeightTransformOp o) {
        winogradWeightTransform(get(o.getWeight()), o.getTileSize(), o.getInputBlock(), o.getOutputBlock(), out);
      })
      .Case([&](graph::Conv2DWinogradOp o) {
        conv2dWinograd(get(o.getInput()), get(o.getWeight()), opt(o.getBias()), vec(o.getPads()), o.getTileSize(), out);
      })
      .Case([&](graph::Conv2DIntegerOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        Tensor w = relaid(get(o.getWeight()), o.getWeightLayout().str(), "OIHW");
        inPlainLayout(o.getResultLayout(), out, "NCHW", [&](Tensor &r) {
          conv2dInteger(x, w, static_cast<int32_t>(o.getInputZeroPoint()), vec(o.getWeightZeroPoint()),
                        window(kernelOf(w), o.getStrides(), o.getPads(), o.getDilations()), o.getGroups(), r);
          const int64_t channels = r.dim(1), plane = r.numel() / (r.dim(0) * channels);
          std::vector<int32_t> add(channels, 0);
          if (const Tensor *bias = opt(o.getBias())) std::copy_n(bias->data<int32_t>(), channels, add.begin());
          if (o.getZeroPointFolded()) { // the bias holds -xz * sum(w[o]): add it back
            const int64_t per = w.numel() / channels;
            const bool wu = w.dtype() == DType::U8;
            for (int64_t c = 0; c < channels; ++c) {
              int64_t sum = 0;
              for (int64_t i = 0; i < per; ++i)
                sum += wu ? w.data<uint8_t>()[c * per + i] : w.data<int8_t>()[c * per + i];
              add[c] += static_cast<int32_t>(static_cast<int32_t>(o.getInputZeroPoint()) * sum);
            }
          }
          int32_t *acc = r.data<int32_t>();
          for (int64_t i = 0; i < r.numel(); ++i) acc[i] += add[(i / plane) % channels];
        });
      })
      .Case([&](graph::VtaConv2DOp o) {
        // VTA's arithmetic, plainly: i32 accumulation, bias (with the rounding folded in),
        // a flooring shift, clip to int8 (ReLU: at 0).
        const int64_t b = out.dim(4), c = out.dim(5);
        const std::string act = "NCHW" + std::to_string(b) + "n" + std::to_string(c) + "c";
        const std::string wgt = "OIHW" + std::to_string(c) + "o" + std::to_string(c) + "i";
        Tensor x = relaid(get(o.getInput()), act, "NCHW");
        Tensor w = relaid(get(o.getWeight()), wgt, "OIHW");
        inPlainLayout(act, out, "NCHW", [&](Tensor &r) {
          Tensor acc(DType::I32, r.shape());
          conv2dInteger(x, w, 0, {0}, window(kernelOf(w), o.getStrides(), o.getPads(), {1, 1}), 1, acc);
          const int64_t channels = r.dim(1), plane = r.dim(2) * r.dim(3);
          const int32_t *bias = get(o.getBias()).data<int32_t>(); // [O/c, b, c]: batch lane 0
          const int32_t *shifts = o.getShifts() ? get(o.getShifts()).data<int32_t>() : nullptr;
          const int32_t low = o.getRelu() ? 0 : -128, high = static_cast<int32_t>(o.getClipHigh());
          for (int64_t i = 0; i < acc.numel(); ++i) {
            const int64_t ch = (i / plane) % channels, at = (ch / c) * b * c + ch % c;
            // VTA's 32-bit adder wraps.
            const int32_t sum = static_cast<int32_t>(static_cast<uint32_t>(acc.data<int32_t>()[i]) +
                                                     static_cast<uint32_t>(bias[at]));
            const int32_t v = sum >> (shifts ? shifts[at] : o.getShift());
            r.data<int8_t>()[i] = static_cast<int8_t>(std::min(high, std::max(low, v)));
          }
        });
      })
      .Case([&](graph::DenseOp o) {
        Tensor w = relaid(get(o.getWeight()), o.getWeightLayout().str(), "MK");
        if (out.rank() == 3) { // packed: [N, M/x, x] is [N, M] in memory
          Tensor flat = out.reshaped({out.dim(0), out.dim(1) * out.dim(2)});
          dense(get(o.getInput()), w, opt(o.getBias()), flat);
          return;
        }
        dense(get(o.getInput()), w, opt(o.getBias()), out);
      })
      .Case([&](graph::MatMulOp o) { matmul(get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::MatMulIntegerOp o) {
        matmulInteger(get(o.getLhs()), get(o.getRhs()), static_cast<int32_t>(o.getLhsZeroPoint()),
                      vec(o.getRhsZeroPoint()), out);
      })
      .Case([&](graph::MaxPool2DOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        inPlainLayout(o.getDataLayout().str(), out, "NCHW", [&](Tensor &r) {
          maxPool2d(x, window(o.getKernel(), o.getStrides(), o.getPads(), o.getDilations()), r);
        });
      })
      .Case([&](graph::AvgPool2DOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        inPlainLayout(o.getDataLayout().str(), out, "NCHW", [&](Tensor &r) {
          avgPool2d(x, window(o.getKernel(), o.getStrides(), o.getPads(), {1, 1}), o.getCountIncludePad(), r);
        });
      })
      .Case([&](graph::GlobalAvgPoolOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        inPlainLayout(o.getDataLayout().str(), out, "NCHW", [&](Tensor &r) { globalAvgPool(x, r); });
      })
      .Case([&](graph::GlobalMaxPoolOp o) {
        Tensor x = relaid(get(o.getInput()), o.getDataLayout().str(), "NCHW");
        inPlainLayout(o.getDataLayout().str(), out, "NCHW", [&](Tensor &r) { globalMaxPool(x, r); });
      })
      .Case([&](graph::LayoutTransformOp o) {
        layoutTransform(get(o.getInput()), o.getSrcLayout().str(), o.getDstLayout().str(), out);
      })
      .Case([&](graph::AddOp o) { binary(BinaryOp::Add, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::SubOp o) { binary(BinaryOp::Sub, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::MulOp o) { binary(BinaryOp::Mul, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::DivOp o) { binary(BinaryOp::Div, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::MaxOp o) { binary(BinaryOp::Max, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::MinOp o) { binary(BinaryOp::Min, get(o.getLhs()), get(o.getRhs()), out); })
      .Case([&](graph::ReluOp o) { relu(get(o.getInput()), out); })
      .Case([&](graph::SigmoidOp o) { sigmoid(get(o.getInput()), out); })
      .Case([&](graph::ClipOp o) {
        clip(get(o.getInput()), o.getMin().convertToFloat(), o.getMax().convertToFloat(), out);
      })
      .Case([&](graph::LeakyReluOp o) {
        leakyRelu(get(o.getInput()), o.getAlpha().convertToFloat(), out);
      })
      .Case([&](graph::BatchNormOp o) {
        batchNorm(get(o.getInput()), get(o.getScale()), get(o.getBias()), get(o.getMean()),
                  get(o.getVariance()), o.getEpsilon().convertToFloat(), out);
      })
      .Case([&](graph::LRNOp o) {
        lrn(get(o.getInput()), o.getSize(), o.getAlpha().convertToFloat(),
            o.getBeta().convertToFloat(), o.getBias().convertToFloat(), out);
      })
      .Case([&](graph::SoftmaxOp o) { softmax(get(o.getInput()), o.getAxis(), out); })
      .Case([&](graph::ConcatOp o) {
        std::vector<const Tensor *> ins;
        for (Value v : o.getInputs())
          ins.push_back(&get(v));
        concat(ins, o.getAxis(), out);
      })
      .Case([&](graph::ReshapeOp o) { out = get(o.getInput()).reshaped(out.shape()); })
      .Case([&](graph::TransposeOp o) { transpose(get(o.getInput()), vec(o.getPerm()), out); })
      .Case([&](graph::SliceOp o) { slice(get(o.getInput()), vec(o.getStarts()), vec(o.getSteps()), out); })
      .Case([&](graph::PadOp o) {
        pad(get(o.getInput()), vec(o.getPads()), o.getMode().str(), o.getValue().convertToFloat(),
            out);
      })
      .Case([&](graph::QuantizeOp o) {
        quantize(get(o.getInput()), vec(o.getScale()), vec(o.getZeroPoint()), o.getAxis(), out);
      })
      .Case([&](graph::DequantizeOp o) {
        dequantize(get(o.getInput()), vec(o.getScale()), vec(o.getZeroPoint()), o.getAxis(), out);
      })
      .Case([&](graph::RequantizeOp o) {
        std::string layout = o.getDataLayout().empty() ? "" : o.getDataLayout().str();
        if (layout.empty()) {
          requantize(get(o.getInput()), vec(o.getScale()), static_cast<int32_t>(o.getZeroPoint()), o.getAxis(), out);
          return;
        }
        Tensor x = relaid(get(o.getInput()), layout, "NCHW");
        inPlainLayout(layout, out, "NCHW", [&](Tensor &r) {
          requantize(x, vec(o.getScale()), static_cast<int32_t>(o.getZeroPoint()), o.getAxis(), r);
        });
      })
      .Default([&](Operation *other) {
        throw Error("reference executor: no kernel for '" + other->getName().getStringRef().str() +
                    "'");
      });
  return out;
}

struct ReferenceExecutor::Impl {
  func::FuncOp func;
  llvm::DenseMap<Value, Tensor> constants;
  llvm::DenseMap<Value, Operation *> lastUse;
};

ReferenceExecutor::ReferenceExecutor(ModuleOp module) : impl_(new Impl) {
  impl_->func = module.lookupSymbol<func::FuncOp>("main");
  if (!impl_->func)
    throw Error("module has no @main function");
  auto names = [&](const char *attr, size_t n, const char *prefix) {
    std::vector<std::string> out;
    auto arr = impl_->func->getAttrOfType<ArrayAttr>(attr);
    for (size_t i = 0; i < n; ++i)
      out.push_back(arr && i < arr.size() ? llvm::cast<StringAttr>(arr[i]).str()
                                          : prefix + std::to_string(i));
    return out;
  };
  auto fnType = impl_->func.getFunctionType();
  auto inNames = names("rqc.input_names", fnType.getNumInputs(), "input_");
  auto outNames = names("rqc.output_names", fnType.getNumResults(), "output_");
  for (size_t i = 0; i < fnType.getNumInputs(); ++i) {
    auto t = llvm::cast<RankedTensorType>(fnType.getInput(i));
    inputs_.push_back({inNames[i], graph::dtypeFor(t.getElementType()),
                       Shape(t.getShape().begin(), t.getShape().end())});
  }
  for (size_t i = 0; i < fnType.getNumResults(); ++i) {
    auto t = llvm::cast<RankedTensorType>(fnType.getResult(i));
    outputs_.push_back({outNames[i], graph::dtypeFor(t.getElementType()),
                        Shape(t.getShape().begin(), t.getShape().end())});
  }
  for (Operation &op : impl_->func.getBody().front()) {
    if (auto c = llvm::dyn_cast<graph::ConstantOp>(op))
      impl_->constants[c.getResult()] = graph::fromAttr(c.getValue());
    for (Value v : op.getOperands())
      impl_->lastUse[v] = &op;
  }
}

ReferenceExecutor::~ReferenceExecutor() { delete impl_; }

std::vector<Tensor> ReferenceExecutor::run(const std::vector<Tensor> &inputs) {
  if (inputs.size() != inputs_.size())
    throw Error("expected " + std::to_string(inputs_.size()) + " inputs, got " +
                std::to_string(inputs.size()));
  llvm::DenseMap<Value, Tensor> values;
  Block &body = impl_->func.getBody().front();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo &info = inputs_[i];
    if (inputs[i].dtype() != info.dtype || inputs[i].shape() != info.shape)
      throw Error("input '" + info.name + "' must be " + dtypeName(info.dtype) + " " +
                  shapeToString(info.shape) + ", got " + dtypeName(inputs[i].dtype()) + " " +
                  shapeToString(inputs[i].shape()));
    values[body.getArgument(i)] = inputs[i];
  }
  auto get = [&](Value v) -> const Tensor & {
    auto it = values.find(v);
    if (it != values.end())
      return it->second;
    return impl_->constants.find(v)->second;
  };
  std::vector<Tensor> results;
  for (Operation &op : body) {
    if (llvm::isa<graph::ConstantOp>(op))
      continue;
    if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        results.push_back(get(v));
      break;
    }
    values[op.getResult(0)] = evaluateOp(&op, get);
    for (Value v : op.getOperands())
      if (impl_->lastUse.lookup(v) == &op)
        values.erase(v);
  }
  return results;
}

NamedTensors ReferenceExecutor::run(const NamedTensors &inputs) {
  std::vector<Tensor> ordered;
  for (const TensorInfo &info : inputs_) {
    const Tensor *found = nullptr;
    for (const auto &[name, t] : inputs)
      if (name == info.name)
        found = &t;
    if (!found)
      throw Error("missing input '" + info.name + "'");
    ordered.push_back(*found);
  }
  for (const auto &[name, _] : inputs) {
    bool known = false;
    for (const TensorInfo &info : inputs_)
      known |= info.name == name;
    if (!known)
      throw Error("the model has no input named '" + name + "'");
  }
  std::vector<Tensor> outs = run(ordered);
  NamedTensors named;
  for (size_t i = 0; i < outs.size(); ++i)
    named.emplace_back(outputs_[i].name, outs[i]);
  return named;
}

} // namespace rqc::reference
