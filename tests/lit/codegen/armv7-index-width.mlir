// ARMv7 hard-float: the triple is normalized (LLVM takes the hard-float ABI from its
// fourth component) and the kernels use 32-bit indices throughout, down to malloc's size_t.
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --target="arm_cpu -mtriple=armv7a-linux-gnueabihf" -mcpu=cortex-a9 --dump=llvm -o %t.rqc | FileCheck %s
// RUN: rqc compile %onnx_node/test_conv_with_strides_padding/model.onnx --target="arm_cpu -mtriple=armv7a-linux-gnueabihf" --dump=llvm -o %t.rqc | FileCheck %s --check-prefix=NO64

// CHECK: target datalayout = "e-m:e-p:32:32
// CHECK: target triple = "armv7a-unknown-linux-gnueabihf"
// CHECK: declare {{.*}}ptr @malloc(i32
// CHECK: define void @rqc_kernel_0(ptr

// NO64-NOT: getelementptr {{.*}}, i64
// NO64-NOT: @malloc(i64
