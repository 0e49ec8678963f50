// The graph tuner in rqc-select-schedules: a 3x3 convolution whose fastest record (line 3,
// 0.9 ms) writes NCHW32c feeds a 1x1 convolution whose fastest (line 4, 1.0 ms) reads
// NCHW16c. Each alone, they disagree and a transform of the 64x56x56 activation (0.8 MB
// each way, about 0.2 ms at the default 8 GB/s) sits between them; over the graph, the 3x3
// takes its NCHW16c record (line 2, 1.0 ms) and the ReLU between them runs blocked.
// Records: tests/lit/passes/Inputs/make_records.py.
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32 target=llvm records=%S/Inputs/graph-tuner.log" | FileCheck %s --check-prefix=GRAPH
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32 target=llvm records=%S/Inputs/graph-tuner.log" --rqc-alter-layout | FileCheck %s --check-prefix=GRAPH-LAYOUT
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32 target=llvm graph-tuner=false records=%S/Inputs/graph-tuner.log" | FileCheck %s --check-prefix=PEROP
// RUN: rqc-opt %s --rqc-select-schedules="target-key=x86 vector-bits=512 vector-registers=32 target=llvm graph-tuner=false records=%S/Inputs/graph-tuner.log" --rqc-alter-layout | FileCheck %s --check-prefix=PEROP-LAYOUT

// GRAPH: graph.conv2d
// GRAPH-SAME: source = "{{.*}}graph-tuner.log:2"
// GRAPH: graph.conv2d
// GRAPH-SAME: source = "{{.*}}graph-tuner.log:4"

// Only the input and output change layout; the activation between stays NCHW16c.
// GRAPH-LAYOUT: graph.layout_transform %arg0 {dst_layout = "NCHW16c", src_layout = "NCHW"}
// GRAPH-LAYOUT-NOT: src_layout = "NCHW32c"
// GRAPH-LAYOUT: graph.relu {{.*}} : tensor<1x4x56x56x16xf32>
// GRAPH-LAYOUT-NOT: graph.layout_transform {{.*}}dst_layout = "NCHW16c"
// GRAPH-LAYOUT: graph.layout_transform {{.*}} {dst_layout = "NCHW", src_layout = "NCHW16c"}

// PEROP: graph.conv2d
// PEROP-SAME: source = "{{.*}}graph-tuner.log:3"
// PEROP: graph.conv2d
// PEROP-SAME: source = "{{.*}}graph-tuner.log:4"
// PEROP-LAYOUT: graph.relu {{.*}} : tensor<1x2x56x56x32xf32>
// PEROP-LAYOUT: graph.layout_transform {{.*}} {dst_layout = "NCHW16c", src_layout = "NCHW32c"}
func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = graph.constant dense<1.0> : tensor<64x64x3x3xf32>
  %y = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %r = graph.relu %y : tensor<1x64x56x56xf32>
  %w2 = graph.constant dense<1.0> : tensor<64x64x1x1xf32>
  %z = graph.conv2d %r, %w2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x64x56x56xf32>, tensor<64x64x1x1xf32>) -> tensor<1x64x56x56xf32>
  return %z : tensor<1x64x56x56xf32>
}
