// vta_make_images DIR: writes the DRAM images the command-line tests run `rqc vta sim`
// on, so no binary fixture is committed. For each case NAME:
//   NAME.img           the DRAM image (data, micro-ops, instructions)
//   NAME.args          "<insn-offset> <insn-count>"
//   NAME.expected.img  the image after a correct run (valid cases only)
#include "TestStreams.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

void write(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

void writeCase(const std::string &dir, const std::string &name, Image &img, const BuiltStream &s, bool valid) {
  uint64_t insn = img.putProgram(s.program);
  write(dir + "/" + name + ".img", img.bytes);
  std::ofstream(dir + "/" + name + ".args") << insn << " " << s.program.size() << "\n";
  if (valid) {
    std::vector<uint8_t> expected = img.bytes;
    std::copy(s.expected.begin(), s.expected.end(), reinterpret_cast<int8_t *>(expected.data() + s.outOffset));
    write(dir + "/" + name + ".expected.img", expected);
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: vta_make_images DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  try {
    std::filesystem::create_directories(dir);
    {
      Image img(VtaConfig::pynq(), 64 << 10);
      writeCase(dir, "gemm_tile", img, buildGemmTile(img, 11), true);
    }
    {
      Image img(VtaConfig::pynq(), 64 << 10);
      BuiltStream s = buildGemmTile(img, 11);
      depsOf(s.program[1]).pushNext = false; // compute waits for a token nobody pushes
      writeCase(dir, "deadlock", img, s, false);
    }
    {
      Image img(VtaConfig::pynq(), 64 << 10);
      BuiltStream s = buildGemmTile(img, 11);
      s.program.pop_back();
      writeCase(dir, "missing_finish", img, s, false);
    }
  } catch (const std::exception &e) {
    std::cerr << "vta_make_images: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
