// Binary encoding of VTA instructions (128 bits) and micro-ops (32 bits) for a given
// VtaConfig. The layout follows the C bit-field rules of VTA's hw_spec.h: fields are
// packed from bit 0 upward and a field that would straddle a 64-bit (32-bit for the
// micro-op) boundary starts at the next one, leaving reserved gaps that must be zero.
//
// Encoding range-checks every field and throws FieldRangeError naming the instruction,
// the field, its value and its range. Decoding throws DecodeError on an unknown opcode,
// an undefined memory type / ALU opcode, or non-zero reserved bits, so that every word
// that decodes re-encodes to the same bits.
#pragma once

#include "rqc/runtime/Error.h"
#include "rqc/vta/Config.h"
#include "rqc/vta/Instruction.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::vta {

// One 128-bit instruction word: lo = bits 0-63, hi = bits 64-127. In memory it is the
// two 64-bit words, each little-endian, lo first.
struct InsnWord {
  uint64_t lo = 0;
  uint64_t hi = 0;
};
inline bool operator==(const InsnWord &a, const InsnWord &b) { return a.lo == b.lo && a.hi == b.hi; }
inline bool operator!=(const InsnWord &a, const InsnWord &b) { return !(a == b); }

constexpr unsigned kInsnBytes = 16;
constexpr unsigned kUopBytes = 4;

// A field of an instruction or micro-op format: its ISA name, bit position, width and the
// range of values it accepts (narrower than the bit width for the enumerations).
struct BitField {
  std::string name;
  unsigned offset = 0;
  unsigned width = 0;
  bool isSigned = false;
  int64_t minValue = 0;
  int64_t maxValue = 0;
};

// The ordered fields of one format. For instructions, field 0 is the opcode and
// fields 1-4 are pop_prev_dep, pop_next_dep, push_prev_dep, push_next_dep.
struct Format {
  std::string name; // "LOAD/STORE", "GEMM", "ALU", "FINISH", "UOP"
  std::vector<BitField> fields;
  const BitField *find(const std::string &fieldName) const;
};

class FieldRangeError : public Error {
public:
  FieldRangeError(const std::string &format, const BitField &field, int64_t value);
  std::string field;
  int64_t value;
};

class DecodeError : public Error {
public:
  using Error::Error;
};

class Isa {
public:
  // Throws rqc::Error if the configuration cannot be encoded (fields beyond 128 bits or
  // a micro-op beyond 32 bits).
  explicit Isa(const VtaConfig &config);

  const VtaConfig &config() const { return config_; }

  InsnWord encode(const Instruction &insn) const;
  Instruction decode(const InsnWord &word) const;
  uint32_t encodeUop(const Uop &uop) const;
  Uop decodeUop(uint32_t word) const;

  // The field layout of an opcode (LOAD and STORE share one) and of the micro-op.
  const Format &format(Opcode op) const;
  const Format &uopFormat() const { return uop_; }

  // Field-level access, used by the text format: the values of every field of the
  // instruction's format in field order, and the inverse (range-checked).
  std::vector<int64_t> fieldValues(const Instruction &insn) const;
  Instruction fromFieldValues(Opcode op, const std::vector<int64_t> &values) const;

private:
  VtaConfig config_;
  Format mem_, gemm_, alu_, finish_, uop_;
};

// Byte (de)serialisation of instruction and micro-op arrays as they sit in DRAM.
std::vector<uint8_t> toBytes(const std::vector<InsnWord> &words);
std::vector<InsnWord> insnWordsFromBytes(const uint8_t *bytes, size_t count);
void storeUop(uint8_t *dst, uint32_t word);
uint32_t loadUop(const uint8_t *src);

} // namespace rqc::vta
