#include "runtime/tools/Files.h"

#include "rqc/runtime/Error.h"

#include <fstream>
#include <sstream>

namespace rqc::tools {

std::string readFileBytes(const std::string &path, const std::string &what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  if (in) s << in.rdbuf();
  if (!in || in.bad()) throw Error(path + ": cannot read " + what);
  return s.str();
}

} // namespace rqc::tools
