// rqc::Error: the one exception type for user-facing failures (bad input, bad files,
// unsupported features). Its message is a single line meant for a person; the command
// line prints it as "rqc: error: <message>" and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace rqc {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace rqc
