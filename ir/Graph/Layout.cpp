#include "ir/Graph/Layout.h"

#include "rqc/runtime/Error.h"

#include <cctype>

namespace rqc::graph {

Layout Layout::parse(const std::string &text) {
  auto bad = [&](const std::string &why) { return Error("layout '" + text + "': " + why); };
  Layout l;
  l.text_ = text;
  for (size_t i = 0; i < text.size();) {
    int64_t factor = 0;
    bool hasNumber = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      factor = factor * 10 + (text[i++] - '0');
      hasNumber = true;
      if (factor > (1 << 20)) throw bad("block size too large");
    }
    if (i == text.size()) throw bad("ends with a number");
    char c = text[i++];
    if (!std::isalpha(static_cast<unsigned char>(c))) throw bad(std::string("unexpected '") + c + "'");
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (hasNumber) throw bad(std::string("a number before the primal axis '") + c + "'");
      if (l.position(c) >= 0) throw bad(std::string("axis '") + c + "' appears twice");
      l.axes_.push_back({c, 0});
    } else {
      if (!hasNumber || factor < 1) throw bad(std::string("block '") + c + "' needs a positive size");
      char primal = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (l.position(primal) < 0) throw bad(std::string("block '") + c + "' before its axis '" + primal + "'");
      for (const Axis &a : l.axes_)
        if (a.name == c) throw bad(std::string("axis '") + primal + "' is blocked twice");
      l.axes_.push_back({c, factor});
    }
  }
  if (l.axes_.empty()) throw bad("empty");
  l.index();
  return l;
}

void Layout::index() {
  primal_.clear();
  for (const Axis &a : axes_)
    if (std::isupper(static_cast<unsigned char>(a.name))) primal_ += a.name;
  primalOf_.clear();
  blockOf_.clear();
  for (const Axis &a : axes_) {
    char p = static_cast<char>(std::toupper(static_cast<unsigned char>(a.name)));
    primalOf_.push_back(static_cast<int>(primal_.find(p)));
    blockOf_.push_back(block(p));
  }
}

std::string Layout::primal() const { return primal_; }

int64_t Layout::block(char axis) const {
  char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(axis)));
  for (const Axis &a : axes_)
    if (a.name == lower) return a.factor;
  return 1;
}

int Layout::position(char axis) const {
  for (size_t i = 0; i < axes_.size(); ++i)
    if (axes_[i].name == axis) return static_cast<int>(i);
  return -1;
}

std::vector<int64_t> Layout::shapeOf(const std::vector<int64_t> &primalShape) const {
  std::string p = primal();
  if (primalShape.size() != p.size())
    throw Error("layout '" + text_ + "' needs a rank-" + std::to_string(p.size()) + " tensor");
  std::vector<int64_t> shape;
  for (const Axis &a : axes_) {
    if (a.factor) {
      shape.push_back(a.factor);
      continue;
    }
    int64_t extent = primalShape[p.find(a.name)], b = block(a.name);
    if (extent % b != 0)
      throw Error("layout '" + text_ + "': block " + std::to_string(b) + " does not divide axis " + a.name + " of size " +
                  std::to_string(extent));
    shape.push_back(extent / b);
  }
  return shape;
}

std::vector<int64_t> Layout::primalShapeOf(const std::vector<int64_t> &shape) const {
  if (shape.size() != axes_.size())
    throw Error("layout '" + text_ + "' needs a rank-" + std::to_string(axes_.size()) + " tensor");
  std::string p = primal();
  std::vector<int64_t> out(p.size());
  for (size_t i = 0; i < axes_.size(); ++i)
    if (!axes_[i].factor) out[p.find(axes_[i].name)] = shape[i] * block(axes_[i].name);
  return out;
}

namespace {
// `shape` (axes named by `from`) reordered to the axes named by `to`.
std::vector<int64_t> reordered(const std::vector<int64_t> &shape, const std::string &from, const std::string &to,
                               const std::string &layout) {
  if (from.size() != to.size() || shape.size() != from.size())
    throw Error("layout '" + layout + "' has axes " + from + ", expected a permutation of " + to);
  std::vector<int64_t> out;
  for (char c : to) {
    size_t pos = from.find(c);
    if (pos == std::string::npos) throw Error("layout '" + layout + "' has axes " + from + ", expected a permutation of " + to);
    out.push_back(shape[pos]);
  }
  return out;
}
} // namespace

std::vector<int64_t> Layout::shapeOf(const std::vector<int64_t> &shape, const std::string &order) const {
  return shapeOf(reordered(shape, order, primal(), text_));
}

std::vector<int64_t> Layout::primalShapeOf(const std::vector<int64_t> &shape, const std::string &order) const {
  return reordered(primalShapeOf(shape), primal(), order, text_);
}

void Layout::toIndex(const int64_t *p, int64_t *index) const {
  for (size_t i = 0; i < axes_.size(); ++i)
    index[i] = axes_[i].factor ? p[primalOf_[i]] % axes_[i].factor : p[primalOf_[i]] / blockOf_[i];
}

void Layout::toPrimal(const int64_t *index, int64_t *p) const {
  for (size_t k = 0; k < primal_.size(); ++k) p[k] = 0;
  for (size_t i = 0; i < axes_.size(); ++i) p[primalOf_[i]] += axes_[i].factor ? index[i] : index[i] * blockOf_[i];
}

std::string blockedNCHW(int64_t c) { return c ? "NCHW" + std::to_string(c) + "c" : "NCHW"; }

} // namespace rqc::graph
