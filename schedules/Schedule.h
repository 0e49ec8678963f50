// Schedules are data: a list of named primitives with their arguments, like Halide's
// schedule records or TVM's trace. Templates (schedules/cpu/*.cpp) turn a config into
// steps; the graph passes apply the layout steps and one replayer per target applies the
// loop steps (targets/cpu/ApplySchedule.cpp). No MLIR here.
//
// Each step names the op it applies to by role. The lowering tags a kernel's ops:
//   "input", "weight", "output"  graph-level tensors of the root op (for `pack`)
//   "pad"       the padding of the root op's input
//   "root"      the op the kernel is built around (convolution, matmul, pooling)
//   "output"    the op writing the kernel's result (the root or its last epilogue op)
//   "op:N"      the N-th linalg op of the kernel (kernels without a root)
//   "input_transform", "output_transform"  a Winograd convolution's transforms
//
// The vocabulary (sizes are per loop of the op, 0 = the whole loop):
//   pack          (input|weight|output, layout)  graph level: the tensor's layout, e.g.
//                 "NCHW16c", "OIHW16i16o" (TVM's layout strings); applied by rqc-alter-layout
//   winograd      (root, [m])        graph level: compute the convolution by Winograd's
//                 F(m x m, 3 x 3) (conv2d_winograd with the filter transformed at compile
//                 time); applied by rqc-alter-layout
//   compute_root  (op)               compute the op once, before the parallel loop, in
//                 parallel tiles of `sizes` (Halide's compute_root); not fused into tiles
//   compute_inline (pad)             never materialize the padding: the consumer's
//                 micro-kernel reads the pad's source with bounds checks (Halide's
//                 compute_inline); only micro-kernels that can do so accept it
//   tile_parallel (op, sizes)        tile into a parallel loop nest (scf.forall -> OpenMP)
//                 and fuse the op's producers into each tile (Halide's compute_at)
//   tile          (op, sizes)        tile into a serial loop nest (scf.for); when the op is
//                 "output" its producers are fused into each tile, like tile_parallel, but
//                 a padding (computed at root or per parallel tile) is not
//   interchange   (op, permutation)  reorder the op's loops
//   unroll        (op, factor)       unroll the innermost loop produced by `tile`
//   vectorize     (op)               turn the op (a register-sized tile) into vector ops
//   tensorize     (op, micro-kernel, args)  replace the op (a tile) by a named micro-kernel
//                 (targets/cpu/MicroKernels.cpp) with integer arguments
// GPU work-items (OpenCL, targets/opencl; sizes per dim of the op's output tensor):
//   register_tile (root, sizes)      each work-item computes this block of the output, its
//                 accumulators in private registers over the whole reduction (TVM's
//                 spatial-pack vh/vw/vc); the blocks form the NDRange
//   bind_threads  (root, sizes)      the work-group: this many blocks along each dim
//                 (TVM's threadIdx binding of a split's middle factor)
//   reorder_tile  (root, dims)       the order the block's elements are computed in,
//                 outermost first (TVM's reorder_0 over vh, vw, vc)
//   unroll_reduce (root, factors)    per reduction loop, outermost first: 1 keeps the loop,
//                 0 unrolls it fully, f > 1 unrolls it by f (ann_reduce, c_unroll)
//   virtual_thread (op, [threads per axis])  TVM's cthread: interleave that many copies of
//                 the op's tile sequence, each with its own on-chip buffers, so that one
//                 copy's loads overlap another's compute (VTA: [oc_nthread, h_nthread])
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::schedule {

struct Step {
  std::string primitive;
  std::string op;             // the role of the op it applies to
  std::vector<int64_t> sizes; // integer arguments
  std::string name;           // string argument: a layout (pack) or a micro-kernel (tensorize)

  bool operator==(const Step &o) const {
    return primitive == o.primitive && op == o.op && sizes == o.sizes && name == o.name;
  }
};

struct Schedule {
  std::string templateName; // e.g. "conv2d_NCHWc.x86"
  std::vector<Step> steps;

  // The layout a `pack` step gives `tensor` ("input", "weight", "output"), or "".
  std::string packed(const std::string &tensor) const;
};

// JSON form: {"template": T, "steps": [["tile_parallel", "output", [1, 2, 8, 0, 0]],
// ["pack", "input", "NCHW16c"], ["tensorize", "root", "conv2d_nchwc_fma", [14, 0]], ...]}:
// a step is [primitive, op] followed by its string argument (if any) and its integer list
// (if any).
nlohmann::json toJson(const Schedule &s);
// Parses and validates the JSON form (known primitive, argument kinds); throws rqc::Error
// naming the bad step.
Schedule scheduleFromJson(const nlohmann::json &j);

// One line per step, for --dump=scheduled: "tile_parallel output [1, 2, 8, 0, 0]".
std::string describe(const Schedule &s);

} // namespace rqc::schedule
