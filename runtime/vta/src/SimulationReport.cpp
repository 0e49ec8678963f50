#include "rqc/vta/Simulator.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace rqc::vta {
namespace {

nlohmann::json moduleJson(const ModuleReport &m) {
  return {{"instructions", m.instructions},
          {"busy_cycles", m.busyCycles},
          {"stalled_cycles", m.stalledCycles},
          {"idle_cycles", m.idleCycles}};
}

std::string percent(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%", whole ? 100.0 * double(part) / double(whole) : 0.0);
  return buf;
}

} // namespace

nlohmann::json SimulationReport::toJson() const {
  const ExecutionCounters &c = counters;
  return {
      {"model", model},
      {"clock_mhz", clockMHz},
      {"instructions", instructions},
      {"total_cycles", totalCycles},
      {"time_us", microseconds()},
      {"modules", {{"load", moduleJson(load)}, {"compute", moduleJson(compute)}, {"store", moduleJson(store)}}},
      {"fetch", {{"busy_cycles", fetchBusyCycles}, {"blocked_cycles", fetchBlockedCycles}}},
      {"gemm",
       {{"uops", c.gemmUops},
        {"reset_uops", c.gemmResetUops},
        {"utilization", gemmUtilization},
        {"gops", achievedGops},
        {"peak_gops", peakGops}}},
      {"alu", {{"uops", c.aluUops}}},
      {"dma",
       {{"inp_load_bytes", c.inpLoadBytes},
        {"wgt_load_bytes", c.wgtLoadBytes},
        {"acc_load_bytes", c.accLoadBytes},
        {"uop_load_bytes", c.uopLoadBytes},
        {"out_store_bytes", c.outStoreBytes}}},
      {"opcodes",
       {{"LOAD", c.instructions[0]},
        {"STORE", c.instructions[1]},
        {"GEMM", c.instructions[2]},
        {"FINISH", c.instructions[3]},
        {"ALU", c.instructions[4]}}},
  };
}

std::string SimulationReport::toText() const {
  std::ostringstream s;
  char line[160];
  s << "VTA " << model << " at " << clockMHz << " MHz: " << instructions << " instructions\n";
  std::snprintf(line, sizeof line, "total cycles  %llu (%.2f us)\n", (unsigned long long)totalCycles,
                microseconds());
  s << line;
  s << "module   insns      busy            stalled         idle\n";
  auto row = [&](const char *name, const ModuleReport &m) {
    std::snprintf(line, sizeof line, "%-8s %6llu  %9llu %s %9llu %s %9llu %s\n", name,
                  (unsigned long long)m.instructions, (unsigned long long)m.busyCycles,
                  percent(m.busyCycles, totalCycles).c_str(), (unsigned long long)m.stalledCycles,
                  percent(m.stalledCycles, totalCycles).c_str(), (unsigned long long)m.idleCycles,
                  percent(m.idleCycles, totalCycles).c_str());
    s << line;
  };
  row("load", load);
  row("compute", compute);
  row("store", store);
  std::snprintf(line, sizeof line, "fetch    busy %llu, blocked on full queues %llu\n",
                (unsigned long long)fetchBusyCycles, (unsigned long long)fetchBlockedCycles);
  s << line;
  std::snprintf(line, sizeof line, "GEMM     %llu uops (+%llu reset), utilization %.1f%%, %.2f of %.1f GOPS\n",
                (unsigned long long)counters.gemmUops, (unsigned long long)counters.gemmResetUops,
                100.0 * gemmUtilization, achievedGops, peakGops);
  s << line;
  std::snprintf(line, sizeof line, "ALU      %llu uops\n", (unsigned long long)counters.aluUops);
  s << line;
  std::snprintf(line, sizeof line, "DMA      load inp %llu B, wgt %llu B, acc %llu B, uop %llu B; store out %llu B\n",
                (unsigned long long)counters.inpLoadBytes, (unsigned long long)counters.wgtLoadBytes,
                (unsigned long long)counters.accLoadBytes, (unsigned long long)counters.uopLoadBytes,
                (unsigned long long)counters.outStoreBytes);
  s << line;
  return s.str();
}

} // namespace rqc::vta
