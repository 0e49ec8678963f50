// rqc-alter-layout: layouts as the selected schedules ask (TVM's AlterOpLayout plus layout
// propagation), so that activations stay channel-blocked between kernels.
#include "compiler/passes/ChannelLayout.h"
#include "compiler/passes/ConstantValue.h"
#include "compiler/passes/Passes.h"
#include "compiler/support/JsonAttr.h"

#include "ir/Graph/Layout.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Error.h"
#include "schedules/Schedule.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace rqc {
#define GEN_PASS_DEF_ALTERLAYOUT
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace rqc {

bool isElementwise(Operation *op) {
  if (llvm::isa<graph::ReluOp, graph::ClipOp, graph::LeakyReluOp, graph::SigmoidOp, graph::AddOp, graph::SubOp,
                graph::MulOp, graph::DivOp, graph::MaxOp, graph::MinOp>(op))
    return true;
  if (auto q = llvm::dyn_cast<graph::QuantizeOp>(op)) return q.getScale().size() == 1;
  if (auto q = llvm::dyn_cast<graph::DequantizeOp>(op)) return q.getScale().size() == 1;
  if (auto q = llvm::dyn_cast<graph::RequantizeOp>(op)) return q.getScale().size() == 1 && q.getDataLayout().empty();
  return false;
}

bool isPerChannelRequantize(Operation *op) {
  auto q = llvm::dyn_cast<graph::RequantizeOp>(op);
  return q && q.getScale().size() > 1 && q.getAxis() == 1 && q.getDataLayout().empty();
}

std::optional<std::string> poolLayout(Operation *op) {
  if (auto p = llvm::dyn_cast<graph::MaxPool2DOp>(op)) return p.getDataLayout().str();
  if (auto p = llvm::dyn_cast<graph::GlobalAvgPoolOp>(op)) return p.getDataLayout().str();
  if (auto p = llvm::dyn_cast<graph::GlobalMaxPoolOp>(op)) return p.getDataLayout().str();
  if (auto p = llvm::dyn_cast<graph::AvgPool2DOp>(op)) // a constant divisor only
    if (p.getCountIncludePad() || p.getPads() == ArrayRef<int64_t>{0, 0, 0, 0}) return p.getDataLayout().str();
  return std::nullopt;
}

} // namespace rqc

namespace {

Value transform(OpBuilder &b, Location loc, Value v, StringRef from, StringRef to) {
  if (from == to) return v;
  auto t = llvm::cast<RankedTensorType>(v.getType());
  graph::Layout src = graph::Layout::parse(from.str()), dst = graph::Layout::parse(to.str());
  std::vector<int64_t> shape = dst.shapeOf(src.primalShapeOf({t.getShape().begin(), t.getShape().end()}), src.primal());
  return b.create<graph::LayoutTransformOp>(loc, RankedTensorType::get(shape, t.getElementType()), v,
                                            b.getStringAttr(from), b.getStringAttr(to))
      .getResult();
}

// The plain layout over the same primal axes ("NCHW16c" -> "NCHW").
std::string plainOf(StringRef layout) { return graph::Layout::parse(layout.str()).primal(); }

bool isBlockedChannels(StringRef layout) {
  if (layout.empty() || layout == "NCHW") return false;
  graph::Layout l = graph::Layout::parse(layout.str());
  return l.primal() == "NCHW" && l.position('N') == 0 && l.rank() == 5 && l.axes()[4].factor > 0;
}

// The integer convolution in the packed layouts of conv2d_NCHWc_int8, with the input zero
// point folded into the bias: sum((x - xz) * w) + b = sum(x * w) + (b - xz * sum(w[o]))
// (TVM's qnn.conv2d legalization), so the integer kernels' inner loop is a plain dot
// product. Needs a constant weight with zero weight zero points.
Operation *packIntegerConv(OpBuilder &b, Location loc, graph::Conv2DIntegerOp conv, const std::string &input,
                           const std::string &weight, const std::string &output, const std::string &templateName) {
  auto wConst = conv.getWeight().getDefiningOp<graph::ConstantOp>();
  std::optional<Tensor> bias;
  if (conv.getBias())
    if (auto bc = conv.getBias().getDefiningOp<graph::ConstantOp>()) bias = graph::fromAttr(bc.getValue());
  if (!wConst || (conv.getBias() && !bias) || llvm::any_of(conv.getWeightZeroPoint(), [](int32_t z) { return z != 0; }))
    throw rqc::Error("schedule " + templateName + " needs a constant weight and bias with zero weight zero points");
  Tensor w = graph::fromAttr(wConst.getValue());
  const int64_t channels = w.dim(0), per = w.numel() / channels;
  const int64_t xz = static_cast<int32_t>(conv.getInputZeroPoint());
  Tensor folded(DType::I32, {channels});
  for (int64_t c = 0; c < channels; ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < per; ++i)
      sum += w.dtype() == DType::U8 ? w.data<uint8_t>()[c * per + i] : w.data<int8_t>()[c * per + i];
    folded.data<int32_t>()[c] = static_cast<int32_t>((bias ? bias->data<int32_t>()[c] : 0) - xz * sum);
  }
  Value biasValue = b.create<graph::ConstantOp>(loc, graph::toAttr(folded, b.getContext()));
  Value x = transform(b, loc, conv.getInput(), "NCHW", input);
  Value wp = transform(b, loc, conv.getWeight(), "OIHW", weight);
  auto c = b.create<graph::Conv2DIntegerOp>(loc, x, wp, biasValue, conv.getInputZeroPoint(), conv.getWeightZeroPoint(),
                                            conv.getStrides(), conv.getPads(), conv.getDilations(), conv.getGroups(),
                                            input, weight, /*zero_point_folded=*/true);
  if (c.getResultLayout() != output)
    throw rqc::Error("schedule " + templateName + " packs the output as " + output + " but its weight layout gives " +
                     c.getResultLayout());
  // Whether every pair of neighbouring input channels (2k, 2k+1) of a filter tap sums within
  // i16 against any byte: 255 * (|w0| + |w1|) <= 32767 (7-bit weights always do). The x86
  // kernels without VNNI then use vpmaddubsw, whose i16 sums saturate otherwise.
  if (conv.getGroups() == 1 && neighbourPairsFitI16(w)) c->setAttr("rqc.weight_pairs_fit_i16", b.getUnitAttr());
  return c;
}

// Rewrites an op whose schedule packs its tensors; returns false when it has no pack step.
bool applyPackSteps(Operation *op) {
  Attribute attr = op->getAttr("rqc.schedule");
  if (!attr) return false;
  schedule::Schedule s = schedule::scheduleFromJson(attrToJson(attr));
  std::string input = s.packed("input"), weight = s.packed("weight"), output = s.packed("output");
  if (input.empty() && weight.empty() && output.empty()) return false;
  OpBuilder b(op);
  Location loc = op->getLoc();
  Operation *packed = nullptr;
  std::string plainOut;
  const schedule::Step *winograd = nullptr;
  for (const schedule::Step &st : s.steps)
    if (st.primitive == "winograd") winograd = &st;
  auto conv = llvm::dyn_cast<graph::Conv2DOp>(op);
  if (conv && winograd) {
    // Winograd: the filter transform (folded at compile time) blocked as the weight's pack
    // step says, the result in output tiles (the pack step's "NCH{m}hW{m}w{c}c").
    if (winograd->sizes.size() != 1) throw rqc::Error("schedule " + s.templateName + ": winograd needs [tile size]");
    graph::Layout w = graph::Layout::parse(weight);
    Value x = transform(b, loc, conv.getInput(), "NCHW", input);
    Value u = b.create<graph::WinogradWeightTransformOp>(loc, conv.getWeight(), winograd->sizes[0], w.block('I'), w.block('O'));
    auto c = b.create<graph::Conv2DWinogradOp>(loc, x, u, conv.getBias(), conv.getPads(), winograd->sizes[0]);
    if (c.getResultLayout() != output)
      throw rqc::Error("schedule " + s.templateName + " packs the output as " + output + ", its Winograd convolution gives " +
                       c.getResultLayout());
    packed = c;
    plainOut = "NCHW";
  } else if (conv) {
    Value x = transform(b, loc, conv.getInput(), "NCHW", input.empty() ? "NCHW" : input);
    Value w = transform(b, loc, conv.getWeight(), "OIHW", weight.empty() ? "OIHW" : weight);
    auto c = b.create<graph::Conv2DOp>(loc, x, w, conv.getBias(), conv.getStrides(), conv.getPads(), conv.getDilations(),
                                       conv.getGroups(), input.empty() ? "NCHW" : input, weight.empty() ? "OIHW" : weight);
    if (c.getResultLayout() != (output.empty() ? "NCHW" : output))
      throw rqc::Error("schedule " + s.templateName + " packs the output as " + output + " but its weight layout gives " +
                  c.getResultLayout());
    packed = c;
    plainOut = "NCHW";
  } else if (auto iconv = llvm::dyn_cast<graph::Conv2DIntegerOp>(op)) {
    packed = packIntegerConv(b, loc, iconv, input, weight, output, s.templateName);
    plainOut = "NCHW";
  } else if (auto dense = llvm::dyn_cast<graph::DenseOp>(op)) {
    Value w = transform(b, loc, dense.getWeight(), "MK", weight.empty() ? "MK" : weight);
    packed = b.create<graph::DenseOp>(loc, dense.getInput(), w, dense.getBias(), weight.empty() ? "MK" : weight);
    plainOut = "NM";
  } else {
    throw rqc::Error("rqc-alter-layout: '" + op->getName().getStringRef().str() + "' has no packed form");
  }
  for (NamedAttribute a : op->getDiscardableAttrs()) packed->setAttr(a.getName(), a.getValue());
  Value y = transform(b, loc, packed->getResult(0), output.empty() ? plainOut : output, plainOut);
  op->getResult(0).replaceAllUsesWith(y);
  op->erase();
  return true;
}

void setPoolLayout(Operation *op, StringRef layout) {
  Builder b(op->getContext());
  if (auto p = llvm::dyn_cast<graph::MaxPool2DOp>(op)) p.setDataLayout(layout);
  else if (auto p = llvm::dyn_cast<graph::GlobalAvgPoolOp>(op)) p.setDataLayout(layout);
  else if (auto p = llvm::dyn_cast<graph::GlobalMaxPoolOp>(op)) p.setDataLayout(layout);
  else if (auto p = llvm::dyn_cast<graph::AvgPool2DOp>(op)) p.setDataLayout(layout);
}

// The result type of `op` (a clone with new operands) for its new operand types.
void retype(Operation *op) {
  if (auto infer = llvm::dyn_cast<InferTypeOpInterface>(op)) {
    SmallVector<Type> types;
    if (succeeded(infer.inferReturnTypes(op->getContext(), op->getLoc(), op->getOperands(), op->getAttrDictionary(),
                                         op->getPropertiesStorage(), op->getRegions(), types))) {
      op->getResult(0).setType(types[0]);
      return;
    }
    throw rqc::Error("rqc-alter-layout: cannot re-infer '" + op->getName().getStringRef().str() + "'");
  }
  auto in = llvm::cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  op->getResult(0).setType(RankedTensorType::get(in.getShape(), out.getElementType()));
}

// Moves the layout change `t` (blocked L -> plain P) below its user `user` when the user
// works in L. Returns true if the IR changed.
bool pushThrough(graph::LayoutTransformOp t, Operation *user) {
  StringRef blocked = t.getSrcLayout(), plain = t.getDstLayout();
  OpBuilder b(user);
  Location loc = user->getLoc();
  if (auto next = llvm::dyn_cast<graph::LayoutTransformOp>(user)) {
    // L -> P -> L2 is L -> L2 (nothing when L2 == L).
    if (next.getSrcLayout() != plain) return false;
    // `next` is left dead (erased when the walk reaches it): it may be on the walk's list.
    next.getResult().replaceAllUsesWith(transform(b, loc, t.getInput(), blocked, next.getDstLayout()));
    return true;
  }
  auto resultType = llvm::cast<RankedTensorType>(t.getResult().getType());
  IRMapping map;
  if (isElementwise(user)) {
    // Every operand must be the same shape; the others change layout too (and cancel when
    // they come from the same blocked layout).
    for (Value v : user->getOperands()) {
      auto vt = llvm::cast<RankedTensorType>(v.getType());
      if (vt.getShape() != resultType.getShape()) return false;
    }
    for (Value v : user->getOperands())
      map.map(v, v == t.getResult() ? t.getInput() : transform(b, loc, v, plain, blocked));
  } else if (std::optional<std::string> layout = poolLayout(user)) {
    if (*layout != "NCHW" || plain != "NCHW" || !isBlockedChannels(blocked)) return false;
    map.map(t.getResult(), t.getInput());
  } else if (isPerChannelRequantize(user)) {
    if (plain != "NCHW" || !isBlockedChannels(blocked)) return false;
    map.map(t.getResult(), t.getInput());
  } else {
    return false;
  }
  Operation *clone = b.clone(*user, map);
  if (auto q = llvm::dyn_cast<graph::RequantizeOp>(clone); q && isPerChannelRequantize(user)) q.setDataLayout(blocked);
  if (poolLayout(clone)) {
    setPoolLayout(clone, blocked);
    for (const char *a : {"rqc.task", "rqc.config", "rqc.schedule"}) clone->removeAttr(a);
  }
  retype(clone);
  user->getResult(0).replaceAllUsesWith(transform(b, loc, clone->getResult(0), blocked, plain));
  user->erase();
  return true;
}

// A change that keeps the element order (the blocked axis innermost, or only unit axes in
// between) is a reshape: it moves no bytes.
bool isPureReshape(graph::LayoutTransformOp t) {
  graph::Layout src = graph::Layout::parse(t.getSrcLayout().str()), dst = graph::Layout::parse(t.getDstLayout().str());
  // Two different blockings of one axis reorder its elements.
  for (char axis : src.primal())
    if (src.block(axis) > 1 && dst.block(axis) > 1 && src.block(axis) != dst.block(axis)) return false;
  auto atoms = [&](const graph::Layout &l, ArrayRef<int64_t> shape) {
    // (axis letter, outer/inner part) in memory order, size-1 parts dropped, with every
    // axis refined by the larger of the two layouts' blocks.
    std::vector<std::pair<char, int>> out;
    for (size_t i = 0; i < l.rank(); ++i) {
      char name = l.axes()[i].name;
      char primal = static_cast<char>(std::toupper(name));
      int64_t block = std::max(src.block(primal), dst.block(primal));
      if (l.axes()[i].factor) {
        if (shape[i] != 1) out.push_back({primal, 1});
      } else if (l.block(primal) > 1 || block == 1) {
        if (shape[i] != 1) out.push_back({primal, 0});
      } else { // unblocked here, blocked in the other layout: outer then inner
        if (shape[i] / block != 1) out.push_back({primal, 0});
        if (block != 1) out.push_back({primal, 1});
      }
    }
    return out;
  };
  return atoms(src, llvm::cast<RankedTensorType>(t.getInput().getType()).getShape()) ==
         atoms(dst, llvm::cast<RankedTensorType>(t.getResult().getType()).getShape());
}

struct AlterLayoutPass : rqc::impl::AlterLayoutBase<AlterLayoutPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    try {
      SmallVector<Operation *> scheduled;
      fn.walk([&](Operation *op) {
        if (op->hasAttr("rqc.schedule") && llvm::isa<graph::Conv2DOp, graph::Conv2DIntegerOp, graph::DenseOp>(op))
          scheduled.push_back(op);
      });
      for (Operation *op : scheduled) applyPackSteps(op);

      // Push blocked -> plain changes down until nothing moves.
      for (bool changed = true; changed;) {
        changed = false;
        SmallVector<graph::LayoutTransformOp> transforms;
        fn.walk([&](graph::LayoutTransformOp t) { transforms.push_back(t); });
        for (graph::LayoutTransformOp t : transforms) {
          if (t.getResult().use_empty()) {
            t->erase();
            changed = true;
            continue;
          }
          // Only blocked -> plain changes move down (a blocked -> blocked one is where two
          // blockings meet, and stays).
          if (graph::Layout::parse(t.getSrcLayout().str()).isPrimal() ||
              !graph::Layout::parse(t.getDstLayout().str()).isPrimal())
            continue;
          SmallVector<Operation *> users(t.getResult().getUsers().begin(), t.getResult().getUsers().end());
          for (Operation *user : users) changed |= pushThrough(t, user);
          if (t.getResult().use_empty()) {
            t->erase();
            changed = true;
          }
        }
      }
      // Pure reshapes become aliases; dead transforms go.
      SmallVector<graph::LayoutTransformOp> transforms;
      fn.walk([&](graph::LayoutTransformOp t) { transforms.push_back(t); });
      for (graph::LayoutTransformOp t : transforms) {
        if (t.getResult().use_empty()) {
          t->erase();
          continue;
        }
        if (isPureReshape(t)) {
          OpBuilder b(t);
          Value r = b.create<graph::ReshapeOp>(t.getLoc(), t.getResult().getType(), t.getInput());
          t.getResult().replaceAllUsesWith(r);
          t->erase();
        }
      }
    } catch (const rqc::Error &e) {
      fn.emitError(e.what());
      signalPassFailure();
    }
  }
};

} // namespace
