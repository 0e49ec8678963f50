// Post-training static quantization of an ONNX model into ONNX's QDQ form: the graph
// rewrite, in two steps around calibration.
//
//   plan = planQuantization(model, options)         which nodes, which tensors to calibrate
//   (run the model with plan.activations as extra outputs, collect ranges: the driver)
//   applyQuantization(model, plan, params, options)  weights, biases, QDQ pairs
//
// The result is the form ONNX Runtime's quantizer writes (QuantFormat.QDQ), which ONNX
// Runtime, rqc and TVM's QNN importer all run:
//   - Conv / Gemm / MatMul with a constant float weight: the weight becomes an int8
//     initializer, symmetric per output channel ([-127, 127], zero point 0; Conv axis 0,
//     Gemm axis 0 with transB=1 else 1, MatMul axis 1), read through DequantizeLinear; a
//     constant bias becomes int32 with scale input_scale * weight_scale[c].
//   - Every float activation such a node reads, and those Add, Concat, MaxPool,
//     AveragePool, GlobalAveragePool and Flatten read, gets QuantizeLinear ->
//     DequantizeLinear with the calibrated scale and zero point; so does their output, or,
//     when a Relu or Clip is the output's only reader, that activation's output (the
//     activation stays in the graph). Graph outputs stay float. (foldBatchNormIntoConv runs
//     first: a BatchNormalization after a Conv is folded into it.)
//   - Nodes left in float: the first Conv and last Gemm/MatMul when asked, nodes named in
//     keepFloatNodes, and everything else.
// Needs opset 13 or later (per-channel DequantizeLinear); rqc reads up to opset 18.
#pragma once

#include "compiler/quantize/Calibration.h"

#include <map>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace rqc::quantize {

struct QuantizeOptions {
  ActivationScheme activations;
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.999;
  bool keepFirstConvFloat = false;
  bool keepLastDenseFloat = false;
  // Weights in [-63, 63] instead of [-127, 127] (like ONNX Runtime's reduce_range, whose
  // symmetric int8 range is [-64, 64]; both keep the bound below): any two
  // neighbouring weights times uint8 data then sum within i16 (vpmaddubsw, AVX2).
  bool reduceRange = false;
  std::vector<std::string> keepFloatNodes; // node names
};

struct QuantizationPlan {
  std::vector<int> weightedNodes;       // graph node indices: Conv/Gemm/MatMul with int8 weights
  std::vector<std::string> activations; // tensors to calibrate and quantize, in graph order
  std::vector<std::string> keptFloat;   // "conv1 (Conv): --keep-first-conv-float", for the report
};

// Whether the model is already quantized (has QuantizeLinear, DequantizeLinear, QLinearConv,
// QLinearMatMul, ConvInteger, MatMulInteger or DynamicQuantizeLinear nodes).
bool isQuantized(const ::onnx::ModelProto &model);

// Validates the model and decides what to quantize. `what` names the model in errors.
// Throws rqc::Error (one line) for a model that is already quantized, has an opset below
// 13, names in keepFloatNodes a node that is missing or is not a Conv/Gemm/MatMul with a
// constant weight, asks to keep a first Conv or last Gemm/MatMul it does not have, or has
// nothing to quantize.
QuantizationPlan planQuantization(const ::onnx::ModelProto &model, const QuantizeOptions &options,
                                  const std::string &what);

// Reads external-data initializers (relative to `baseDir`) into the model, so that it can be
// written anywhere and changed in memory.
void inlineExternalData(::onnx::ModelProto &model, const std::string &baseDir);

// Folds every BatchNormalization that is the only reader of a Conv's output, with constant
// weights and statistics, into that Conv's weight and bias (w' = w * g / sqrt(v + eps) per
// output channel, b' = (b - m) * g / sqrt(v + eps) + beta), as ONNX Runtime's quantization
// pre-processing does: quantized separately, the pair would get a QDQ between the two and
// lose the fold at compile time. Returns how many were folded.
int foldBatchNormIntoConv(::onnx::ModelProto &model);

// Adds `tensors` as float graph outputs (shape left to inference) for calibration runs.
void addCalibrationOutputs(::onnx::ModelProto &model, const std::vector<std::string> &tensors);

struct QuantizeSummary {
  int weights = 0;     // int8 weight initializers written
  int biases = 0;      // int32 biases written
  int activations = 0; // QuantizeLinear/DequantizeLinear pairs inserted
};

// Rewrites `model` in place (see above). `params` holds the quantization of each planned
// activation that calibration found to be float; a planned tensor missing from it stays
// float. `description` goes into metadata_props["rqc.quantization"].
QuantizeSummary applyQuantization(::onnx::ModelProto &model, const QuantizationPlan &plan,
                                  const std::map<std::string, QuantParams> &params, const QuantizeOptions &options,
                                  const std::string &description);

} // namespace rqc::quantize
