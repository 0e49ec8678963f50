// vta_make_package OUT.rqc INPUTS.npz EXPECTED.npz [TRIPLE]: writes the two-convolution VTA
// package (VtaTestPackage.h) for a host triple (default: this machine's), seeded inputs
// for it and the output the integer reference computes, for the command-line and qemu
// tests (tests/cross/vta_package.py).
#include "VtaTestPackage.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <cstring>
#include <iostream>

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    std::cerr << "usage: vta_make_package OUT.rqc INPUTS.npz EXPECTED.npz [TRIPLE]\n";
    return 2;
  }
  try {
    using namespace rqc::vta;
    const VtaConfig c = VtaConfig::pynq();
    test::TwoLayerPackage p = test::twoLayerPackage(argc == 5 ? argv[4] : "");
    rqc::writePackage(argv[1], p.builder.members());
    const std::vector<int8_t> x = test::randomInt8(32 * 100, 17);
    const std::vector<int8_t> packedX = packActivations(c, x, 1, 32, 10, 10);
    const std::vector<int8_t> packedY = packActivations(c, test::twoLayerReference(p, x), 1, 48, 10, 10);
    rqc::Tensor in(rqc::DType::I8, {1, 2, 10, 10, 1, 16}), out(rqc::DType::I8, {1, 3, 10, 10, 1, 16});
    std::memcpy(in.data<int8_t>(), packedX.data(), packedX.size());
    std::memcpy(out.data<int8_t>(), packedY.data(), packedY.size());
    rqc::saveNpz(argv[2], {{"x", in}});
    rqc::saveNpz(argv[3], {{"y", out}});
  } catch (const std::exception &e) {
    std::cerr << "vta_make_package: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
