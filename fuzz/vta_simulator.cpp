// libFuzzer target: a VTA DRAM image with an instruction stream -> the decoder, the
// disassembler and the simulator with its static checker, as `rqc vta disasm` and
// `rqc vta sim` run them. Input: 4 bytes little-endian instruction byte offset, 4 bytes
// instruction count, then the DRAM image (data, micro-ops and instructions). Expected: a
// report or one rqc::Error (DecodeError, StreamError).
//
// The simulator runs as many micro-ops as the stream asks for (a valid stream may ask for
// billions), so the harness bounds the work: a stream whose loop nests and DMAs would move
// more than kWorkBudget bytes or lanes is not simulated (it is still decoded and
// disassembled). That keeps every input to well under a second.
#include "FuzzSupport.h"

#include "rqc/vta/Assembler.h"
#include "rqc/vta/Simulator.h"

#include <cstring>
#include <type_traits>
#include <vector>

namespace {

using namespace rqc::vta;

constexpr uint64_t kWorkBudget = uint64_t(1) << 24;

uint32_t readLe32(const uint8_t *p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

// Lanes and bytes the simulator would touch; saturates instead of overflowing.
uint64_t workOf(const VtaConfig &c, const std::vector<Instruction> &program) {
  uint64_t total = 0;
  auto add = [&](uint64_t a, uint64_t b, uint64_t d, uint64_t e) {
    long double w = (long double)a * b * d * e;
    total = w > (long double)kWorkBudget ? kWorkBudget + 1 : total + uint64_t(w);
  };
  for (const Instruction &insn : program) {
    std::visit(
        [&](const auto &i) {
          using T = std::decay_t<decltype(i)>;
          if constexpr (std::is_same_v<T, GemmInsn>) {
            uint64_t uops = i.uopEnd > i.uopBgn ? i.uopEnd - i.uopBgn : 0;
            add(i.iterOut, i.iterIn, uops, uint64_t(c.batch()) * c.blockIn() * c.blockOut());
          } else if constexpr (std::is_same_v<T, AluInsn>) {
            uint64_t uops = i.uopEnd > i.uopBgn ? i.uopEnd - i.uopBgn : 0;
            add(i.iterOut, i.iterIn, uops, uint64_t(c.batch()) * c.blockOut());
          } else if constexpr (std::is_same_v<T, MemInsn>) {
            // The widest element (WGT) bounds every buffer's.
            add(uint64_t(i.ySize) + i.yPad0 + i.yPad1, uint64_t(i.xSize) + i.xPad0 + i.xPad1, c.wgtElemBytes(), 1);
          }
        },
        insn);
    if (total > kWorkBudget) break;
  }
  return total;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8) return 0;
  const uint64_t insnOffset = readLe32(data), insnCount = readLe32(data + 4);
  std::vector<uint8_t> image(data + 8, data + size);
  return rqc::fuzz::runExpectingRqcErrors([&] {
    static const Simulator simulator(VtaConfig::pynq());
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
    std::vector<Instruction> program = simulator.readProgram(dram, insnOffset, insnCount);
    if (workOf(simulator.isa().config(), program) > kWorkBudget) return;
    SimulationReport report = simulator.run(dram, insnOffset, insnCount);
    (void)report.toText();
  });
}
