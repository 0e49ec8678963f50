// Test packages built at test time: module.json written here, params.bin, and kernels.so
// compiled from test_kernels.c by the host C compiler (see CMakeLists.txt), tarred with
// the runtime's PackageWriter.
#pragma once

#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/ModuleDescription.h"
#include "rqc/runtime/PackageWriter.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rqc::test {

std::string readFile(const std::string &path);
// kernels.so built from test_kernels.c, with rqc_abi_version() returning `abiVersion`.
std::string testKernels(int abiVersion = 1);
// The triple of this process ("x86_64-unknown-linux-gnu"), and one it cannot run.
std::string hostTriple();
std::string foreignTriple();

// Builds module.json, params.bin and the member list of a package.
class PackageBuilder {
public:
  PackageBuilder(); // header for the host target, no buffers yet; kernels = testKernels()

  int64_t buffer(const std::string &name, const std::string &kind, std::vector<int64_t> shape,
                 const std::string &dtype = "float32");
  int64_t param(const std::string &name, std::vector<int64_t> shape, const std::vector<float> &values);
  // A param of any dtype from its raw little-endian bytes.
  int64_t rawParam(const std::string &name, std::vector<int64_t> shape, const std::string &dtype,
                   const std::string &bytes);
  int64_t alias(const std::string &name, int64_t of, std::vector<int64_t> shape);
  void kernel(const std::string &symbol, std::vector<int64_t> args, int outputsCount = 1);
  void inputs(std::vector<int64_t> ids) { description["inputs"] = ids; }
  void outputs(std::vector<int64_t> ids) { description["outputs"] = ids; }

  PackageMembers members() const; // module.json, params.bin, kernels.so (those not dropped)
  std::string tar() const { return makeTar(members()); }
  std::shared_ptr<const Module> load() const { return Module::loadFromBytes(tar(), "test.rqc"); }

  nlohmann::json description; // editable, to break it
  std::string params;
  std::string kernels;
  PackageMembers extra; // further members (e.g. vta.bin), checksummed like the others
  bool withModuleJson = true, withParams = true, withKernels = true;
  // members() adds the checksums of the members it includes unless `description` has its own.
  bool withChecksums = true;
};

// y = 6 relu(x + w) through five kernels and four intermediates (x, w, y: [1, 16]):
//   t0 = x + w; t1 = relu(t0); t2 = 2 t1; t3 = t2 + t1; y = 2 t3
PackageBuilder chainPackage();
std::vector<float> chainWeights(); // w
std::vector<float> chainReference(const std::vector<float> &x);

// x -> relu -> 2x -> relu -> 2x ... : `kernels` kernels, each intermediate used by the next.
PackageBuilder longChainPackage(int kernels);

} // namespace rqc::test
