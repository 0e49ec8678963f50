#pragma once

#include "targets/cpu/CpuTarget.h"

#include <string>

namespace rqc::cpu {
// Links one object file into a shared object with ld.lld (no cross gcc needed) and
// returns its bytes. With OpenMP, the .so depends on LLVM's libomp.
std::string linkSharedObject(const std::string &object, const CpuTarget &target, bool openmp);
} // namespace rqc::cpu
