// `rqc compile MODEL.onnx --split=N`: a CNN divided into N narrow networks that run on N
// devices in parallel, plus a head that concatenates their outputs and classifies (the
// split ResNet-18 of ../shared/seeds/003_*: FPL'19 "Split Networks on FPGA").
//
// The body (everything up to the tensor the classifier flattens) is divided into channel
// groups: part i keeps output channels [i*C/N, (i+1)*C/N) of every convolution and, past
// the first one, only the input channels of its own group (a grouped or depthwise
// convolution keeps its groups whole, N times fewer of them); batch norms, activations,
// pooling and residual adds follow their channels. The first convolution reads the whole
// image. The head takes the N parts' outputs, concatenates them along channels (so the
// classifier sees the channels in the original order) and runs the rest of the graph.
//
// This computes a different function from the model: the connections between groups are
// dropped. It equals the model only when those weights are zero (a network trained split:
// scripts/train_fashion_mnist.py --split N); otherwise it needs retraining (docs/boards.md).
#pragma once

#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace rqc::split {

struct SplitModel {
  std::vector<std::string> parts;     // serialized ModelProtos; part i's one output is "part<i>"
  std::string head;                   // serialized ModelProto before its inputs' shapes are known
  std::vector<std::string> partNames; // "part0", ... (the parts' outputs, the head's inputs)
  std::string cut;                    // the model tensor the parts compute in groups
  int channels = 0;                   // channels of `cut` (each part computes channels / N)
};

// Divides `model` into `n` >= 2 parts and a head. Throws rqc::Error naming the problem: a
// body op it cannot divide (say which), channels not divisible by n, no flatten/reshape
// before the classifier, more than one graph input.
SplitModel splitNetwork(const ::onnx::ModelProto &model, int n, const std::string &name);

// The head with its inputs' shapes set: each is `partShape` (what a compiled part outputs).
std::string headWithInputShapes(const SplitModel &split, const std::vector<int64_t> &partShape);

} // namespace rqc::split
