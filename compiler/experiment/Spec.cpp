#include "compiler/experiment/Spec.h"

#include "rqc/runtime/Error.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace rqc::experiment {

namespace fs = std::filesystem;
using nlohmann::json;

std::string safeName(const std::string &s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return out;
}

namespace {

class SpecReader {
public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {
    dir_ = fs::path(file_).parent_path();
  }
  [[noreturn]] void fail(const std::string &what) const { throw Error(file_ + ": " + what); }

  // Absolute, so that records and their commands work from any directory.
  std::string resolve(const std::string &p) const {
    fs::path path = fs::path(p).is_absolute() || dir_.empty() ? fs::path(p) : dir_ / p;
    return fs::absolute(path).lexically_normal().string();
  }

  // A JSON value's text in a file name: strings as they are, numbers as JSON writes them.
  static std::string text(const json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

  std::vector<std::string> strings(const json &j, const char *key, std::vector<std::string> fallback) const {
    if (!j.contains(key)) return fallback;
    const json &v = j[key];
    if (!v.is_array() || v.empty()) fail(std::string("\"") + key + "\" must be a non-empty list of strings");
    std::vector<std::string> out;
    for (const json &e : v) {
      if (!e.is_string()) fail(std::string("\"") + key + "\" must be a non-empty list of strings, not " + v.dump());
      if (std::find(out.begin(), out.end(), e.get<std::string>()) != out.end())
        fail(std::string("\"") + key + "\" lists " + e.dump() + " twice");
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  int64_t integer(const json &j, const char *key, int64_t fallback, int64_t min, int64_t max) const {
    if (!j.contains(key)) return fallback;
    const json &v = j[key];
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max)
      fail(std::string("\"") + key + "\" must be an integer from " + std::to_string(min) + " to " +
           std::to_string(max) + ", not " + v.dump());
    return v.get<int64_t>();
  }

  void onlyKeys(const json &j, const std::set<std::string> &known, const std::string &where) const {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!known.count(it.key())) {
        std::string list;
        for (const auto &k : known) list += (list.empty() ? "" : ", ") + k;
        fail("unknown key \"" + it.key() + "\"" + where + " (known: " + list + ")");
      }
  }

  void models(const json &list, ExperimentSpec &spec) const {
    if (!list.is_array() || list.empty()) fail("\"models\" must be a non-empty list");
    std::set<std::string> keys;
    for (const json &m : list) {
      if (!m.is_object()) fail("each of \"models\" must be an object with \"name\" and \"path\"");
      onlyKeys(m, {"name", "path", "grid"}, " in a model");
      if (!m.contains("name") || !m["name"].is_string() || !m.contains("path") || !m["path"].is_string())
        fail("each of \"models\" needs \"name\" and \"path\" strings: " + m.dump());
      const std::string name = m["name"].get<std::string>();
      // Names become file names of records: no path, no hidden file, nothing to escape.
      if (name.empty() || name[0] == '.' || name[0] == '-' || safeName(name) != name)
        fail("model name " + m["name"].dump() + " must be letters, digits, '.', '_' and '-', not starting with '.' or '-'");
      std::vector<json> variants{json::object()};
      if (m.contains("grid")) {
        const json &grid = m["grid"];
        if (!grid.is_object() || grid.empty()) fail("\"grid\" of model " + m["name"].dump() + " must be an object of lists");
        for (auto it = grid.begin(); it != grid.end(); ++it) {
          if (m["path"].get<std::string>().find("{" + it.key() + "}") == std::string::npos)
            fail("\"grid\" entry \"" + it.key() + "\" of model " + m["name"].dump() + " is not a {" + it.key() +
                 "} placeholder of its path (every variant would be the same file)");
          if (!it.value().is_array() || it.value().empty())
            fail("\"grid\" entry \"" + it.key() + "\" of model " + m["name"].dump() + " must be a non-empty list");
          std::vector<json> next;
          for (const json &partial : variants)
            for (const json &value : it.value()) {
              if (!value.is_number() && !value.is_string())
                fail("\"grid\" values must be numbers or strings, not " + value.dump());
              json v = partial;
              v[it.key()] = value;
              next.push_back(v);
            }
          variants = next;
        }
      }
      for (const json &v : variants) {
        ModelVariant mv;
        mv.name = m["name"].get<std::string>();
        mv.variant = v;
        std::string path = m["path"].get<std::string>();
        mv.key = mv.name;
        for (auto it = v.begin(); it != v.end(); ++it) {
          const std::string placeholder = "{" + it.key() + "}";
          for (size_t at; (at = path.find(placeholder)) != std::string::npos;)
            path.replace(at, placeholder.size(), text(it.value()));
          mv.key += "-" + it.key() + text(it.value());
        }
        if (path.find('{') != std::string::npos)
          fail("model " + m["name"].dump() + ": path \"" + path + "\" names a placeholder its \"grid\" does not give");
        mv.key = safeName(mv.key);
        mv.path = resolve(path);
        if (fs::is_directory(mv.path)) fail("model " + m["name"].dump() + ": " + mv.path + " is a folder, not a model file");
        if (!fs::is_regular_file(mv.path)) fail("model " + m["name"].dump() + ": " + mv.path + ": no such file");
        if (!keys.insert(mv.key).second) fail("model " + mv.key + " is listed twice");
        spec.models.push_back(mv);
      }
    }
  }

  // A `rqc validate` dataset or a calibration source: a built-in name or an existing path.
  std::string source(const std::string &value, const char *key, const std::set<std::string> &builtin) const {
    if (builtin.count(value)) return value;
    std::string path = resolve(value);
    if (!fs::exists(path)) fail(std::string("\"") + key + "\": " + path + ": no such file or folder");
    return path;
  }

private:
  std::string file_;
  fs::path dir_;
};

// A YAML document as the JSON value it spells, so that one validator serves both forms.
// Plain scalars follow YAML 1.2's core schema (integers in decimal, 0x and 0o; floats;
// true/false; null); quoted scalars are strings, so "0.25" stays text and 0.25 is a number;
// the core tags !!str, !!int, !!float, !!bool and !!null say what a scalar is. Aliases are
// expanded, with a bound on depth and size (a recursive or exploding alias is refused).
class YamlToJson {
public:
  explicit YamlToJson(const SpecReader &r) : r_(r) {}

  json convert(const YAML::Node &n, int depth = 0) {
    if (depth > 64) fail(n, "nested more than 64 levels deep (a recursive alias?)");
    if (++nodes_ > 1'000'000) fail(n, "more than a million values (an alias expanding too far?)");
    switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const YAML::Node &e : n) a.push_back(convert(e, depth + 1));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto &kv : n) {
        if (!kv.first.IsScalar()) fail(kv.first, "a mapping key must be a plain name");
        const std::string key = kv.first.Scalar();
        if (key == "<<" && kv.first.Tag() == "?") fail(kv.first, "merge keys (<<) are not supported in a SPEC");
        if (o.contains(key)) fail(kv.first, "key \"" + key + "\" appears twice");
        utf8(kv.first, key);
        o[key] = convert(kv.second, depth + 1);
      }
      return o;
    }
    case YAML::NodeType::Scalar:
      break;
    }
    return scalar(n);
  }

private:
  [[noreturn]] void fail(const YAML::Node &n, const std::string &what) const {
    r_.fail("line " + std::to_string(n.Mark().line + 1) + ": " + what);
  }
  void utf8(const YAML::Node &n, const std::string &s) const {
    try {
      (void)json(s).dump();
    } catch (const json::type_error &) {
      fail(n, "not valid UTF-8");
    }
  }
  json scalar(const YAML::Node &n) const {
    const std::string &s = n.Scalar();
    utf8(n, s);
    const std::string &tag = n.Tag();
    static const std::string core = "tag:yaml.org,2002:";
    if (tag == "!" || tag == core + "str") return s; // quoted, or !!str
    if (tag != "?" && tag.rfind(core, 0) != 0) fail(n, "tag " + tag + " is not one of YAML's core tags");
    const std::string kind = tag == "?" ? "" : tag.substr(core.size());
    static const std::regex decimal("[-+]?[0-9]+"), hex("0x[0-9a-fA-F]+"), octal("0o[0-7]+"),
        real("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?"), special("[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
    if (kind.empty() || kind == "int") {
      try {
        if (std::regex_match(s, decimal)) return std::stoll(s);
        if (std::regex_match(s, hex)) return std::stoll(s.substr(2), nullptr, 16);
        if (std::regex_match(s, octal)) return std::stoll(s.substr(2), nullptr, 8);
      } catch (const std::out_of_range &) {
        fail(n, "integer " + s + " is out of range");
      }
      if (kind == "int") fail(n, "\"" + s + "\" is tagged !!int but is not an integer");
    }
    if (kind.empty() || kind == "float") {
      if (std::regex_match(s, real)) return std::stod(s);
      if (std::regex_match(s, special)) fail(n, s + ": infinities and NaN have no place in a SPEC");
      if (kind == "float") fail(n, "\"" + s + "\" is tagged !!float but is not a number");
    }
    if (kind.empty() || kind == "bool") {
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (kind == "bool") fail(n, "\"" + s + "\" is tagged !!bool but is not true or false");
    }
    if (kind.empty() || kind == "null") {
      if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
      if (kind == "null") fail(n, "\"" + s + "\" is tagged !!null but is not null");
    }
    if (!kind.empty()) fail(n, "tag !!" + kind + " is not one a SPEC uses");
    return s;
  }

  const SpecReader &r_;
  size_t nodes_ = 0;
};

json parseSpecFile(const std::string &path, const SpecReader &r) {
  if (fs::is_directory(path)) throw Error(path + ": is a folder, not a SPEC file");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open file (does it exist and is it readable?)");
  if (isYamlSpec(path)) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(in);
    } catch (const YAML::Exception &e) {
      r.fail(std::string("not valid YAML: ") + e.what());
    }
    if (docs.size() > 1) r.fail("holds " + std::to_string(docs.size()) + " YAML documents; a SPEC is one");
    return docs.empty() ? json() : YamlToJson(r).convert(docs[0]);
  }
  // JSON itself allows a key twice (the last wins); a SPEC does not, as in YAML.
  std::vector<std::set<std::string>> keys;
  auto noDuplicates = [&](int, json::parse_event_t event, json &parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    else if (event == json::parse_event_t::object_end) keys.pop_back();
    else if (event == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      r.fail("key " + parsed.dump() + " appears twice");
    return true;
  };
  try {
    return json::parse(in, noDuplicates);
  } catch (const json::parse_error &e) {
    r.fail(std::string("not valid JSON: ") + e.what());
  }
}

} // namespace

ExperimentSpec readSpec(const std::string &path) {
  SpecReader r(path);
  json j = parseSpecFile(path, r);
  if (!j.is_object()) r.fail("a SPEC is a mapping of keys (a JSON object or a YAML mapping; see docs/experiments.md)");
  r.onlyKeys(j, {"name", "dataset", "images", "models", "targets", "dtypes", "threads", "quantize", "tuning_records",
                 "int8_kernels", "repeat"},
             "");
  ExperimentSpec spec;
  spec.file = path;
  if (j.contains("name") && !j["name"].is_string()) r.fail("\"name\" must be a string");
  spec.name = j.contains("name") ? j["name"].get<std::string>() : fs::path(path).stem().string();
  if (!j.contains("dataset")) r.fail("\"dataset\" (a rqc validate dataset) is required");
  if (!j["dataset"].is_string()) r.fail("\"dataset\" must be a string (a rqc validate dataset)");
  spec.dataset = r.source(j["dataset"].get<std::string>(), "dataset", {"fashion-mnist", "fashion-mnist-train"});
  spec.images = r.integer(j, "images", 0, 0, 1'000'000'000);
  if (!j.contains("models")) r.fail("\"models\" is required");
  r.models(j["models"], spec);
  spec.targets = r.strings(j, "targets", {"llvm"});
  for (const std::string &t : spec.targets) {
    std::istringstream words(t);
    std::string kind, word;
    words >> kind;
    bool host = kind == "llvm";
    while (words >> word)
      if (word.rfind("-mtriple=", 0) == 0 && word.rfind("-mtriple=x86_64", 0) != 0) host = false;
    if (!host)
      r.fail("target \"" + t + "\": rqc experiment measures on this machine, which runs llvm targets for x86_64 "
             "(e.g. \"llvm\", \"llvm -mcpu=skylake-avx512\")");
  }
  spec.dtypes = r.strings(j, "dtypes", {"float32"});
  for (const std::string &d : spec.dtypes)
    if (d != "float32" && d != "int8") r.fail("dtype \"" + d + "\" is not float32 or int8");
  if (j.contains("threads")) {
    const json &t = j["threads"];
    if (!t.is_array() || t.empty()) r.fail("\"threads\" must be a non-empty list of positive integers");
    for (const json &n : t) {
      if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > 1024)
        r.fail("\"threads\" must be a non-empty list of positive integers, not " + t.dump());
      if (std::find(spec.threads.begin(), spec.threads.end(), n.get<int>()) != spec.threads.end())
        r.fail("\"threads\" lists " + n.dump() + " twice");
      spec.threads.push_back(n.get<int>());
    }
  } else {
    spec.threads = {1};
  }
  if (j.contains("quantize")) {
    const json &q = j["quantize"];
    if (!q.is_object()) r.fail("\"quantize\" must be an object");
    r.onlyKeys(q, {"calibration", "limit", "method"}, " in \"quantize\"");
    if (!q.contains("calibration") || !q["calibration"].is_string())
      r.fail("\"quantize\" needs \"calibration\" (rqc quantize --calibration DATA)");
    spec.calibration = r.source(q["calibration"].get<std::string>(), "calibration", {"fashion-mnist", "fashion-mnist-train"});
    spec.calibrationLimit = r.integer(q, "limit", 0, 0, 1'000'000'000);
    if (q.contains("method")) {
      if (!q["method"].is_string()) r.fail("\"method\" must be minmax, percentile or entropy");
      spec.calibrateMethod = q["method"].get<std::string>();
      if (spec.calibrateMethod != "minmax" && spec.calibrateMethod != "percentile" && spec.calibrateMethod != "entropy")
        r.fail("\"method\" \"" + spec.calibrateMethod + "\" is not minmax, percentile or entropy");
    }
  }
  bool int8 = false;
  for (const std::string &d : spec.dtypes) int8 |= d == "int8";
  if (int8 && spec.calibration.empty())
    r.fail("dtype int8 needs a \"quantize\" section with \"calibration\" (how rqc quantize calibrates)");
  for (const std::string &log : r.strings(j, "tuning_records", {})) {
    std::string p = r.resolve(log);
    if (!fs::is_regular_file(p)) r.fail("\"tuning_records\": " + p + ": no such file");
    spec.tuningRecords.push_back(p);
  }
  if (j.contains("int8_kernels")) {
    const json &k = j["int8_kernels"];
    if (!k.is_string() || (k != "auto" && k != "on" && k != "off"))
      r.fail("\"int8_kernels\" must be \"auto\", \"on\" or \"off\" (rqc compile --int8-kernels), not " + k.dump());
    spec.int8Kernels = k.get<std::string>();
  }
  spec.repeat = static_cast<int>(r.integer(j, "repeat", 100, 1, 1'000'000));
  return spec;
}

bool isYamlSpec(const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".yaml" || ext == ".yml";
}

std::vector<Point> enumeratePoints(const ExperimentSpec &spec) {
  std::vector<Point> points;
  for (const ModelVariant &m : spec.models)
    for (const std::string &target : spec.targets)
      for (const std::string &dtype : spec.dtypes)
        for (int threads : spec.threads) {
          Point p;
          p.model = &m;
          p.target = target;
          p.dtype = dtype;
          p.threads = threads;
          p.id = safeName(m.key + "-" + target + "-" + dtype + "-t" + std::to_string(threads));
          points.push_back(p);
        }
  return points;
}

} // namespace rqc::experiment
