// `rqc agent` and `rqc farm status` (runtime/farm/Farm.h), shared by the full rqc and the
// runtime-only rqc that runs on boards.
#pragma once

namespace CLI {
class App;
}

namespace rqc::farm {

void registerAgentCommand(CLI::App &app);
void registerFarmCommand(CLI::App &app);

} // namespace rqc::farm
