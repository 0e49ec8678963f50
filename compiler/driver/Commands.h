// The rqc subcommands. Each registers its options on the CLI11 app and runs when
// selected; user errors are thrown as rqc::Error and reported by main().
#pragma once

namespace CLI {
class App;
}

namespace rqc::driver {
void registerCompileCommand(CLI::App &app);
void registerInspectCommand(CLI::App &app);
void registerRunCommand(CLI::App &app);
void registerBenchCommand(CLI::App &app);
void registerMeasureCommand(CLI::App &app);
void registerTophubCommand(CLI::App &app);
void registerTuneCommand(CLI::App &app);
void registerValidateCommand(CLI::App &app);
void registerQuantizeCommand(CLI::App &app);
void registerExperimentCommand(CLI::App &app);
} // namespace rqc::driver
