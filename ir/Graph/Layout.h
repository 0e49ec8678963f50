// Tensor layouts as TVM writes them: uppercase letters are the primal axes in memory order
// ("NCHW", "OIHW", "NK"), a number and a lowercase letter is a block of that axis placed
// innermost-so-far: "NCHW16c" is [N, C/16, H, W, 16], "OIHW16i16o" is
// [O/16, I/16, H, W, 16(i), 16(o)], "NK16n" (a packed dense weight) is [N/16, K, 16].
// At most one block per axis; a block must divide its axis. No MLIR here (the reference
// kernels use it too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::graph {

class Layout {
public:
  struct Axis {
    char name;      // 'N', 'C', ... primal; 'c', ... a block of the matching primal axis
    int64_t factor; // block size (0 for primal axes)
  };

  // Throws rqc::Error "layout 'X': ..." for malformed strings.
  static Layout parse(const std::string &text);

  const std::string &str() const { return text_; }
  const std::vector<Axis> &axes() const { return axes_; }
  size_t rank() const { return axes_.size(); }
  // The primal axes in order, e.g. "NCHW" for "NCHW16c".
  std::string primal() const;
  bool isPrimal() const { return primal().size() == axes_.size(); }
  // The block size of primal axis `axis` (1 when it is not blocked).
  int64_t block(char axis) const;
  // Position of the primal axis `axis` (its outer part when blocked), or -1.
  int position(char axis) const;

  // The shape in this layout of a tensor whose primal shape (in primal() order) is
  // `primalShape`; throws rqc::Error when a block does not divide its axis.
  std::vector<int64_t> shapeOf(const std::vector<int64_t> &primalShape) const;
  // The primal shape (in primal() order) of a tensor with `shape` in this layout.
  std::vector<int64_t> primalShapeOf(const std::vector<int64_t> &shape) const;
  // The same, with the primal axes in the order `order` (a permutation of primal(), e.g.
  // "OIHW" for an "OHWI" or "OIHW16i16o" weight).
  std::vector<int64_t> shapeOf(const std::vector<int64_t> &shape, const std::string &order) const;
  std::vector<int64_t> primalShapeOf(const std::vector<int64_t> &shape, const std::string &order) const;
  // Index in this layout of the element at primal coordinates `p` (primal() order), and back.
  void toIndex(const int64_t *p, int64_t *index) const;
  void toPrimal(const int64_t *index, int64_t *p) const;

private:
  void index(); // fills the per-axis tables below from axes_
  std::string text_;
  std::vector<Axis> axes_;
  std::string primal_;
  std::vector<int> primalOf_;     // per axis: its primal axis's position in primal_
  std::vector<int64_t> blockOf_;  // per axis: the block of its primal axis (1 if none)
};

// "NCHW" with channels blocked by `c` ("NCHW16c"); plain "NCHW" when c == 0.
std::string blockedNCHW(int64_t c);

} // namespace rqc::graph
