// NumPy .npy / .npz files, the CLI's tensor format (like tvmc's --inputs/--outputs).
#pragma once

#include "rqc/runtime/Tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace rqc {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// .npy bytes <-> tensor. Supports float32, int8, uint8, int32, int64 (little-endian,
// C order); float64 arrays are converted to float32 on load.
Tensor parseNpy(const std::string &bytes, const std::string &what);
std::string serializeNpy(const Tensor &tensor);

// .npz archives (stored or deflated). Keys are the array names without ".npy".
NamedTensors loadNpz(const std::string &path);
// Writes to a temporary file and renames it, so a failure never leaves a partial file.
void saveNpz(const std::string &path, const NamedTensors &tensors);

} // namespace rqc
