// RUN: rqc-opt %s --rqc-alter-layout | FileCheck %s

// conv2d_NCHWc_int8's packing: the data NCHW4c, the weight OIHW8o4i, the input zero point
// folded into the bias (b - xz * sum(w[o]) = 10 - 128 * (4 * 3 * 3 * 1) = -4598), and the
// per-channel requantize after it runs in the blocked layout with its scales following the
// blocked channels (data_layout), so the layout changes back only at the output.
// CHECK-LABEL: func @main
// CHECK-DAG: %[[B:.*]] = graph.constant dense<-4598> : tensor<8xi32>
// CHECK-DAG: %[[X:.*]] = graph.layout_transform %arg0 {dst_layout = "NCHW4c", src_layout = "NCHW"} : (tensor<1x4x8x8xui8>) -> tensor<1x1x8x8x4xui8>
// CHECK-DAG: %[[W:.*]] = graph.layout_transform %{{.*}} {dst_layout = "OIHW8o4i", src_layout = "OIHW"} : (tensor<8x4x3x3xi8>) -> tensor<1x1x3x3x8x4xi8>
// CHECK: %[[A:.*]] = graph.conv2d_integer %[[X]], %[[W]], %[[B]] {data_layout = "NCHW4c"{{.*}}input_zero_point = 128 : i32{{.*}}weight_layout = "OIHW8o4i"{{.*}}zero_point_folded} {{.*}} -> tensor<1x1x8x8x8xi32>
// CHECK: %[[Q:.*]] = graph.requantize %[[A]] {axis = 1 : i64, data_layout = "NCHW8c", {{.*}}} : (tensor<1x1x8x8x8xi32>) -> tensor<1x1x8x8x8xui8>
// CHECK: %[[Y:.*]] = graph.layout_transform %[[Q]] {dst_layout = "NCHW", src_layout = "NCHW8c"}
// CHECK: return %[[Y]]
func.func @main(%x: tensor<1x4x8x8xui8>) -> tensor<1x8x8x8xui8> {
  %w = graph.constant dense<1> : tensor<8x4x3x3xi8>
  %b = graph.constant dense<10> : tensor<8xi32>
  %a = graph.conv2d_integer %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         input_zero_point = 128 : i32, weight_zero_point = array<i32: 0>,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW4c"], ["pack", "weight", "OIHW8o4i"], ["pack", "output", "NCHW8c"]]}}
       : (tensor<1x4x8x8xui8>, tensor<8x4x3x3xi8>, tensor<8xi32>) -> tensor<1x8x8x8xi32>
  %q = graph.requantize %a {axis = 1 : i64, scale = array<f32: 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2>, zero_point = 0 : i32}
       : (tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xui8>
  return %q : tensor<1x8x8x8xui8>
}
