// What the RPC and broker runners share (RpcRunner.cpp, BrokerRunner.cpp): the board.proto
// job that measures a candidate as LocalRunner's child `rqc measure` does.
#pragma once

#include "autotune/Measure.h"

#include "board.pb.h"

#include <string>

namespace rqc::autotune {

// A measure job of the package with SHA-256 `sha`: `inputs` and `expected` are .npz bytes,
// `kernel` the kernel to time; the settings' timeout, threads and AutoTVM runner numbers.
rpc::Job measureJob(const RunSettings &settings, const std::string &sha, const std::string &inputs,
                    const std::string &expected, const std::string &kernel);

} // namespace rqc::autotune
