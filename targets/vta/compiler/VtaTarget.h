// --target=vta for rqc compile: the VTA accelerator with its host CPU, as TVM's
// 'ext_dev -device=vta' with target_host. The graph side hands the convolutions VTA can
// run to it (rqc-partition-vta), their schedules come from conv2d_packed.vta
// (schedules/vta), and each becomes a VTA kernel (an instruction stream and its DRAM
// image, rqc/vta/Conv2dPacked.h) in the package's vta.bin; everything else is compiled for
// the host CPU into kernels.so (docs/vta.md, docs/package-format.md "VTA kernels").
#pragma once

#include "targets/Target.h"

#include <memory>
#include <string>

namespace rqc::vta {

// True for "vta" and "ext_dev -device=vta ..." target strings.
bool isVtaTarget(const std::string &target);

// The VTA target for `target` ("vta" or 'ext_dev -device=vta [-model=M]'; M is a VTA
// configuration such as pynq_1x16_i8w8a32_15_15_18_17, Pynq-Z1's when absent) with the
// host CPU `targetHost` ('llvm -mtriple=armv7a-linux-gnueabihf' when empty; mcpu and
// mattr refine it). Throws rqc::Error for an unknown option, configuration or host.
std::unique_ptr<Target> createVtaTarget(const std::string &target, const std::string &targetHost,
                                        const std::string &mcpu, const std::string &mattr);

} // namespace rqc::vta
