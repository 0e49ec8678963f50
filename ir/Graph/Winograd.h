// Winograd's minimal filtering F(m x m, 3 x 3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): an m x m output tile of a 3 x 3 convolution is
// A^T [ (G g G^T) (.) (B^T d B) ] A, with d the (m+2) x (m+2) input tile and g the filter.
// F(2x2, 3x3) uses points 0, 1, -1; F(4x4, 3x3) points 0, 1, -1, 2, -2 (the matrices of
// that paper). Shared by the reference kernels, the lowering and the micro-kernels. No MLIR.
#pragma once

#include <cstdint>

namespace rqc::graph::winograd {

struct Matrices {
  int m;     // output tile size
  int alpha; // input tile size m + 2
  const float *BT; // alpha x alpha
  const float *G;  // alpha x 3
  const float *AT; // m x alpha
};

// F(m x m, 3 x 3) for m = 2 or 4; nullptr otherwise.
const Matrices *matrices(int64_t m);

} // namespace rqc::graph::winograd
