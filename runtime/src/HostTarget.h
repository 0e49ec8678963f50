// Whether code compiled for a package's target can run in this process. Checked before
// kernels.so is loaded, so a foreign package is refused with its target named instead of
// failing inside the dynamic loader (or worse, with SIGILL inside a kernel).
#pragma once

#include "rqc/runtime/ModuleDescription.h"

#include <string>

namespace rqc {

// This process's architecture and OS, e.g. "x86_64-linux", "aarch64-linux".
std::string hostDescription();

// Throws rqc::Error (prefixed by `what`) unless `target` is a CPU target for this
// architecture, OS and float ABI, compiled for CPU features this machine has (for the
// features the runtime knows how to query).
void checkTargetRunsHere(const TargetInfo &target, const std::string &what);

// Throws unless `sharedObject` starts with an ELF header of a shared object for this
// process's architecture (a package whose module.json and kernels.so disagree).
void checkKernelsElf(const std::string &sharedObject, const std::string &what);

} // namespace rqc
