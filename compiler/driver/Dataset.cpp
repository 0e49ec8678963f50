#include "compiler/driver/Dataset.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <zlib.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rqc::driver {

namespace {

constexpr const char *kFashionMnist = "/usr/share/datasets/fashion-mnist";

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The whole file, through zlib: gzread reads plain files unchanged, .gz ones inflated.
std::string readMaybeGzipped(const std::string &path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open " + path + ": " + std::strerror(errno));
  std::string bytes;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) bytes.append(buffer, size_t(n));
  int err = 0;
  const char *message = n < 0 ? gzerror(f, &err) : nullptr;
  std::string why = message ? message : "";
  gzclose(f);
  if (n < 0) throw Error(path + ": not a readable gzip file (" + why + ")");
  return bytes;
}

struct Idx {
  std::vector<int64_t> dims;
  std::string data; // uint8
};

Idx readIdx(const std::string &path, size_t expectedRank) {
  std::string bytes = readMaybeGzipped(path);
  auto u32 = [&](size_t at) {
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data() + at);
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
  };
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw Error(path + ": not an IDX file (no 0x0000 magic at the start)");
  if (bytes[2] != 0x08)
    throw Error(path + ": IDX data of type code " + std::to_string(int(uint8_t(bytes[2]))) + ", expected uint8 (8)");
  size_t rank = size_t(uint8_t(bytes[3]));
  if (rank != expectedRank)
    throw Error(path + ": IDX of rank " + std::to_string(rank) + ", expected " + std::to_string(expectedRank));
  if (bytes.size() < 4 + 4 * rank) throw Error(path + ": truncated IDX header");
  Idx idx;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    uint32_t d = u32(4 + 4 * i);
    if (d == 0 || count > (uint64_t(1) << 40) / d) throw Error(path + ": IDX dimension " + std::to_string(d) + " is out of range");
    count *= d;
    idx.dims.push_back(int64_t(d));
  }
  size_t header = 4 + 4 * rank;
  if (bytes.size() - header != count)
    throw Error(path + ": IDX header promises " + std::to_string(count) + " bytes of data, the file has " +
                std::to_string(bytes.size() - header));
  idx.data = bytes.substr(header);
  return idx;
}

std::string findIdx(const std::string &dir, const std::string &name) {
  for (const std::string &candidate : {dir + "/" + name, dir + "/" + name + ".gz"})
    if (exists(candidate)) return candidate;
  throw Error(dir + ": has no " + name + " (or " + name + ".gz): a dataset folder holds the IDX test split");
}

LabelledImages fromIdxFolder(const std::string &dir, const std::string &source, int64_t limit,
                             const std::string &split = "t10k") {
  std::string imagesPath = findIdx(dir, split + "-images-idx3-ubyte"),
              labelsPath = findIdx(dir, split + "-labels-idx1-ubyte");
  Idx images = readIdx(imagesPath, 3), labels = readIdx(labelsPath, 1);
  if (images.dims[0] != labels.dims[0])
    throw Error(dir + ": " + std::to_string(images.dims[0]) + " images but " + std::to_string(labels.dims[0]) + " labels");
  int64_t n = limit > 0 ? std::min(limit, images.dims[0]) : images.dims[0];
  int64_t pixels = images.dims[1] * images.dims[2];
  LabelledImages set;
  set.source = source;
  set.images = Tensor(DType::F32, {n, 1, images.dims[1], images.dims[2]});
  float *out = set.images.data<float>();
  for (int64_t i = 0; i < n * pixels; ++i) out[i] = float(uint8_t(images.data[size_t(i)])) / 255.0f;
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(uint8_t(labels.data[size_t(i)]));
  return set;
}

int64_t labelAt(const Tensor &labels, int64_t i) {
  switch (labels.dtype()) {
  case DType::I64: return labels.data<int64_t>()[i];
  case DType::I32: return labels.data<int32_t>()[i];
  case DType::U8: return labels.data<uint8_t>()[i];
  case DType::I8: return labels.data<int8_t>()[i];
  default: throw Error("labels must be integers, not " + std::string(dtypeName(labels.dtype())));
  }
}

LabelledImages fromNpz(const std::string &path, int64_t limit) {
  NamedTensors arrays = loadNpz(path);
  auto find = [&](const std::string &name) -> const Tensor & {
    for (const auto &kv : arrays)
      if (kv.first == name) return kv.second;
    throw Error(path + ": has no array '" + name + "' (a labelled .npz holds 'images' and 'labels')");
  };
  const Tensor &images = find("images"), &labels = find("labels");
  if (images.rank() < 2) throw Error(path + ": 'images' must be N x ..., not of rank " + std::to_string(images.rank()));
  if (labels.rank() != 1 || labels.dim(0) != images.dim(0))
    throw Error(path + ": 'labels' must be one integer per image: " + std::to_string(images.dim(0)) +
                " images, labels of shape " + shapeToString(labels.shape()));
  int64_t n = limit > 0 ? std::min(limit, images.dim(0)) : images.dim(0);
  Shape shape = images.shape();
  shape[0] = n;
  int64_t per = images.numel() / std::max<int64_t>(images.dim(0), 1);
  LabelledImages set;
  set.source = path;
  set.images = Tensor(DType::F32, shape);
  float *out = set.images.data<float>();
  if (images.dtype() == DType::F32) {
    std::memcpy(out, images.data<float>(), size_t(n * per) * sizeof(float));
  } else if (images.dtype() == DType::U8) {
    for (int64_t i = 0; i < n * per; ++i) out[i] = float(images.data<uint8_t>()[i]) / 255.0f;
  } else {
    throw Error(path + ": 'images' must be float32 or uint8, not " + std::string(dtypeName(images.dtype())));
  }
  try {
    for (int64_t i = 0; i < n; ++i) set.labels.push_back(labelAt(labels, i));
  } catch (const Error &e) {
    throw Error(path + ": " + e.what());
  }
  return set;
}

} // namespace

LabelledImages loadLabelledImages(const std::string &dataset, int64_t limit) {
  LabelledImages set;
  if (dataset == "fashion-mnist" || dataset == "fashion-mnist-train") {
    if (!isDirectory(kFashionMnist))
      throw Error(dataset + ": " + kFashionMnist + " is missing (apt-get install dataset-fashion-mnist)");
    set = fromIdxFolder(kFashionMnist, dataset, limit, dataset == "fashion-mnist" ? "t10k" : "train");
  } else if (isDirectory(dataset)) {
    set = fromIdxFolder(dataset, dataset, limit);
  } else if (dataset.size() > 4 && dataset.compare(dataset.size() - 4, 4, ".npz") == 0) {
    set = fromNpz(dataset, limit);
  } else {
    throw Error(dataset + ": not a dataset (fashion-mnist, fashion-mnist-train, a folder with the IDX test split, or an .npz with "
                          "'images' and 'labels')" + (exists(dataset) ? "" : ": no such file or folder"));
  }
  if (set.labels.empty()) throw Error(set.source + ": holds no images");
  for (size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] < 0)
      throw Error(set.source + ": label " + std::to_string(set.labels[i]) + " of image " + std::to_string(i) +
                  " is negative");
  return set;
}

} // namespace rqc::driver
