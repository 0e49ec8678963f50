// `rqc vta ...`: the VTA tools on the command line.
//   rqc vta disasm FILE [--offset BYTES] [--count N] [--uops] [--config CFG]
//   rqc vta asm FILE -o OUT [--config CFG]
//   rqc vta sim --dram IMAGE --insn-offset BYTES --insn-count N [--out IMAGE] [--json] [--config CFG]
//   rqc vta conv2d --records LOG [--config MODEL] [--seed N] [--json]   (rqc only)
// User errors are thrown as rqc::Error with a one-line message.
#pragma once

namespace CLI {
class App;
}

namespace rqc::vta {
void registerCommands(CLI::App &app);
// `rqc vta conv2d --records LOG [--config MODEL] [--seed N] [--json]` under the `vta`
// command (targets/vta/cli/Conv2dCommand.cpp): every conv2d_packed.vta record of LOG
// emitted with its config and with rqc's fallback, simulated, checked bit-exact against
// an integer convolution and timed (cycle model, ms) next to the log's measured time.
// Throws rqc::Error when a stream is not bit-exact or the log has no such record.
void registerConv2dCommand(CLI::App &vta);
} // namespace rqc::vta
