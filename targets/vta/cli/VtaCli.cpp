#include "targets/vta/cli/VtaCli.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"
#include "rqc/vta/Assembler.h"
#include "rqc/vta/Simulator.h"

#include <limits>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

namespace rqc::vta {
namespace {

const char *const kConfigHelp =
    "VTA configuration: a model string (default pynq_1x16_i8w8a32_15_15_18_17) or a vta_config.json file";

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot open " + path + ": " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string &path, const uint8_t *data, size_t size) {
  writeFileAtomically(path, std::string(reinterpret_cast<const char *>(data), size));
}

// CLI11 2.1 reads "-1" into an unsigned option as 2^64 - 1; refuse it with a clear word.
CLI::Validator nonNegative() {
  return CLI::Validator(
      [](std::string &value) {
        return value.find('-') != std::string::npos ? "must be a non-negative integer, not " + value
                                                    : std::string();
      },
      "", "non-negative");
}

VtaConfig configFrom(const std::string &spec) {
  return spec.empty() ? VtaConfig::pynq() : VtaConfig::fromSpec(spec);
}

struct DisasmOptions {
  std::string file, config;
  uint64_t offset = 0;
  uint64_t count = 0;
  bool countGiven = false; // else: to the end of the file
  bool uops = false;
};

void runDisasm(const DisasmOptions &o) {
  Isa isa(configFrom(o.config));
  std::vector<uint8_t> bytes = readFile(o.file);
  const uint64_t unit = o.uops ? kUopBytes : kInsnBytes;
  const char *what = o.uops ? "micro-op" : "instruction";
  if (o.offset > bytes.size())
    throw Error(o.file + ": offset " + std::to_string(o.offset) + " is beyond the file's " +
                std::to_string(bytes.size()) + " bytes");
  if (o.offset % unit != 0)
    throw Error(o.file + ": offset " + std::to_string(o.offset) + " is not a multiple of " + std::to_string(unit) +
                " bytes (one " + what + ")");
  uint64_t available = bytes.size() - o.offset;
  uint64_t count;
  if (o.countGiven) {
    count = o.count;
    if (count > available / unit)
      throw Error(o.file + ": " + std::to_string(count) + " " + what + "s at offset " + std::to_string(o.offset) +
                  " need " + std::to_string(count * unit) + " bytes, the file has " + std::to_string(available));
  } else {
    if (available % unit != 0)
      throw Error(o.file + ": " + std::to_string(available) + " bytes is not a whole number of " +
                  std::to_string(unit) + "-byte " + what + "s (use --count to read a part)");
    count = available / unit;
  }
  // Labels count from the start of the file, so they match --insn-offset arithmetic.
  size_t first = size_t(o.offset / unit);
  if (o.uops) {
    std::vector<uint32_t> uops(count);
    for (uint64_t i = 0; i < count; ++i)
      uops[i] = loadUop(bytes.data() + o.offset + i * unit);
    std::cout << disassembleUops(isa, uops, first);
    return;
  }
  std::vector<InsnWord> words = insnWordsFromBytes(bytes.data() + o.offset, size_t(count));
  try {
    std::cout << disassemble(isa, words, first);
  } catch (const DecodeError &e) {
    throw Error(o.file + ": " + e.what());
  }
}

struct AsmOptions {
  std::string file, output, config;
};

void runAsm(const AsmOptions &o) {
  Isa isa(configFrom(o.config));
  std::vector<uint8_t> text = readFile(o.file);
  std::vector<InsnWord> words = assemble(isa, std::string(text.begin(), text.end()), o.file);
  std::vector<uint8_t> bytes = toBytes(words);
  writeFile(o.output, bytes.data(), bytes.size());
}

struct SimOptions {
  std::string dram, out, config;
  uint64_t insnOffset = 0;
  uint64_t insnCount = 0;
  uint64_t maxWork = Simulator::kDefaultWorkLimit;
  bool json = false;
};

void runSim(const SimOptions &o) {
  Simulator simulator(configFrom(o.config));
  simulator.setWorkLimit(o.maxWork);
  std::vector<uint8_t> image = readFile(o.dram);
  SimulationReport report;
  try {
    report = simulator.run(DramView(image), o.insnOffset, o.insnCount);
  } catch (const Error &e) {
    throw Error(o.dram + ": " + e.what());
  }
  if (!o.out.empty())
    writeFile(o.out, image.data(), image.size());
  if (o.json)
    std::cout << report.toJson().dump(2) << "\n";
  else
    std::cout << report.toText();
}

} // namespace

void registerCommands(CLI::App &app) {
  CLI::App *vta = app.add_subcommand("vta", "VTA tools: disassembler, assembler, simulator (rqc: conv2d kernels)");
  vta->require_subcommand(1);

  auto disasm = std::make_shared<DisasmOptions>();
  CLI::App *d = vta->add_subcommand("disasm", "Print a binary VTA instruction stream as text, one instruction a line");
  d->add_option("FILE", disasm->file, "binary instruction stream (or any image, with --offset/--count)")
      ->required();
  d->add_option("--offset", disasm->offset, "byte offset of the first instruction")->check(nonNegative());
  CLI::Option *count =
      d->add_option("--count", disasm->count, "number of instructions (default: to the end of the file)")
          ->check(nonNegative());
  d->add_flag("--uops", disasm->uops, "print 32-bit micro-ops instead of instructions");
  d->add_option("--config", disasm->config, kConfigHelp);
  d->callback([disasm, count] {
    disasm->countGiven = count->count() > 0;
    runDisasm(*disasm);
  });

  auto as = std::make_shared<AsmOptions>();
  CLI::App *a = vta->add_subcommand("asm", "Assemble the text form (as printed by disasm) into a binary stream");
  a->add_option("FILE", as->file, "text instruction stream")->required();
  a->add_option("-o,--output", as->output, "binary output file")->required();
  a->add_option("--config", as->config, kConfigHelp);
  a->callback([as] { runAsm(*as); });

  auto sim = std::make_shared<SimOptions>();
  CLI::App *s = vta->add_subcommand("sim", "Run an instruction stream on the VTA simulator and report cycles");
  s->add_option("--dram", sim->dram, "DRAM image; a physical address is a byte offset into it")->required();
  s->add_option("--insn-offset", sim->insnOffset, "byte offset of the instruction stream in the image")
      ->required()
      ->check(nonNegative());
  s->add_option("--insn-count", sim->insnCount, "number of instructions")->required()->check(nonNegative());
  s->add_option("--out", sim->out, "write the DRAM image after the run here");
  s->add_option("--max-work", sim->maxWork,
                 "refuse, before running it, a stream whose GEMM/ALU lanes (multiply-adds, ALU lane operations) "
                 "plus LOAD/STORE bytes add up to more than this; at least 1 (default 68719476736 = 2^36, "
                 "about minutes of simulation)")
      ->check(CLI::Range(uint64_t(1), std::numeric_limits<uint64_t>::max()));
  s->add_flag("--json", sim->json, "print the report as JSON");
  s->add_option("--config", sim->config, kConfigHelp);
  s->callback([sim] { runSim(*sim); });
}

} // namespace rqc::vta
