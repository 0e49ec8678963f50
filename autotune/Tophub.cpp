#include "autotune/Tophub.h"

#include <cstdlib>
#include <filesystem>
#include <map>

namespace rqc::autotune {

namespace fs = std::filesystem;

std::string tophubPackage(const std::string &key) {
  static const std::map<std::string, std::string> versions = {{"x86", "v0.01"}, {"arm_cpu", "v0.01"}};
  auto it = versions.find(key);
  return it == versions.end() ? "" : key + "_" + it->second + ".log";
}

std::string tophubDirectory() {
  if (const char *env = std::getenv("RQC_TOPHUB_LOCATION")) return std::string(env) == "NONE" ? "" : env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "rqc" / "tophub";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return RQC_SOURCE_TOPHUB_DIR;
}

std::string tophubLog(const std::string &key) {
  std::string dir = tophubDirectory(), package = tophubPackage(key);
  if (dir.empty() || package.empty()) return "";
  fs::path p = fs::path(dir) / package;
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : "";
}

} // namespace rqc::autotune
