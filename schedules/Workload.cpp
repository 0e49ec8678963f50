#include "schedules/Workload.h"

namespace rqc::schedule {

using Json = nlohmann::json;

Json Workload::args() const {
  if (op == "conv2d" || op == "depthwise_conv2d")
    return Json::array({data.json(), weight.json(), strides, pads, dilations, "NCHW", "NCHW", outDtype});
  if (op == "dense") return Json::array({data.json(), weight.json(), nullptr, outDtype});
  if (op == "max_pool2d" || op == "avg_pool2d") {
    Json a = Json::array({data.json(), kernel, strides, pads, dilations, layout});
    if (op == "avg_pool2d") a.push_back(countIncludePad);
    return a;
  }
  Json nests = Json::array();
  for (const LoopNest &n : ops) {
    std::string iters;
    for (bool r : n.reduction) iters += r ? 'r' : 'p';
    nests.push_back(Json::array({n.op, n.ranges, iters}));
  }
  return Json::array({nests, outDtype});
}

int64_t Workload::macs() const {
  auto volume = [](const std::vector<int64_t> &s) {
    int64_t v = 1;
    for (int64_t d : s) v *= d;
    return v;
  };
  if (op == "conv2d" || op == "depthwise_conv2d")
    return volume(output) * weight.shape[1] * weight.shape[2] * weight.shape[3];
  if (op == "dense") return volume(output) * data.shape.back();
  return 0;
}

} // namespace rqc::schedule
