// The inputs the quantizer calibrates on (`--calibration DATA`): a list of feeds, each one
// tensor per model input, in the model's input shapes.
//
// DATA:
//   fashion-mnist-train, fashion-mnist, an IDX folder   the images of a Dataset.h source
//                        (labels unused); single-input models only
//   FILE.npz             one array per input, named as the input (a single-input model
//                        also takes an .npz with one array, or the 'images' of a labelled set)
//   FILE.npy             one array (single-input models)
//   DIR                  every *.npy and *.npz file in it, sorted by name
// Each array holds one sample (the input's shape, or that shape without its batch axis of
// 1) or several stacked: on the batch axis (N x the input's shape without its batch, N a
// multiple of the batch) or on a new first axis (N x the input's shape). Arrays are float32
// (float64 is converted) and finite; for several inputs every input must get the same
// number of samples. Arrays an .npz holds beyond the inputs' are ignored.
#pragma once

#include "rqc/runtime/Module.h"
#include "rqc/runtime/Tensor.h"

#include <string>
#include <vector>

namespace rqc::driver {

struct CalibrationSet {
  std::string source;                    // DATA as given
  std::vector<std::vector<Tensor>> feeds; // feeds[i][k]: sample i of input k
};

// Reads at most `limit` feeds (0: all). Throws rqc::Error with one line naming the file and
// the array for a missing, unreadable or malformed file, a wrong dtype or shape, a missing
// input, or an empty set.
CalibrationSet loadCalibrationSet(const std::string &data, const std::vector<TensorSpec> &inputs, int64_t limit);

} // namespace rqc::driver
