// The OpenCL C printer: kernels in loop form (scf/arith/math/memref after bufferization and
// linalg-to-parallel-loops, docs/opencl.md) -> OpenCL C 1.2 source, with the launches the
// runtime makes for each kernel.
//
// Each kernel function's top level is a sequence of loop nests over its memref arguments
// and its temporaries (memref.alloc). Every top-level scf.parallel becomes one __kernel
// whose NDRange is the parallel loop's iteration space: its last (innermost, contiguous)
// dimension is get_global_id(0), the one before get_global_id(1), and the remaining outer
// dimensions are folded into get_global_id(2). A top-level sequential loop becomes a
// one-work-item kernel. Temporaries become scratch buffers the runtime allocates once per
// kernel; constant tensors become program-scope __constant arrays.
#pragma once

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rqc::opencl {

// One clEnqueueNDRangeKernel.
struct Launch {
  std::string entry;             // the __kernel's name: "<symbol>_<n>", e.g. "rqc_kernel_3_0"
  std::vector<int64_t> global;   // global work size, 1 to 3 dims (dim 0 = get_global_id(0))
  std::vector<int64_t> local;    // work-group size per dim, or empty: the driver chooses
  std::vector<int64_t> args;     // kernel-function arguments it takes, in order (index into the
                                 // function's memref args: inputs then outputs)...
  std::vector<int64_t> scratch;  // ...followed by these scratch buffers (index into scratchBytes)
};

struct EmittedKernel {
  std::string function;              // the MLIR function, e.g. "kernel_3_conv1"
  std::string symbol;                // its package symbol, e.g. "rqc_kernel_3"
  std::vector<Launch> launches;      // in order; each sees the previous ones' writes
  std::vector<uint64_t> scratchBytes; // temporaries, bytes each
};

// How a kernel's reduction nest (a top-level scf.parallel over the output whose body is a
// chain of scf.for loops accumulating into one output element) maps onto work-items: the
// schedule steps register_tile, bind_threads, reorder_tile and unroll_reduce
// (schedules/Schedule.h), sizes per dim of the accumulated buffer.
struct WorkItemTiling {
  std::vector<int64_t> registerTile; // outputs per work-item along each dim
  std::vector<int64_t> threads;      // work-group size along each dim (in blocks)
  std::vector<int64_t> order;        // the block's dims, outermost first
  std::vector<int64_t> unroll;       // per reduction loop: 1 keep, 0 unroll fully, f unroll by f
};

struct EmittedProgram {
  std::string source;                  // kernels.cl
  std::vector<EmittedKernel> kernels;  // in the order they were asked for
};

// Prints the functions named in `functions` (with their package symbols `symbols`) of
// `module`. Throws rqc::Error naming the op when a kernel holds something OpenCL C 1.2 cannot
// express here (dynamic shapes, f64, an op with no printer).
// `tilings[i]` (when present) applies to the first reduction nest of functions[i]; a nest
// that does not match it is an error (the schedule was made for another kernel).
EmittedProgram emitOpenCL(mlir::ModuleOp module, const std::vector<std::string> &functions,
                          const std::vector<std::string> &symbols,
                          const std::vector<std::optional<WorkItemTiling>> &tilings);

} // namespace rqc::opencl
