// The shipped, versioned tuning logs (tophub/), TVM's tophub packages rebuilt: one file per
// target key, "<key>_v<MAJOR.MINOR>.log"; a released file is never edited, a new version
// is a new file and a new entry in the version table (autotune/Tophub.cpp). rqc compile
// reads the one for its target unless the user's --tuning-records already has a record.
// RQC_TOPHUB_LOCATION overrides the directory; RQC_TOPHUB_LOCATION=NONE disables tophub
// (as TVM's TOPHUB_LOCATION). No MLIR here.
#pragma once

#include <string>

namespace rqc::autotune {

// "x86_v0.01.log" for key "x86"; "" for a key without a package.
std::string tophubPackage(const std::string &key);
// The directory holding the packages: $RQC_TOPHUB_LOCATION, else <install>/share/rqc/tophub
// next to the running binary, else the source tree's tophub/; "" when disabled.
std::string tophubDirectory();
// Full path of the package for `key` if it exists, else "".
std::string tophubLog(const std::string &key);

} // namespace rqc::autotune
