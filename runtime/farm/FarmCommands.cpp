#include "runtime/farm/FarmCommands.h"

#include "runtime/farm/Farm.h"

#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <sstream>

namespace rqc::farm {

void registerAgentCommand(CLI::App &app) {
  auto o = std::make_shared<AgentOptions>();
  auto launcher = std::make_shared<std::string>();
  CLI::App *cmd = app.add_subcommand(
      "agent", "Measure a farm's jobs for this board: pull them from a Redis broker (no inbound port)");
  cmd->add_option("--broker", o->broker, "The broker, redis://HOST[:PORT]")->required();
  cmd->add_option("--key", o->key, "Device key whose jobs this board measures (rk3399, pynq, ...)")->required();
  cmd->add_option("--name", o->name, "This agent's name on the broker (default: HOSTNAME-PID)");
  cmd->add_option("--store", o->store, "Package cache (default: $RQC_CACHE_DIR/agent-store or ~/.cache/rqc/agent-store)");
  cmd->add_option("--claim-after", o->claimAfterS,
                  "Take over a job another agent has held this many seconds (it is presumed dead); keep it above "
                  "the longest job")
      ->default_val(o->claimAfterS);
  cmd->add_option("--max-job-seconds", o->maxJobSeconds, "Longest a job may run before its child is killed")
      ->default_val(o->maxJobSeconds);
  cmd->add_option("--launcher", *launcher, "Command put before each job, as for rqc rpc-server");
  cmd->add_option("--max-jobs", o->maxJobs, "Stop after this many jobs (0: run until SIGTERM)")->default_val(0);
  cmd->callback([o, launcher] {
    std::istringstream words(*launcher);
    for (std::string w; words >> w;) o->launcher.push_back(w);
    runAgent(*o);
  });
}

void registerFarmCommand(CLI::App &app) {
  CLI::App *farm = app.add_subcommand("farm", "A farm of boards behind a Redis broker");
  farm->require_subcommand(1);
  struct StatusOptions {
    std::string broker, key;
    bool json = false;
  };
  auto o = std::make_shared<StatusOptions>();
  CLI::App *status = farm->add_subcommand("status", "Agents, queue depths and recent failures per device key");
  status->add_option("--broker", o->broker, "The broker, redis://HOST[:PORT]")->required();
  status->add_option("--key", o->key, "Only this device key (default: every key on the broker)");
  status->add_flag("--json", o->json, "Print one JSON document");
  status->callback([o] { std::cout << farmStatus(o->broker, o->key, o->json); });
}

} // namespace rqc::farm
