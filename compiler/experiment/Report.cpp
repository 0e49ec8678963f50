#include "compiler/experiment/Report.h"

#include "compiler/experiment/Results.h"
#include "compiler/experiment/Spec.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <fmt/format.h>
#include <plplot/plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

namespace rqc::experiment {

namespace fs = std::filesystem;
using nlohmann::json;

size_t ReportSummary::regressions() const {
  return static_cast<size_t>(
      std::count_if(comparisons.begin(), comparisons.end(), [](const Comparison &c) { return c.slower || c.lessAccurate; }));
}

namespace {

double latencyOf(const json &r) { return r["latency_ms"].value("mean", 0.0); }
double top1Of(const json &r) { return r["top1"].get<double>(); }

std::string html(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string variantText(const json &v) {
  std::string s;
  for (auto it = v.begin(); it != v.end(); ++it)
    s += (s.empty() ? "" : " ") + it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  return s;
}

// Latency (x) against top-1 (y) of one target's points: float32 and int8 in two colours,
// the frontier as a line through its points in order of latency.
void plotTarget(const std::string &target, const std::vector<const json *> &points, const std::vector<bool> &frontier,
                const fs::path &path) {
  static const int palette[][3] = {{255, 255, 255}, {0, 0, 0}, {31, 119, 180}, {255, 127, 14}, {214, 39, 40}};
  double xmax = 0, ymin = 1, ymax = 0;
  for (const json *r : points) {
    xmax = std::max(xmax, latencyOf(*r));
    ymin = std::min(ymin, top1Of(*r));
    ymax = std::max(ymax, top1Of(*r));
  }
  double pad = std::max(0.005, (ymax - ymin) * 0.15);
  const double y0 = std::max(0.0, ymin - pad) * 100, y1 = std::min(1.0, ymax + pad) * 100;
  plsstrm(0);
  plsdev("svg");
  plsfnam(path.string().c_str());
  plspage(0, 0, 1000, 600, 0, 0);
  plscmap0n(static_cast<int>(std::size(palette)));
  for (int i = 0; i < static_cast<int>(std::size(palette)); ++i) plscol0(i, palette[i][0], palette[i][1], palette[i][2]);
  plinit();
  plcol0(1);
  // Room on the right for the labels of the slowest points.
  plenv(0, xmax * 1.4 + 1e-9, y0, y1, 0, 0);
  pllab("mean latency per image (ms)", "top-1 (%)", "");
  plmtex("t", 2.0, 0.5, 0.5, ("latency against top-1, target " + target).c_str());
  plschr(0, 0.8);
  plmtex("t", 0.7, 0.5, 0.5, "blue: float32, orange: int8; filled and joined in red: the Pareto frontier");
  plschr(0, 1.0);
  std::vector<std::pair<double, double>> line;
  for (size_t i = 0; i < points.size(); ++i) {
    const json &r = *points[i];
    double x = latencyOf(r), y = top1Of(r) * 100;
    const bool int8 = r["dtype"] == "int8";
    plcol0(int8 ? 3 : 2);
    plpoin(1, &x, &y, 4);
    if (frontier[i]) plpoin(1, &x, &y, 17);
    // Short labels ("mobilenet_v1 r16 w0.25 int8"), float32 above its point and int8 below,
    // so that the two dtypes of one model do not print over each other.
    std::string label = r["model"].get<std::string>();
    const json variant = r.value("variant", json::object());
    for (auto it = variant.begin(); it != variant.end(); ++it)
      label += " " + it.key().substr(0, 1) + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
    label += int8 ? " int8" : " fp32";
    if (r["threads"].get<int>() != 1) label += " t" + std::to_string(r["threads"].get<int>());
    plschr(0, 0.6);
    plcol0(int8 ? 3 : 2);
    plptex(x + xmax * 0.012, y + (int8 ? -1 : 1) * (y1 - y0) * 0.018, 1, 0, 0, label.c_str());
    plschr(0, 1.0);
    if (frontier[i]) line.emplace_back(x, y);
  }
  std::sort(line.begin(), line.end());
  if (line.size() > 1) {
    std::vector<double> xs, ys;
    for (auto [x, y] : line) xs.push_back(x), ys.push_back(y);
    plcol0(4);
    plwidth(2);
    plline(static_cast<int>(xs.size()), xs.data(), ys.data());
  }
  plend1();
  if (!fs::exists(path) || fs::file_size(path) == 0) throw Error("PLplot did not write " + path.string());
}

const char *kScript = R"(<script>
function sortBy(col) {
  const table = document.getElementById('points'), body = table.tBodies[0];
  const rows = Array.from(body.rows), header = table.tHead.rows[0].cells[col];
  const dir = header.dataset.dir === 'asc' ? -1 : 1;
  for (const c of table.tHead.rows[0].cells) delete c.dataset.dir;
  header.dataset.dir = dir === 1 ? 'asc' : 'desc';
  rows.sort((a, b) => {
    const x = a.cells[col].dataset.v ?? a.cells[col].textContent, y = b.cells[col].dataset.v ?? b.cells[col].textContent;
    const nx = parseFloat(x), ny = parseFloat(y);
    return dir * (isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny);
  });
  rows.forEach(r => body.appendChild(r));
}
function filterRows(text) {
  const needle = text.toLowerCase();
  for (const r of document.getElementById('points').tBodies[0].rows)
    r.style.display = r.textContent.toLowerCase().includes(needle) ? '' : 'none';
}
</script>)";

} // namespace

ReportSummary writeExperimentReport(const std::string &resultsDir, const std::string &outDir,
                                    const ReportOptions &options) {
  std::vector<json> records = readRecords(resultsDir);
  if (records.empty()) throw Error(resultsDir + ": no point has finished yet (points/ is empty)");
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) throw Error(outDir + ": cannot create the folder: " + ec.message());

  ReportSummary summary;
  summary.points = records.size();
  // The frontier is per target: points of different machines or code generators do not compete.
  std::map<std::string, std::vector<size_t>> byTarget;
  for (size_t i = 0; i < records.size(); ++i) byTarget[records[i]["target"].get<std::string>()].push_back(i);
  std::vector<bool> efficient(records.size(), false);
  for (const auto &[target, indices] : byTarget) {
    std::vector<double> lat, acc;
    std::vector<const json *> pts;
    for (size_t i : indices) lat.push_back(latencyOf(records[i])), acc.push_back(top1Of(records[i])), pts.push_back(&records[i]);
    std::vector<bool> f = paretoFrontier(lat, acc);
    for (size_t k = 0; k < indices.size(); ++k) efficient[indices[k]] = f[k];
    std::string file = "latency_top1_" + safeName(target) + ".svg";
    plotTarget(target, pts, f, fs::path(outDir) / file);
    summary.plots.push_back(file);
  }
  summary.frontier = static_cast<size_t>(std::count(efficient.begin(), efficient.end(), true));

  if (!options.baselineDir.empty()) {
    std::map<std::string, const json *> base;
    std::vector<json> baseRecords = readRecords(options.baselineDir);
    for (const json &r : baseRecords) base[r["id"].get<std::string>()] = &r;
    for (const json &r : records) {
      auto it = base.find(r["id"].get<std::string>());
      if (it == base.end()) continue;
      Comparison c;
      c.id = r["id"];
      c.baseMs = latencyOf(*it->second);
      c.ms = latencyOf(r);
      c.baseTop1 = top1Of(*it->second);
      c.top1 = top1Of(r);
      c.slower = c.baseMs > 0 && c.ms > c.baseMs * (1 + options.latencyThreshold);
      c.lessAccurate = c.top1 < c.baseTop1 - options.top1Threshold;
      summary.comparisons.push_back(c);
    }
    // A wrong baseline must not pass a nightly gate by comparing nothing.
    if (summary.comparisons.empty())
      throw Error(options.baselineDir + ": has no point in common with " + resultsDir +
                  " (the same point ids: model, variant, target, dtype, threads)");
  }

  std::ostringstream page;
  page << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>rqc experiment: " << html(resultsDir)
       << "</title>\n<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}"
          "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{cursor:pointer;background:#f3f3f3}"
          "td.t{text-align:left}tr.f td{background:#fff3e0}tr.bad td{background:#fde0e0}</style>\n"
       << kScript << "</head><body>\n<h1>rqc experiment</h1>\n<p>" << records.size() << " points from <code>"
       << html(resultsDir) << "</code>; " << summary.frontier
       << " on the Pareto frontier of latency against top-1 (per target, highlighted). Click a column to sort. "
          "<a href=\"results.csv\">results.csv</a></p>\n";
  for (const std::string &plot : summary.plots) page << "<img src=\"" << plot << "\" alt=\"" << plot << "\"><br>\n";
  page << "<p>Filter: <input oninput=\"filterRows(this.value)\" placeholder=\"model, target, dtype...\"></p>\n"
          "<table id=\"points\"><thead><tr>";
  const char *headers[] = {"id", "model", "variant", "target", "dtype", "threads", "top-1 %", "top-5 %", "images",
                           "mean ms", "p50 ms", "p90 ms", "images/s", "model KB", "compile s", "frontier"};
  for (size_t i = 0; i < std::size(headers); ++i) page << "<th onclick=\"sortBy(" << i << ")\">" << headers[i] << "</th>";
  page << "</tr></thead><tbody>\n";
  for (size_t i = 0; i < records.size(); ++i) {
    const json &r = records[i];
    const json &l = r["latency_ms"];
    page << "<tr" << (efficient[i] ? " class=\"f\"" : "") << "><td class=\"t\">" << html(r["id"].get<std::string>())
         << "</td><td class=\"t\">" << html(r["model"].get<std::string>()) << "</td><td class=\"t\">"
         << html(variantText(r.value("variant", json::object()))) << "</td><td class=\"t\">"
         << html(r["target"].get<std::string>()) << "</td><td class=\"t\">" << html(r["dtype"].get<std::string>())
         << "</td>"
         // data-v: the unrounded value the sort compares (the cell shows it rounded).
         << fmt::format("<td>{}</td><td data-v=\"{}\">{:.2f}</td><td data-v=\"{}\">{:.2f}</td><td>{}</td>"
                        "<td data-v=\"{}\">{:.3f}</td><td data-v=\"{}\">{:.3f}</td><td data-v=\"{}\">{:.3f}</td>"
                        "<td data-v=\"{}\">{:.0f}</td><td>{:.0f}</td><td data-v=\"{}\">{:.1f}</td>"
                        "<td class=\"t\">{}</td></tr>\n",
                        r["threads"].get<int>(), top1Of(r), 100 * top1Of(r), r.value("top5", 0.0),
                        100 * r.value("top5", 0.0), r.value("images", 0), l.value("mean", 0.0), l.value("mean", 0.0),
                        l.value("p50", 0.0), l.value("p50", 0.0), l.value("p90", 0.0), l.value("p90", 0.0),
                        r.value("images_per_second", 0.0), r.value("images_per_second", 0.0),
                        r.value("model_bytes", 0) / 1024.0, r.value("compile_seconds", 0.0),
                        r.value("compile_seconds", 0.0), efficient[i] ? "yes" : "");
  }
  page << "</tbody></table>\n";
  if (!options.baselineDir.empty()) {
    page << fmt::format("<h2>Compared with {}</h2>\n<p>{} points in both; {} regressions (mean latency more than "
                        "{:.0f}% higher, or top-1 more than {:.2f} point lower), highlighted.</p>\n",
                        html(options.baselineDir), summary.comparisons.size(), summary.regressions(),
                        100 * options.latencyThreshold, 100 * options.top1Threshold)
         << "<table><tr><th>id</th><th>baseline ms</th><th>ms</th><th>ratio</th><th>baseline top-1 %</th>"
            "<th>top-1 %</th><th>regression</th></tr>\n";
    for (const Comparison &c : summary.comparisons)
      page << fmt::format("<tr{}><td class=\"t\">{}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.2f}</td><td>{:.2f}</td>"
                          "<td>{:.2f}</td><td class=\"t\">{}</td></tr>\n",
                          c.slower || c.lessAccurate ? " class=\"bad\"" : "", html(c.id), c.baseMs, c.ms,
                          c.baseMs > 0 ? c.ms / c.baseMs : 0.0, 100 * c.baseTop1, 100 * c.top1,
                          c.slower && c.lessAccurate ? "slower, less accurate"
                          : c.slower                 ? "slower"
                          : c.lessAccurate           ? "less accurate"
                                                     : "");
    page << "</table>\n";
  }
  page << "</body></html>\n";
  writeFileAtomically((fs::path(outDir) / "index.html").string(), page.str());
  writeFileAtomically((fs::path(outDir) / "results.csv").string(), recordsCsv(records));
  return summary;
}

} // namespace rqc::experiment
