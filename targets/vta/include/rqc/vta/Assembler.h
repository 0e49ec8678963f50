// The textual form of VTA instruction streams: one instruction per line,
//
//   <index>: <OPCODE> [<MEMORY_TYPE> | <ALU_OPCODE>] deps=<flags> <field>=<value> ...  # lo=.. hi=..
//
// e.g.  3: GEMM deps=pop_prev reset_reg=0 uop_bgn=0 uop_end=1 iter_out=16 ...
//
// Field names are the ISA's (hw_spec.h) names. `deps` lists the set dependency flags
// (pop_prev, pop_next, push_prev, push_next) separated by commas, or `-`. The leading
// `<index>:` label and everything after `#` are ignored by the parser. Omitted fields
// are zero; unknown or repeated fields are errors. Numbers are decimal or 0x-hex.
// disassemble() prints every field, so disassemble -> assemble is the identity.
#pragma once

#include "rqc/vta/Isa.h"

#include <string>
#include <vector>

namespace rqc::vta {

// One instruction, without index or comment.
std::string formatInstruction(const Isa &isa, const Instruction &insn);
// "UOP dst_idx=.. src_idx=.. wgt_idx=.."
std::string formatUop(const Uop &uop);

// A listing of a binary stream: a header comment, then one labelled line per
// instruction with its raw words as a trailing comment. Throws DecodeError naming the
// instruction index if a word does not decode.
std::string disassemble(const Isa &isa, const std::vector<InsnWord> &words, size_t firstIndex = 0);
// A listing of micro-ops (one per line, labelled with their index).
std::string disassembleUops(const Isa &isa, const std::vector<uint32_t> &uops, size_t firstIndex = 0);

// Parses the text form; errors are rqc::Error "<sourceName>:<line>: <what>".
std::vector<Instruction> parseAssembly(const Isa &isa, const std::string &text,
                                       const std::string &sourceName = "<input>");
std::vector<InsnWord> assemble(const Isa &isa, const std::string &text, const std::string &sourceName = "<input>");

} // namespace rqc::vta
