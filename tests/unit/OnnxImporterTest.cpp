// The importer on valid, malformed, truncated and corrupted models: every failure is a
// single rqc::Error line naming the problem (and the node, op and opset); never a crash.
#include "compiler/driver/Registration.h"
#include "compiler/frontend/onnx/OnnxImporter.h"
#include "compiler/reference/ReferenceExecutor.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

using namespace rqc;

namespace {

class OnnxImporterTest : public ::testing::Test {
protected:
  OnnxImporterTest() {
    mlir::DialectRegistry registry;
    registerRqcDialects(registry);
    ctx.appendDialectRegistry(registry);
  }

  // A one-conv model: input x [1,3,8,8], weight w [4,3,3,3] (initializer), output y.
  static ::onnx::ModelProto convModel(int64_t opset = 13) {
    ::onnx::ModelProto m;
    m.set_ir_version(8);
    auto *imp = m.add_opset_import();
    imp->set_domain("");
    imp->set_version(opset);
    auto *g = m.mutable_graph();
    g->set_name("g");
    addInput(*g, "x", {1, 3, 8, 8});
    auto *w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(::onnx::TensorProto::FLOAT);
    for (int64_t d : {4, 3, 3, 3}) w->add_dims(d);
    for (int i = 0; i < 4 * 3 * 3 * 3; ++i) w->add_float_data(0.01f * i);
    auto *n = g->add_node();
    n->set_name("conv1");
    n->set_op_type("Conv");
    n->add_input("x");
    n->add_input("w");
    n->add_output("y");
    g->add_output()->set_name("y");
    return m;
  }

  static void addInput(::onnx::GraphProto &g, const std::string &name, std::vector<int64_t> dims) {
    auto *in = g.add_input();
    in->set_name(name);
    auto *tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(::onnx::TensorProto::FLOAT);
    for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }

  // Files are named per test: ctest runs the tests as parallel processes.
  std::string write(const std::string &bytes, const std::string &name = "model.onnx") {
    std::string dir = ::testing::TempDir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir);
    std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string write(const ::onnx::ModelProto &m, const std::string &name = "model.onnx") {
    return write(m.SerializeAsString(), name);
  }

  // The error message of importing `path`, or "" if the import succeeded.
  std::string importError(const std::string &path, const onnx_import::ImportOptions &o = {}) {
    try {
      onnx_import::importOnnxFile(path, ctx, o);
      return "";
    } catch (const Error &e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "error is not one line: " << msg;
      return msg;
    }
  }

  mlir::MLIRContext ctx;
};

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

TEST_F(OnnxImporterTest, ImportsAndRunsAValidModel) {
  auto module = onnx_import::importOnnxFile(write(convModel()), ctx);
  reference::ReferenceExecutor exec(*module);
  ASSERT_EQ(exec.inputs().size(), 1u);
  EXPECT_EQ(exec.inputs()[0].name, "x");
  EXPECT_EQ(exec.outputs()[0].shape, (Shape{1, 4, 6, 6}));
  Tensor x(DType::F32, {1, 3, 8, 8});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 1.f;
  Tensor y = exec.run(std::vector<Tensor>{x})[0];
  // Filter o sums weights 0.01*(27o .. 27o+26) over an all-ones window.
  float expected = 0.f;
  for (int i = 0; i < 27; ++i) expected += 0.01f * (27 + i);
  EXPECT_NEAR(y.data<float>()[36], expected, 1e-4);
}

TEST_F(OnnxImporterTest, MissingEmptyAndGarbageFiles) {
  EXPECT_CONTAINS(importError("/nonexistent/model.onnx"), "cannot open file");
  EXPECT_CONTAINS(importError(write(std::string(), "empty.onnx")), "file is empty");
  EXPECT_CONTAINS(importError(write(std::string("\xff\xff\xff\xff garbage", 12), "garbage.onnx")),
                  "not a valid ONNX model");
}

TEST_F(OnnxImporterTest, EveryTruncationIsACleanError) {
  std::string bytes = convModel().SerializeAsString();
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    std::string err = importError(write(bytes.substr(0, cut), "truncated.onnx"));
    EXPECT_FALSE(err.empty()) << "truncation at " << cut << " of " << bytes.size() << " was accepted";
  }
}

TEST_F(OnnxImporterTest, CorruptedBytesNeverCrash) {
  std::string bytes = convModel().SerializeAsString();
  std::mt19937 rng(42);
  int errors = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string mutated = bytes;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    // Either a valid (differently-valued) model or one clear error; anything else
    // (a crash, another exception type) fails the test.
    if (!importError(write(mutated, "corrupt.onnx")).empty()) ++errors;
  }
  EXPECT_GT(errors, 0);
}

TEST_F(OnnxImporterTest, UnsupportedOpNamesNodeOpAndOpset) {
  auto m = convModel();
  m.mutable_graph()->mutable_node(0)->set_op_type("NonMaxSuppression");
  EXPECT_CONTAINS(importError(write(m)), "node 'conv1' (NonMaxSuppression, opset 13): unsupported operator");
}

TEST_F(OnnxImporterTest, UnsupportedAttributeValue) {
  auto m = convModel();
  auto *a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("auto_pad");
  a->set_type(::onnx::AttributeProto::STRING);
  a->set_s("SIDEWAYS");
  EXPECT_CONTAINS(importError(write(m)), "(Conv, opset 13): auto_pad 'SIDEWAYS' is not supported");
}

TEST_F(OnnxImporterTest, UnknownAttributeIsRefused) {
  auto m = convModel();
  auto *a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("fancy");
  a->set_type(::onnx::AttributeProto::INT);
  EXPECT_CONTAINS(importError(write(m)), "attribute 'fancy' is not supported");
}

TEST_F(OnnxImporterTest, OpsetRangeBoundaries) {
  EXPECT_EQ(importError(write(convModel(6))), "model.onnx: opset 6 is not supported (rqc reads opsets 7 to 18)");
  EXPECT_EQ(importError(write(convModel(7))), "");
  EXPECT_EQ(importError(write(convModel(18))), "");
  EXPECT_EQ(importError(write(convModel(19))), "model.onnx: opset 19 is not supported (rqc reads opsets 7 to 18)");
}

TEST_F(OnnxImporterTest, InconsistentShapesNameTheNode) {
  auto m = convModel();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(5);
  EXPECT_CONTAINS(importError(write(m)), "node 'conv1' (Conv, opset 13): 'graph.conv2d' op weight [4, 3, 3, 3] expects 3 input channels");
}

TEST_F(OnnxImporterTest, UndefinedInputAndOutput) {
  auto m = convModel();
  m.mutable_graph()->mutable_node(0)->set_input(1, "nowhere");
  EXPECT_CONTAINS(importError(write(m)), "input 'nowhere' is not produced by any earlier node");
  auto m2 = convModel();
  m2.mutable_graph()->mutable_output(0)->set_name("ghost");
  EXPECT_CONTAINS(importError(write(m2)), "graph output 'ghost' is not produced by any node");
}

TEST_F(OnnxImporterTest, InitializerWithWrongDataSize) {
  auto m = convModel();
  m.mutable_graph()->mutable_initializer(0)->mutable_float_data()->RemoveLast();
  EXPECT_CONTAINS(importError(write(m)), "tensor 'w' has 107 values, its shape 4x3x3x3 needs 108");
  auto m2 = convModel();
  auto *w = m2.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, int64_t(1) << 40);
  EXPECT_CONTAINS(importError(write(m2)), "initializer: tensor 'w' is impossibly large (1099511627776x3x3x3)");
}

TEST_F(OnnxImporterTest, SymbolicDimensionsNeedInputShape) {
  auto m = convModel();
  auto *dim = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2);
  dim->set_dim_param("height");
  std::string path = write(m);
  EXPECT_CONTAINS(importError(path), "symbolic dimension 2 ('height'); give its shape with --input-shape x=");
  onnx_import::ImportOptions o;
  o.inputShapes["x"] = {1, 3, 10, 8};
  EXPECT_EQ(importError(path, o), "");
  auto module = onnx_import::importOnnxFile(path, ctx, o);
  EXPECT_EQ(reference::ReferenceExecutor(*module).inputs()[0].shape, (Shape{1, 3, 10, 8}));
  o.inputShapes = {{"nope", {1}}};
  EXPECT_CONTAINS(importError(path, o), "--input-shape names 'nope', which is not a graph input");
}

// --input-shape gives symbolic dimensions; it may repeat a static one but not change it.
TEST_F(OnnxImporterTest, InputShapeMustAgreeWithTheModel) {
  std::string path = write(convModel()); // x [1,3,8,8], all static
  onnx_import::ImportOptions o;
  o.inputShapes["x"] = {1, 3, 8, 8};
  EXPECT_EQ(importError(path, o), "");
  o.inputShapes["x"] = {1, 3, 8, 9};
  EXPECT_EQ(importError(path, o),
            "model.onnx: --input-shape x=1x3x8x9 contradicts the model: dimension 3 of graph input 'x' is 8");
  o.inputShapes["x"] = {1, 3, 8};
  EXPECT_EQ(importError(path, o), "model.onnx: --input-shape x=1x3x8 has 3 dimensions, graph input 'x' has 4");
}

TEST_F(OnnxImporterTest, SymbolicBatchDefaultsToOne) {
  auto m = convModel();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("N");
  auto module = onnx_import::importOnnxFile(write(m), ctx);
  EXPECT_EQ(reference::ReferenceExecutor(*module).inputs()[0].shape, (Shape{1, 3, 8, 8}));
}

TEST_F(OnnxImporterTest, ExternalDataIsReadAndChecked) {
  auto m = convModel();
  auto *w = m.mutable_graph()->mutable_initializer(0);
  std::vector<float> values(w->float_data().begin(), w->float_data().end());
  w->clear_float_data();
  w->set_data_location(::onnx::TensorProto::EXTERNAL);
  auto add = [&](const char *k, const std::string &v) {
    auto *e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", "weights.bin");
  add("offset", "16");
  // 16 bytes of 0xFF first: read from offset 0, the weights would start with NaNs.
  std::string blob(16, '\xff');
  blob.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
  std::string blobPath = write(blob, "weights.bin");

  // Same outputs, bit for bit, as the model with the weights inline.
  Tensor x(DType::F32, {1, 3, 8, 8});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 0.01f * float(i % 17) - 0.05f;
  auto run = [&](const std::string &path) {
    auto module = onnx_import::importOnnxFile(path, ctx);
    return reference::ReferenceExecutor(*module).run(std::vector<Tensor>{x})[0];
  };
  Tensor external = run(write(m, "external.onnx")), inline_ = run(write(convModel(), "inline.onnx"));
  ASSERT_EQ(external.shape(), inline_.shape());
  ASSERT_EQ(std::memcmp(external.raw(), inline_.raw(), external.nbytes()), 0);
  EXPECT_FALSE(std::isnan(external.data<float>()[0]));

  write(blob.substr(0, 100), "weights.bin");
  EXPECT_EQ(importError(write(m, "external.onnx")),
            "external.onnx: initializer: tensor 'w': external data has 84 bytes, its shape needs 432");
  add("length", "432");
  EXPECT_EQ(importError(write(m, "external.onnx")), "external.onnx: initializer: tensor 'w': external data file '" +
                                                        blobPath + "' is too short (100 bytes, need 448)");
  w->mutable_external_data(1)->set_value("sixteen");
  EXPECT_CONTAINS(importError(write(m, "external.onnx")),
                  "initializer: tensor 'w': external data offset 'sixteen' is not a number");
  w->mutable_external_data(1)->set_value("16");
  w->mutable_external_data(0)->set_value("../etc/passwd");
  EXPECT_CONTAINS(importError(write(m, "external.onnx")),
                  "initializer: tensor 'w': external data location '../etc/passwd' must be a file next to the model");
}

TEST_F(OnnxImporterTest, NonTensorGraphInputIsRefused) {
  auto m = convModel();
  auto *in = m.mutable_graph()->mutable_input(0);
  in->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      ::onnx::TensorProto::FLOAT);
  EXPECT_EQ(importError(write(m)),
            "model.onnx: graph input 'x' is a sequence, not a tensor; sequence, optional and map values are not supported");
}

// An error a shared helper raises inside an op (here the element type of Cast's `to`)
// names the node like every other node error.
TEST_F(OnnxImporterTest, HelperErrorsNameTheNode) {
  auto m = convModel();
  auto *n = m.mutable_graph()->mutable_node(0);
  n->set_op_type("Cast");
  n->set_name("cast1");
  n->mutable_input()->RemoveLast();
  auto *to = n->add_attribute();
  to->set_name("to");
  to->set_type(::onnx::AttributeProto::INT);
  to->set_i(::onnx::TensorProto::DOUBLE);
  EXPECT_EQ(importError(write(m)), "model.onnx: node 'cast1' (Cast, opset 13): Cast target has element type DOUBLE, "
                                   "which rqc does not support (float32, int8, uint8, int32, int64)");
}

TEST_F(OnnxImporterTest, ConstantBindingsReplaceInputs) {
  // Reshape whose target shape is a graph input: refused until bound.
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto *g = m.mutable_graph();
  addInput(*g, "x", {2, 6});
  auto *s = g->add_input();
  s->set_name("shape");
  s->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::INT64);
  s->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  auto *n = g->add_node();
  n->set_op_type("Reshape");
  n->add_input("x");
  n->add_input("shape");
  n->add_output("y");
  g->add_output()->set_name("y");
  std::string path = write(m);
  try {
    onnx_import::importOnnxFile(path, ctx);
    FAIL() << "expected RequiresConstantInput";
  } catch (const onnx_import::RequiresConstantInput &e) {
    EXPECT_EQ(e.inputName, "shape");
    EXPECT_CONTAINS(e.what(), "shape (input 1) must be a constant");
  }
  onnx_import::ImportOptions o;
  Tensor shape(DType::I64, {2});
  shape.data<int64_t>()[0] = 3;
  shape.data<int64_t>()[1] = -1;
  o.constantInputs["shape"] = shape;
  auto module = onnx_import::importOnnxFile(path, ctx, o);
  EXPECT_EQ(reference::ReferenceExecutor(*module).outputs()[0].shape, (Shape{3, 4}));
}

} // namespace
