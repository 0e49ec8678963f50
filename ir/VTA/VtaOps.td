// The VTA dialect: one op per VTA instruction (LOAD, STORE, GEMM, ALU, FINISH) with its
// dependency-token flags, inside a vta.kernel that holds one instruction stream in program
// order and its micro-op table. Field names and meanings are the VTA ISA's (hw_spec.h, as
// ../shared/reference/vta.md section 2 describes it; targets/vta/include/rqc/vta/
// Instruction.h holds the same fields as structs). The verifiers check what a board cannot
// report: SRAM indices within each on-chip buffer of the kernel's configuration, and the
// dependency tokens balanced on each of the four queues. (The simulator's checker,
// runtime/vta, also checks the order of the tokens and the data hazards.)
#ifndef RQC_VTA_OPS
#define RQC_VTA_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"

def VTA_Dialect : Dialect {
  let name = "vta";
  let cppNamespace = "::rqc::vta::ir";
  let summary = "VTA instruction streams (LOAD, STORE, GEMM, ALU, FINISH) and micro-op tables";
}

class VTA_Op<string mnemonic, list<Trait> traits = []> : Op<VTA_Dialect, mnemonic, traits>;

// Pops happen before the instruction runs, pushes after it completes; "prev"/"next" are
// relative to the module order load -> compute -> store.
defvar DepFlags = (ins UnitAttr:$pop_prev, UnitAttr:$pop_next, UnitAttr:$push_prev, UnitAttr:$push_next);

def VTA_KernelOp : VTA_Op<"kernel", [IsolatedFromAbove, SingleBlock, NoTerminator, Symbol]> {
  let summary = "One VTA instruction stream, in program order, for the configuration `model`";
  let description = [{
    `model` is a VTA configuration (TVM's -model=, e.g. pynq_1x16_i8w8a32_15_15_18_17)
    that sizes the on-chip buffers. The body holds at most one vta.uops (the micro-op
    table, loaded at micro-op index 0 by a LOAD UOP) and the instructions; the last is
    vta.finish. Verified: every queue's pushes equal its pops, and every micro-op of a
    GEMM or ALU, over its loops, indexes inside ACC, INP (GEMM) or ACC (ALU) and WGT.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$model);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def VTA_UopsOp : VTA_Op<"uops", [HasParent<"KernelOp">]> {
  let summary = "The kernel's micro-op table: entry i is (dst[i], src[i], wgt[i])";
  let arguments = (ins DenseI32ArrayAttr:$dst, DenseI32ArrayAttr:$src, DenseI32ArrayAttr:$wgt);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def VTA_LoadOp : VTA_Op<"load", [HasParent<"KernelOp">]> {
  let summary = "LOAD: a 2-D strided DMA from DRAM into buffer UOP, WGT, INP, ACC or ACC_8BIT, with zero padding";
  let description = [{
    y_size rows of x_size elements, x_stride elements apart in DRAM (dram_base in
    elements), written at SRAM index sram_base with y_pad0/y_pad1 rows and x_pad0/x_pad1
    columns of zeros around them. INP and WGT loads run on the load module, the others
    on the compute module.
  }];
  let arguments = !con((ins StrAttr:$buffer, I64Attr:$sram_base, I64Attr:$dram_base, I64Attr:$y_size,
                            I64Attr:$x_size, I64Attr:$x_stride,
                            DefaultValuedAttr<I64Attr, "0">:$y_pad0, DefaultValuedAttr<I64Attr, "0">:$y_pad1,
                            DefaultValuedAttr<I64Attr, "0">:$x_pad0, DefaultValuedAttr<I64Attr, "0">:$x_pad1),
                       DepFlags);
  let assemblyFormat = "$buffer attr-dict";
  let hasVerifier = 1;
}

def VTA_StoreOp : VTA_Op<"store", [HasParent<"KernelOp">]> {
  let summary = "STORE: a 2-D strided DMA from the OUT buffer to DRAM (store module)";
  let arguments = !con((ins I64Attr:$sram_base, I64Attr:$dram_base, I64Attr:$y_size, I64Attr:$x_size,
                            I64Attr:$x_stride), DepFlags);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def VTA_GemmOp : VTA_Op<"gemm", [HasParent<"KernelOp">]> {
  let summary = "GEMM: for i < iter_out, j < iter_in, u in [uop_begin, uop_end): ACC[dst] += INP[src] x WGT[wgt]^T";
  let description = [{
    The micro-op loop: dst = uop.dst + i * dst_factor_out + j * dst_factor_in, and so for
    src and wgt. With `reset`, ACC[dst] = 0 instead.
  }];
  let arguments = !con((ins UnitAttr:$reset, I64Attr:$uop_begin, I64Attr:$uop_end, I64Attr:$iter_out,
                            I64Attr:$iter_in, I64Attr:$dst_factor_out, I64Attr:$dst_factor_in,
                            I64Attr:$src_factor_out, I64Attr:$src_factor_in, I64Attr:$wgt_factor_out,
                            I64Attr:$wgt_factor_in), DepFlags);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def VTA_AluOp : VTA_Op<"alu", [HasParent<"KernelOp">]> {
  let summary = "ALU: ACC[dst] = op(ACC[dst], imm or ACC[src]) over GEMM's micro-op loop; op MIN, MAX, ADD, SHR, MUL";
  let arguments = !con((ins StrAttr:$opcode, UnitAttr:$reset, I64Attr:$uop_begin, I64Attr:$uop_end,
                            I64Attr:$iter_out, I64Attr:$iter_in, I64Attr:$dst_factor_out,
                            I64Attr:$dst_factor_in, I64Attr:$src_factor_out, I64Attr:$src_factor_in,
                            OptionalAttr<I32Attr>:$imm), DepFlags);
  let assemblyFormat = "$opcode attr-dict";
  let hasVerifier = 1;
}

def VTA_FinishOp : VTA_Op<"finish", [HasParent<"KernelOp">]> {
  let summary = "FINISH: raises the done flag the driver polls (compute module)";
  let arguments = DepFlags;
  let assemblyFormat = "attr-dict";
}

#endif // RQC_VTA_OPS
