// Compiling a split network (`rqc compile|validate MODEL.onnx --split=N`): the model divided
// by compiler/split/SplitNetwork.h, each part and the head compiled as `rqc compile` would,
// gathered into a split package (runtime/tools/SplitPackage.h).
#pragma once

#include "compiler/driver/Pipeline.h"
#include "runtime/tools/SplitPackage.h"

#include <string>

namespace rqc::driver {

// The parts are compiled for `options`' target, the head for this machine (llvm): it runs
// where `rqc run` is called. Throws rqc::Error for a model that is not a float .onnx classifier the splitter can
// divide (naming the op or the channels), or a target without split support (vta).
tools::SplitPackage compileSplitNetwork(const std::string &model, int n, const CompileOptions &options);

} // namespace rqc::driver
