// Loading packages: what is accepted, and every refusal with its message.
#include "TestPackage.h"
#include "TestUtil.h"

#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/PackageWriter.h"

#include <random>

using namespace rqc;
using namespace rqc::test;

TEST(Module, LoadsAValidPackage) {
  PackageBuilder b = chainPackage();
  auto m = b.load();
  EXPECT_EQ(m->source(), "test.rqc");
  ASSERT_EQ(m->inputs().size(), 1u);
  EXPECT_EQ(m->inputs()[0].name, "x");
  EXPECT_EQ(m->inputs()[0].shape, (Shape{1, 16}));
  ASSERT_EQ(m->outputs().size(), 1u);
  EXPECT_EQ(m->outputs()[0].name, "y");
  EXPECT_EQ(m->info().kernels.size(), 5u);
  EXPECT_EQ(m->info().target.triple, hostTriple());
  EXPECT_EQ(m->paramsBytes(), 64u);
  const float *w = static_cast<const float *>(m->paramData(1));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w) % 64, 0u);
  EXPECT_EQ(w[3], chainWeights()[3]);
  EXPECT_RQC_ERROR(m->paramData(0), "'x' is not a param");
}

TEST(Module, LoadsFromAFile) {
  TempDir dir;
  writePackage(dir.file("chain.rqc"), chainPackage().members());
  auto m = Module::load(dir.file("chain.rqc"));
  EXPECT_EQ(m->source(), dir.file("chain.rqc"));
  EXPECT_RQC_ERROR(Module::load(dir.file("none.rqc")), "none.rqc: cannot open package");
}

TEST(Module, RefusesOtherFormatVersions) {
  PackageBuilder b = chainPackage();
  b.description["format_version"] = 3;
  b.description["rqc_version"] = "0.9.0";
  b.description["buffers"] = "whatever a version 3 has"; // the version is checked first
  EXPECT_RQC_ERROR(b.load(), "test.rqc: package format version 3 (written by rqc 0.9.0) is not supported: "
                             "this runtime reads format version 2");
  b.description["format_version"] = 1; // before checksums
  EXPECT_RQC_ERROR(b.load(), "package format version 1 (written by rqc 0.9.0) is not supported");
  b.description.erase("format_version");
  EXPECT_RQC_ERROR(b.load(), "has no \"format_version\"");
  b.description["format"] = "tvm-module";
  EXPECT_RQC_ERROR(b.load(), "test.rqc: not an rqc module package (module.json \"format\" is \"tvm-module\"");
}

// A package is code: every member is checked against module.json's SHA-256 before any
// of it is loaded (a flipped byte in kernels.so must never reach dlopen).
TEST(Module, RefusesMembersThatFailTheirChecksums) {
  PackageBuilder good = chainPackage();
  ASSERT_NO_THROW(good.load());
  nlohmann::json sealed = nlohmann::json::parse(good.members().front().second);
  EXPECT_EQ(sealed["checksums"]["kernels.so"], sha256Checksum(good.kernels));

  PackageBuilder b = chainPackage();
  b.description["checksums"] = sealed["checksums"];
  b.kernels[b.kernels.size() / 2] ^= 0x01; // one bit of the code
  EXPECT_RQC_ERROR(b.load(), "test.rqc: member 'kernels.so' fails its checksum (module.json: " +
                                 sealed["checksums"]["kernels.so"].get<std::string>() + ", member: " +
                                 sha256Checksum(b.kernels) + "); the package is corrupt");

  b = chainPackage();
  b.description["checksums"] = sealed["checksums"];
  b.params[3] ^= 0x40; // one weight
  EXPECT_RQC_ERROR(b.load(), "test.rqc: member 'params.bin' fails its checksum");

  b = chainPackage();
  b.withChecksums = false;
  EXPECT_RQC_ERROR(b.load(), "test.rqc: module.json has no \"checksums\"");

  b = chainPackage();
  b.description["checksums"] = sealed["checksums"];
  b.description["checksums"].erase("params.bin");
  EXPECT_RQC_ERROR(b.load(), "test.rqc: member 'params.bin' has no checksum in module.json");

  b = chainPackage();
  b.description["checksums"] = sealed["checksums"];
  b.description["checksums"]["extra.bin"] = sha256Checksum("x");
  EXPECT_RQC_ERROR(b.load(), "test.rqc: module.json has a checksum for 'extra.bin', which the package does not have");

  b = chainPackage();
  b.description["checksums"] = sealed["checksums"];
  b.description["checksums"]["kernels.so"] = "md5:1234";
  EXPECT_RQC_ERROR(b.load(), "must be \"sha256:\" and 64 lowercase hex digits");
}

TEST(Checksum, IsSha256OfTheBytes) { // FIPS 180-4's "abc" example
  EXPECT_EQ(sha256Checksum("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Checksum(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Module, RefusesTargetsThisProcessCannotRun) {
  PackageBuilder b = chainPackage();
  b.description["target"]["triple"] = foreignTriple();
  b.description["target"]["kind"] = "arm_cpu";
  EXPECT_RQC_ERROR(b.load(), "test.rqc: package target " + foreignTriple() + " (arm_cpu) cannot run on this");
  b.description["target"]["triple"] = "armv7a-linux-gnueabihf";
  EXPECT_RQC_ERROR(b.load(), "armv7a-linux-gnueabihf");
  b.description["target"]["triple"] = "riscv64-unknown-linux-gnu";
  EXPECT_RQC_ERROR(b.load(), "riscv64-unknown-linux-gnu");
  b.description["target"]["triple"] = hostTriple().substr(0, hostTriple().find('-')) + "-apple-darwin";
  EXPECT_RQC_ERROR(b.load(), "cannot run on this");
  b.description["target"]["triple"] = hostTriple();
  b.description["target"]["kind"] = "cuda";
  EXPECT_RQC_ERROR(b.load(), "target 'cuda' needs a device back end this runtime does not have");
  // An OpenCL package names its device and runs every kernel there (no kernels.so).
  b.description["target"]["kind"] = "opencl";
  EXPECT_RQC_ERROR(b.load(), "target has no \"device\"");
  b.description["target"]["device"] = "mali";
  EXPECT_RQC_ERROR(b.load(), "is \"cpu\" in an opencl package, which has no kernels.so");
  b.description["target"].erase("device");
  // Features the runtime cannot query are trusted.
  b.description["target"]["kind"] = "llvm";
  b.description["target"]["features"] = "+not-a-real-feature,-avx512f";
  EXPECT_NO_THROW(b.load());
}

TEST(Module, RefusesKernelsForAnotherMachine) {
  PackageBuilder b = chainPackage();
  // The description says host, but kernels.so is (claims to be) for another machine.
  std::string so = b.kernels;
  unsigned other = hostTriple().rfind("x86_64", 0) == 0 ? 183 : 62; // EM_AARCH64 / EM_X86_64
  so[18] = static_cast<char>(other & 0xff);
  so[19] = static_cast<char>(other >> 8);
  b.kernels = so;
  EXPECT_RQC_ERROR(b.load(), "kernels.so is 64-bit code for");
  b.kernels = "garbage";
  EXPECT_RQC_ERROR(b.load(), "test.rqc: kernels.so is not an ELF shared object");
  b.kernels = testKernels().substr(0, 600); // a valid header, truncated body
  EXPECT_RQC_ERROR(b.load(), "test.rqc: cannot load kernels.so");
}

TEST(Module, RefusesMissingMembers) {
  PackageBuilder b = chainPackage();
  b.withKernels = false;
  EXPECT_RQC_ERROR(b.load(), "test.rqc: the package has no kernels.so");
  b = chainPackage();
  b.withModuleJson = false;
  EXPECT_RQC_ERROR(b.load(), "test.rqc: not an rqc package (it has no module.json)");
  b = chainPackage();
  b.withParams = false; // its param now lies outside an empty params.bin
  EXPECT_RQC_ERROR(b.load(), "lies outside params.bin: bytes [0, 64) of 0");
}

TEST(Module, RefusesMissingSymbolsAndOtherAbis) {
  PackageBuilder b = chainPackage();
  b.description["kernels"][2]["symbol"] = "rqc_kernel_missing";
  EXPECT_RQC_ERROR(b.load(), "test.rqc: kernels.so does not define symbol 'rqc_kernel_missing' (kernel 'rqc_test_scale2_2')");
  // A symbol of a dependency (libc) is not a kernel of the package.
  b.description["kernels"][2]["symbol"] = "malloc";
  EXPECT_RQC_ERROR(b.load(), "does not define symbol 'malloc'");
  b = chainPackage();
  b.kernels = testKernels(2);
  EXPECT_RQC_ERROR(b.load(), "test.rqc: kernels.so implements kernel ABI version 2; this runtime calls ABI version 1");
}

TEST(Module, RefusesTruncatedPackagesWithOneLine) {
  std::string tar = chainPackage().tar();
  for (size_t size : {size_t(0), size_t(100), size_t(511), size_t(512), size_t(700), tar.size() / 2, tar.size() - 1025,
                      tar.size() - 600}) {
    SCOPED_TRACE(size);
    try {
      Module::loadFromBytes(tar.substr(0, size), "cut.rqc");
      ADD_FAILURE() << "loaded a package cut to " << size << " bytes";
    } catch (const Error &e) {
      std::string m = e.what();
      EXPECT_EQ(m.rfind("cut.rqc: ", 0), 0u) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
}

// Broken descriptions: each case edits a valid chain package.
struct BrokenCase {
  const char *name;
  void (*edit)(PackageBuilder &);
  const char *message;
};

// Names the case in test listings (instead of its bytes).
void PrintTo(const BrokenCase &c, std::ostream *os) { *os << c.name; }

class BrokenDescription : public testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenDescription, IsRefused) {
  PackageBuilder b = chainPackage();
  GetParam().edit(b);
  EXPECT_RQC_ERROR(b.load(), GetParam().message);
}

#define EDIT(...) [](PackageBuilder &b) { auto &d = b.description; (void)d; __VA_ARGS__; }

const BrokenCase kBrokenCases[] = {
    {"NotAnObject", EDIT(d = nlohmann::json::array()), "test.rqc: module.json must be a JSON object"},
    {"NoBuffers", EDIT(d.erase("buffers")), "test.rqc: module.json has no \"buffers\""},
    {"NoTriple", EDIT(d["target"].erase("triple")), "target has no \"triple\""},
    {"IdNotInteger", EDIT(d["buffers"][0]["id"] = "zero"), "buffers[0].id must be an integer"},
    {"IdFloat", EDIT(d["buffers"][0]["id"] = 0.5), "buffers[0].id must be an integer"},
    {"NegativeId", EDIT(d["buffers"][0]["id"] = -1), "buffers[0].id must not be negative"},
    {"DuplicateId", EDIT(d["buffers"][2]["id"] = 1), "buffers[2] ('t0') reuses buffer id 1"},
    {"BadDtype", EDIT(d["buffers"][0]["dtype"] = "float16"), "has unsupported dtype 'float16'"},
    {"BadKind", EDIT(d["buffers"][2]["kind"] = "scratch"), "has unknown kind 'scratch'"},
    {"NegativeDim", EDIT(d["buffers"][2]["shape"] = {1, -16}), "buffers[2] ('t0').shape has a negative dimension"},
    {"ShapeNotArray", EDIT(d["buffers"][2]["shape"] = 16), "shape must be an array"},
    {"HugeShape", EDIT(d["buffers"][2]["shape"] = {1 << 30, 1 << 30, 1 << 30}), "is too large"},
    {"ParamOutOfRange", EDIT(d["buffers"][1]["offset"] = 64), "buffers[1] ('w') lies outside params.bin: bytes [64, 128) of 64"},
    {"ParamMisaligned", EDIT(d["buffers"][1]["offset"] = 4), "has param offset 4, not 64-byte aligned"},
    {"ParamSizeMismatch", EDIT(d["buffers"][1]["nbytes"] = 60), "has nbytes 60 but a float32 1x16 tensor takes 64"},
    {"ParamNoOffset", EDIT(d["buffers"][1].erase("offset")), "buffers[1] ('w') has no \"offset\""},
    {"AliasOfNothing", EDIT(d["buffers"][3]["kind"] = "alias"; d["buffers"][3]["alias_of"] = 42),
     "buffer 3 ('t1') is an alias of buffer 42, which does not exist"},
    {"AliasCycle",
     EDIT(d["buffers"][3]["kind"] = "alias"; d["buffers"][3]["alias_of"] = 4; d["buffers"][4]["kind"] = "alias";
          d["buffers"][4]["alias_of"] = 3),
     "is on a cyclic alias chain"},
    {"AliasSelf", EDIT(d["buffers"][3]["kind"] = "alias"; d["buffers"][3]["alias_of"] = 3), "cyclic alias chain"},
    {"AliasTooLarge", EDIT(d["buffers"][3]["kind"] = "alias"; d["buffers"][3]["alias_of"] = 2; d["buffers"][3]["shape"] = {2, 16}),
     "buffer 3 ('t1') (128 bytes) is larger than buffer 2 ('t0') it aliases (64 bytes)"},
    {"KernelArgMissing", EDIT(d["kernels"][1]["args"] = {2, 99}), "kernels[1] ('rqc_test_relu_1') uses buffer 99, which does not exist"},
    {"KernelNoArgs", EDIT(d["kernels"][1]["args"] = nlohmann::json::array()), "args must be a non-empty array"},
    {"KernelNoSymbol", EDIT(d["kernels"][1].erase("symbol")), "kernels[1] has no \"symbol\""},
    {"OutputsCountZero", EDIT(d["kernels"][1]["outputs_count"] = 0), "outputs_count must be between 1 and the number of args (2)"},
    {"OutputsCountTooMany", EDIT(d["kernels"][1]["outputs_count"] = 3), "outputs_count must be between 1"},
    {"WritesParam", EDIT(d["kernels"][0]["args"] = {0, 0, 1}), "kernel 'rqc_test_add_0' writes buffer 1 ('w'), which is a param"},
    {"WritesInput", EDIT(d["kernels"][1]["args"] = {2, 0}), "writes buffer 0 ('x'), which is an input"},
    {"ReadsBeforeWrite", EDIT(d["kernels"][1]["args"] = {4, 3}), "kernel 'rqc_test_relu_1' reads buffer 4 ('t2') before any kernel writes it"},
    {"WritesTwice", EDIT(d["kernels"][4]["args"] = {5, 6, 6}; d["kernels"][4]["outputs_count"] = 2),
     "kernel 'rqc_test_scale2_4' writes buffer 6 ('y') twice"},
    {"OutputUnwritten", EDIT(d["kernels"].erase(4)), "buffer 6 ('y') is an output that no kernel writes"},
    {"InputsListIntermediate", EDIT(d["inputs"] = {0, 2}), "inputs lists buffer 2 ('t0'), whose kind is intermediate"},
    {"InputNotListed", EDIT(d["inputs"] = nlohmann::json::array()), "buffer 0 ('x') is an input but \"inputs\" does not list it"},
    {"InputsUnknownId", EDIT(d["inputs"] = {7}), "inputs names buffer 7, which does not exist"},
    {"OutputsTwice", EDIT(d["outputs"] = {6, 6}), "outputs lists buffer 6 ('y') twice"},
    {"OutputsEmpty", EDIT(d["outputs"] = nlohmann::json::array(); d["buffers"][6]["kind"] = "intermediate"),
     "outputs is empty"},
    {"OutputsListParam", EDIT(d["outputs"] = {6, 1}), "outputs lists buffer 1 ('w'), whose kind is param"},
    {"DuplicateInputNames", EDIT(d["buffers"][6]["name"] = "x"; d["buffers"][6]["kind"] = "input"; d["inputs"] = {0, 6};
                                 d["kernels"].erase(4); d["buffers"][5]["kind"] = "output"; d["outputs"] = {5}),
     "inputs has two buffers named 'x'"},
};

INSTANTIATE_TEST_SUITE_P(Module, BrokenDescription, testing::ValuesIn(kBrokenCases),
                         [](const testing::TestParamInfo<BrokenCase> &info) { return std::string(info.param.name); });

TEST(Module, RefusesInvalidJson) {
  PackageBuilder b = chainPackage();
  PackageMembers members = b.members();
  members[0].second = "{\"format\": \"rqc-module\", ";
  EXPECT_RQC_ERROR(Module::loadFromBytes(makeTar(members), "j.rqc"), "j.rqc: module.json is not valid JSON");
}

// Random damage to module.json (bytes, or values swapped between fields): a clear error or
// a description the planner can use, never a crash.
TEST(Module, SurvivesRandomlyDamagedDescriptions) {
  PackageBuilder b = chainPackage();
  const nlohmann::json sealed = nlohmann::json::parse(b.members().front().second); // with checksums
  std::string text = sealed.dump();
  std::mt19937 rng(99);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string damaged = text;
    for (int j = 0; j < 2; ++j) damaged[rng() % damaged.size()] = "0123456789-[]{}\",:a "[rng() % 20];
    try {
      ModuleInfo m = parseModuleDescription(damaged, b.params.size(), "d.rqc");
      planMemory(m);
      ++accepted;
    } catch (const Error &e) {
      ASSERT_EQ(std::string(e.what()).rfind("d.rqc: ", 0), 0u) << e.what();
    }
  }
  const std::vector<nlohmann::json> values = {-1, 0, 1, 5, 99, 1u << 31, -(1ll << 40), "x", nullptr, 0.5,
                                              nlohmann::json::array(), nlohmann::json::object(), {1, 2}, {-3}};
  for (int i = 0; i < 3000; ++i) {
    nlohmann::json d = sealed;
    // Descend to a random leaf or container, then replace it.
    nlohmann::json *node = &d;
    while ((node->is_object() || node->is_array()) && !node->empty() && rng() % 4 != 0) {
      size_t k = rng() % node->size();
      node = node->is_array() ? &(*node)[k] : &std::next(node->begin(), static_cast<long>(k)).value();
    }
    *node = values[rng() % values.size()];
    try {
      ModuleInfo m = parseModuleDescription(d.dump(), b.params.size(), "d.rqc");
      planMemory(m);
      ++accepted;
    } catch (const Error &e) {
      ASSERT_EQ(std::string(e.what()).rfind("d.rqc: ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(accepted, 0); // some damage is harmless (names, ops, macs)
}
