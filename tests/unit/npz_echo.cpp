// rqc_npz_echo IN.npz OUT.npz: reads IN with rqc's .npz reader, prints every array as
//   name dtype [shape] v0 v1 ...
// (floats with 9 significant digits, enough to tell float32 values apart) and writes the
// arrays to OUT with rqc's writer. npz_numpy_test.py checks both against numpy.
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <cstdio>
#include <iostream>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: rqc_npz_echo IN.npz OUT.npz\n";
    return 2;
  }
  try {
    rqc::NamedTensors arrays = rqc::loadNpz(argv[1]);
    for (const auto &[name, t] : arrays) {
      std::printf("%s %s [%s]", name.c_str(), rqc::dtypeName(t.dtype()), rqc::shapeToString(t.shape()).c_str());
      for (int64_t i = 0; i < t.numel(); ++i) {
        switch (t.dtype()) {
        case rqc::DType::F32: std::printf(" %.9g", double(t.data<float>()[i])); break;
        case rqc::DType::I8: std::printf(" %d", int(t.data<int8_t>()[i])); break;
        case rqc::DType::U8: std::printf(" %d", int(t.data<uint8_t>()[i])); break;
        case rqc::DType::I32: std::printf(" %d", int(t.data<int32_t>()[i])); break;
        case rqc::DType::I64: std::printf(" %lld", static_cast<long long>(t.data<int64_t>()[i])); break;
        }
      }
      std::printf("\n");
    }
    rqc::saveNpz(argv[2], arrays);
  } catch (const rqc::Error &e) {
    std::cerr << "rqc_npz_echo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
