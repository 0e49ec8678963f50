#include "rqc/vta/Assembler.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

namespace rqc::vta {
namespace {

// Fields 1-4 of every instruction format are the dependency flags.
constexpr size_t kFirstDepField = 1;
constexpr size_t kFirstBodyField = 5;
const char *const kDepNames[4] = {"pop_prev", "pop_next", "push_prev", "push_next"};

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The fields printed positionally (after the mnemonic) instead of as key=value.
bool isPositional(const std::string &name) { return name == "memory_type" || name == "alu_opcode"; }

std::vector<std::string> tokenize(const std::string &line) {
  std::vector<std::string> tokens;
  std::istringstream in(line);
  std::string t;
  while (in >> t)
    tokens.push_back(t);
  return tokens;
}

bool parseNumber(const std::string &text, int64_t &out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+'))
    negative = text[i++] == '-';
  int base = 10;
  if (i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  if (i >= text.size())
    return false;
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    int digit;
    char c = char(std::tolower(static_cast<unsigned char>(text[i])));
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return false;
    if (value > (uint64_t(1) << 62) / uint64_t(base))
      return false; // far beyond any field
    value = value * uint64_t(base) + uint64_t(digit);
  }
  out = negative ? -int64_t(value) : int64_t(value);
  return true;
}

} // namespace

std::string formatInstruction(const Isa &isa, const Instruction &insn) {
  const Opcode op = opcodeOf(insn);
  const Format &format = isa.format(op);
  const std::vector<int64_t> values = isa.fieldValues(insn);
  std::string line = opcodeName(op);
  if (auto *m = std::get_if<MemInsn>(&insn))
    line += std::string(" ") + memoryTypeName(m->memoryType);
  if (auto *a = std::get_if<AluInsn>(&insn))
    line += std::string(" ") + aluOpcodeName(a->aluOpcode);

  std::string deps;
  for (size_t i = 0; i < 4; ++i)
    if (values[kFirstDepField + i])
      deps += (deps.empty() ? "" : ",") + std::string(kDepNames[i]);
  line += " deps=" + (deps.empty() ? std::string("-") : deps);

  for (size_t i = kFirstBodyField; i < format.fields.size(); ++i) {
    const BitField &f = format.fields[i];
    if (isPositional(f.name))
      continue;
    line += " " + f.name + "=" + (f.name == "dram_base" ? hex(uint64_t(values[i])) : std::to_string(values[i]));
  }
  return line;
}

std::string formatUop(const Uop &uop) {
  return "UOP dst_idx=" + std::to_string(uop.dstIdx) + " src_idx=" + std::to_string(uop.srcIdx) +
         " wgt_idx=" + std::to_string(uop.wgtIdx);
}

std::string disassemble(const Isa &isa, const std::vector<InsnWord> &words, size_t firstIndex) {
  std::ostringstream out;
  out << "# VTA instruction stream: " << words.size() << " instruction" << (words.size() == 1 ? "" : "s")
      << ", config " << isa.config().modelString() << "\n";
  for (size_t i = 0; i < words.size(); ++i) {
    size_t index = firstIndex + i;
    Instruction insn;
    try {
      insn = isa.decode(words[i]);
    } catch (const DecodeError &e) {
      throw DecodeError("instruction " + std::to_string(index) + " (lo=" + hex16(words[i].lo) +
                        " hi=" + hex16(words[i].hi) + "): " + e.what());
    }
    out << index << ": " << formatInstruction(isa, insn) << "  # lo=" << hex16(words[i].lo)
        << " hi=" << hex16(words[i].hi) << "\n";
  }
  return out.str();
}

std::string disassembleUops(const Isa &isa, const std::vector<uint32_t> &uops, size_t firstIndex) {
  std::ostringstream out;
  out << "# VTA micro-ops: " << uops.size() << ", config " << isa.config().modelString() << "\n";
  char raw[16];
  for (size_t i = 0; i < uops.size(); ++i) {
    std::snprintf(raw, sizeof raw, "0x%08x", uops[i]);
    out << firstIndex + i << ": " << formatUop(isa.decodeUop(uops[i])) << "  # " << raw << "\n";
  }
  return out.str();
}

std::vector<Instruction> parseAssembly(const Isa &isa, const std::string &text, const std::string &sourceName) {
  std::vector<Instruction> program;
  std::istringstream in(text);
  std::string line;
  size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    auto fail = [&](const std::string &what) {
      throw Error(sourceName + ":" + std::to_string(lineNo) + ": " + what);
    };
    if (size_t hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    std::vector<std::string> tokens = tokenize(line);
    size_t t = 0;
    // An optional "<index>:" label.
    if (t < tokens.size() && tokens[t].size() > 1 && tokens[t].back() == ':') {
      int64_t ignored;
      if (!parseNumber(tokens[t].substr(0, tokens[t].size() - 1), ignored))
        fail("malformed label '" + tokens[t] + "'");
      ++t;
    }
    if (t >= tokens.size())
      continue;

    std::optional<Opcode> op = opcodeFromName(tokens[t]);
    if (!op)
      fail("unknown instruction '" + tokens[t] + "' (expected LOAD, STORE, GEMM, ALU or FINISH)");
    ++t;
    const Format &format = isa.format(*op);
    std::vector<int64_t> values(format.fields.size(), 0);
    std::vector<bool> seen(format.fields.size(), false);
    values[0] = int64_t(*op);

    // The positional operand: a memory type or an ALU opcode.
    for (size_t i = kFirstBodyField; i < format.fields.size(); ++i) {
      if (!isPositional(format.fields[i].name))
        continue;
      bool isMem = format.fields[i].name == "memory_type";
      if (t >= tokens.size() || tokens[t].find('=') != std::string::npos)
        fail(std::string(opcodeName(*op)) + " needs " +
             (isMem ? "a memory type (UOP, WGT, INP, ACC, OUT, ACC_8BIT)" : "an ALU opcode (MIN, MAX, ADD, SHR, MUL)"));
      if (isMem) {
        std::optional<MemoryType> m = memoryTypeFromName(tokens[t]);
        if (!m)
          fail("unknown memory type '" + tokens[t] + "' (expected UOP, WGT, INP, ACC, OUT or ACC_8BIT)");
        values[i] = int64_t(*m);
      } else {
        std::optional<AluOpcode> a = aluOpcodeFromName(tokens[t]);
        if (!a)
          fail("unknown ALU opcode '" + tokens[t] + "' (expected MIN, MAX, ADD, SHR or MUL)");
        values[i] = int64_t(*a);
      }
      seen[i] = true;
      ++t;
    }

    bool depsSeen = false;
    for (; t < tokens.size(); ++t) {
      size_t eq = tokens[t].find('=');
      if (eq == std::string::npos || eq == 0)
        fail("expected <field>=<value>, got '" + tokens[t] + "'");
      std::string key = tokens[t].substr(0, eq), value = tokens[t].substr(eq + 1);
      if (key == "deps") {
        if (depsSeen)
          fail("field deps given twice");
        depsSeen = true;
        if (value == "-")
          continue;
        std::istringstream flags(value);
        std::string flag;
        while (std::getline(flags, flag, ',')) {
          size_t k = 0;
          while (k < 4 && flag != kDepNames[k])
            ++k;
          if (k == 4)
            fail("unknown dependency flag '" + flag + "' (expected pop_prev, pop_next, push_prev, push_next)");
          if (values[kFirstDepField + k])
            fail("dependency flag " + flag + " given twice");
          values[kFirstDepField + k] = 1;
        }
        continue;
      }
      size_t index = kFirstBodyField;
      while (index < format.fields.size() &&
             (format.fields[index].name != key || isPositional(format.fields[index].name)))
        ++index;
      if (index == format.fields.size()) {
        std::string known = "deps";
        for (size_t i = kFirstBodyField; i < format.fields.size(); ++i)
          if (!isPositional(format.fields[i].name))
            known += ", " + format.fields[i].name;
        fail("unknown field '" + key + "' for " + opcodeName(*op) + " (fields: " + known + ")");
      }
      if (seen[index])
        fail("field " + key + " given twice");
      seen[index] = true;
      if (!parseNumber(value, values[index]))
        fail("field " + key + ": '" + value + "' is not a number");
    }
    try {
      program.push_back(isa.fromFieldValues(*op, values));
    } catch (const Error &e) {
      fail(e.what());
    }
  }
  return program;
}

std::vector<InsnWord> assemble(const Isa &isa, const std::string &text, const std::string &sourceName) {
  std::vector<InsnWord> words;
  for (const Instruction &insn : parseAssembly(isa, text, sourceName))
    words.push_back(isa.encode(insn));
  return words;
}

} // namespace rqc::vta
