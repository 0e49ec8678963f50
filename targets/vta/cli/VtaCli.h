// `rqc vta ...`: the VTA tools on the command line.
//   rqc vta disasm FILE [--offset BYTES] [--count N] [--uops] [--config CFG]
//   rqc vta asm FILE -o OUT [--config CFG]
//   rqc vta sim --dram IMAGE --insn-offset BYTES --insn-count N [--out IMAGE] [--json] [--config CFG]
// User errors are thrown as rqc::Error with a one-line message.
#pragma once

namespace CLI {
class App;
}

namespace rqc::vta {
void registerCommands(CLI::App &app);
} // namespace rqc::vta
