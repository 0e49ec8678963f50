// Every stage of `rqc compile` can be printed. A strided, padded convolution:
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=graph | FileCheck %s --check-prefix=GRAPH
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=linalg | FileCheck %s --check-prefix=LINALG
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=scheduled | FileCheck %s --check-prefix=SCHED
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --dump=llvm | FileCheck %s --check-prefix=LLVM

// GRAPH: func.func private @kernel_0_y(%arg0: tensor<1x1x7x5xf32>, %arg1: tensor<1x1x3x3xf32>) -> tensor<1x1x4x3xf32>
// GRAPH: graph.conv2d
// GRAPH: func.func @main
// GRAPH: call @kernel_0_y

// LINALG: tensor.pad
// LINALG: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}

// The kernel ABI (memref arguments, result materialized into the last one) and the
// schedule that was applied, recorded on the kernel.
// SCHED: func.func @kernel_0_y(%arg0: memref<1x1x7x5xf32>, %arg1: memref<1x1x3x3xf32>, %arg2: memref<1x1x4x3xf32>)
// SCHED-SAME: rqc.schedule = "{{.*}}default.cpu.conv_2d_nhwc_hwcf{{.*}}tile_parallel{{.*}}1, 1, 4, 0{{.*}}vectorize
// SCHED: scf.forall
// SCHED: bufferization.materialize_in_destination

// The packed entry point of the kernel ABI and the ABI helpers.
// LLVM: define void @rqc_kernel_0(ptr
// LLVM: define {{.*}}i32 @rqc_abi_version()
// LLVM: ret i32 1
// LLVM: define void @rqc_set_num_threads(i32
// LLVM: define void @rqc_set_allocator(ptr
