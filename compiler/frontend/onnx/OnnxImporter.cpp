// Reads the ModelProto, binds graph inputs and initializers, then imports node after
// node through the per-op handler tables. Every failure becomes one rqc::Error line.
#include "compiler/frontend/onnx/OnnxImporter.h"
#include "compiler/frontend/onnx/NodeContext.h"
#include "compiler/frontend/onnx/OnnxTensor.h"

#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace mlir;

namespace rqc::onnx_import {

constexpr int64_t kMinOpset = 7, kMaxOpset = 18;

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

static Location nodeLocation(OpBuilder &b, const ::onnx::NodeProto &node) {
  std::string name = node.name();
  if (name.empty() && node.output_size()) name = node.output(0);
  return NameLoc::get(b.getStringAttr(name));
}

NodeContext::NodeContext(const ::onnx::NodeProto &node, int64_t opset, OpBuilder &builder,
                         std::map<std::string, ImportedValue> &values,
                         const std::string &modelName)
    : node_(node), opset_(opset), builder_(builder), values_(values), modelName_(modelName),
      loc_(nodeLocation(builder, node)) {}

void NodeContext::fail(const std::string &message) const {
  std::string name = node_.name();
  std::string who = name.empty() ? (node_.output_size() ? "node producing '" + node_.output(0) + "'"
                                                        : std::string("unnamed node"))
                                 : "node '" + name + "'";
  throw Error(modelName_ + ": " + who + " (" + node_.op_type() + ", opset " +
              std::to_string(opset_) + "): " + message);
}

bool NodeContext::hasInput(int i) const { return i < node_.input_size() && !node_.input(i).empty(); }

void NodeContext::requireInputs(int min, int max) const {
  int n = node_.input_size();
  while (n > 0 && node_.input(n - 1).empty()) --n;
  if (n < min || n > max)
    fail("expects " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) +
         " inputs, got " + std::to_string(n));
  for (int i = 0; i < min; ++i)
    if (node_.input(i).empty()) fail("required input " + std::to_string(i) + " is empty");
}

const ImportedValue &NodeContext::lookup(int i) const {
  if (!hasInput(i)) fail("missing input " + std::to_string(i));
  auto it = values_.find(node_.input(i));
  if (it == values_.end())
    fail("input '" + node_.input(i) + "' is not produced by any earlier node, initializer or graph input");
  return it->second;
}

Value NodeContext::input(int i) {
  const ImportedValue &v = lookup(i);
  if (v.value) return v.value;
  Value c = constant(*v.constant);
  values_[node_.input(i)].value = c;
  return c;
}

RankedTensorType NodeContext::inputType(int i) {
  const ImportedValue &v = lookup(i);
  if (v.value) return llvm::cast<RankedTensorType>(v.value.getType());
  return graph::tensorTypeFor(v.constant->dtype(), v.constant->shape(), ctx());
}

Shape NodeContext::inputShape(int i) {
  auto t = inputType(i);
  return Shape(t.getShape().begin(), t.getShape().end());
}

DType NodeContext::inputDType(int i) { return graph::dtypeFor(inputType(i).getElementType()); }

const Tensor *NodeContext::constantInput(int i) const {
  const ImportedValue &v = lookup(i);
  return v.constant ? &*v.constant : nullptr;
}

const Tensor &NodeContext::requireConstant(int i, const std::string &what) const {
  const Tensor *t = constantInput(i);
  if (t) return *t;
  std::string message = what + " (input " + std::to_string(i) + ") must be a constant";
  if (llvm::isa<BlockArgument>(lookup(i).value)) {
    try {
      fail(message + "; graph input '" + node_.input(i) + "' feeds it");
    } catch (const Error &e) {
      throw RequiresConstantInput(e.what(), node_.input(i));
    }
  }
  fail(message);
}

bool NodeContext::allInputsConstant() const {
  for (int i = 0; i < node_.input_size(); ++i)
    if (hasInput(i) && !constantInput(i)) return false;
  return true;
}

static const ::onnx::AttributeProto *findAttr(const ::onnx::NodeProto &node, const std::string &name) {
  for (const auto &a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

bool NodeContext::hasAttr(const std::string &name) const { return findAttr(node_, name) != nullptr; }

int64_t NodeContext::attrInt(const std::string &name, int64_t dflt) const {
  const auto *a = findAttr(node_, name);
  if (!a) return dflt;
  if (a->type() != ::onnx::AttributeProto::INT) fail("attribute '" + name + "' must be an int");
  return a->i();
}

float NodeContext::attrFloat(const std::string &name, float dflt) const {
  const auto *a = findAttr(node_, name);
  if (!a) return dflt;
  if (a->type() != ::onnx::AttributeProto::FLOAT) fail("attribute '" + name + "' must be a float");
  return a->f();
}

std::string NodeContext::attrString(const std::string &name, const std::string &dflt) const {
  const auto *a = findAttr(node_, name);
  if (!a) return dflt;
  if (a->type() != ::onnx::AttributeProto::STRING) fail("attribute '" + name + "' must be a string");
  return a->s();
}

std::vector<int64_t> NodeContext::attrInts(const std::string &name, std::vector<int64_t> dflt) const {
  const auto *a = findAttr(node_, name);
  if (!a) return dflt;
  if (a->type() != ::onnx::AttributeProto::INTS) fail("attribute '" + name + "' must be a list of ints");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

const ::onnx::TensorProto *NodeContext::attrTensor(const std::string &name) const {
  const auto *a = findAttr(node_, name);
  if (!a) return nullptr;
  if (a->type() != ::onnx::AttributeProto::TENSOR) fail("attribute '" + name + "' must be a tensor");
  return &a->t();
}

void NodeContext::allowOnlyAttrs(std::initializer_list<const char *> names) const {
  for (const auto &a : node_.attribute()) {
    bool known = false;
    for (const char *n : names) known |= a.name() == n;
    if (!known) fail("attribute '" + a.name() + "' is not supported");
  }
}

bool NodeContext::outputUsed(int i) const { return i < node_.output_size() && !node_.output(i).empty(); }

void NodeContext::setOutput(int i, Value v) {
  if (outputUsed(i)) values_[node_.output(i)] = ImportedValue{v, std::nullopt};
}

void NodeContext::setConstantOutput(int i, Tensor t) {
  if (outputUsed(i)) values_[node_.output(i)] = ImportedValue{Value(), std::move(t)};
}

Value NodeContext::constant(const Tensor &t) {
  return builder_.create<graph::ConstantOp>(loc_, graph::toAttr(t, ctx())).getResult();
}

Value NodeContext::reshape(Value v, const Shape &shape) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  if (type.getShape() == ArrayRef<int64_t>(shape)) return v;
  return buildTyped<graph::ReshapeOp>(RankedTensorType::get(shape, type.getElementType()), v);
}

void NodeContext::verifyOrFail(Operation *op) {
  std::string diag;
  ScopedDiagnosticHandler h(ctx(), [&](Diagnostic &d) {
    if (diag.empty()) diag = d.str();
    return success();
  });
  if (failed(mlir::verify(op, /*verifyRecursively=*/false))) fail(diag);
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

int64_t normalizeAxis(NodeContext &n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    n.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<float> tensorAsFloats(const Tensor &t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
    case DType::F32: out[i] = t.data<float>()[i]; break;
    case DType::I8: out[i] = t.data<int8_t>()[i]; break;
    case DType::U8: out[i] = t.data<uint8_t>()[i]; break;
    case DType::I32: out[i] = static_cast<float>(t.data<int32_t>()[i]); break;
    case DType::I64: out[i] = static_cast<float>(t.data<int64_t>()[i]); break;
    }
  }
  return out;
}

std::vector<int64_t> tensorAsInts(const Tensor &t) {
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
    case DType::F32: out[i] = static_cast<int64_t>(t.data<float>()[i]); break;
    case DType::I8: out[i] = t.data<int8_t>()[i]; break;
    case DType::U8: out[i] = t.data<uint8_t>()[i]; break;
    case DType::I32: out[i] = t.data<int32_t>()[i]; break;
    case DType::I64: out[i] = t.data<int64_t>()[i]; break;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Model import
//===----------------------------------------------------------------------===//

static const OpHandlerMap &handlers() {
  static const OpHandlerMap map = [] {
    OpHandlerMap m;
    addNNOps(m);
    addShapeOps(m);
    addQuantOps(m);
    return m;
  }();
  return map;
}

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> names;
  for (const auto &[name, _] : handlers()) names.push_back(name);
  return names;
}

std::pair<std::string, Shape> parseInputShapeSpec(const std::string &spec) {
  std::smatch m;
  if (!std::regex_match(spec, m, std::regex("([^=]+)=(\\d+(x\\d+)*)")))
    throw Error("--input-shape '" + spec + "' is not of the form NAME=1x3x224x224");
  Shape shape;
  std::string dims = m[2];
  std::stringstream ss(dims);
  std::string d;
  while (std::getline(ss, d, 'x')) shape.push_back(std::stoll(d));
  return {m[1], shape};
}

static std::string baseName(const std::string &path) {
  size_t p = path.find_last_of('/');
  return p == std::string::npos ? path : path.substr(p + 1);
}

static std::string dirName(const std::string &path) {
  size_t p = path.find_last_of('/');
  return p == std::string::npos ? "." : path.substr(0, p);
}

::onnx::ModelProto readOnnxModelFile(const std::string &path) {
  const std::string name = baseName(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (does it exist and is it readable?)");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  if (bytes.empty()) throw Error(name + ": file is empty, not an ONNX model");
  ::onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    throw Error(name + ": not a valid ONNX model (protobuf parse failed: truncated or corrupted file?)");
  if (!model.has_graph()) throw Error(name + ": ONNX model has no graph");
  return model;
}

static int64_t defaultOpset(const ::onnx::ModelProto &model, const std::string &name) {
  int64_t opset = -1;
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx") opset = imp.version();
  if (opset < 0) throw Error(name + ": model imports no version of the default ONNX opset");
  if (opset < kMinOpset || opset > kMaxOpset)
    throw Error(name + ": opset " + std::to_string(opset) + " is not supported (rqc reads opsets " +
                std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  return opset;
}

// "a sequence", "an optional", ...: what a non-tensor graph value is, for messages.
static std::string valueKind(const ::onnx::TypeProto &t) {
  if (t.has_sequence_type()) return "a sequence";
  if (t.has_optional_type()) return "an optional";
  if (t.has_map_type()) return "a map";
  if (t.has_sparse_tensor_type()) return "a sparse tensor";
  return "of no type";
}

// Static shape of a graph input: the declared shape, with symbolic dimensions taken from
// --input-shape (or a symbolic leading batch dimension set to 1). --input-shape must agree
// with the declared rank and static dimensions: silently running another shape than the
// model declares would hide a wrong flag.
static Shape inputShapeFor(const ::onnx::ValueInfoProto &vi, const ImportOptions &options,
                           const std::string &name) {
  auto it = options.inputShapes.find(vi.name());
  const Shape *given = it == options.inputShapes.end() ? nullptr : &it->second;
  const auto &tt = vi.type().tensor_type();
  if (!tt.has_shape()) {
    if (given) return *given;
    throw Error(name + ": graph input '" + vi.name() + "' has no shape; give one with --input-shape " +
                vi.name() + "=1x3x224x224");
  }
  std::string flag;
  if (given) {
    flag = "--input-shape " + vi.name() + "=" + shapeToString(*given);
    if (static_cast<int>(given->size()) != tt.shape().dim_size())
      throw Error(name + ": " + flag + " has " + std::to_string(given->size()) + " dimensions, graph input '" +
                  vi.name() + "' has " + std::to_string(tt.shape().dim_size()));
  }
  Shape shape;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto &d = tt.shape().dim(i);
    bool isStatic = d.has_dim_value() && d.dim_value() >= 0;
    if (given && isStatic && (*given)[i] != d.dim_value())
      throw Error(name + ": " + flag + " contradicts the model: dimension " + std::to_string(i) +
                  " of graph input '" + vi.name() + "' is " + std::to_string(d.dim_value()));
    if (given) shape.push_back((*given)[i]);
    else if (isStatic) shape.push_back(d.dim_value());
    else if (i == 0) shape.push_back(1);
    else
      throw Error(name + ": graph input '" + vi.name() + "' has a symbolic dimension " +
                  std::to_string(i) + (d.has_dim_param() ? " ('" + d.dim_param() + "')" : "") +
                  "; give its shape with --input-shape " + vi.name() + "=...");
  }
  return shape;
}

OwningOpRef<ModuleOp> importOnnxFile(const std::string &path, MLIRContext &ctx,
                                     const ImportOptions &options) {
  return importOnnxModel(readOnnxModelFile(path), baseName(path), dirName(path), ctx, options);
}

OwningOpRef<ModuleOp> importOnnxModel(const ::onnx::ModelProto &model, const std::string &name,
                                      const std::string &dir, MLIRContext &ctx, const ImportOptions &options) {
  ctx.loadDialect<graph::GraphDialect, func::FuncDialect>();
  int64_t opset = defaultOpset(model, name);
  const auto &g = model.graph();

  OpBuilder b(&ctx);
  auto loc = NameLoc::get(b.getStringAttr(name));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  std::map<std::string, ImportedValue> values;

  // Initializers are constants; graph inputs that are also initializers are not
  // function arguments (ONNX IR < 4 lists them as inputs).
  for (const auto &init : g.initializer()) {
    try {
      values[init.name()] = ImportedValue{Value(), readTensorProto(init, dir)};
    } catch (const Error &e) {
      throw Error(name + ": initializer: " + e.what());
    }
  }
  auto requireGraphInput = [&](const std::string &inputName, const char *what) {
    bool found = false;
    for (const auto &vi : g.input()) found |= vi.name() == inputName;
    if (!found) throw Error(name + ": " + what + " names '" + inputName + "', which is not a graph input");
  };
  for (const auto &[inputName, _] : options.inputShapes) requireGraphInput(inputName, "--input-shape");
  for (const auto &[inputName, value] : options.constantInputs) {
    requireGraphInput(inputName, "a constant binding");
    values[inputName] = ImportedValue{Value(), value};
  }
  SmallVector<Type> argTypes;
  SmallVector<Attribute> inputNames;
  SmallVector<std::string> argNames;
  for (const auto &vi : g.input()) {
    if (values.count(vi.name())) continue;
    if (!vi.type().has_tensor_type())
      throw Error(name + ": graph input '" + vi.name() + "' is " + valueKind(vi.type()) +
                  ", not a tensor; sequence, optional and map values are not supported");
    int elemType = vi.type().tensor_type().elem_type();
    DType dtype = dtypeForOnnx(elemType, name + ": graph input '" + vi.name() + "'");
    argTypes.push_back(graph::tensorTypeFor(dtype, inputShapeFor(vi, options, name), &ctx));
    inputNames.push_back(b.getStringAttr(vi.name()));
    argNames.push_back(vi.name());
  }

  auto func = b.create<func::FuncOp>(loc, "main", b.getFunctionType(argTypes, {}));
  module->push_back(func);
  Block *entry = func.addEntryBlock();
  for (size_t i = 0; i < argNames.size(); ++i)
    values[argNames[i]] = ImportedValue{entry->getArgument(i), std::nullopt};
  b.setInsertionPointToStart(entry);

  for (const auto &node : g.node()) {
    NodeContext n(node, opset, b, values, name);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      n.fail("operators of domain '" + node.domain() + "' are not supported");
    auto it = handlers().find(node.op_type());
    if (it == handlers().end()) n.fail("unsupported operator");
    try {
      it->second(n);
    } catch (const RequiresConstantInput &) {
      throw;
    } catch (const Error &e) {
      // fail() names the node; shared helpers (element types, tensor attributes) do not.
      if (std::string(e.what()).rfind(name + ": ", 0) == 0) throw;
      n.fail(e.what());
    } catch (const std::exception &e) {
      n.fail(e.what());
    }
    for (int i = 0; i < node.output_size(); ++i)
      if (!node.output(i).empty() && !values.count(node.output(i)))
        n.fail("output " + std::to_string(i) + " ('" + node.output(i) + "') is not supported");
  }

  SmallVector<Value> results;
  SmallVector<Attribute> outputNames;
  for (const auto &vi : g.output()) {
    auto it = values.find(vi.name());
    if (it == values.end())
      throw Error(name + ": graph output '" + vi.name() + "' is not produced by any node");
    Value v = it->second.value;
    if (!v) v = b.create<graph::ConstantOp>(loc, graph::toAttr(*it->second.constant, &ctx));
    results.push_back(v);
    outputNames.push_back(b.getStringAttr(vi.name()));
  }
  if (results.empty()) throw Error(name + ": graph has no outputs");
  b.create<func::ReturnOp>(loc, results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func->setAttr("rqc.input_names", b.getArrayAttr(inputNames));
  func->setAttr("rqc.output_names", b.getArrayAttr(outputNames));
  module->getOperation()->setAttr("rqc.opset", b.getI64IntegerAttr(opset));

  std::string diag;
  ScopedDiagnosticHandler h(&ctx, [&](Diagnostic &d) {
    if (diag.empty()) diag = d.str();
    return success();
  });
  if (failed(mlir::verify(*module))) throw Error(name + ": imported graph is invalid: " + diag);
  return module;
}

} // namespace rqc::onnx_import
