// The rqc graph dialect: network-level tensor operations in NCHW layout, as imported
// from ONNX. Shapes are static; every op checks its operand and result types.
#ifndef RQC_GRAPH_BASE
#define RQC_GRAPH_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::rqc::graph";
  let summary = "Network-level tensor operations (conv, dense, pooling, quantization, ...)";
  let description = [{
    The graph dialect is what the ONNX importer produces and what the reference
    executor runs. Tensors are NCHW, shapes static, element types f32 for float
    networks and i8/ui8/i32 for the integer (quantized) paths.
  }];
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 0;
  let hasConstantMaterializer = 1;
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

// Element-type constraints.
def Graph_FloatTensor : RankedTensorOf<[F32]>;
def Graph_QuantTensor : RankedTensorOf<[I8, UI8]>;
def Graph_AccTensor : RankedTensorOf<[I32]>;
def Graph_NumericTensor : RankedTensorOf<[F32, I32, I8, UI8]>;
def Graph_AnyTensor : RankedTensorOf<[F32, I32, I8, UI8, I64]>;

#endif // RQC_GRAPH_BASE
