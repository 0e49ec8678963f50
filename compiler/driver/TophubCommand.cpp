// rqc tophub list|best|merge|diff: reading, selecting, merging and comparing tuning logs
// (AutoTVM's format, autotune/Records.h), and the shipped versioned logs (tophub/).
#include "compiler/driver/Commands.h"

#include "autotune/LogTools.h"
#include "autotune/Tophub.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/AtomicFile.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace rqc::driver {

namespace {

namespace fs = std::filesystem;
using autotune::TuningRecord;

// Reads logs, reporting skipped lines on stderr; returns every record.
std::vector<TuningRecord> readLogs(const std::vector<std::string> &paths) {
  std::vector<TuningRecord> all;
  for (const std::string &p : paths) {
    autotune::RecordLog log = autotune::readRecords(p);
    for (const auto &s : log.skipped) std::cerr << "rqc: warning: " << s.origin << ": " << s.reason << "; skipped\n";
    all.insert(all.end(), log.records.begin(), log.records.end());
  }
  return all;
}


void list(const std::vector<std::string> &paths) {
  std::vector<std::string> logs = paths;
  if (logs.empty()) {
    std::string dir = autotune::tophubDirectory();
    if (dir.empty()) throw Error("tophub is disabled (RQC_TOPHUB_LOCATION=NONE)");
    std::cout << "tophub: " << dir << "\n";
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".log") logs.push_back(e.path().string());
    std::sort(logs.begin(), logs.end());
  }
  for (const std::string &p : logs) {
    autotune::RecordLog log = autotune::readRecords(p);
    std::map<std::string, int> perTemplate;
    std::set<std::string> targets, workloads;
    int errors = 0;
    for (const TuningRecord &r : log.records) {
      ++perTemplate[r.task];
      targets.insert(r.target);
      workloads.insert(r.workloadKey());
      errors += r.errorNo != 0;
    }
    std::cout << fmt::format("{}: {} records ({} with errors), {} workloads, {} skipped lines\n", p, log.records.size(),
                             errors, workloads.size(), log.skipped.size());
    for (const auto &[t, n] : perTemplate) std::cout << fmt::format("  {:<40} {:>6}\n", t, n);
    for (const std::string &t : targets) std::cout << "  target: " << t << "\n";
  }
}

void writeOrPrint(const std::string &out, const std::vector<TuningRecord> &records, const std::vector<std::string> &header) {
  std::string text = autotune::formatLog(records, header);
  if (out.empty()) std::cout << text;
  else writeFileAtomically(out, text);
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

int diff(const std::string &before, const std::string &after, double threshold) {
  std::vector<autotune::CostChange> changes = autotune::diffLogs(readLogs({before}), readLogs({after}));
  int slower = 0;
  std::cout << fmt::format("{:>10} {:>10} {:>8}  {:<28} {}\n", "old ms", "new ms", "change", "template", "workload");
  for (const auto &c : changes) {
    std::string change = c.before > 0 && c.after > 0 ? fmt::format("{:+.1f}%", 100 * c.change()) : c.before > 0 ? "gone" : "new";
    // A workload the old log had and the new one lacks fails too (a shard that did not run).
    bool regressed = c.before > 0 && (c.after <= 0 || c.change() > threshold);
    slower += regressed;
    std::cout << fmt::format("{:>10} {:>10} {:>8}  {:<28} {}{}\n", c.before > 0 ? fmt::format("{:.4f}", c.before * 1e3) : "-",
                             c.after > 0 ? fmt::format("{:.4f}", c.after * 1e3) : "-", change, c.task, autotune::describeArgs(c.args),
                             regressed ? (c.after > 0 ? "  SLOWER" : "  GONE") : "");
  }
  if (slower) {
    std::cerr << fmt::format("rqc: error: {} workload(s) got more than {:g}% slower or are missing from {}\n", slower,
                             threshold * 100, after);
    return 1;
  }
  return 0;
}

struct TophubOptions {
  std::vector<std::string> logs, comments;
  std::string output, before, after;
  double threshold = 5;
};

} // namespace

void registerTophubCommand(CLI::App &app) {
  auto o = std::make_shared<TophubOptions>();
  CLI::App *cmd = app.add_subcommand("tophub", "Read, select, merge and compare tuning logs (AutoTVM log format)");
  cmd->require_subcommand(1);
  CLI::App *ls = cmd->add_subcommand("list", "Records, workloads, templates and targets of logs (default: the shipped tophub logs)");
  ls->add_option("logs", o->logs, "Tuning logs");
  ls->callback([o] { list(o->logs); });

  CLI::App *best = cmd->add_subcommand("best", "Keep the best record per target and workload (AutoTVM's pick)");
  best->add_option("log", o->logs, "Tuning log(s)")->required();
  best->add_option("-o,--output", o->output, "Write the result here (atomically) instead of to stdout");
  best->callback([o] {
    writeOrPrint(o->output, autotune::bestPerWorkload(readLogs(o->logs)), {"rqc tophub best of " + joined(o->logs)});
  });

  CLI::App *merge = cmd->add_subcommand(
      "merge", "Merge logs, keeping the best record per target, workload and layout (the graph tuner's choices)");
  merge->add_option("logs", o->logs, "Tuning logs")->required()->expected(1, -1);
  merge->add_option("-o,--output", o->output, "Write the merged log here (atomically) instead of to stdout");
  merge->add_option("--comment", o->comments, "A '#' line for the merged log's header, e.g. the device and command (repeatable)");
  merge->callback([o] {
    std::vector<std::string> header = o->comments;
    header.push_back("rqc tophub merge of " + joined(o->logs));
    writeOrPrint(o->output, autotune::bestPerWorkloadAndLayout(readLogs(o->logs)), header);
  });

  CLI::App *d = cmd->add_subcommand("diff", "Per-workload cost changes from OLD to NEW; exits 1 when one got slower than the threshold or is missing from NEW");
  d->add_option("old", o->before, "The earlier log")->required();
  d->add_option("new", o->after, "The later log")->required();
  d->add_option("--threshold", o->threshold, "Percent slower that counts as a regression")->default_val(5);
  d->callback([o] {
    if (int rc = diff(o->before, o->after, o->threshold / 100)) throw CLI::RuntimeError(rc);
  });
}

} // namespace rqc::driver
