// The OpenCL C printer (OpenCLEmitter.h): one method per construct, statements in SSA
// order, each result a named private variable, so that the printed kernel reads like the
// loop IR it came from.
#include "targets/opencl/OpenCLEmitter.h"

#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>

using namespace mlir;

namespace rqc::opencl {

namespace {

std::string opName(Operation *op) { return op->getName().getStringRef().str(); }

[[noreturn]] void unsupported(Operation *op, const std::string &why) {
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  throw Error("OpenCL C code generation: '" + opName(op) + "' " + why + " (at " + loc + ")");
}

// The C type of an MLIR scalar type; `isUnsigned` gives the unsigned integer of its width.
std::string cType(Type t, bool &usesHalf, bool isUnsigned = false) {
  if (t.isF32()) return "float";
  if (t.isF16()) {
    usesHalf = true;
    return "half";
  }
  if (t.isIndex()) return isUnsigned ? "uint" : "int"; // tensors here stay below 2^31 elements
  if (auto i = llvm::dyn_cast<IntegerType>(t)) {
    switch (i.getWidth()) {
    case 1: return isUnsigned ? "uchar" : "bool";
    case 8: return isUnsigned ? "uchar" : "char";
    case 16: return isUnsigned ? "ushort" : "short";
    case 32: return isUnsigned ? "uint" : "int";
    case 64: return isUnsigned ? "ulong" : "long";
    default: break;
    }
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  throw Error("OpenCL C code generation: type '" + s + "' has no OpenCL C 1.2 equivalent here");
}

std::string floatLiteral(double v, Type t) {
  std::string s;
  if (std::isnan(v)) s = "NAN";
  else if (std::isinf(v)) s = v > 0 ? "INFINITY" : "(-INFINITY)";
  else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v); // exact: hexadecimal floating constants are C99
    s = buf;
    s += "f";
    if (v < 0 || (v == 0 && std::signbit(v))) s = "(" + s + ")";
  }
  return t.isF16() ? "((half)" + s + ")" : s;
}

std::string intLiteral(const APInt &v, Type t) {
  unsigned width = t.isIndex() ? 32 : t.getIntOrFloatBitWidth();
  if (width == 1) return v.isZero() ? "false" : "true";
  int64_t x = width == 64 || t.isIndex() ? v.getSExtValue() : v.sextOrTrunc(width).getSExtValue();
  if (width == 64) return x == INT64_MIN ? "(-9223372036854775807L-1)" : "(" + std::to_string(x) + "L)";
  if (width == 32 && x == INT32_MIN) return "(-2147483647-1)";
  std::string s = std::to_string(x);
  if (width == 8) return "((char)" + s + ")";
  if (width == 16) return "((short)" + s + ")";
  return x < 0 ? "(" + s + ")" : s;
}

struct MemrefParam {
  std::string name;    // p<i> (function argument), s<j> (scratch) or g_<symbol> (constant)
  std::string space;   // "__global" or "__constant"
};

// A top-level scf.parallel whose body is a chain of scf.for loops (no loop-carried values)
// around straight-line code that loads one element of a buffer, updates it and stores it
// back at the same indices, each index a parallel loop's variable or a constant: an
// accumulation, which a work-item can keep in a register over the whole chain.
struct ReductionNest {
  std::vector<scf::ForOp> loops; // outermost first
  Block *body = nullptr;
  memref::LoadOp load;
  memref::StoreOp store;
  std::vector<int> dimOfIv; // per parallel loop: its position in the store's indices, or -1
};

std::optional<ReductionNest> matchReductionNest(scf::ParallelOp par) {
  ReductionNest nest;
  Block *b = par.getBody();
  for (;;) {
    auto ops = b->without_terminator();
    if (std::distance(ops.begin(), ops.end()) != 1) break;
    auto f = llvm::dyn_cast<scf::ForOp>(*ops.begin());
    if (!f) break;
    if (f.getNumResults()) return std::nullopt;
    nest.loops.push_back(f);
    b = f.getBody();
  }
  if (nest.loops.empty()) return std::nullopt;
  nest.body = b;
  for (Operation &op : b->without_terminator()) {
    if (op.getNumRegions()) return std::nullopt;
    if (auto s = llvm::dyn_cast<memref::StoreOp>(op)) {
      if (nest.store) return std::nullopt;
      nest.store = s;
    }
  }
  if (!nest.store) return std::nullopt;
  for (Operation &op : b->without_terminator())
    if (auto l = llvm::dyn_cast<memref::LoadOp>(op); l && l.getMemRef() == nest.store.getMemRef()) {
      if (nest.load || l.getIndices() != nest.store.getIndices()) return std::nullopt;
      nest.load = l;
    }
  if (!nest.load) return std::nullopt;
  auto ivs = par.getInductionVars();
  nest.dimOfIv.assign(ivs.size(), -1);
  for (auto [pos, index] : llvm::enumerate(nest.store.getIndices())) {
    auto it = llvm::find(ivs, index);
    if (it == ivs.end()) {
      if (!getConstantIntValue(index)) return std::nullopt;
      continue;
    }
    size_t i = static_cast<size_t>(it - ivs.begin());
    if (nest.dimOfIv[i] >= 0) return std::nullopt;
    nest.dimOfIv[i] = static_cast<int>(pos);
  }
  return nest;
}

class KernelPrinter {
public:
  KernelPrinter(std::ostringstream &out, bool &usesHalf, const llvm::DenseMap<Value, MemrefParam> &memrefs)
      : out_(out), usesHalf_(usesHalf), memrefs_(memrefs) {}

  // The body of one launch: a top-level scf.parallel mapped onto the NDRange (`grid` work-
  // items along each of its loops, each covering `tiles` iterations), or a run of other
  // top-level ops executed by one work-item. With `nest`, the loop's body is the register-
  // tiled reduction nest.
  void launchBody(const std::vector<Operation *> &ops, const std::vector<int64_t> &grid,
                  const std::vector<int64_t> &tiles, ReductionNest *nest, const WorkItemTiling *tiling) {
    indent_ = 1;
    auto par = llvm::dyn_cast<scf::ParallelOp>(ops.front());
    if (!par) {
      for (Operation *op : ops) operation(op);
      return;
    }
    size_t n = par.getNumLoops();
    auto ivs = par.getInductionVars();
    std::vector<std::string> base(n);
    // Innermost loop on get_global_id(0): neighbouring work-items touch neighbouring
    // elements (coalesced on a GPU, contiguous for PoCL's vectorizer).
    auto bind = [&](size_t d, const std::string &id) {
      std::optional<int64_t> lb = getConstantIntValue(par.getLowerBound()[d]), step = getConstantIntValue(par.getStep()[d]);
      int64_t stride = (step ? *step : 1) * tiles[d];
      std::string scaled = stride == 1 ? id : "(" + id + ") * " + std::to_string(stride);
      std::string v = "i" + std::to_string(counter_++);
      line("int " + v + " = " + (lb && *lb == 0 ? scaled : name(par.getLowerBound()[d]) + " + " + scaled) + ";");
      base[d] = v;
      names_[ivs[d]] = v;
    };
    bind(n - 1, "(int)get_global_id(0)");
    if (n >= 2) bind(n - 2, "(int)get_global_id(1)");
    if (n >= 3) {
      line("int w2 = (int)get_global_id(2);");
      for (size_t d = n - 3; d + 1 > 0; --d) {
        if (d == 0) bind(d, "w2");
        else {
          bind(d, "w2 % " + std::to_string(grid[d]));
          line("w2 /= " + std::to_string(grid[d]) + ";");
        }
      }
    }
    if (nest) return tiledNest(par, *nest, *tiling, base, tiles);
    block(*par.getBody());
  }

private:
  // The register-tiled nest: the work-item's block of accumulators loaded once, the
  // reduction loops (unrolled as the schedule says) around every element of the block, and
  // the block stored once.
  void tiledNest(scf::ParallelOp par, ReductionNest &nest, const WorkItemTiling &t,
                 const std::vector<std::string> &base, const std::vector<int64_t> &tiles) {
    auto ivs = par.getInductionVars();
    const size_t n = ivs.size();
    // The block's loops, outermost first: dims the order does not name, then the order's.
    std::vector<size_t> loopOrder;
    auto rank = [&](size_t i) -> int64_t {
      auto it = llvm::find(t.order, int64_t(nest.dimOfIv[i]));
      return it == t.order.end() ? -1 : int64_t(it - t.order.begin());
    };
    for (size_t i = 0; i < n; ++i) loopOrder.push_back(i);
    std::stable_sort(loopOrder.begin(), loopOrder.end(), [&](size_t a, size_t b) { return rank(a) < rank(b); });
    points_.clear();
    std::vector<int64_t> point(n, 0);
    std::function<void(size_t)> enumerate = [&](size_t k) {
      if (k == n) return points_.push_back(point);
      for (int64_t o = 0; o < tiles[loopOrder[k]]; ++o) point[loopOrder[k]] = o, enumerate(k + 1);
    };
    enumerate(0);
    steps_.assign(n, 1);
    for (size_t i = 0; i < n; ++i) steps_[i] = getConstantIntValue(par.getStep()[i]).value_or(1);
    ivs_.assign(ivs.begin(), ivs.end());
    base_ = base;
    const std::string type = cType(nest.store.getValueToStore().getType(), usesHalf_);
    accumulators_.clear();
    for (const auto &p : points_) {
      setPoint(p);
      std::string a = "a" + std::to_string(counter_++);
      line(type + " " + a + " = " + element(nest.store.getMemRef(), nest.store.getIndices(), nest.store) + ";");
      accumulators_.push_back(a);
    }
    reduction(nest, t, 0);
    for (size_t k = 0; k < points_.size(); ++k) {
      setPoint(points_[k]);
      line(element(nest.store.getMemRef(), nest.store.getIndices(), nest.store) + " = " + accumulators_[k] + ";");
    }
  }

  void setPoint(const std::vector<int64_t> &p) {
    for (size_t i = 0; i < p.size(); ++i)
      names_[ivs_[i]] = p[i] == 0 ? base_[i] : "(" + base_[i] + " + " + std::to_string(p[i] * steps_[i]) + ")";
  }

  void reduction(ReductionNest &nest, const WorkItemTiling &t, size_t level) {
    if (level == nest.loops.size()) {
      for (size_t k = 0; k < points_.size(); ++k) {
        setPoint(points_[k]);
        names_[nest.load.getResult()] = accumulators_[k];
        for (Operation &op : nest.body->without_terminator()) {
          if (&op == nest.load.getOperation()) continue;
          if (&op == nest.store.getOperation()) line(accumulators_[k] + " = " + name(nest.store.getValueToStore()) + ";");
          else operation(&op);
        }
      }
      return;
    }
    scf::ForOp f = nest.loops[level];
    const int64_t unroll = level < t.unroll.size() ? t.unroll[level] : 1;
    std::optional<int64_t> lb = getConstantIntValue(f.getLowerBound()), ub = getConstantIntValue(f.getUpperBound()),
                           step = getConstantIntValue(f.getStep());
    const bool constant = lb && ub && step && *step > 0;
    const int64_t trips = constant ? std::max<int64_t>(0, (*ub - *lb + *step - 1) / *step) : 0;
    if (unroll == 0 && constant) {
      for (int64_t v = 0; v < trips; ++v) {
        names_[f.getInductionVar()] = std::to_string(*lb + v * *step);
        reduction(nest, t, level + 1);
      }
      return;
    }
    if (unroll > 1 && (!constant || trips % unroll))
      throw Error("OpenCL C code generation: unroll_reduce " + std::to_string(unroll) +
                  " does not divide a reduction loop of " + std::to_string(trips));
    if (unroll == 0 && !constant) throw Error("OpenCL C code generation: unroll_reduce cannot unroll a loop of unknown length");
    std::string iv = "i" + std::to_string(counter_++);
    const int64_t by = unroll > 1 ? unroll : 1;
    line("for (int " + iv + " = " + name(f.getLowerBound()) + "; " + iv + " < " + name(f.getUpperBound()) + "; " + iv +
         " += " + (by == 1 ? name(f.getStep()) : std::to_string(*step * by)) + ") {");
    ++indent_;
    for (int64_t r = 0; r < by; ++r) {
      names_[f.getInductionVar()] = r == 0 ? iv : "(" + iv + " + " + std::to_string(r * (step ? *step : 1)) + ")";
      reduction(nest, t, level + 1);
    }
    --indent_;
    line("}");
  }

  void line(const std::string &s) { out_ << std::string(2 * indent_, ' ') << s << "\n"; }

  std::string type(Type t, bool isUnsigned = false) { return cType(t, usesHalf_, isUnsigned); }

  std::string name(Value v) {
    if (auto it = names_.find(v); it != names_.end()) return it->second;
    if (auto c = v.getDefiningOp<arith::ConstantOp>()) {
      Attribute a = c.getValue();
      if (auto f = llvm::dyn_cast<FloatAttr>(a)) return floatLiteral(f.getValueAsDouble(), f.getType());
      if (auto i = llvm::dyn_cast<IntegerAttr>(a)) return intLiteral(i.getValue(), i.getType());
      unsupported(c, "is a vector or tensor constant; only scalar constants reach OpenCL C");
    }
    std::string s;
    llvm::raw_string_ostream os(s);
    v.print(os);
    throw Error("OpenCL C code generation: a kernel uses a value defined outside it: " + s);
  }

  std::string define(Value v, const std::string &expr) {
    std::string n = "v" + std::to_string(counter_++);
    names_[v] = n;
    line(type(v.getType()) + " " + n + " = " + expr + ";");
    return n;
  }

  void block(Block &b) {
    for (Operation &op : b.without_terminator()) operation(&op);
  }

  // memref[i, j, ...] as a C array element: static shapes and strides only.
  std::string element(Value memref, ValueRange indices, Operation *at) {
    auto it = memrefs_.find(memref);
    if (it == memrefs_.end()) unsupported(at, "reads or writes a buffer that is neither an argument, a temporary nor a constant");
    auto t = llvm::cast<MemRefType>(memref.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (!t.hasStaticShape() || failed(getStridesAndOffset(t, strides, offset)) || ShapedType::isDynamic(offset) ||
        llvm::any_of(strides, ShapedType::isDynamic))
      unsupported(at, "uses a memref without a static shape and layout");
    std::string index = offset ? std::to_string(offset) : "";
    for (auto [i, s] : llvm::zip(indices, strides)) {
      if (std::optional<int64_t> c = getConstantIntValue(i); c && *c == 0) continue;
      std::string term = s == 1 ? name(i) : name(i) + " * " + std::to_string(s);
      index += (index.empty() ? "" : " + ") + term;
    }
    return it->second.name + "[" + (index.empty() ? "0" : index) + "]";
  }

  void operation(Operation *op) {
    if (llvm::isa<arith::ConstantOp>(op)) return; // printed at its uses
    if (auto f = llvm::dyn_cast<scf::ForOp>(op)) return forLoop(f);
    if (auto p = llvm::dyn_cast<scf::ParallelOp>(op)) return parallelLoop(p);
    if (auto i = llvm::dyn_cast<scf::IfOp>(op)) return ifElse(i);
    if (auto l = llvm::dyn_cast<memref::LoadOp>(op)) {
      define(l.getResult(), element(l.getMemRef(), l.getIndices(), op));
      return;
    }
    if (auto s = llvm::dyn_cast<memref::StoreOp>(op)) {
      line(element(s.getMemRef(), s.getIndices(), op) + " = " + name(s.getValueToStore()) + ";");
      return;
    }
    if (op->getNumResults() == 1) return define(op->getResult(0), expression(op)), void();
    unsupported(op, "has no OpenCL C printer");
  }

  void forLoop(scf::ForOp f) {
    std::vector<std::string> carried;
    for (auto [init, result, arg] : llvm::zip(f.getInitArgs(), f.getResults(), f.getRegionIterArgs())) {
      std::string n = define(result, name(init));
      names_[arg] = n;
      carried.push_back(n);
    }
    std::string iv = "i" + std::to_string(counter_++);
    names_[f.getInductionVar()] = iv;
    line("for (int " + iv + " = " + name(f.getLowerBound()) + "; " + iv + " < " + name(f.getUpperBound()) + "; " + iv +
         " += " + name(f.getStep()) + ") {");
    ++indent_;
    block(*f.getBody());
    assignYield(f.getBody()->getTerminator(), carried);
    --indent_;
    line("}");
  }

  // Loop-carried and if-results: the yielded values go through temporaries, as a yield may
  // swap carried values.
  void assignYield(Operation *yield, const std::vector<std::string> &targets) {
    if (targets.empty()) return;
    std::vector<std::string> temps;
    for (auto [i, v] : llvm::enumerate(yield->getOperands())) {
      std::string t = "t" + std::to_string(counter_++);
      line(type(v.getType()) + " " + t + " = " + name(v) + ";");
      temps.push_back(t);
    }
    for (size_t i = 0; i < targets.size(); ++i) line(targets[i] + " = " + temps[i] + ";");
  }

  void parallelLoop(scf::ParallelOp p) {
    if (p.getNumResults()) unsupported(p, "has reductions, which a work-item cannot make alone");
    for (size_t d = 0; d < p.getNumLoops(); ++d) {
      std::string iv = "i" + std::to_string(counter_++);
      names_[p.getInductionVars()[d]] = iv;
      line("for (int " + iv + " = " + name(p.getLowerBound()[d]) + "; " + iv + " < " + name(p.getUpperBound()[d]) +
           "; " + iv + " += " + name(p.getStep()[d]) + ") {");
      ++indent_;
    }
    block(*p.getBody());
    for (size_t d = 0; d < p.getNumLoops(); ++d) --indent_, line("}");
  }

  void ifElse(scf::IfOp i) {
    std::vector<std::string> results;
    for (Value r : i.getResults()) {
      std::string n = "v" + std::to_string(counter_++);
      names_[r] = n;
      line(type(r.getType()) + " " + n + ";");
      results.push_back(n);
    }
    line("if (" + name(i.getCondition()) + ") {");
    ++indent_;
    block(*i.thenBlock());
    assignYield(i.thenBlock()->getTerminator(), results);
    --indent_;
    if (i.elseBlock()) {
      line("} else {");
      ++indent_;
      block(*i.elseBlock());
      assignYield(i.elseBlock()->getTerminator(), results);
      --indent_;
    }
    line("}");
  }

  std::string cmpf(arith::CmpFOp c) {
    std::string a = name(c.getLhs()), b = name(c.getRhs());
    using P = arith::CmpFPredicate;
    switch (c.getPredicate()) {
    case P::OEQ: return a + " == " + b;
    case P::OGT: return a + " > " + b;
    case P::OGE: return a + " >= " + b;
    case P::OLT: return a + " < " + b;
    case P::OLE: return a + " <= " + b;
    case P::ONE: return "(" + a + " < " + b + " || " + a + " > " + b + ")";
    case P::ORD: return "!isnan(" + a + ") && !isnan(" + b + ")";
    case P::UEQ: return "!(" + a + " < " + b + " || " + a + " > " + b + ")";
    case P::UGT: return "!(" + a + " <= " + b + ")";
    case P::UGE: return "!(" + a + " < " + b + ")";
    case P::ULT: return "!(" + a + " >= " + b + ")";
    case P::ULE: return "!(" + a + " > " + b + ")";
    case P::UNE: return a + " != " + b;
    case P::UNO: return "isnan(" + a + ") || isnan(" + b + ")";
    case P::AlwaysTrue: return "true";
    case P::AlwaysFalse: return "false";
    }
    unsupported(c, "has an unknown predicate");
  }

  std::string cmpi(arith::CmpIOp c) {
    using P = arith::CmpIPredicate;
    P p = c.getPredicate();
    bool isUnsigned = p == P::ult || p == P::ule || p == P::ugt || p == P::uge;
    std::string a = name(c.getLhs()), b = name(c.getRhs());
    if (isUnsigned) {
      std::string u = "(" + type(c.getLhs().getType(), true) + ")";
      a = u + a, b = u + b;
    }
    switch (p) {
    case P::eq: return a + " == " + b;
    case P::ne: return a + " != " + b;
    case P::slt: case P::ult: return a + " < " + b;
    case P::sle: case P::ule: return a + " <= " + b;
    case P::sgt: case P::ugt: return a + " > " + b;
    case P::sge: case P::uge: return a + " >= " + b;
    }
    unsupported(c, "has an unknown predicate");
  }

  // The right-hand side of an op with one scalar result.
  std::string expression(Operation *op) {
    static const std::map<std::string, std::string> infix = {
        {"arith.addf", "+"}, {"arith.subf", "-"}, {"arith.mulf", "*"}, {"arith.divf", "/"},
        {"arith.addi", "+"}, {"arith.subi", "-"}, {"arith.muli", "*"}, {"arith.divsi", "/"},
        {"arith.remsi", "%"}, {"arith.andi", "&"}, {"arith.ori", "|"}, {"arith.xori", "^"},
        {"arith.shli", "<<"}, {"arith.shrsi", ">>"}};
    static const std::map<std::string, std::string> unsignedInfix = {
        {"arith.divui", "/"}, {"arith.remui", "%"}, {"arith.shrui", ">>"}};
    static const std::map<std::string, std::string> calls = {
        {"arith.maximumf", "fmax"}, {"arith.maxnumf", "fmax"}, {"arith.minimumf", "fmin"}, {"arith.minnumf", "fmin"},
        {"arith.remf", "fmod"}, {"arith.maxsi", "max"}, {"arith.minsi", "min"},
        {"math.exp", "exp"}, {"math.exp2", "exp2"}, {"math.expm1", "expm1"}, {"math.log", "log"},
        {"math.log2", "log2"}, {"math.log1p", "log1p"}, {"math.sqrt", "sqrt"}, {"math.rsqrt", "rsqrt"},
        {"math.tanh", "tanh"}, {"math.sin", "sin"}, {"math.cos", "cos"}, {"math.tan", "tan"},
        {"math.atan", "atan"}, {"math.atan2", "atan2"}, {"math.erf", "erf"}, {"math.floor", "floor"},
        {"math.ceil", "ceil"}, {"math.roundeven", "rint"}, {"math.round", "round"}, {"math.trunc", "trunc"},
        {"math.absf", "fabs"}, {"math.powf", "pow"}, {"math.copysign", "copysign"}, {"math.fma", "fma"}};
    const std::string n = opName(op);
    Type rt = op->getResult(0).getType();
    if (auto it = infix.find(n); it != infix.end())
      return name(op->getOperand(0)) + " " + it->second + " " + name(op->getOperand(1));
    if (auto it = unsignedInfix.find(n); it != unsignedInfix.end()) {
      std::string u = "(" + type(rt, true) + ")";
      return "(" + type(rt) + ")(" + u + name(op->getOperand(0)) + " " + it->second + " " + u + name(op->getOperand(1)) + ")";
    }
    if (auto it = calls.find(n); it != calls.end()) {
      std::string args;
      for (Value v : op->getOperands()) args += (args.empty() ? "" : ", ") + name(v);
      return it->second + "(" + args + ")";
    }
    if (n == "arith.maxui" || n == "arith.minui") {
      std::string u = "(" + type(rt, true) + ")";
      return "(" + type(rt) + ")" + (n == "arith.maxui" ? "max(" : "min(") + u + name(op->getOperand(0)) + ", " + u +
             name(op->getOperand(1)) + ")";
    }
    if (n == "math.absi") return "(" + type(rt) + ")abs(" + name(op->getOperand(0)) + ")";
    if (n == "arith.negf") return "-" + name(op->getOperand(0));
    if (auto c = llvm::dyn_cast<arith::CmpFOp>(op)) return cmpf(c);
    if (auto c = llvm::dyn_cast<arith::CmpIOp>(op)) return cmpi(c);
    if (auto s = llvm::dyn_cast<arith::SelectOp>(op))
      return name(s.getCondition()) + " ? " + name(s.getTrueValue()) + " : " + name(s.getFalseValue());
    // Conversions: C's casts, with the source read as unsigned where the op says so.
    if (n == "arith.index_cast" || n == "arith.extsi" || n == "arith.trunci" || n == "arith.sitofp" ||
        n == "arith.fptosi" || n == "arith.extf" || n == "arith.truncf")
      return "(" + type(rt) + ")" + name(op->getOperand(0));
    if (n == "arith.extui" || n == "arith.uitofp" || n == "arith.index_castui") {
      Type src = op->getOperand(0).getType();
      if (src.isInteger(1)) return "(" + type(rt) + ")" + name(op->getOperand(0));
      return "(" + type(rt) + ")(" + type(src, true) + ")" + name(op->getOperand(0));
    }
    if (n == "arith.fptoui") return "(" + type(rt) + ")(" + type(rt, true) + ")" + name(op->getOperand(0));
    if (n == "arith.bitcast") return "as_" + type(rt) + "(" + name(op->getOperand(0)) + ")";
    unsupported(op, "has no OpenCL C printer");
  }

  std::ostringstream &out_;
  bool &usesHalf_;
  const llvm::DenseMap<Value, MemrefParam> &memrefs_;
  llvm::DenseMap<Value, std::string> names_;
  // The register-tiled nest being printed: its block's elements (offsets per parallel loop),
  // their accumulators, and the loops' variables, base values and steps.
  std::vector<std::vector<int64_t>> points_;
  std::vector<std::string> accumulators_, base_;
  std::vector<Value> ivs_;
  std::vector<int64_t> steps_;
  int indent_ = 1;
  int counter_ = 0;
};

int64_t constantIndex(Value v, Operation *at) {
  std::optional<int64_t> c = getConstantIntValue(v);
  if (!c) unsupported(at, "has a loop bound that is not a constant");
  return *c;
}

std::string globalName(StringRef symbol) {
  std::string s = "g_";
  for (char c : symbol) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

} // namespace

namespace {

// Per-loop sizes of a parallel loop nest as an NDRange of at most 3 dims: the innermost loop
// is dim 0 (get_global_id(0)), the next dim 1, and all outer loops folded into dim 2 (their
// product; launchBody delinearizes it).
std::vector<int64_t> foldedNDRange(const std::vector<int64_t> &perLoop) {
  const size_t n = perLoop.size();
  std::vector<int64_t> range = {perLoop[n - 1]};
  if (n >= 2) range.push_back(perLoop[n - 2]);
  if (n >= 3) {
    int64_t rest = 1;
    for (size_t d = 0; d + 2 < n; ++d) rest *= perLoop[d];
    range.push_back(rest);
  }
  return range;
}

// The buffers a kernel function's loop nests touch: its memref arguments (p<i>), its
// temporaries (s<j>, scratch buffers) and constant tensors (program-scope __constant arrays).
struct KernelBuffers {
  llvm::DenseMap<Value, MemrefParam> memrefs;
  llvm::DenseMap<Value, int64_t> argIndex, scratchIndex;
};

// Prints every kernel function of a program; see OpenCLEmitter.h for the mapping.
class ProgramEmitter {
public:
  void kernel(func::FuncOp fn, const std::string &symbol, const WorkItemTiling *tiling) {
    EmittedKernel k;
    k.function = fn.getName().str();
    k.symbol = symbol;
    KernelBuffers buffers;
    for (BlockArgument a : fn.getArguments()) {
      if (!llvm::isa<MemRefType>(a.getType())) unsupported(fn, "takes an argument that is not a buffer");
      buffers.memrefs[a] = {"p" + std::to_string(a.getArgNumber()), "__global"};
      buffers.argIndex[a] = a.getArgNumber();
    }
    kernelsOut_ << "// " << k.symbol << ": " << k.function << "\n";
    bool tiled = false; // the schedule applies to the first reduction nest
    for (const std::vector<Operation *> &segment : segments(fn, buffers, k)) {
      std::optional<Launch> launch = emitLaunch(fn, segment, buffers, k, tiled ? nullptr : tiling, tiled);
      if (launch) k.launches.push_back(std::move(*launch));
    }
    program_.kernels.push_back(std::move(k));
  }

  EmittedProgram finish() {
    program_.source = "// OpenCL C 1.2, generated by rqc (targets/opencl). One __kernel per launch.\n";
    // No a * b + c contracted into fma: the results stay those of the reference executor
    // (a quantize after a contracted sum can land one step away).
    program_.source += "#pragma OPENCL FP_CONTRACT OFF\n";
    std::string globals = globalArrays(); // may use half
    if (usesHalf_) program_.source += "#pragma OPENCL EXTENSION cl_khr_fp16 : enable\n";
    program_.source += "\n" + globals + kernelsOut_.str();
    return std::move(program_);
  }

private:
  // The kernel's top-level ops as launches: each loop nest with parallel loops alone; a run
  // of anything else (sequential loops, single stores: reductions and unit dimensions) is
  // one work-item's. Temporaries and constants become buffers on the way.
  std::vector<std::vector<Operation *>> segments(func::FuncOp fn, KernelBuffers &buffers, EmittedKernel &k) {
    std::vector<std::vector<Operation *>> out;
    for (Operation &op : fn.getBody().front()) {
      if (llvm::isa<arith::ConstantOp, memref::DeallocOp, func::ReturnOp>(op)) continue;
      if (auto alloc = llvm::dyn_cast<memref::AllocOp>(op)) {
        auto t = alloc.getType();
        if (!t.hasStaticShape()) unsupported(&op, "allocates a buffer of dynamic size");
        buffers.scratchIndex[alloc] = static_cast<int64_t>(k.scratchBytes.size());
        buffers.memrefs[alloc] = {"s" + std::to_string(k.scratchBytes.size()), "__global"};
        k.scratchBytes.push_back(uint64_t(t.getNumElements()) * ((t.getElementTypeBitWidth() + 7) / 8));
        continue;
      }
      if (auto g = llvm::dyn_cast<memref::GetGlobalOp>(op)) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(&op, g.getNameAttr());
        if (!global || !global.getConstant() || !global.getInitialValue())
          unsupported(&op, "reads a global that is not an initialized constant");
        std::string gname = globalName(global.getSymName());
        globals_.insert({global, gname});
        buffers.memrefs[g] = {gname, "__constant"};
        continue;
      }
      if (llvm::isa<scf::ParallelOp>(op) || out.empty() || llvm::isa<scf::ParallelOp>(out.back().front()))
        out.emplace_back();
      out.back().push_back(&op);
    }
    return out;
  }

  // One launch: its NDRange (register-tiled when `tiling` applies to it: then `tiled` is
  // set), its parameters and its __kernel. Nothing for an empty loop nest.
  std::optional<Launch> emitLaunch(func::FuncOp fn, const std::vector<Operation *> &segment, KernelBuffers &buffers,
                                   const EmittedKernel &k, const WorkItemTiling *tiling, bool &tiled) {
    Operation &op = *segment.front();
    Launch launch;
    launch.entry = k.symbol + "_" + std::to_string(k.launches.size());
    std::vector<int64_t> grid, tiles;
    std::optional<ReductionNest> nest;
    if (auto par = llvm::dyn_cast<scf::ParallelOp>(op)) {
      if (par.getNumResults()) unsupported(&op, "has reductions, which a work-item cannot make alone");
      const size_t n = par.getNumLoops();
      std::vector<int64_t> threads(n, 1);
      tiles.assign(n, 1);
      if (tiling && (nest = matchReductionNest(par))) {
        tiled = true;
        applyTiling(*nest, *tiling, k, tiles, threads);
      }
      for (size_t d = 0; d < n; ++d) {
        int64_t lb = constantIndex(par.getLowerBound()[d], &op), ub = constantIndex(par.getUpperBound()[d], &op),
                step = constantIndex(par.getStep()[d], &op);
        int64_t trips = ub > lb ? (ub - lb + step - 1) / step : 0;
        if (tiles[d] < 1 || trips % tiles[d])
          throw Error("OpenCL C code generation: kernel '" + k.function + "': register_tile " +
                      std::to_string(tiles[d]) + " does not divide a loop of " + std::to_string(trips));
        grid.push_back(trips / tiles[d]);
      }
      launch.global = foldedNDRange(grid);
      if (nest) { // the work-group, folded as the NDRange is
        launch.local = foldedNDRange(threads);
        for (size_t d = 0; d < launch.local.size(); ++d)
          if (launch.local[d] < 1 || launch.global[d] % launch.local[d]) launch.local.clear();
      }
    } else {
      launch.global = {1};
    }
    if (llvm::any_of(launch.global, [](int64_t g) { return g <= 0; })) return std::nullopt;
    kernelsOut_ << "__kernel void " << launch.entry << "(" << parameters(fn, segment, buffers, launch) << ") {\n";
    KernelPrinter printer(kernelsOut_, usesHalf_, buffers.memrefs);
    printer.launchBody(segment, grid, tiles, nest ? &*nest : nullptr, tiling);
    kernelsOut_ << "}\n\n";
    return launch;
  }

  // Per parallel loop of the nest: the register block and work-group sizes the schedule
  // gives the output dim it indexes.
  static void applyTiling(const ReductionNest &nest, const WorkItemTiling &tiling, const EmittedKernel &k,
                          std::vector<int64_t> &tiles, std::vector<int64_t> &threads) {
    // The schedule names the nest's reduction loops by position: a count that differs means
    // it was made for another kernel.
    if (!tiling.unroll.empty() && tiling.unroll.size() != nest.loops.size())
      throw Error("OpenCL C code generation: kernel '" + k.function + "': its schedule unrolls " +
                  std::to_string(tiling.unroll.size()) + " reduction loops, its accumulation has " +
                  std::to_string(nest.loops.size()));
    for (size_t d = 0; d < tiles.size(); ++d) {
      int dim = nest.dimOfIv[d];
      if (dim < 0) continue;
      if (size_t(dim) >= tiling.registerTile.size() || size_t(dim) >= tiling.threads.size())
        throw Error("OpenCL C code generation: kernel '" + k.function + "': its schedule tiles " +
                    std::to_string(tiling.registerTile.size()) + " dims, its accumulation has more");
      tiles[d] = tiling.registerTile[dim];
      threads[d] = tiling.threads[dim];
    }
  }

  // The launch's parameters: the kernel's buffers it touches (arguments in order, then
  // scratch buffers), const where it only reads them; fills launch.args and launch.scratch.
  std::string parameters(func::FuncOp fn, const std::vector<Operation *> &segment, KernelBuffers &buffers,
                         Launch &launch) {
    llvm::SetVector<Value> used;
    llvm::DenseSet<Value> written;
    for (Operation *top : segment)
      top->walk([&](Operation *inner) {
        for (Value v : inner->getOperands())
          if (buffers.argIndex.count(v) || buffers.scratchIndex.count(v)) used.insert(v);
        if (auto s = llvm::dyn_cast<memref::StoreOp>(inner)) written.insert(s.getMemRef());
      });
    std::string params;
    auto param = [&](Value v) {
      auto t = llvm::cast<MemRefType>(v.getType());
      params += std::string(params.empty() ? "" : ", ") + "__global " + (written.count(v) ? "" : "const ") +
                cType(t.getElementType(), usesHalf_) + " *restrict " + buffers.memrefs[v].name;
    };
    std::vector<Value> scratchOf(buffers.scratchIndex.size());
    for (auto &[v, i] : buffers.scratchIndex) scratchOf[i] = v;
    for (Value v : used) {
      if (buffers.argIndex.count(v)) launch.args.push_back(buffers.argIndex[v]);
      else launch.scratch.push_back(buffers.scratchIndex[v]);
    }
    std::sort(launch.args.begin(), launch.args.end());
    std::sort(launch.scratch.begin(), launch.scratch.end());
    for (int64_t a : launch.args) param(fn.getArgument(a));
    for (int64_t s : launch.scratch) param(scratchOf[s]);
    return params;
  }

  std::string globalArrays() {
    std::ostringstream out;
    for (auto &[global, gname] : globals_) {
      auto t = llvm::cast<MemRefType>(global.getType());
      auto values = llvm::dyn_cast<DenseElementsAttr>(*global.getInitialValue());
      if (!values) unsupported(global, "has an initial value that is not dense");
      out << "__constant " << cType(t.getElementType(), usesHalf_) << " " << gname << "["
          << std::max<int64_t>(1, t.getNumElements()) << "] = {";
      int64_t i = 0;
      auto sep = [&] { return i++ % 8 ? ", " : (i == 1 ? "\n  " : ",\n  "); };
      if (t.getElementType().isIntOrIndex())
        for (const APInt &v : values.getValues<APInt>()) out << sep() << intLiteral(v, t.getElementType());
      else
        for (const APFloat &v : values.getValues<APFloat>())
          out << sep() << floatLiteral(v.convertToDouble(), t.getElementType());
      out << "};\n\n";
    }
    return out.str();
  }

  EmittedProgram program_;
  bool usesHalf_ = false;
  std::ostringstream kernelsOut_;
  llvm::MapVector<memref::GlobalOp, std::string> globals_;
};

} // namespace

EmittedProgram emitOpenCL(ModuleOp module, const std::vector<std::string> &functions,
                          const std::vector<std::string> &symbols,
                          const std::vector<std::optional<WorkItemTiling>> &tilings) {
  ProgramEmitter emitter;
  for (size_t f = 0; f < functions.size(); ++f) {
    auto fn = module.lookupSymbol<func::FuncOp>(functions[f]);
    if (!fn) throw Error("OpenCL C code generation lost kernel function '" + functions[f] + "'");
    emitter.kernel(fn, symbols[f], f < tilings.size() && tilings[f] ? &*tilings[f] : nullptr);
  }
  return emitter.finish();
}

} // namespace rqc::opencl
