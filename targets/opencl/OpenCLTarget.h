// --target=mali (TVM's 'opencl -device=mali') and --target=opencl for rqc compile: every
// kernel becomes OpenCL C 1.2 in the package's kernels.cl, run by the runtime's OpenCL
// device (PoCL on this machine, a Mali's driver on a board; docs/opencl.md).
//
// Partial (issue 12): kernels are mapped onto work-items generically (each loop nest's
// parallel loops become the NDRange, OpenCLEmitter.h); the Mali schedule templates
// (conv2d_nchw_spatial_pack.mali and the rest, with local memory and vector types), fp16
// and tuning are not written yet.
#pragma once

#include "targets/Target.h"

#include <memory>
#include <string>

namespace rqc::opencl {

// True for "mali", "opencl" and 'opencl -device=...' target strings.
bool isOpenCLTarget(const std::string &target);

// The OpenCL target for `target`: "mali" (an alias of 'opencl -device=mali') or
// 'opencl [-device=D] [-model=M]' (M: a board name, e.g. rk3399, as in TVM's mali records).
// Throws rqc::Error for an unknown option.
std::unique_ptr<Target> createOpenCLTarget(const std::string &target);

} // namespace rqc::opencl
