// RUN: rqc-opt %s -split-input-file -verify-diagnostics --rqc-cpu-apply-schedule

// A schedule that does not fit its kernel is one error naming the kernel and the step.
// expected-error @+1 {{schedule of wrong_sizes: step 'tile_parallel output': expects one size per output dimension}}
func.func @wrong_sizes(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tile_parallel", "output", [1, 2, 3]]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.copy ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// expected-error @+1 {{schedule of no_root: step 'tensorize root': the kernel has no op with this role}}
func.func @no_root(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "conv2d_nchwc", [0]]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.copy ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// expected-error @+1 {{schedule of unknown_kernel: step 'tensorize root': tensorize: no micro-kernel named 'gemm_magic'}}
func.func @unknown_kernel(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "gemm_magic"]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.copy {rqc.root} ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// expected-error @+1 {{schedule of wrong_structure: step 'tensorize root': tensorize conv2d_nchwc: expects a linalg.generic with 9 loops and 2 inputs}}
func.func @wrong_structure(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "conv2d_nchwc", [0]]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.copy {rqc.root} ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// expected-error @+1 {{schedule of unknown_role: step 'vectorize weights': the kernel has no op with this role}}
func.func @unknown_role(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["vectorize", "weights"]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.copy ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// expected-error @+1 {{schedule: unknown primitive 'reorder'}}
func.func @unknown_primitive(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["reorder", "root", [1, 0]]]}} {
  return %x : tensor<4x16xf32>
}

// -----

// An inlined padding whose consumer's micro-kernel cannot read through it (here: no
// tensorize at all) would be materialized whole: an error instead.
// expected-error @+1 {{schedule of inline_unread: step 'compute_inline pad': a consumer of the padding does not read through it}}
func.func @inline_unread(%x: tensor<4x16xf32>) -> tensor<6x18xf32>
    attributes {rqc.schedule = {template = "test", steps = [["compute_inline", "pad"]]}} {
  %c = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } {rqc.role = "pad"} : tensor<4x16xf32> to tensor<6x18xf32>
  %e = tensor.empty() : tensor<6x18xf32>
  %r = linalg.copy {rqc.root} ins(%p : tensor<6x18xf32>) outs(%e : tensor<6x18xf32>) -> tensor<6x18xf32>
  return %r : tensor<6x18xf32>
}
