// libFuzzer target: .npz input files -> loadNpz (runtime/src/Npy.cpp), as `rqc run
// --inputs` and `rqc bench` read them. A .npz is a zip whose members are checked by CRC,
// so a mutated .npy member rarely gets past libzip; inputs starting with the .npy magic
// therefore go straight to parseNpy, the function loadNpz calls on every member.
#include "FuzzSupport.h"

#include "rqc/runtime/Npy.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return rqc::fuzz::runExpectingRqcErrors([&] {
    if (size >= 6 && std::memcmp(data, "\x93NUMPY", 6) == 0) {
      (void)rqc::parseNpy(std::string(reinterpret_cast<const char *>(data), size), "fuzz.npy");
      return;
    }
    (void)rqc::loadNpz(rqc::fuzz::writeInputFile(data, size, "inputs.npz"));
  });
}
