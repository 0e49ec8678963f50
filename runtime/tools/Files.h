// Whole-file reads for the command-line tools (packages to upload, .npz inputs, a job's
// outputs). Writes go through rqc/runtime/AtomicFile.h.
#pragma once

#include <string>

namespace rqc::tools {

// The bytes of the file at `path`. Throws rqc::Error "PATH: cannot read WHAT" when it
// cannot be opened or read.
std::string readFileBytes(const std::string &path, const std::string &what = "the file");

} // namespace rqc::tools
