#include "runtime/rpc/JobRunner.h"

#include "runtime/rpc/BoardCommon.h"
#include "runtime/tools/Files.h"
#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rqc::rpc {

namespace {


// Values a job passes on to the child's command line: never an option of their own.
bool isDeviceName(const std::string &d) {
  if (d.empty()) return true;
  if (d.rfind("opencl:", 0) != 0 || d.size() == 7) return false;
  for (size_t i = 7; i < d.size(); ++i)
    if (d[i] < '0' || d[i] > '9') return false;
  return true;
}

bool isKernelList(const std::string &k) {
  if (k.empty() || k[0] == '-') return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ',' || c == '-')) return false;
  return true;
}

} // namespace

std::string invalidJob(const Job &job) {
  if (!isSha256Hex(job.package_sha256())) return "the job's package is not a SHA-256 (64 lowercase hex digits)";
  if (!isDeviceName(job.device())) return "device '" + job.device() + "' is not opencl:N";
  if (job.threads() < 0) return "threads must be >= 0";
  if (job.kind_case() == Job::KIND_NOT_SET) return "the job names no work (run, bench or measure)";
  if (job.kind_case() == Job::kMeasure && !isKernelList(job.measure().kernel()))
    return "kernel '" + job.measure().kernel() + "' is not a kernel name";
  return "";
}

std::string jobKind(const Job &job) {
  switch (job.kind_case()) {
  case Job::kRun: return "run";
  case Job::kBench: return "bench";
  case Job::kMeasure: return "measure";
  default: return "nothing";
  }
}

std::vector<std::string> resolveLauncher(std::vector<std::string> words) {
  if (words.empty() || words[0].find('/') != std::string::npos) return words;
  const char *path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((d + "/" + words[0]).c_str(), X_OK) == 0) {
      words[0] = d + "/" + words[0];
      return words;
    }
  throw Error("--launcher: '" + words[0] + "' is not a command in PATH");
}

JobResult runJob(const Job &job, const std::string &package, const JobRunnerOptions &options,
                 const std::function<bool()> &cancelled) {
  std::string dirTemplate = (fs::path(options.workDir) / "job-XXXXXX").string();
  if (!mkdtemp(dirTemplate.data())) throw Error("cannot create a job directory in " + options.workDir);
  const fs::path dir = dirTemplate;
  struct RemoveDir {
    fs::path p;
    ~RemoveDir() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir};

  std::vector<std::string> argv = options.launcher;
  argv.push_back(options.executable);
  auto inputsArg = [&](const std::string &npz, uint64_t seed) {
    if (npz.empty()) return "--seed=" + std::to_string(seed);
    writeFileAtomically((dir / "inputs.npz").string(), npz);
    return "--inputs=" + (dir / "inputs.npz").string();
  };
  switch (job.kind_case()) {
  case Job::kRun:
    argv.insert(argv.end(), {"run", package, inputsArg(job.run().inputs_npz(), job.run().seed())});
    if (job.run().want_outputs()) argv.push_back("--outputs=" + (dir / "outputs.npz").string());
    break;
  case Job::kBench: {
    const BenchJob &b = job.bench();
    argv.insert(argv.end(), {"bench", package, inputsArg(b.inputs_npz(), b.seed()),
                             "--repeat=" + std::to_string(b.repeat()), "--warmup=" + std::to_string(b.warmup())});
    if (b.json()) argv.push_back("--json");
    if (b.profile()) argv.push_back("--profile");
    break;
  }
  case Job::kMeasure: {
    const MeasureJob &m = job.measure();
    writeFileAtomically((dir / "expected.npz").string(), m.expected_npz());
    argv.insert(argv.end(), {"measure", package, inputsArg(m.inputs_npz(), 0),
                             "--expected=" + (dir / "expected.npz").string(), "--kernel=" + m.kernel(),
                             "--number=" + std::to_string(m.number()), "--repeat=" + std::to_string(m.repeat()),
                             "--min-repeat-ms=" + std::to_string(m.min_repeat_ms()),
                             "--warmup=" + std::to_string(m.warmup())});
    if (m.flush_cache()) argv.push_back("--flush-cache");
    break;
  }
  default:
    throw Error("the job names no work (run, bench or measure)");
  }
  argv.push_back("--threads=" + std::to_string(job.threads()));
  if (!job.device().empty()) argv.push_back("--device=" + job.device());
  std::vector<std::string> env;
  if (job.threads() > 0) env.push_back("OMP_NUM_THREADS=" + std::to_string(job.threads()));
  const double timeout =
      job.timeout_s() > 0 ? std::min(job.timeout_s(), options.maxJobSeconds) : options.maxJobSeconds;

  tools::ProcessResult p = tools::runProcess(argv, timeout, env, cancelled);
  JobResult result;
  result.set_exit_code(p.exitCode);
  result.set_signal(p.signal);
  result.set_timed_out(p.timedOut);
  result.set_seconds(p.seconds);
  result.set_stdout_text(p.out);
  result.set_summary(p.describe());
  if (p.ok() && job.kind_case() == Job::kRun && job.run().want_outputs())
    result.set_outputs_npz(tools::readFileBytes((dir / "outputs.npz").string(), "the outputs"));
  return result;
}

} // namespace rqc::rpc
