// rqc_make_test_package OUT.rqc [INPUTS.npz]: writes the chain test package
// (TestPackage.h) and, if asked, inputs for it, for the command-line and install tests.
#include "TestPackage.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <iostream>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: rqc_make_test_package OUT.rqc [INPUTS.npz]\n";
    return 2;
  }
  try {
    rqc::writePackage(argv[1], rqc::test::chainPackage().members());
    if (argc == 3) {
      rqc::Tensor x(rqc::DType::F32, {1, 16});
      for (int i = 0; i < 16; ++i) x.data<float>()[i] = static_cast<float>(i % 7) - 3.f;
      rqc::saveNpz(argv[2], {{"x", x}});
    }
  } catch (const std::exception &e) {
    std::cerr << "rqc_make_test_package: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
