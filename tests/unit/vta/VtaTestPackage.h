// A package of two VTA convolution kernels (docs/package-format.md, device "vta"), built
// at test time, and the plain integer convolution that checks it. Shared by the VTA tests
// and by vta_make_package, which writes it for the command-line and qemu tests.
#pragma once

#include "rqc/vta/Conv2dPacked.h"

#include "StreamBuilder.h"
#include "TestPackage.h"

#include <string>
#include <vector>

namespace rqc::vta::test {

// out = clip((conv(x, w) + bias) >> shift, relu ? 0 : -128, 127) on NCHW data and OIHW
// weights, written plainly (no packing, no tiling); `shifts` (one per output channel)
// replaces e.shift when given.
std::vector<int8_t> referenceConv(const Conv2dShape &s, const std::vector<int8_t> &x, const std::vector<int8_t> &w,
                                  const std::vector<int32_t> &bias, const Conv2dEpilogue &e,
                                  const std::vector<int32_t> &shifts = {});

struct VtaLayer {
  Conv2dShape shape;
  Conv2dTiling tiling;
  Conv2dEpilogue epilogue;
  std::vector<int8_t> w;
  std::vector<int32_t> bias;
};

// Two convolutions, 32 -> 32 -> 48 channels on 10x10, as two VTA kernels of one package
// (target kind "vta", no kernels.so): input "x" [1, 2, 10, 10, 1, 16] int8 (NCHW1n16c) ->
// intermediate -> output "y" [1, 3, 10, 10, 1, 16] int8.
struct TwoLayerPackage {
  rqc::test::PackageBuilder builder;
  std::vector<VtaLayer> layers;
  std::vector<int64_t> inShape;
};
// `triple`: the host part's target triple (default: this process's).
TwoLayerPackage twoLayerPackage(const std::string &triple = "");
// The expected NCHW output for NCHW input `x` ([1, 32, 10, 10]).
std::vector<int8_t> twoLayerReference(const TwoLayerPackage &p, const std::vector<int8_t> &x);

} // namespace rqc::vta::test
