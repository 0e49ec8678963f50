// rqc's post-training quantizer as the CLI runs it, shared by `rqc quantize` and
// `rqc compile --dtype=int8 --calibration DATA`: the flags, and the calibration runs that
// join the graph rewrite (compiler/quantize/QdqQuantizer.h) to the compiled model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}
namespace onnx {
class ModelProto;
}

namespace rqc::driver {

struct QuantizeFlags {
  std::string calibration;           // DATA (CalibrationData.h)
  int64_t limit = 0;                 // calibration samples, 0: all
  std::string method = "minmax";     // minmax | percentile | entropy
  double percentile = 0;             // 0: unset (99.999 with --calibrate-method percentile)
  std::string activationType;        // uint8 | int8; "" = uint8, or int8 with --power-of-two
  bool symmetric = false, powerOfTwo = false;
  bool keepFirstConvFloat = false, keepLastDenseFloat = false;
  bool reduceRange = false;          // 7-bit weights ([-63, 63]) for vpmaddubsw on AVX2
  std::vector<std::string> keepFloat; // node names
  int threads = 0;                   // calibration runs; 0: all cores
};

// Registers the quantizer's flags on a subcommand (--calibration and the rest).
void addQuantizeFlags(CLI::App *cmd, QuantizeFlags &flags);

// Whether any quantizer flag differs from its default (`rqc compile` refuses them without
// --dtype=int8 rather than ignore them).
bool anyQuantizeFlag(const QuantizeFlags &flags);

// Quantizes the float .onnx model at `path`: compiles it for the host with every tensor to
// calibrate as an extra output, runs it over the calibration set (once for minmax, twice
// for percentile and entropy, with a progress line on stderr), and returns the QDQ model.
// `inputShapes` as --input-shape. Throws rqc::Error with one line: a bad flag combination,
// a model the quantizer refuses (QdqQuantizer.h), unreadable or malformed calibration data
// (naming the file), or a compile error. Writes nothing.
::onnx::ModelProto quantizeOnnxModel(const std::string &path, const QuantizeFlags &flags,
                                     const std::vector<std::string> &inputShapes);

} // namespace rqc::driver
