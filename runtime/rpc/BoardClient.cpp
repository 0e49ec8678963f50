#include "runtime/rpc/BoardClient.h"

#include "runtime/rpc/BoardCommon.h"
#include "runtime/rpc/BoardServer.h"
#include "runtime/tools/Files.h"

#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"

#include "board.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace rqc::rpc {

struct BoardClient::Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Board::Stub> stub;
};

namespace {

constexpr size_t kChunkBytes = 1 << 20;

void prepare(grpc::ClientContext &ctx, const std::string &key, double seconds) {
  ctx.AddMetadata(kKeyHeader, key);
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
}

[[noreturn]] void fail(const std::string &address, const grpc::Status &status, double seconds) {
  const std::string server = "rpc server " + address;
  switch (status.error_code()) {
  case grpc::StatusCode::UNAVAILABLE:
    throw Error(server + " is not reachable (not running, or it went away): " + status.error_message());
  case grpc::StatusCode::UNAUTHENTICATED:
    throw Error(server + " refused the key (give the key its rqc rpc-server was started with: --key)");
  case grpc::StatusCode::DEADLINE_EXCEEDED:
    throw Error(server + " did not answer within " + std::to_string(static_cast<int>(seconds + 0.5)) + " s");
  default:
    throw Error(server + ": " + status.error_message());
  }
}

} // namespace

BoardClient::BoardClient(const std::string &address, const std::string &key, double callTimeoutS)
    : address_(address), key_(key), callTimeoutS_(callTimeoutS), channel_(std::make_unique<Channel>()) {
  auto colon = address.rfind(':');
  if (address.empty() || colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
      address.find_first_not_of("0123456789", colon + 1) != std::string::npos)
    throw Error("'" + address + "' is not an rpc server address HOST:PORT");
  if (key.empty()) throw Error("the rpc server " + address + " needs its key: --key K");
  silenceGrpcLogging();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(256 << 20);
  channel_->channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  channel_->stub = Board::NewStub(channel_->channel);
}

BoardClient::~BoardClient() = default;

InfoReply BoardClient::info() {
  grpc::ClientContext ctx;
  prepare(ctx, key_, callTimeoutS_);
  InfoReply reply;
  grpc::Status s = channel_->stub->Info(&ctx, InfoRequest(), &reply);
  if (!s.ok()) fail(address_, s, callTimeoutS_);
  return reply;
}

std::string BoardClient::upload(const std::string &path) {
  return uploadBytes(tools::readFileBytes(path, "the package"), path);
}

std::string BoardClient::uploadBytes(const std::string &bytes, const std::string &path) {
  const std::string sha = sha256Checksum(bytes).substr(7);
  {
    grpc::ClientContext ctx;
    prepare(ctx, key_, callTimeoutS_);
    PackageRef ref;
    ref.set_sha256(sha);
    HasPackageReply has;
    grpc::Status s = channel_->stub->HasPackage(&ctx, ref, &has);
    if (!s.ok()) fail(address_, s, callTimeoutS_);
    if (has.present()) return sha;
  }
  grpc::ClientContext ctx;
  prepare(ctx, key_, callTimeoutS_ + static_cast<double>(bytes.size()) / (1 << 20)); // >= 1 MiB/s
  PackageRef stored;
  std::unique_ptr<grpc::ClientWriter<UploadChunk>> writer = channel_->stub->Upload(&ctx, &stored);
  for (size_t at = 0; at < bytes.size(); at += kChunkBytes) {
    UploadChunk chunk;
    chunk.set_data(bytes.substr(at, kChunkBytes));
    if (!writer->Write(chunk)) break; // the server ended the call: Finish says why
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION || s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
    throw Error("rpc server " + address_ + " refused " + path + ": " + s.error_message());
  if (!s.ok()) fail(address_, s, callTimeoutS_);
  if (stored.sha256() != sha)
    throw Error("rpc server " + address_ + " stored " + path + " under another hash (the upload was damaged)");
  return sha;
}

JobResult BoardClient::runJob(const Job &job) {
  grpc::ClientContext ctx;
  const double seconds = job.timeout_s() + callTimeoutS_;
  prepare(ctx, key_, seconds);
  JobResult result;
  grpc::Status s = channel_->stub->RunJob(&ctx, job, &result);
  if (!s.ok()) fail(address_, s, seconds);
  return result;
}

} // namespace rqc::rpc
