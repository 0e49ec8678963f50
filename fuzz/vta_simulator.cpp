// libFuzzer target: a VTA DRAM image with an instruction stream -> the decoder, the
// disassembler and the simulator with its static checker, as `rqc vta disasm` and
// `rqc vta sim` run them. Input: 4 bytes little-endian instruction byte offset, 4 bytes
// instruction count, then the DRAM image (data, micro-ops and instructions). Expected: a
// report or one rqc::Error (DecodeError, StreamError).
//
// The simulator refuses a stream whose work (streamWork: lanes and bytes its loop nests and
// DMAs touch) is over its limit, with a StreamError; the harness lowers the limit to 2^24.
#include "FuzzSupport.h"

#include "rqc/vta/Assembler.h"
#include "rqc/vta/Simulator.h"

#include <cstring>
#include <vector>

namespace {

using namespace rqc::vta;

// The simulator's own work limit (Simulator::setWorkLimit), lowered so that every input
// runs in well under a second.
constexpr uint64_t kWorkBudget = uint64_t(1) << 24;

uint32_t readLe32(const uint8_t *p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) return 0;
  const uint64_t insnOffset = readLe32(data), insnCount = readLe32(data + 4);
  std::vector<uint8_t> image(data + 8, data + size);
  return rqc::fuzz::runExpectingRqcErrors([&] {
    static const Simulator simulator = [] {
      Simulator s(VtaConfig::pynq());
      s.setWorkLimit(kWorkBudget);
      return s;
    }();
    DramView dram(image);
    // The disassembler over whatever whole instructions the image holds from the offset.
    if (insnOffset <= image.size() && insnOffset % kInsnBytes == 0) {
      size_t available = size_t((image.size() - insnOffset) / kInsnBytes);
      std::vector<InsnWord> words = insnWordsFromBytes(image.data() + insnOffset, std::min<size_t>(available, 4096));
      try {
        (void)disassemble(simulator.isa(), words);
      } catch (const DecodeError &) {
      }
    }
    SimulationReport report = simulator.run(dram, insnOffset, insnCount);
    (void)report.toText();
  });
}
