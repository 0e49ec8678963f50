// Labelled image sets for `rqc validate`: the images a classifier is scored on, already in
// the model's input form.
//
// Sources (a DATASET argument):
//   fashion-mnist   Debian's dataset-fashion-mnist test split
//                   (/usr/share/datasets/fashion-mnist/t10k-*-ubyte.gz): 10,000 images.
//   fashion-mnist-train  its training split (train-*-ubyte.gz): 60,000 images, what the
//                   quantizer calibrates on, so that the test split stays unseen.
//   DIR             a folder with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each
//                   optionally .gz: the IDX format of MNIST (big-endian magic 0x0000080N,
//                   dimensions, then the uint8 data; yann.lecun.com/exdb/mnist).
//   FILE.npz        arrays "images" (N x ..., float32 as fed to the model, or uint8 scaled
//                   by 1/255) and "labels" (N, any integer dtype).
// IDX images [N, H, W] of uint8 become float32 [N, 1, H, W] = pixel / 255, the input of the
// Fashion-MNIST network scripts/train_fashion_mnist.py trains.
#pragma once

#include "rqc/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::driver {

struct LabelledImages {
  std::string source;          // what the messages call it: the path, or "fashion-mnist"
  Tensor images;               // float32 [N, ...]
  std::vector<int64_t> labels; // N class indices
};

// Reads at most `limit` images (0: all) and their labels. Throws rqc::Error naming the
// file for a missing, truncated or malformed one, or images and labels that disagree.
LabelledImages loadLabelledImages(const std::string &dataset, int64_t limit = 0);

} // namespace rqc::driver
