// Per-instruction rules a stream must follow to run on the Pynq VTA design, checked
// before anything executes (rules that depend on micro-op contents or on the order of
// execution are checked by the dependence analysis and the executor):
//   - dependency flags the instruction's module has (a load cannot pop_prev, ...);
//   - memory types and operations the Pynq design has (no LOAD OUT / ACC_8BIT, no ALU
//     MUL, STORE only from OUT, no padding on WGT/UOP loads or stores, UOP loads flat);
//   - SHR immediates within the 5-bit signed range the hardware uses;
//   - LOAD/STORE SRAM ranges within the buffer, DRAM ranges within the image;
//   - micro-op ranges within the micro-op buffer;
//   - exactly one FINISH, last, popping nothing.
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/StreamError.h"

#include <vector>

namespace rqc::vta {

// The SHR shift amount range the Pynq ALU honours (low 5 bits, signed).
constexpr int32_t kMinShift = -16;
constexpr int32_t kMaxShift = 15;

// Throws StreamError for the first violation, naming the instruction index.
void checkStatic(const VtaConfig &config, const std::vector<Instruction> &program, uint64_t dramBytes);

} // namespace rqc::vta
