#include "schedules/Schedule.h"

#include "rqc/runtime/Error.h"

#include <map>
#include <sstream>

namespace rqc::schedule {

using Json = nlohmann::json;

namespace {
// Primitive -> does it take a string argument.
const std::map<std::string, bool> &primitives() {
  static const std::map<std::string, bool> table = {
      {"pack", true},    {"winograd", false},     {"compute_root", false}, {"compute_inline", false}, {"tile_parallel", false}, {"tile", false},
      {"interchange", false}, {"unroll", false}, {"vectorize", false},     {"tensorize", true},
      {"virtual_thread", false}, {"register_tile", false}, {"bind_threads", false}, {"reorder_tile", false},
      {"unroll_reduce", false},
  };
  return table;
}
} // namespace

std::string Schedule::packed(const std::string &tensor) const {
  for (const Step &s : steps)
    if (s.primitive == "pack" && s.op == tensor) return s.name;
  return "";
}

Json toJson(const Schedule &s) {
  Json steps = Json::array();
  for (const Step &st : s.steps) {
    Json j = Json::array({st.primitive, st.op});
    if (!st.name.empty()) j.push_back(st.name);
    if (!st.sizes.empty()) j.push_back(st.sizes);
    steps.push_back(j);
  }
  return {{"template", s.templateName}, {"steps", steps}};
}

Schedule scheduleFromJson(const Json &j) {
  auto bad = [](const std::string &msg) { return Error("schedule: " + msg); };
  if (!j.is_object() || !j.contains("template") || !j["template"].is_string() || !j.contains("steps") ||
      !j["steps"].is_array())
    throw bad("expected {\"template\": NAME, \"steps\": [...]}");
  Schedule s;
  s.templateName = j["template"].get<std::string>();
  for (const Json &st : j["steps"]) {
    if (!st.is_array() || st.size() < 2 || !st[0].is_string() || !st[1].is_string())
      throw bad("a step is [primitive, op, ...], got " + st.dump());
    Step step{st[0].get<std::string>(), st[1].get<std::string>(), {}, {}};
    auto prim = primitives().find(step.primitive);
    if (prim == primitives().end()) throw bad("unknown primitive '" + step.primitive + "'");
    size_t next = 2;
    if (prim->second) {
      if (st.size() <= next || !st[next].is_string()) throw bad("'" + step.primitive + "' needs a name argument");
      step.name = st[next++].get<std::string>();
    }
    if (st.size() > next) {
      if (!st[next].is_array()) throw bad("'" + step.primitive + "' sizes must be a list of integers");
      for (const Json &v : st[next]) {
        if (!v.is_number_integer()) throw bad("'" + step.primitive + "' sizes must be a list of integers");
        step.sizes.push_back(v.get<int64_t>());
      }
      ++next;
    }
    if (st.size() != next) throw bad("too many arguments in " + st.dump());
    s.steps.push_back(std::move(step));
  }
  return s;
}

std::string describe(const Schedule &s) {
  std::ostringstream os;
  for (const Step &st : s.steps) {
    os << st.primitive << " " << st.op;
    if (!st.name.empty()) os << " " << st.name;
    if (!st.sizes.empty()) {
      os << " [";
      for (size_t i = 0; i < st.sizes.size(); ++i) os << (i ? ", " : "") << st.sizes[i];
      os << "]";
    }
    os << "\n";
  }
  return os.str();
}

} // namespace rqc::schedule
