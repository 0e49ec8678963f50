// --target=mali (TVM's 'opencl -device=mali') and --target=opencl for rqc compile: every
// kernel becomes OpenCL C 1.2 in the package's kernels.cl, run by the runtime's OpenCL
// device (PoCL on this machine, a Mali's driver on a board; docs/opencl.md).
//
// Convolutions and dense layers follow the Mali templates (schedules/mali: register-tiled
// work-items in work-groups, OpenCLEmitter.h); every other kernel maps its parallel loops
// onto the NDRange. Partial (issue 12): no fp16, vector types, local memory or Winograd.
#pragma once

#include "targets/Target.h"

#include <memory>
#include <string>

namespace rqc::opencl {

// True for "mali" and 'opencl ...' target strings (createOpenCLTarget refuses an OpenCL
// device other than mali).
bool isOpenCLTarget(const std::string &target);

// The OpenCL target for `target`: "mali" (an alias of 'opencl -device=mali') or
// 'opencl [-device=D] [-model=M]' (M: a board name, e.g. rk3399, as in TVM's mali records).
// Throws rqc::Error for an unknown option.
std::unique_ptr<Target> createOpenCLTarget(const std::string &target);

} // namespace rqc::opencl
