#include "runtime/rpc/BoardServer.h"

#include "runtime/rpc/BoardCommon.h"
#include "runtime/rpc/JobRunner.h"
#include "runtime/src/HostTarget.h"
#include "runtime/src/PackageChecks.h"
#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageReader.h"

#include "board.grpc.pb.h"

#include <grpc/grpc.h>
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


class BoardService final : public Board::Service {
public:
  BoardService(const BoardServerOptions &options, fs::path packages, fs::path jobs)
      : options_(options), packages_(std::move(packages)) {
    runner_.executable = options.executable;
    runner_.launcher = options.launcher;
    runner_.maxJobSeconds = options.maxJobSeconds;
    runner_.workDir = jobs.string();
  }

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
      if (bytes.size() + chunk.data().size() > options_.maxUploadBytes) {
        log("refused an upload past the limit of " + std::to_string(options_.maxUploadBytes) + " bytes");
        return {grpc::StatusCode::RESOURCE_EXHAUSTED,
                "the package is larger than this server's upload limit of " + std::to_string(options_.maxUploadBytes) +
                    " bytes (rqc rpc-server --max-upload-mb)"};
      }
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
    if (std::string why = invalidJob(*job); !why.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, why};
    const fs::path package = packagePath(job->package_sha256());
    if (!fs::exists(package))
      return {grpc::StatusCode::NOT_FOUND, "no package " + job->package_sha256().substr(0, 12) + "... is stored here (upload it first)"};

    // One job at a time: a board measures one candidate at a time.
    std::lock_guard<std::mutex> lock(jobMutex_);
    try {
      // A client that gives up (killed, past its deadline) ends its job's child too.
      *result = rqc::rpc::runJob(*job, package.string(), runner_, [ctx] { return ctx->IsCancelled(); });
    } catch (const std::exception &e) {
      return {grpc::StatusCode::INTERNAL, e.what()};
    }
    log(jobKind(*job) + " " + job->package_sha256().substr(0, 12) + ": " + result->summary());
    if (ctx->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the client cancelled the job"};
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
  fs::path packages_;
  JobRunnerOptions runner_;
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
  options.launcher = resolveLauncher(options.launcher);
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
  // Without SO_REUSEPORT (gRPC's default on Linux) a second server on a taken port would
  // listen too and the kernel would split the clients between the two.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(256 << 20); // a job's .npz files; uploads come in 1 MiB chunks
  builder.SetMaxSendMessageSize(256 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selectedPort == 0) {
    pthread_sigmask(SIG_UNBLOCK, &stopSignals, nullptr);
    throw Error("rpc-server: cannot listen on " + address + " (the port is in use, or the host is not an address of this machine)");
  }
  std::cout << "rqc rpc-server: listening on " << hostPort(options.host, selectedPort) << " (store " << options.store
            << ")" << std::endl;
  if (options.host != "127.0.0.1" && options.host != "localhost" && options.host != "::1")
    std::cerr << "rqc rpc-server: warning: listening on " << options.host
              << ", beyond loopback: the key travels in clear (no TLS); prefer an ssh tunnel (docs/boards.md)" << std::endl;

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
