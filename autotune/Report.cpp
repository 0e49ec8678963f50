#include "autotune/Report.h"

#include "autotune/LogTools.h"
#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <fmt/format.h>
#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

namespace fs = std::filesystem;

namespace rqc::autotune {

namespace {

std::vector<int64_t> tensorShape(const nlohmann::json &a) {
  if (!a.is_array() || a.size() != 3 || a[0] != "TENSOR" || !a[1].is_array()) return {};
  std::vector<int64_t> s;
  for (const auto &d : a[1])
    if (d.is_number_integer()) s.push_back(d.get<int64_t>());
  return s;
}

std::vector<int64_t> ints(const nlohmann::json &a) {
  std::vector<int64_t> v;
  if (a.is_array())
    for (const auto &d : a)
      if (d.is_number_integer()) v.push_back(d.get<int64_t>());
  return v;
}

std::string escapeHtml(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string configString(const nlohmann::json &entity) {
  std::string out;
  if (!entity.is_array()) return out;
  for (const auto &e : entity)
    if (e.is_array() && e.size() == 3) out += (out.empty() ? "" : " ") + e[0].get<std::string>() + "=" + e[2].dump();
  return out;
}

// Throughput (GFLOP/s) or, without MACs, time (ms) of a cost in seconds.
double metric(const TuningCurve &c, double seconds) {
  if (!std::isfinite(seconds)) return 0;
  return c.macs > 0 ? 2.0 * static_cast<double>(c.macs) / seconds / 1e9 : seconds * 1e3;
}

// One SVG: the curves of one task, a line per tuner.
void plotTask(const std::vector<const TuningCurve *> &curves, const std::string &title, const std::string &subtitle,
              const fs::path &path) {
  const bool gflops = curves.front()->macs > 0;
  size_t trials = 1;
  double top = 0, bottom = std::numeric_limits<double>::infinity();
  for (const TuningCurve *c : curves) {
    trials = std::max(trials, c->bestCost.size());
    for (double s : c->bestCost)
      if (std::isfinite(s)) top = std::max(top, metric(*c, s)), bottom = std::min(bottom, metric(*c, s));
  }
  if (top <= 0) top = 1;
  if (!std::isfinite(bottom)) bottom = 0;
  // Colours: 0 background, 1 axes and text, 2.. the tuners.
  static const int palette[][3] = {{255, 255, 255}, {0, 0, 0},     {31, 119, 180}, {255, 127, 14},
                                   {44, 160, 44},   {214, 39, 40}, {148, 103, 189}, {140, 86, 75}};
  const int colours = static_cast<int>(std::size(palette));
  plsstrm(0);
  plsdev("svg");
  plsfnam(path.string().c_str());
  plspage(0, 0, 900, 540, 0, 0);
  plscmap0n(colours);
  for (int i = 0; i < colours; ++i) plscol0(i, palette[i][0], palette[i][1], palette[i][2]);
  plinit();
  plcol0(1);
  double ymin = gflops ? 0 : bottom * 0.95, ymax = gflops ? top * 1.08 : top * 1.05;
  plenv(0, static_cast<double>(trials), ymin, ymax, 0, 0);
  pllab("trials", gflops ? "best GFLOP/s so far" : "best time so far (ms)", "");
  plschr(0, 0.8);
  plmtex("t", 2.2, 0.5, 0.5, title.c_str());
  plmtex("t", 0.8, 0.5, 0.5, subtitle.c_str());
  plschr(0, 1.0);
  std::vector<int> opts, lineColours, textColours, lineStyles;
  std::vector<double> widths;
  std::vector<std::string> labels;
  for (size_t k = 0; k < curves.size(); ++k) {
    const TuningCurve &c = *curves[k];
    std::vector<double> x, y;
    for (size_t i = 0; i < c.bestCost.size(); ++i)
      if (std::isfinite(c.bestCost[i])) x.push_back(static_cast<double>(i + 1)), y.push_back(metric(c, c.bestCost[i]));
    int colour = 2 + static_cast<int>(k % (colours - 2));
    plcol0(colour);
    plwidth(2);
    if (!x.empty()) plline(static_cast<int>(x.size()), x.data(), y.data());
    opts.push_back(PL_LEGEND_LINE);
    lineColours.push_back(colour);
    textColours.push_back(1);
    lineStyles.push_back(1);
    widths.push_back(2);
    labels.push_back(fmt::format("{} ({} trials)", c.tuner, c.bestCost.size()));
  }
  std::vector<const char *> text;
  for (const auto &l : labels) text.push_back(l.c_str());
  double legendW = 0, legendH = 0;
  plcol0(1);
  pllegend(&legendW, &legendH, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_INSIDE | PL_POSITION_BOTTOM | PL_POSITION_RIGHT, 0.02, 0.04, 0.08, 0, 1, 1, 0, 0,
           static_cast<int>(text.size()), opts.data(), 0.6, 0.8, 2.0, 0.0, textColours.data(), text.data(), nullptr,
           nullptr, nullptr, nullptr, lineColours.data(), lineStyles.data(), widths.data(), nullptr, nullptr,
           nullptr, nullptr);
  plend1();
  if (fs::file_size(path) == 0) throw Error("PLplot did not write " + path.string());
}

} // namespace

int64_t taskMacs(const std::string &task, const nlohmann::json &args) {
  if (!args.is_array() || args.size() < 2) return 0;
  std::vector<int64_t> data = tensorShape(args[0]), weight = tensorShape(args[1]);
  if (task.rfind("dense", 0) == 0 && data.size() == 2 && weight.size() == 2) return data[0] * weight[0] * data[1];
  bool conv = task.rfind("conv2d", 0) == 0 || task.rfind("depthwise_conv2d", 0) == 0;
  if (!conv || data.size() != 4 || weight.size() != 4 || args.size() < 5) return 0;
  std::vector<int64_t> strides = ints(args[2]), pads = ints(args[3]), dil = ints(args[4]);
  if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2 || strides[0] <= 0 || strides[1] <= 0) return 0;
  int64_t oh = (data[2] + pads[0] + pads[2] - dil[0] * (weight[2] - 1) - 1) / strides[0] + 1;
  int64_t ow = (data[3] + pads[1] + pads[3] - dil[1] * (weight[3] - 1) - 1) / strides[1] + 1;
  if (oh <= 0 || ow <= 0) return 0;
  return data[0] * weight[0] * oh * ow * weight[1] * weight[2] * weight[3];
}

size_t TuningCurve::trialsToReach(double cost) const {
  for (size_t i = 0; i < bestCost.size(); ++i)
    if (bestCost[i] <= cost) return i + 1;
  return 0;
}

std::vector<TuningCurve> tuningCurves(const std::vector<TuningRecord> &records, const std::vector<std::string> &sources) {
  std::vector<TuningCurve> curves;
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < records.size(); ++i) {
    const TuningRecord &r = records[i];
    std::string tuner = !r.tuner.empty() ? r.tuner : i < sources.size() ? sources[i] : "?";
    auto [it, fresh] = at.try_emplace(r.target + "\n" + r.workloadKey() + "\n" + tuner, curves.size());
    if (fresh) {
      TuningCurve c;
      c.target = r.target, c.task = r.task, c.tuner = tuner, c.args = r.args, c.macs = taskMacs(r.task, r.args);
      curves.push_back(std::move(c));
    }
    TuningCurve &c = curves[it->second];
    double best = c.bestCost.empty() ? std::numeric_limits<double>::infinity() : c.bestCost.back();
    if (r.errorNo != 0) ++c.errors;
    else if (r.meanCost() < best) best = r.meanCost(), c.bestConfig = configString(r.entity);
    c.bestCost.push_back(best);
  }
  return curves;
}

std::vector<TuningCurve> writeTuningReport(const std::vector<std::string> &logs, const std::string &dir,
                                           std::vector<std::string> *warnings) {
  std::vector<TuningRecord> records;
  std::vector<std::string> sources;
  for (const std::string &path : logs) {
    RecordLog log = readRecords(path);
    if (log.records.empty()) throw Error(path + " holds no tuning record");
    if (warnings)
      for (const auto &s : log.skipped) warnings->push_back(s.origin + ": " + s.reason + "; skipped");
    for (auto &r : log.records) records.push_back(std::move(r)), sources.push_back(fs::path(path).stem().string());
  }
  // With several logs, each log's curves stay apart (two seeds of one tuner are two curves).
  if (logs.size() > 1)
    for (size_t i = 0; i < records.size(); ++i)
      if (records[i].tuner != sources[i])
        records[i].tuner = (records[i].tuner.empty() ? "" : records[i].tuner + ": ") + sources[i];
  std::vector<TuningCurve> curves = tuningCurves(records, sources);

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw Error("cannot create the report directory " + dir + (ec ? ": " + ec.message() : ""));

  // Tasks in first-appearance order, each with its tuners' curves.
  std::vector<std::vector<const TuningCurve *>> tasks;
  std::map<std::string, size_t> taskAt;
  for (const TuningCurve &c : curves) {
    auto [it, fresh] = taskAt.try_emplace(c.target + "\n" + c.task + "\n" + c.args.dump(), tasks.size());
    if (fresh) tasks.emplace_back();
    tasks[it->second].push_back(&c);
  }

  std::string rows;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const TuningCurve &first = *tasks[t].front();
    const std::string plot = fmt::format("task{}.svg", t);
    writeFileAtomically((fs::path(dir) / plot).string(), [&](const std::string &tmp) {
      plotTask(tasks[t], fmt::format("task {}: {}", t, first.task), describeArgs(first.args) + "  (" + first.target + ")",
               tmp);
    });
    double taskBest = std::numeric_limits<double>::infinity();
    for (const TuningCurve *c : tasks[t])
      if (!c->bestCost.empty()) taskBest = std::min(taskBest, c->bestCost.back());
    for (size_t k = 0; k < tasks[t].size(); ++k) {
      const TuningCurve &c = *tasks[t][k];
      double best = c.bestCost.empty() ? std::numeric_limits<double>::infinity() : c.bestCost.back();
      size_t within5 = std::isfinite(taskBest) ? c.trialsToReach(taskBest / 0.95) : 0;
      rows += "<tr>";
      if (k == 0)
        rows += fmt::format("<td rowspan={0}>{1}</td><td rowspan={0}>{2}</td><td rowspan={0}>{3}</td>"
                            "<td rowspan={0}>{4}</td>",
                            tasks[t].size(), t, escapeHtml(c.task), escapeHtml(describeArgs(c.args)),
                            escapeHtml(c.target));
      rows += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>",
                          escapeHtml(c.tuner), c.bestCost.size(), c.errors,
                          c.macs > 0 && std::isfinite(best) ? fmt::format("{:.1f}", metric(c, best)) : "-",
                          std::isfinite(best) ? fmt::format("{:.4f}", best * 1e3) : "-",
                          within5 ? std::to_string(within5) : "-", escapeHtml(c.bestConfig));
      if (k == 0) rows += fmt::format("<td rowspan={}><a href=\"{}\"><img src=\"{}\" width=360></a></td>", tasks[t].size(), plot, plot);
      rows += "</tr>\n";
    }
  }
  std::string sourcesText;
  for (const auto &l : logs) sourcesText += (sourcesText.empty() ? "" : ", ") + escapeHtml(l);
  writeFileAtomically((fs::path(dir) / "index.html").string(),
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rqc tuning report</title>\n"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:3px 6px;vertical-align:top}th{background:#eee}</style></head><body>\n"
            "<h1>rqc tuning report</h1>\n<p>Logs: " + sourcesText + fmt::format("; {} records, {} tasks.</p>\n", records.size(), tasks.size()) +
            "<p>Best GFLOP/s counts 2 x multiply-adds of the direct algorithm (as AutoTVM's FLOP count); "
            "<i>to 95%</i> is the trials a tuner needed to come within 5% of the task's best time over all tuners.</p>\n"
            "<table><tr><th>task</th><th>template</th><th>workload</th><th>target</th><th>tuner</th><th>trials</th>"
            "<th>errors</th><th>best GFLOP/s</th><th>best ms</th><th>to 95%</th><th>best config</th><th>curve</th></tr>\n" +
            rows + "</table></body></html>\n");
  return curves;
}

} // namespace rqc::autotune
