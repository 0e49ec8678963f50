// A template's knob space and one point of it, with AutoTVM's semantics (so that the
// index and the entity of a TVM log record name the same point here):
//   - knob kinds: "sp" split (sizes, outermost first, product = the axis extent),
//     "re" reorder (a permutation), "an" annotate (one of none/unroll/vec per axis),
//     "ot" other (a scalar option such as a bool);
//   - each knob enumerates its entities in AutoTVM's order (splits: a depth-first walk over
//     the sorted factor list, innermost factor outermost in the walk);
//   - the space is the product of the knobs; an index is mixed-radix with the FIRST-defined
//     knob as the least significant digit (AutoTVM's ConfigSpace.get).
// Source of these rules: AutoTVM's python/tvm/autotvm/task/space.py, summarized in
// ../shared/reference/autotvm.md section 2.1. No MLIR here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rqc::schedule {

enum class KnobKind { Split, Reorder, Annotate, Other };

// "sp", "re", "an", "ot".
const char *knobTag(KnobKind kind);

struct Knob {
  std::string name;
  KnobKind kind;
  int64_t extent = 0;                   // splits: the axis length
  std::vector<nlohmann::json> entities; // candidates in enumeration order
};

// One point of a space: every knob's chosen entity, in definition order.
class Config {
public:
  Config() = default;
  struct Entry {
    std::string name;
    KnobKind kind;
    int64_t extent;
    nlohmann::json value;
  };
  Config(uint64_t index, std::vector<Entry> entries) : index_(index), entries_(std::move(entries)) {}

  uint64_t index() const { return index_; }
  // Split sizes [outer, ..., inner] with the outer factor concrete (never -1).
  std::vector<int64_t> split(const std::string &name) const;
  // A split's innermost size (the common case: block and register-tile sizes).
  int64_t inner(const std::string &name) const { return split(name).back(); }
  std::vector<int64_t> reorder(const std::string &name) const;
  std::vector<std::string> annotate(const std::string &name) const;
  // An "ot" knob as an integer (true = 1, false = 0).
  int64_t other(const std::string &name) const;
  bool has(const std::string &name) const;

  // AutoTVM's entity list: [[name, tag, value], ...] (split outer factors concrete).
  nlohmann::json entity() const;
  // "tile_ic=[4, 16] tile_oc=[4, 16] tile_ow=[4, 14] unroll_kw=false"
  std::string str() const;

private:
  const nlohmann::json &value(const std::string &name, KnobKind kind) const;
  uint64_t index_ = 0;
  std::vector<Entry> entries_;
};

class ConfigSpace {
public:
  enum class SplitPolicy { Factors, Power2, Verbose };
  using SplitFilter = std::function<bool(const std::vector<int64_t> &sizes)>;

  // AutoTVM define_split: every [outer, ..., inner] with `outputs` factors of `extent`.
  // Factors: divisors only. Power2/Verbose also powers of two (a tail is allowed; the
  // outer size is then ceil(extent / product of the inner ones)).
  void defineSplit(const std::string &name, int64_t extent, int outputs, SplitPolicy policy = SplitPolicy::Factors,
                   const SplitFilter &filter = {}, int64_t maxFactor = INT64_MAX);
  // AutoTVM define_reorder with policy "candidate".
  void defineReorder(const std::string &name, const std::vector<std::vector<int64_t>> &candidates);
  // AutoTVM define_annotate: policy "try_unroll", "try_vec" or "try_unroll_vec" over `axes`
  // axes (at most one "vec" per entity).
  void defineAnnotate(const std::string &name, int axes, const std::string &policy);
  // AutoTVM define_knob: scalar candidates (bools or integers).
  void defineKnob(const std::string &name, const std::vector<nlohmann::json> &candidates);

  uint64_t size() const;
  const std::vector<Knob> &knobs() const { return knobs_; }
  Config get(uint64_t index) const;
  // The config whose knobs hold `entities` (by name), or nullopt with the reason in `why`
  // (unknown or missing knob, value outside the space). Split entities match whatever the
  // outer factor says (-1, or the concrete value).
  std::optional<Config> fromEntity(const nlohmann::json &entity, std::string *why) const;
  // The config with the given entity per knob, looked up by value; throws std::logic_error
  // when a value is not in the space (a template's fallback must lie inside its space).
  Config at(const std::vector<std::pair<std::string, nlohmann::json>> &values) const;
  // 16 hex digits identifying the knob names, kinds and entity lists (FNV-1a 64): a record
  // whose space hash differs was tuned against another space and is not applied.
  std::string hash() const;

private:
  const Knob *find(const std::string &name) const;
  std::vector<Knob> knobs_;
};

// Sorted divisors of n.
std::vector<int64_t> factorsOf(int64_t n);

} // namespace rqc::schedule
