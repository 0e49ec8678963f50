#include "schedules/ConfigSpace.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace rqc::schedule {

using Json = nlohmann::json;

const char *knobTag(KnobKind kind) {
  switch (kind) {
  case KnobKind::Split: return "sp";
  case KnobKind::Reorder: return "re";
  case KnobKind::Annotate: return "an";
  case KnobKind::Other: return "ot";
  }
  return "?";
}

std::vector<int64_t> factorsOf(int64_t n) {
  std::set<int64_t> f;
  for (int64_t i = 1; i * i <= n; ++i)
    if (n % i == 0) f.insert({i, n / i});
  return {f.begin(), f.end()};
}

namespace {

int64_t product(const std::vector<int64_t> &v, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < v.size(); ++i) p *= v[i];
  return p;
}

// Split sizes with a concrete outer factor.
std::vector<int64_t> concreteSplit(std::vector<int64_t> sizes, int64_t extent) {
  int64_t inner = product(sizes, 1);
  if (!sizes.empty() && sizes[0] == -1) sizes[0] = (extent + inner - 1) / inner;
  return sizes;
}

} // namespace

// ---- Config ----

const Json &Config::value(const std::string &name, KnobKind kind) const {
  for (const Entry &e : entries_)
    if (e.name == name) {
      if (e.kind != kind)
        throw std::logic_error("knob '" + name + "' is '" + knobTag(e.kind) + "', not '" + knobTag(kind) + "'");
      return e.value;
    }
  throw std::logic_error("config has no knob '" + name + "'");
}

bool Config::has(const std::string &name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry &e) { return e.name == name; });
}

std::vector<int64_t> Config::split(const std::string &name) const {
  for (const Entry &e : entries_)
    if (e.name == name && e.kind == KnobKind::Split) return concreteSplit(e.value.get<std::vector<int64_t>>(), e.extent);
  value(name, KnobKind::Split); // throws the right message
  return {};
}

std::vector<int64_t> Config::reorder(const std::string &name) const {
  return value(name, KnobKind::Reorder).get<std::vector<int64_t>>();
}

std::vector<std::string> Config::annotate(const std::string &name) const {
  return value(name, KnobKind::Annotate).get<std::vector<std::string>>();
}

int64_t Config::other(const std::string &name) const {
  const Json &v = value(name, KnobKind::Other);
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return v.get<int64_t>();
}

Json Config::entity() const {
  Json out = Json::array();
  for (const Entry &e : entries_) {
    Json v = e.kind == KnobKind::Split ? Json(concreteSplit(e.value.get<std::vector<int64_t>>(), e.extent)) : e.value;
    out.push_back(Json::array({e.name, knobTag(e.kind), v}));
  }
  return out;
}

std::string Config::str() const {
  std::ostringstream os;
  bool first = true;
  for (const Entry &e : entries_) {
    Json v = e.kind == KnobKind::Split ? Json(concreteSplit(e.value.get<std::vector<int64_t>>(), e.extent)) : e.value;
    std::string text = v.dump();
    for (size_t i = 0; (i = text.find(',', i)) != std::string::npos; i += 2) text.insert(i + 1, " ");
    os << (first ? "" : " ") << e.name << "=" << text;
    first = false;
  }
  return os.str();
}

// ---- ConfigSpace ----

void ConfigSpace::defineSplit(const std::string &name, int64_t extent, int outputs, SplitPolicy policy,
                              const SplitFilter &filter, int64_t maxFactor) {
  if (outputs < 1 || extent < 1) throw std::logic_error("split '" + name + "' needs an extent and outputs >= 1");
  std::set<int64_t> candidates;
  for (int64_t f : factorsOf(extent)) candidates.insert(f);
  if (policy != SplitPolicy::Factors) {
    std::set<int64_t> pow2;
    for (int64_t p = 1; p <= extent; p *= 2) pow2.insert(p);
    if (policy == SplitPolicy::Power2) candidates = pow2;
    else candidates.insert(pow2.begin(), pow2.end());
  }
  std::vector<int64_t> factors;
  for (int64_t f : candidates)
    if (f <= maxFactor) factors.push_back(f);
  const bool noTail = policy == SplitPolicy::Factors;

  Knob knob{name, KnobKind::Split, extent, {}};
  // Depth-first over the inner factors; stack[0] is the innermost size (AutoTVM's order).
  std::vector<int64_t> stack(outputs - 1);
  std::function<void(int)> walk = [&](int depth) {
    if (depth == outputs - 1) {
      int64_t prod = product(stack);
      if (prod > extent) return;
      if (extent % prod != 0 && noTail) return;
      std::vector<int64_t> sizes{-1};
      sizes.insert(sizes.end(), stack.rbegin(), stack.rend());
      if (!filter || filter(concreteSplit(sizes, extent))) knob.entities.push_back(sizes);
      return;
    }
    for (int64_t f : factors) {
      stack[depth] = f;
      walk(depth + 1);
    }
  };
  walk(0);
  if (knob.entities.empty()) throw std::logic_error("split '" + name + "' has no entity");
  knobs_.push_back(std::move(knob));
}

void ConfigSpace::defineReorder(const std::string &name, const std::vector<std::vector<int64_t>> &candidates) {
  Knob knob{name, KnobKind::Reorder, 0, {}};
  for (const auto &perm : candidates) knob.entities.push_back(perm);
  knobs_.push_back(std::move(knob));
}

void ConfigSpace::defineAnnotate(const std::string &name, int axes, const std::string &policy) {
  std::vector<std::string> options;
  if (policy == "try_unroll") options = {"none", "unroll"};
  else if (policy == "try_vec") options = {"none", "vec"};
  else if (policy == "try_unroll_vec") options = {"none", "unroll", "vec"};
  else throw std::logic_error("unknown annotate policy '" + policy + "'");
  Knob knob{name, KnobKind::Annotate, 0, {}};
  std::vector<std::string> stack(axes);
  std::function<void(int)> walk = [&](int depth) {
    if (depth == axes) {
      if (std::count(stack.begin(), stack.end(), "vec") <= 1) knob.entities.push_back(stack);
      return;
    }
    for (const std::string &o : options) {
      stack[depth] = o;
      walk(depth + 1);
    }
  };
  walk(0);
  knobs_.push_back(std::move(knob));
}

void ConfigSpace::defineKnob(const std::string &name, const std::vector<Json> &candidates) {
  Knob knob{name, KnobKind::Other, 0, {}};
  knob.entities.assign(candidates.begin(), candidates.end());
  knobs_.push_back(std::move(knob));
}

uint64_t ConfigSpace::size() const {
  uint64_t n = 1;
  for (const Knob &k : knobs_) n *= k.entities.size();
  return n;
}

Config ConfigSpace::get(uint64_t index) const {
  if (index >= size()) throw std::out_of_range("config index " + std::to_string(index) + " is outside the space");
  std::vector<Config::Entry> entries;
  uint64_t t = index;
  for (const Knob &k : knobs_) {
    entries.push_back({k.name, k.kind, k.extent, k.entities[t % k.entities.size()]});
    t /= k.entities.size();
  }
  return Config(index, std::move(entries));
}

const Knob *ConfigSpace::find(const std::string &name) const {
  for (const Knob &k : knobs_)
    if (k.name == name) return &k;
  return nullptr;
}

namespace {
bool sameEntity(const Knob &k, const Json &candidate, const Json &given) {
  if (k.kind != KnobKind::Split) return candidate == given;
  if (!given.is_array() || given.size() != candidate.size()) return false;
  for (size_t i = 1; i < given.size(); ++i)
    if (!given[i].is_number_integer() || given[i].get<int64_t>() != candidate[i].get<int64_t>()) return false;
  if (!given[0].is_number_integer()) return false;
  int64_t outer = given[0].get<int64_t>();
  return outer == -1 || outer == concreteSplit(candidate.get<std::vector<int64_t>>(), k.extent)[0];
}
} // namespace

std::optional<Config> ConfigSpace::fromEntity(const Json &entity, std::string *why) const {
  auto fail = [&](const std::string &msg) -> std::optional<Config> {
    if (why) *why = msg;
    return std::nullopt;
  };
  if (!entity.is_array()) return fail("config entity is not a list");
  std::vector<int64_t> choice(knobs_.size(), -1);
  for (const Json &item : entity) {
    if (!item.is_array() || item.size() != 3 || !item[0].is_string() || !item[1].is_string())
      return fail("config entity item is not [name, type, value]");
    std::string name = item[0].get<std::string>();
    const Knob *k = find(name);
    if (!k) return fail("knob '" + name + "' is not in the template's space");
    if (item[1].get<std::string>() != knobTag(k->kind))
      return fail("knob '" + name + "' has type '" + item[1].get<std::string>() + "', the space says '" + knobTag(k->kind) + "'");
    size_t pos = static_cast<size_t>(k - knobs_.data());
    auto it = std::find_if(k->entities.begin(), k->entities.end(), [&](const Json &c) { return sameEntity(*k, c, item[2]); });
    if (it == k->entities.end()) return fail("knob '" + name + "' value " + item[2].dump() + " is outside the space");
    choice[pos] = it - k->entities.begin();
  }
  uint64_t index = 0, radix = 1;
  for (size_t i = 0; i < knobs_.size(); ++i) {
    if (choice[i] < 0) return fail("knob '" + knobs_[i].name + "' is missing");
    index += static_cast<uint64_t>(choice[i]) * radix;
    radix *= knobs_[i].entities.size();
  }
  return get(index);
}

Config ConfigSpace::at(const std::vector<std::pair<std::string, Json>> &values) const {
  Json entity = Json::array();
  for (const auto &[name, v] : values) {
    const Knob *k = find(name);
    if (!k) throw std::logic_error("no knob '" + name + "'");
    entity.push_back(Json::array({name, knobTag(k->kind), v}));
  }
  std::string why;
  std::optional<Config> c = fromEntity(entity, &why);
  if (!c) throw std::logic_error("config outside its space: " + why);
  return *c;
}

std::string ConfigSpace::hash() const {
  Json canonical = Json::array();
  for (const Knob &k : knobs_) canonical.push_back(Json::array({k.name, knobTag(k.kind), k.entities}));
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonical.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

} // namespace rqc::schedule
