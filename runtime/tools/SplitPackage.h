// Split packages (`rqc compile MODEL.onnx --split=N`, compiler/split/SplitNetwork.h): one
// archive holding N part packages, the head package and split.json, run here part after
// part (`rqc run|bench SPLIT.rqc`) or with each part on its own board in parallel
// (`--remote H1:P1,H2:P2`, runtime/rpc/RemoteCommands.h).
//
// Layout (docs/package-format.md, "Split packages"): a ustar archive of
//   split.json  {"format": "rqc-split", "format_version": 1, "source": MODEL, "target": T,
//                "cut": TENSOR, "channels": C, "parts": [{"package": "part0.rqc",
//                "output": "part0", "sha256": "sha256:<hex>"}, ...],
//                "head": {"package": "head.rqc", "sha256": "sha256:<hex>"}}
//   part<i>.rqc, head.rqc  ordinary packages (docs/package-format.md); part i's one output
//                is named "part<i>", the head's inputs are the parts' outputs. The parts are
//                compiled for the boards' target, the head for the machine that runs
//                `rqc run` (where the parts' outputs come back).
#pragma once

#include "runtime/tools/PackageCommands.h"

#include "rqc/runtime/PackageWriter.h"

#include <memory>
#include <string>
#include <vector>

namespace rqc::tools {

struct SplitPackage {
  std::vector<std::string> parts;       // part packages' bytes
  std::vector<std::string> partOutputs; // "part0", ...
  std::string head;                     // the head package's bytes
  std::string source, target, cut;
  int channels = 0;
};

// Whether the archive at `path` is a split package (it has split.json). False for a file
// that is not an archive (its own reader reports that).
bool isSplitPackage(const std::string &path);

// Reads and checks split.json and every member's SHA-256. Throws rqc::Error naming the
// package and the problem.
SplitPackage readSplitPackage(const std::string &path);

// The archive members of a split package (for PackageWriter's writePackage).
PackageMembers splitPackageMembers(const SplitPackage &split);

// The parts and the head of a split package loaded in this process, run part after part
// then the head (what `rqc run|bench|validate SPLIT.rqc` do here).
class SplitExecutor {
public:
  // Throws rqc::Error (prefixed by `what`) when a part or the head cannot be loaded.
  SplitExecutor(const SplitPackage &split, int threads, const std::string &what);
  ~SplitExecutor();
  const std::vector<TensorSpec> &inputs() const;  // the model's (every part's) inputs
  const std::vector<TensorSpec> &outputs() const; // the head's outputs
  // Copies `t` into input `name` of every part (checked as Executor::setInput).
  void setInput(const std::string &name, const Tensor &t);
  // One run; returns the milliseconds of each part, then of the head.
  std::vector<double> run();
  Tensor getOutput(size_t index) const;

private:
  struct Loaded;
  std::unique_ptr<Loaded> loaded_;
};

// `rqc run SPLIT.rqc`: each part here, one after another, then the head; prints the top-5,
// the latency of each part and of the head, and writes the outputs when asked.
void runSplitPackage(const RunPackageOptions &options);

// `rqc bench SPLIT.rqc`: end-to-end latency over --repeat runs (parts one after another),
// with each part's and the head's mean.
void benchSplitPackage(const BenchPackageOptions &options);

} // namespace rqc::tools
