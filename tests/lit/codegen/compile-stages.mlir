// Every stage of `rqc compile` can be printed. A strided, padded convolution:
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=graph | FileCheck %s --check-prefix=GRAPH
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=linalg | FileCheck %s --check-prefix=LINALG
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=scheduled | FileCheck %s --check-prefix=SCHED
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=llvm | FileCheck %s --check-prefix=LLVM

// The convolution's template packs one channel per block (1 input, 1 output channel), so
// the layout changes at the model's edges move no bytes: they are reshapes (aliases).
// GRAPH: func.func private @kernel_0_y(%arg0: tensor<1x1x7x5x1xf32>, %arg1: tensor<1x1x3x3x1x1xf32>) -> tensor<1x1x4x3x1xf32>
// GRAPH-SAME: rqc.schedule = {steps = {{.*}}template = "conv2d_NCHWc.{{x86|arm_cpu}}"}
// GRAPH-SAME: rqc.task = ["conv2d_NCHWc.{{x86|arm_cpu}}", {{\[}}["TENSOR", [1, 1, 7, 5], "float32"], ["TENSOR", [1, 1, 3, 3], "float32"], [2, 2], [1, 1, 1, 1], [1, 1], "NCHW", "NCHW", "float32"]]
// GRAPH: graph.conv2d {{.*}}data_layout = "NCHW1c"{{.*}}weight_layout = "OIHW1i1o"
// GRAPH: func.func @main
// GRAPH: graph.reshape %arg0 : (tensor<1x1x7x5xf32>) -> tensor<1x1x7x5x1xf32>
// GRAPH: call @kernel_0_y
// GRAPH: graph.reshape %{{.*}} : (tensor<1x1x4x3x1xf32>) -> tensor<1x1x4x3xf32>

// LINALG: tensor.pad %arg0 low[0, 0, 1, 1, 0] high[0, 0, 1, 1, 0]
// LINALG: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]

// The steps applied to each kernel, then the kernel ABI (memref arguments, result
// materialized into the last one) and the scheduled loops: the padding computed at root,
// output tiles in parallel, the micro-kernel's accumulators carried through its loops.
// SCHED: // kernel_0_y: conv2d_NCHWc.{{x86|arm_cpu}} (fallback) tile_ic=[1,1] tile_oc=[1,1] tile_ow=[1,3] unroll_kw=false
// SCHED-NEXT: //   pack input NCHW1c
// SCHED-NEXT: //   pack weight OIHW1i1o
// SCHED-NEXT: //   pack output NCHW1c
// SCHED-NEXT: //   compute_root pad [1, 1, 1, 0, 0]
// SCHED-NEXT: //   tile_parallel output [1, 1, 1, 0, 0]
// SCHED-NEXT: //   tile output [1, 1, 1, 3, 0]
// SCHED-NEXT: //   tensorize root conv2d_nchwc [0, 1, 1]
// SCHED: func.func @kernel_0_y(%arg0: memref<1x1x7x5x1xf32>, %arg1: memref<1x1x3x3x1x1xf32>, %arg2: memref<1x1x4x3x1xf32>)
// SCHED: linalg.copy {rqc.compute_root, rqc.role = "pad"}
// SCHED: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 1, 4)
// SCHED: scf.for {{.*}} -> (vector<1xf32>, vector<1xf32>, vector<1xf32>)
// SCHED: vector.fma
// SCHED: bufferization.materialize_in_destination

// The packed entry point of the kernel ABI and the ABI helpers; the micro-kernel prefetches
// the next output-channel block's filters (its last argument, 1) to L2 (locality 2).
// LLVM: call void @llvm.prefetch.p0(ptr %{{.*}}, i32 0, i32 2, i32 1)
// LLVM: define void @rqc_kernel_0(ptr
// LLVM: define {{.*}}i32 @rqc_abi_version()
// LLVM: ret i32 1
// LLVM: define void @rqc_set_num_threads(i32
// LLVM: define void @rqc_set_allocator(ptr
