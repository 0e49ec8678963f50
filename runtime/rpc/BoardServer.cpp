#include "runtime/rpc/BoardServer.h"

#include "runtime/rpc/BoardCommon.h"
#include "runtime/src/HostTarget.h"
#include "runtime/src/PackageChecks.h"
#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageReader.h"

#include "board.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rqc::rpc {

namespace {

std::string defaultStore() {
  if (const char *d = std::getenv("RQC_CACHE_DIR"); d && *d) return std::string(d) + "/rpc-store";
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/rqc/rpc-store";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/rqc/rpc-store";
  throw Error("rpc-server: no store directory: pass --store DIR (neither RQC_CACHE_DIR, XDG_CACHE_HOME nor HOME is set)");
}

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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

class BoardService final : public Board::Service {
public:
  BoardService(const BoardServerOptions &options, fs::path packages, fs::path jobs)
      : options_(options), packages_(std::move(packages)), jobs_(std::move(jobs)) {}

  grpc::Status Info(grpc::ServerContext *ctx, const InfoRequest *, InfoReply *reply) override {
    if (grpc::Status s = authorize(*ctx); !s.ok()) return s;
    reply->set_key(options_.key);
    reply->set_version(RQC_VERSION);
    reply->set_host(hostDescription());
    reply->set_max_upload_bytes(options_.maxUploadBytes);
    reply->set_max_job_seconds(options_.maxJobSeconds);
    return grpc::Status::OK;
  }

  grpc::Status HasPackage(grpc::ServerContext *ctx, const PackageRef *ref, HasPackageReply *reply) override {
    if (grpc::Status s = authorize(*ctx); !s.ok()) return s;
    if (!isSha256Hex(ref->sha256())) return {grpc::StatusCode::INVALID_ARGUMENT, "not a SHA-256 (64 lowercase hex digits)"};
    reply->set_present(fs::exists(packagePath(ref->sha256())));
    return grpc::Status::OK;
  }

  grpc::Status Upload(grpc::ServerContext *ctx, grpc::ServerReader<UploadChunk> *reader, PackageRef *reply) override {
    if (grpc::Status s = authorize(*ctx); !s.ok()) return s;
    std::string bytes;
    UploadChunk chunk;
    while (reader->Read(&chunk)) {
      if (bytes.size() + chunk.data().size() > options_.maxUploadBytes)
        return {grpc::StatusCode::RESOURCE_EXHAUSTED,
                "the package is larger than this server's upload limit of " + std::to_string(options_.maxUploadBytes) +
                    " bytes (rqc rpc-server --max-upload-mb)"};
      bytes += chunk.data();
    }
    const std::string sha = sha256Checksum(bytes).substr(7); // drop "sha256:"
    try {
      PackageReader package = PackageReader::fromBytes(bytes, "the uploaded package");
      checkPackageBeforeLoading(package);
      writeFileAtomically(packagePath(sha).string(), bytes);
    } catch (const std::exception &e) {
      log("refused an upload of " + std::to_string(bytes.size()) + " bytes: " + e.what());
      return {grpc::StatusCode::FAILED_PRECONDITION, e.what()};
    }
    log("stored " + sha.substr(0, 12) + " (" + std::to_string(bytes.size()) + " bytes)");
    reply->set_sha256(sha);
    return grpc::Status::OK;
  }

  grpc::Status RunJob(grpc::ServerContext *ctx, const Job *job, JobResult *result) override {
    if (grpc::Status s = authorize(*ctx); !s.ok()) return s;
    if (!isSha256Hex(job->package_sha256()))
      return {grpc::StatusCode::INVALID_ARGUMENT, "the job's package is not a SHA-256 (64 lowercase hex digits)"};
    const fs::path package = packagePath(job->package_sha256());
    if (!fs::exists(package))
      return {grpc::StatusCode::NOT_FOUND, "no package " + job->package_sha256().substr(0, 12) + "... is stored here (upload it first)"};
    if (!isDeviceName(job->device()))
      return {grpc::StatusCode::INVALID_ARGUMENT, "device '" + job->device() + "' is not opencl:N"};
    if (job->threads() < 0) return {grpc::StatusCode::INVALID_ARGUMENT, "threads must be >= 0"};
    if (job->kind_case() == Job::KIND_NOT_SET)
      return {grpc::StatusCode::INVALID_ARGUMENT, "the job names no work (run, bench or measure)"};
    if (job->kind_case() == Job::kMeasure && !isKernelList(job->measure().kernel()))
      return {grpc::StatusCode::INVALID_ARGUMENT, "kernel '" + job->measure().kernel() + "' is not a kernel name"};

    // One job at a time: a board measures one candidate at a time.
    std::lock_guard<std::mutex> lock(jobMutex_);
    std::string dirTemplate = (jobs_ / "job-XXXXXX").string();
    if (!mkdtemp(dirTemplate.data())) return {grpc::StatusCode::INTERNAL, "cannot create a job directory in " + jobs_.string()};
    const fs::path dir = dirTemplate;
    struct RemoveDir {
      fs::path p;
      ~RemoveDir() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } cleanup{dir};

    std::vector<std::string> argv = options_.launcher;
    argv.push_back(options_.executable);
    auto inputsArg = [&](const std::string &npz, uint64_t seed) {
      if (npz.empty()) return "--seed=" + std::to_string(seed);
      writeFileAtomically((dir / "inputs.npz").string(), npz);
      return "--inputs=" + (dir / "inputs.npz").string();
    };
    std::string what;
    switch (job->kind_case()) {
    case Job::kRun:
      what = "run";
      argv.insert(argv.end(), {"run", package.string(), inputsArg(job->run().inputs_npz(), job->run().seed())});
      if (job->run().want_outputs()) argv.push_back("--outputs=" + (dir / "outputs.npz").string());
      break;
    case Job::kBench: {
      what = "bench";
      const BenchJob &b = job->bench();
      argv.insert(argv.end(), {"bench", package.string(), inputsArg(b.inputs_npz(), b.seed()),
                               "--repeat=" + std::to_string(b.repeat()), "--warmup=" + std::to_string(b.warmup())});
      if (b.json()) argv.push_back("--json");
      if (b.profile()) argv.push_back("--profile");
      break;
    }
    case Job::kMeasure: {
      what = "measure";
      const MeasureJob &m = job->measure();
      writeFileAtomically((dir / "expected.npz").string(), m.expected_npz());
      argv.insert(argv.end(), {"measure", package.string(), inputsArg(m.inputs_npz(), 0),
                               "--expected=" + (dir / "expected.npz").string(), "--kernel=" + m.kernel(),
                               "--number=" + std::to_string(m.number()), "--repeat=" + std::to_string(m.repeat()),
                               "--min-repeat-ms=" + std::to_string(m.min_repeat_ms()),
                               "--warmup=" + std::to_string(m.warmup())});
      if (m.flush_cache()) argv.push_back("--flush-cache");
      break;
    }
    default:
      break;
    }
    argv.push_back("--threads=" + std::to_string(job->threads()));
    if (!job->device().empty()) argv.push_back("--device=" + job->device());
    std::vector<std::string> env;
    if (job->threads() > 0) env.push_back("OMP_NUM_THREADS=" + std::to_string(job->threads()));
    const double timeout = job->timeout_s() > 0 ? std::min(job->timeout_s(), options_.maxJobSeconds) : options_.maxJobSeconds;

    tools::ProcessResult p;
    try {
      p = tools::runProcess(argv, timeout, env);
    } catch (const std::exception &e) {
      return {grpc::StatusCode::INTERNAL, e.what()};
    }
    result->set_exit_code(p.exitCode);
    result->set_signal(p.signal);
    result->set_timed_out(p.timedOut);
    result->set_seconds(p.seconds);
    result->set_stdout_text(p.out);
    result->set_summary(p.describe());
    if (p.ok() && job->kind_case() == Job::kRun && job->run().want_outputs())
      result->set_outputs_npz(readFile(dir / "outputs.npz"));
    log(what + " " + job->package_sha256().substr(0, 12) + ": " + p.describe());
    return grpc::Status::OK;
  }

private:
  grpc::Status authorize(const grpc::ServerContext &ctx) const {
    auto it = ctx.client_metadata().find(kKeyHeader);
    std::string given = it == ctx.client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
    if (!keysMatch(given, options_.key)) return {grpc::StatusCode::UNAUTHENTICATED, "wrong key"};
    return grpc::Status::OK;
  }

  fs::path packagePath(const std::string &sha) const { return packages_ / (sha + ".rqc"); }

  void log(const std::string &line) {
    std::lock_guard<std::mutex> lock(logMutex_);
    std::cout << "rqc rpc-server: " << line << std::endl;
  }

  const BoardServerOptions &options_;
  fs::path packages_, jobs_;
  std::mutex jobMutex_, logMutex_;
};

} // namespace

void serveBoard(const BoardServerOptions &given) {
  BoardServerOptions options = given;
  if (options.key.empty()) throw Error("rpc-server needs --key (the device key clients must send)");
  if (options.port < 0 || options.port > 65535) throw Error("--port " + std::to_string(options.port) + " is not a TCP port");
  if (options.maxUploadBytes == 0) throw Error("--max-upload-mb must be positive");
  if (!(options.maxJobSeconds > 0)) throw Error("--max-job-seconds must be positive");
  if (options.executable.empty()) options.executable = tools::selfExecutable();
  if (!options.launcher.empty() && options.launcher[0].find('/') == std::string::npos) {
    // posix_spawn takes a path: look the launcher up in PATH once.
    std::string found;
    const char *path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':') && found.empty();)
      if (!d.empty() && ::access((d + "/" + options.launcher[0]).c_str(), X_OK) == 0) found = d + "/" + options.launcher[0];
    if (found.empty()) throw Error("--launcher: '" + options.launcher[0] + "' is not a command in PATH");
    options.launcher[0] = found;
  }
  if (options.store.empty()) options.store = defaultStore();
  const fs::path packages = fs::path(options.store) / "packages", jobs = fs::path(options.store) / "jobs";
  std::error_code ec;
  fs::create_directories(packages, ec);
  if (!ec) fs::create_directories(jobs, ec);
  if (ec) throw Error("rpc-server: cannot create the store " + options.store + ": " + ec.message());
  silenceGrpcLogging();

  // SIGINT/SIGTERM are waited for by one thread; every other thread (gRPC's) blocks them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  BoardService service(options, packages, jobs);
  grpc::ServerBuilder builder;
  int selectedPort = 0;
  const std::string address = hostPort(options.host, options.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selectedPort);
  builder.SetMaxReceiveMessageSize(256 << 20); // a job's .npz files; uploads come in 1 MiB chunks
  builder.SetMaxSendMessageSize(256 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selectedPort == 0) {
    pthread_sigmask(SIG_UNBLOCK, &stopSignals, nullptr);
    throw Error("rpc-server: cannot listen on " + address + " (the port is in use, or the host is not an address of this machine)");
  }
  std::cout << "rqc rpc-server: listening on " << hostPort(options.host, selectedPort) << " (key '" << options.key
            << "', store " << options.store << ")" << std::endl;

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stopSignals, &sig);
    std::cout << "rqc rpc-server: " << strsignal(sig) << ", stopping" << std::endl;
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  });
  server->Wait();
  stopper.join();
  pthread_sigmask(SIG_UNBLOCK, &stopSignals, nullptr);
}

} // namespace rqc::rpc
