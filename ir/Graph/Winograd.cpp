#include "ir/Graph/Winograd.h"

namespace rqc::graph::winograd {

namespace {
constexpr float kBT2[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
constexpr float kG2[] = {1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1};
constexpr float kAT2[] = {1, 1, 1, 0, 0, 1, -1, -1};

constexpr float kBT4[] = {4, 0, -5, 0, 1, 0,   //
                          0, -4, -4, 1, 1, 0,  //
                          0, 4, -4, -1, 1, 0,  //
                          0, -2, -1, 2, 1, 0,  //
                          0, 2, -1, -2, 1, 0,  //
                          0, 4, 0, -5, 0, 1};
constexpr float kG4[] = {1.f / 4,  0,         0,         //
                         -1.f / 6, -1.f / 6,  -1.f / 6,  //
                         -1.f / 6, 1.f / 6,   -1.f / 6,  //
                         1.f / 24, 1.f / 12,  1.f / 6,   //
                         1.f / 24, -1.f / 12, 1.f / 6,   //
                         0,        0,         1};
constexpr float kAT4[] = {1, 1, 1, 1, 1, 0,  //
                          0, 1, -1, 2, -2, 0, //
                          0, 1, 1, 4, 4, 0,   //
                          0, 1, -1, 8, -8, 1};

constexpr Matrices kF2{2, 4, kBT2, kG2, kAT2};
constexpr Matrices kF4{4, 6, kBT4, kG4, kAT4};
} // namespace

const Matrices *matrices(int64_t m) { return m == 2 ? &kF2 : m == 4 ? &kF4 : nullptr; }

} // namespace rqc::graph::winograd
