// Strategy only (what rqc-select-schedules attaches), on the same convolution for three
// targets, then with tuning records. The mechanism is tested in tests/lit/schedules/.
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32" | FileCheck %s --check-prefix=AVX512
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=256 vector-registers=16" | FileCheck %s --check-prefix=AVX2
// RUN: rqc-opt %s --rqc-select-schedules="target-key=arm_cpu vector-bits=128 vector-registers=32" | FileCheck %s --check-prefix=ARM
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32 target=llvm records=%S/Inputs/records.log" 2>&1 | FileCheck %s --check-prefix=RECORDS

// Untuned, the template whose fallback has the lowest estimated cost is chosen: the 3x3
// stride-1 convolution by Winograd F(4x4, 3x3) over channel blocks of two vectors (32
// floats on AVX-512), 14 output tiles per GEMM call (14 x 2 accumulators).
// AVX512: graph.conv2d
// AVX512-SAME: rqc.config = {entity = {{\[}}["tile_ic", "sp", [2, 32]], ["tile_oc", "sp", [2, 32]], ["tile_size", "ot", 4], ["tile_th", "ot", 1], ["tile_tw", "ot", 14]], index = 1559 : i64, source = "fallback"}
// AVX512-SAME: ["pack", "output", "NCH4hW4w32c"], ["winograd", "root", [4]]
// AVX512-SAME: ["tile", "root", [1, 1, 1, 1, 14, 0, 0, 0]], ["tensorize", "root", "winograd_gemm", [8]]
// AVX512-SAME: template = "conv2d_NCHWc_winograd.x86"
// AVX512-SAME: rqc.task = ["conv2d_NCHWc_winograd.x86", {{\[}}["TENSOR", [1, 64, 56, 56], "float32"], ["TENSOR", [64, 64, 3, 3], "float32"], [1, 1], [1, 1, 1, 1], [1, 1], "NCHW", "NCHW", "float32"]]
// The stride-2 convolution directly: as many output columns as registers allow (28 = 2 x 14,
// 2 vectors each: 28 accumulators).
// AVX512: graph.conv2d
// AVX512-SAME: rqc.config = {entity = {{\[}}["tile_ic", "sp", [2, 32]], ["tile_oc", "sp", [4, 32]], ["tile_ow", "sp", [2, 14]], ["unroll_kw", "ot", false]], index = 768 : i64, source = "fallback"}
// AVX512-SAME: rqc.schedule = {steps = {{\[}}["pack", "input", "NCHW32c"], ["pack", "weight", "OIHW32i32o"], ["pack", "output", "NCHW32c"], ["compute_root", "pad", [1, 1, 1, 0, 0]], ["tile_parallel", "output", [1, 1, 1, 0, 0]], ["tile", "output", [1, 1, 1, 14, 0]], ["tensorize", "root", "conv2d_nchwc", [0, 8, 1]], ["vectorize", "init"], ["vectorize", "epilogue"]], template = "conv2d_NCHWc.x86"}
// The dense layer: packed by four vectors of features (the largest divisor of 1000 up to 64).
// AVX512: graph.dense
// AVX512-SAME: {{\[}}"tile_x", "sp", [20, 1, 50]]
// AVX512-SAME: template = "dense_pack.x86"

// With AVX2 (16 registers of 8 floats): 16-channel blocks; Winograd's GEMM on 2 x 2 tiles
// (4 x 2 + 3 <= 16), the direct convolution on 4 columns.
// AVX2: rqc.config = {entity = {{\[}}["tile_ic", "sp", [4, 16]], ["tile_oc", "sp", [4, 16]], ["tile_size", "ot", 4], ["tile_th", "ot", 2], ["tile_tw", "ot", 2]]
// AVX2: rqc.config = {entity = {{\[}}["tile_ic", "sp", [4, 16]], ["tile_oc", "sp", [8, 16]], ["tile_ow", "sp", [7, 4]], ["unroll_kw", "ot", false]]

// On arm_cpu (NEON's 4 floats): 8-channel blocks, 14 tiles or columns on AArch64's 32 registers.
// ARM: rqc.config = {entity = {{\[}}["tile_ic", "sp", [8, 8]], ["tile_oc", "sp", [8, 8]], ["tile_size", "ot", 4], ["tile_th", "ot", 1], ["tile_tw", "ot", 14]]
// ARM-SAME: template = "conv2d_NCHWc_winograd.arm_cpu"
// ARM: rqc.config = {entity = {{\[}}["tile_ic", "sp", [8, 8]], ["tile_oc", "sp", [16, 8]], ["tile_ow", "sp", [2, 14]], ["unroll_kw", "ot", false]]
// ARM-SAME: template = "conv2d_NCHWc.arm_cpu"

// A record (line 3) of the direct template beats the untuned Winograd fallback; a malformed line, and faster records outside the space
// or tuned against another version of the space, are skipped with their line numbers.
// RECORDS-DAG: warning: {{.*}}records.log:2: not JSON
// RECORDS-DAG: warning: {{.*}}records.log:4: knob 'tile_ow' value [3,19] is outside the space; skipped
// RECORDS-DAG: warning: {{.*}}records.log:5: record for conv2d_NCHWc.x86 was tuned against another version of its knob space; skipped
// RECORDS: graph.conv2d
// RECORDS-SAME: rqc.config = {entity = {{\[}}["tile_ic", "sp", [4, 16]], ["tile_oc", "sp", [4, 16]], ["tile_ow", "sp", [8, 7]], ["unroll_kw", "ot", true]], index = 179 : i64, source = "{{.*}}records.log:3"}
// RECORDS-SAME: ["tile", "output", [1, 1, 1, 7, 0]], ["tensorize", "root", "conv2d_nchwc", [1, 8, 1]]
// RECORDS: graph.dense
// RECORDS-SAME: source = "fallback"
func.func @main(%x: tensor<1x64x56x56xf32>, %v: tensor<1x512xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x128x28x28xf32>, tensor<1x1000xf32>) {
  %w = graph.constant dense<1.0> : tensor<64x64x3x3xf32>
  %b = graph.constant dense<0.5> : tensor<64xf32>
  %y = graph.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %w2 = graph.constant dense<1.0> : tensor<128x64x3x3xf32>
  %z = graph.conv2d %x, %w2 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x56x56xf32>, tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32>
  %wd = graph.constant dense<1.0> : tensor<1000x512xf32>
  %d = graph.dense %v, %wd : (tensor<1x512xf32>, tensor<1000x512xf32>) -> tensor<1x1000xf32>
  return %y, %z, %d : tensor<1x64x56x56xf32>, tensor<1x128x28x28xf32>, tensor<1x1000xf32>
}
