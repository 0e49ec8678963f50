#include "compiler/driver/CalibrationData.h"

#include "compiler/driver/Dataset.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rqc::driver {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Splits one array into samples of `input`'s shape S = [B, rest...]: the array is S, or
// [rest...] when B is 1 (one sample), or [N*B, rest...] (samples stacked on the batch axis),
// or [N, S...] (samples stacked on a new first axis).
std::vector<Tensor> samplesOf(const Tensor &a, const TensorSpec &input, const std::string &what) {
  if (a.dtype() != input.dtype)
    throw Error(what + " is " + dtypeName(a.dtype()) + "; input '" + input.name + "' takes " +
                dtypeName(input.dtype));
  if (a.numel() == 0) throw Error(what + " holds no samples (shape " + shapeToString(a.shape()) + ")");
  if (a.dtype() == DType::F32) {
    const float *v = a.data<float>();
    for (int64_t i = 0; i < a.numel(); ++i)
      if (!std::isfinite(v[i]))
        throw Error(what + " holds NaN or infinite values (element " + std::to_string(i) +
                    "); calibration needs finite inputs");
  }
  const Shape &s = input.shape, &as = a.shape();
  if (as == s) return {a};
  const int64_t batch = s.empty() ? 1 : s[0];
  Shape rest(s.begin() + (s.empty() ? 0 : 1), s.end());
  if (batch == 1 && as == rest) return {a.reshaped(s)};
  int64_t count = 0;
  if (!s.empty() && as.size() == s.size() && Shape(as.begin() + 1, as.end()) == rest && as[0] % batch == 0)
    count = as[0] / batch;
  else if (as.size() == s.size() + 1 && Shape(as.begin() + 1, as.end()) == s)
    count = as[0];
  if (count > 0) {
    std::vector<Tensor> samples;
    const size_t bytes = static_cast<size_t>(numElements(s)) * dtypeSize(input.dtype);
    for (int64_t i = 0; i < count; ++i) {
      Tensor t(input.dtype, s);
      std::memcpy(t.raw(), static_cast<const char *>(a.raw()) + i * bytes, bytes);
      samples.push_back(std::move(t));
    }
    return samples;
  }
  Shape stacked = rest;
  stacked.insert(stacked.begin(), -1);
  std::string many = shapeToString(stacked);
  for (std::string::size_type at; (at = many.find("-1")) != std::string::npos;) many.replace(at, 2, "N");
  throw Error(what + " has shape " + shapeToString(as) + "; input '" + input.name + "' takes " + shapeToString(s) +
              " (one sample) or " + many + (batch == 1 ? "" : " with N a multiple of " + std::to_string(batch)) +
              " (N samples)");
}

// The samples of every input from one .npz or .npy file, appended to `set`.
void addFile(const std::string &path, const std::vector<TensorSpec> &inputs, CalibrationSet &set) {
  std::vector<std::vector<Tensor>> perInput(inputs.size());
  if (endsWith(path, ".npy")) {
    if (inputs.size() != 1)
      throw Error(path + ": an .npy holds one array, the model has " + std::to_string(inputs.size()) +
                  " inputs (use an .npz with one array per input name)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open file");
    std::stringstream ss;
    ss << in.rdbuf();
    perInput[0] = samplesOf(parseNpy(ss.str(), path), inputs[0], path);
  } else {
    NamedTensors arrays = loadNpz(path);
    for (size_t k = 0; k < inputs.size(); ++k) {
      const Tensor *found = nullptr;
      std::string name;
      for (const auto &kv : arrays)
        if (kv.first == inputs[k].name) found = &kv.second, name = kv.first;
      if (!found && inputs.size() == 1) {
        for (const auto &kv : arrays)
          if (kv.first == "images") found = &kv.second, name = kv.first;
        if (!found && arrays.size() == 1) found = &arrays[0].second, name = arrays[0].first;
      }
      if (!found)
        throw Error(path + ": has no array named '" + inputs[k].name + "' (one array per model input, by name)");
      perInput[k] = samplesOf(*found, inputs[k], path + " array '" + name + "'");
    }
  }
  for (size_t k = 1; k < inputs.size(); ++k)
    if (perInput[k].size() != perInput[0].size())
      throw Error(path + ": " + std::to_string(perInput[0].size()) + " samples of '" + inputs[0].name + "' but " +
                  std::to_string(perInput[k].size()) + " of '" + inputs[k].name + "'");
  for (size_t i = 0; i < perInput[0].size(); ++i) {
    std::vector<Tensor> feed;
    for (size_t k = 0; k < inputs.size(); ++k) feed.push_back(perInput[k][i]);
    set.feeds.push_back(std::move(feed));
  }
}

bool isIdxFolder(const std::string &dir) {
  for (const char *f : {"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "train-images-idx3-ubyte",
                        "train-images-idx3-ubyte.gz"})
    if (std::filesystem::exists(dir + "/" + f)) return true;
  return false;
}

} // namespace

CalibrationSet loadCalibrationSet(const std::string &data, const std::vector<TensorSpec> &inputs, int64_t limit) {
  CalibrationSet set;
  set.source = data;
  std::error_code ec;
  const bool dir = std::filesystem::is_directory(data, ec);
  if (data == "fashion-mnist" || data == "fashion-mnist-train" || (dir && isIdxFolder(data))) {
    if (inputs.size() != 1)
      throw Error(data + ": an image set feeds single-input models; the model has " + std::to_string(inputs.size()) +
                  " inputs");
    LabelledImages images = loadLabelledImages(data, limit);
    set.feeds.clear();
    for (auto &t : samplesOf(images.images, inputs[0], data + " images")) set.feeds.push_back({t});
  } else if (dir) {
    std::vector<std::string> files;
    for (const auto &entry : std::filesystem::directory_iterator(data, ec)) {
      std::string p = entry.path().string();
      if (entry.is_regular_file() && (endsWith(p, ".npy") || endsWith(p, ".npz"))) files.push_back(p);
    }
    if (ec) throw Error(data + ": cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(data + ": has no .npy or .npz files to calibrate on");
    for (const auto &f : files) {
      if (limit > 0 && int64_t(set.feeds.size()) >= limit) break;
      addFile(f, inputs, set);
    }
  } else if (endsWith(data, ".npz") || endsWith(data, ".npy")) {
    if (!std::filesystem::exists(data, ec)) throw Error(data + ": no such file");
    addFile(data, inputs, set);
  } else {
    throw Error(data + ": not calibration data (fashion-mnist-train, fashion-mnist, an .npz or .npy file, or a folder "
                       "of them)" + (std::filesystem::exists(data, ec) ? "" : ": no such file or folder"));
  }
  if (limit > 0 && int64_t(set.feeds.size()) > limit) set.feeds.resize(size_t(limit));
  if (set.feeds.empty()) throw Error(data + ": holds no calibration samples");
  return set;
}

} // namespace rqc::driver
