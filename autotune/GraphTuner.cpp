#include "autotune/GraphTuner.h"

#include "rqc/runtime/Error.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace rqc::autotune {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kMaxFactor = size_t(1) << 22;

// A cost table over some groups' layout choices (mixed radix, the last variable fastest).
struct Factor {
  std::vector<int> vars; // sorted group indices
  std::vector<double> table;
};

struct Elimination {
  int var;
  std::vector<int> scope;    // the variables the argmin depends on
  std::vector<int> argmin;   // per assignment of scope: the best value of var
};

class Solver {
public:
  explicit Solver(const LayoutProblem &p) : p_(p) {
    for (size_t o = 0; o < p.ops.size(); ++o) {
      const LayoutProblem::Op &op = p.ops[o];
      if (op.options.empty()) throw Error("graph tuner: op " + std::to_string(o) + " has no option");
      for (int g : {op.input, op.output})
        if (g < 0 || static_cast<size_t>(g) >= p.groups.size())
          throw Error("graph tuner: op " + std::to_string(o) + " names group " + std::to_string(g) + " of " +
                      std::to_string(p.groups.size()));
    }
    // Each group's domain: "NCHW" and every layout its ops read or write there.
    domain_.assign(p.groups.size(), {"NCHW"});
    auto addLayout = [&](int g, const std::string &l) {
      if (std::find(domain_[g].begin(), domain_[g].end(), l) == domain_[g].end()) domain_[g].push_back(l);
    };
    for (const LayoutProblem::Op &op : p.ops)
      for (const LayoutProblem::Option &o : op.options) {
        addLayout(op.input, o.input);
        addLayout(op.output, o.output);
      }
  }

  // Transform time of group g, one way.
  double transform(int g) const { return 2.0 * double(p_.groups[g].bytes) / p_.transformBytesPerSecond; }

  // Op o's least time with its input in layout `in` and output in `out`, and which option.
  std::pair<double, int> opCost(size_t o, const std::string &in, const std::string &out) const {
    const LayoutProblem::Op &op = p_.ops[o];
    std::pair<double, int> best{kInf, 0};
    for (size_t i = 0; i < op.options.size(); ++i) {
      const LayoutProblem::Option &opt = op.options[i];
      double t = opt.seconds + (opt.input != in ? transform(op.input) : 0) + (opt.output != out ? transform(op.output) : 0);
      if (t < best.first) best = {t, static_cast<int>(i)};
    }
    return best;
  }

  double groupCost(int g, const std::string &l) const {
    const LayoutProblem::Group &group = p_.groups[g];
    if (l == "NCHW") return 0;
    return (group.plainProducer ? transform(g) : 0) + (group.plainConsumer ? transform(g) : 0);
  }

  std::vector<Factor> factors() const {
    std::vector<Factor> fs;
    for (size_t g = 0; g < p_.groups.size(); ++g) {
      Factor f{{static_cast<int>(g)}, {}};
      for (const std::string &l : domain_[g]) f.table.push_back(groupCost(static_cast<int>(g), l));
      fs.push_back(std::move(f));
    }
    for (size_t o = 0; o < p_.ops.size(); ++o) {
      int in = p_.ops[o].input, out = p_.ops[o].output;
      Factor f;
      if (in == out) {
        f.vars = {in};
        for (const std::string &l : domain_[in]) f.table.push_back(opCost(o, l, l).first);
      } else {
        f.vars = {std::min(in, out), std::max(in, out)};
        for (const std::string &a : domain_[f.vars[0]])
          for (const std::string &b : domain_[f.vars[1]])
            f.table.push_back(in < out ? opCost(o, a, b).first : opCost(o, b, a).first);
      }
      fs.push_back(std::move(f));
    }
    return fs;
  }

  size_t sizeOf(const std::vector<int> &vars) const {
    size_t n = 1;
    for (int v : vars) n *= domain_[v].size();
    return n;
  }

  // Index of `f`'s entry for the values `value` (indexed by group).
  size_t indexIn(const Factor &f, const std::vector<int> &value) const {
    size_t i = 0;
    for (int v : f.vars) i = i * domain_[v].size() + static_cast<size_t>(value[v]);
    return i;
  }

  // Min-sum variable elimination; empty when a factor would grow past kMaxFactor.
  std::optional<std::vector<int>> solve() const {
    std::vector<Factor> fs = factors();
    std::vector<Elimination> order;
    std::vector<bool> done(p_.groups.size(), false);
    for (size_t step = 0; step < p_.groups.size(); ++step) {
      // The remaining variable whose elimination makes the smallest factor.
      int pick = -1;
      std::vector<int> pickScope;
      size_t pickSize = std::numeric_limits<size_t>::max();
      for (size_t v = 0; v < p_.groups.size(); ++v) {
        if (done[v]) continue;
        std::vector<int> scope;
        for (const Factor &f : fs)
          if (std::binary_search(f.vars.begin(), f.vars.end(), static_cast<int>(v)))
            for (int u : f.vars)
              if (u != static_cast<int>(v)) scope.push_back(u);
        std::sort(scope.begin(), scope.end());
        scope.erase(std::unique(scope.begin(), scope.end()), scope.end());
        size_t size = sizeOf(scope) * domain_[v].size();
        if (size < pickSize) pick = static_cast<int>(v), pickScope = scope, pickSize = size;
      }
      if (pickSize > kMaxFactor) return std::nullopt;
      done[pick] = true;
      std::vector<Factor> touching, rest;
      for (Factor &f : fs)
        (std::binary_search(f.vars.begin(), f.vars.end(), pick) ? touching : rest).push_back(std::move(f));
      Factor merged{pickScope, std::vector<double>(sizeOf(pickScope), kInf)};
      Elimination e{pick, pickScope, std::vector<int>(merged.table.size(), 0)};
      std::vector<int> value(p_.groups.size(), 0);
      for (size_t i = 0; i < merged.table.size(); ++i) {
        size_t rem = i; // decode i into the scope's values (last variable fastest)
        for (size_t k = pickScope.size(); k-- > 0;) {
          value[pickScope[k]] = static_cast<int>(rem % domain_[pickScope[k]].size());
          rem /= domain_[pickScope[k]].size();
        }
        for (size_t x = 0; x < domain_[pick].size(); ++x) {
          value[pick] = static_cast<int>(x);
          double sum = 0;
          for (const Factor &f : touching) sum += f.table[indexIn(f, value)];
          if (sum < merged.table[i]) merged.table[i] = sum, e.argmin[i] = static_cast<int>(x);
        }
      }
      rest.push_back(std::move(merged));
      fs = std::move(rest);
      order.push_back(std::move(e));
    }
    // Back-substitution: the last eliminated variable depends on nothing still open.
    std::vector<int> value(p_.groups.size(), 0);
    for (size_t k = order.size(); k-- > 0;) {
      const Elimination &e = order[k];
      Factor scope{e.scope, {}};
      value[e.var] = e.argmin[indexIn(scope, value)];
    }
    return value;
  }

  const std::vector<std::vector<std::string>> &domain() const { return domain_; }

private:
  const LayoutProblem &p_;
  std::vector<std::vector<std::string>> domain_;
};

// The op's fastest option alone (the per-op plan's choice).
int fastestOption(const LayoutProblem::Op &op) {
  auto it = std::min_element(op.options.begin(), op.options.end(),
                             [](const auto &a, const auto &b) { return a.seconds < b.seconds; });
  return static_cast<int>(it - op.options.begin());
}

} // namespace

LayoutPlan planLayouts(const LayoutProblem &problem) {
  Solver solver(problem);
  LayoutPlan plan;
  plan.layout.assign(problem.groups.size(), "NCHW");
  std::optional<std::vector<int>> value = solver.solve();
  if (value) {
    for (size_t g = 0; g < problem.groups.size(); ++g) plan.layout[g] = solver.domain()[g][(*value)[g]];
  } else {
    // Too large: each op's fastest option, each group in the layout its producing op writes.
    plan.exact = false;
    for (const LayoutProblem::Op &op : problem.ops) plan.layout[op.output] = op.options[fastestOption(op)].output;
  }
  for (size_t o = 0; o < problem.ops.size(); ++o) {
    const LayoutProblem::Op &op = problem.ops[o];
    auto [seconds, option] = solver.opCost(o, plan.layout[op.input], plan.layout[op.output]);
    if (!value) { // the per-op plan keeps each op's fastest option, whatever it costs around it
      option = fastestOption(op);
      const LayoutProblem::Option &opt = op.options[option];
      seconds = opt.seconds + (opt.input != plan.layout[op.input] ? solver.transform(op.input) : 0) +
                (opt.output != plan.layout[op.output] ? solver.transform(op.output) : 0);
    }
    plan.option.push_back(option);
    const LayoutProblem::Option &chosen = op.options[option];
    plan.transforms += (chosen.input != plan.layout[op.input]) + (chosen.output != plan.layout[op.output]);
    plan.seconds += seconds;
  }
  for (size_t g = 0; g < problem.groups.size(); ++g) {
    double extra = solver.groupCost(static_cast<int>(g), plan.layout[g]);
    plan.seconds += extra;
    if (plan.layout[g] != "NCHW")
      plan.transforms += problem.groups[g].plainProducer + problem.groups[g].plainConsumer;
  }
  return plan;
}

} // namespace rqc::autotune
