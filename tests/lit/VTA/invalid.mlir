// The VTA dialect's verifiers: SRAM indices inside the configuration's buffers (Pynq: INP
// and ACC 2048 elements), tokens balanced on every queue, each module's own queues only.
// RUN: rqc-opt %s -split-input-file -verify-diagnostics

vta.kernel @inp_overflow attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  // expected-error @+1 {{'vta.load' op writes INP elements [2040, 2058), beyond the buffer's 2048 elements}}
  vta.load "INP" {sram_base = 2040, dram_base = 0, y_size = 1, x_size = 16, x_stride = 16, x_pad0 = 1, x_pad1 = 1}
  vta.finish
}

// -----

// expected-error @+1 {{'vta.kernel' op queue store->compute has 1 push(es) and 0 pop(s): a token is left over or awaited forever}}
vta.kernel @unbalanced attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  vta.store {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1, push_prev}
  vta.finish
}

// -----

vta.kernel @load_has_no_prev attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  // expected-error @+1 {{'vta.load' op runs on the load module, which has no previous module}}
  vta.load "WGT" {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1, pop_prev}
  vta.finish
}

// -----

vta.kernel @acc_overflow attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  vta.uops {dst = array<i32: 1500>, src = array<i32: 0>, wgt = array<i32: 0>}
  // expected-error @+1 {{'vta.gemm' op micro-op 0 reaches ACC element 3000, beyond the buffer's 2048}}
  vta.gemm {uop_begin = 0, uop_end = 1, iter_out = 2, iter_in = 1, dst_factor_out = 1500, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0, wgt_factor_out = 0, wgt_factor_in = 0}
  vta.finish
}

// -----

// expected-error @+1 {{'vta.kernel' op must end with vta.finish}}
vta.kernel @no_finish attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  vta.load "UOP" {sram_base = 0, dram_base = 0, y_size = 1, x_size = 1, x_stride = 1}
}

// -----

// expected-error @+1 {{'vta.kernel' op model: malformed VTA model string 'pynq_bogus'}}
vta.kernel @bad_model attributes {model = "pynq_bogus"} {
  vta.finish
}

// -----

vta.kernel @bad_opcode attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  // expected-error @+1 {{'vta.alu' op opcode 'DIV' is not MIN, MAX, ADD, SHR or MUL}}
  vta.alu "DIV" {uop_begin = 0, uop_end = 0, iter_out = 1, iter_in = 1, dst_factor_out = 0, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0}
  vta.finish
}

// -----

vta.kernel @wide_immediate attributes {model = "pynq_1x16_i8w8a32_15_15_18_17"} {
  // expected-error @+1 {{'vta.alu' op immediate -40000 does not fit 16 bits}}
  vta.alu "ADD" {uop_begin = 0, uop_end = 0, iter_out = 1, iter_in = 1, dst_factor_out = 0, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0, imm = -40000 : i32}
  vta.finish
}
