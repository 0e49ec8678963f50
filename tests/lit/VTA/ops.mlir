// A VTA instruction stream in the VTA dialect prints and parses back to the same text, and
// a well-formed one verifies: one GEMM tile with a SHR epilogue, the tokens balanced.
// RUN: rqc-opt %s | rqc-opt | FileCheck %s

// CHECK-LABEL: vta.kernel @gemm_tile attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"}
// CHECK: vta.uops {dst = array<i32: 0>, src = array<i32: 0>, wgt = array<i32: 0>}
// CHECK: vta.load "UOP" {dram_base = 0 : i64, sram_base = 0 : i64, x_size = 1 : i64, x_stride = 1 : i64, y_size = 1 : i64}
// CHECK: vta.load "INP" {dram_base = 0 : i64, sram_base = 0 : i64, x_pad0 = 1 : i64, x_size = 1 : i64, x_stride = 1 : i64, y_size = 1 : i64}
// CHECK: vta.load "WGT" {dram_base = 0 : i64, push_next, sram_base = 0 : i64, x_size = 1 : i64, x_stride = 1 : i64, y_size = 1 : i64}
// CHECK: vta.gemm {dst_factor_in = 0 : i64, dst_factor_out = 0 : i64, iter_in = 1 : i64, iter_out = 1 : i64, pop_prev,
// CHECK: vta.alu "SHR" {{{.*}}imm = 7 : i32{{.*}}push_next
// CHECK: vta.store {dram_base = 0 : i64, pop_prev, push_prev, sram_base = 0 : i64, x_size = 1 : i64, x_stride = 1 : i64, y_size = 1 : i64}
// CHECK: vta.finish {pop_next}
vta.kernel @gemm_tile attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  vta.uops {dst = array<i32: 0>, src = array<i32: 0>, wgt = array<i32: 0>}
  vta.load "UOP" {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1}
  vta.load "INP" {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1, x_pad0 = 1}
  vta.load "WGT" {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1, push_next}
  vta.gemm {uop_begin = 0, uop_end = 1, iter_out = 1, iter_in = 1, dst_factor_out = 0, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0, wgt_factor_out = 0, wgt_factor_in = 0, pop_prev}
  vta.alu "SHR" {uop_begin = 0, uop_end = 1, iter_out = 1, iter_in = 1, dst_factor_out = 0, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0, imm = 7 : i32, push_next}
  vta.store {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1, pop_prev, push_prev}
  vta.finish {pop_next}
}
