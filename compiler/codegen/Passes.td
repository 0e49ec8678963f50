// Passes over the kernels after lowering to linalg (before a target's code generation),
// one per file in this folder, each with a lit test under tests/lit/codegen/.
#ifndef RQC_CODEGEN_PASSES
#define RQC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def SelectKernelSchedules : Pass<"rqc-select-kernel-schedules", "mlir::ModuleOp"> {
  let summary = "Give every kernel without a schedule the generic template's";
  let description = [{
    Kernels whose root op no template claims at graph level (elementwise ops, layout
    changes, softmax, integer kernels, plain-layout pooling) get the schedule of the
    target's generic template (schedules/cpu/generic.cpp), computed from the kernel's
    linalg ops and their loop ranges: rqc.task, rqc.config and rqc.schedule on the kernel
    function, as rqc-select-schedules attaches them to graph ops.
  }];
  let options = [
    Option<"targetKey", "target-key", "std::string", /*default=*/"\"x86\"", "Template suffix: x86 or arm_cpu">,
    Option<"vectorBits", "vector-bits", "int", /*default=*/"256", "Widest float SIMD register in bits">,
    Option<"vectorRegisters", "vector-registers", "int", /*default=*/"16", "SIMD registers">
  ];
}

#endif // RQC_CODEGEN_PASSES
