#include "schedules/Workload.h"

namespace rqc::schedule {

using Json = nlohmann::json;

Json Workload::args() const {
  if (op == "conv2d" && isVtaPacked(layout)) {
    // TVM's conv2d_packed.vta args: packed shapes NCHW{b}n{c}c / OIHW{c}o{c}i, 7 entries.
    auto [b, c] = vtaBlocks(layout);
    const auto &d = data.shape, &k = weight.shape;
    TensorArg packedData{{d[0] / b, d[1] / c, d[2], d[3], b, c}, data.dtype};
    TensorArg packedWeight{{k[0] / c, k[1] / c, k[2], k[3], c, c}, weight.dtype};
    return Json::array({packedData.json(), packedWeight.json(), strides, pads, dilations, layout, outDtype});
  }
  if (op == "conv2d" || op == "depthwise_conv2d")
    return Json::array({data.json(), weight.json(), strides, pads, dilations, "NCHW", "NCHW", outDtype});
  if (op == "dense" && isVtaPacked(layout)) {
    // TVM's dense_packed.vta args: data [M/b, K/c, b, c], weight [N/c, K/c, c, c].
    auto [b, c] = vtaBlocks(layout);
    TensorArg packedData{{data.shape[0] / b, data.shape[1] / c, b, c}, data.dtype};
    TensorArg packedWeight{{weight.shape[0] / c, weight.shape[1] / c, c, c}, weight.dtype};
    return Json::array({packedData.json(), packedWeight.json(), nullptr, outDtype});
  }
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

bool isVtaPacked(const std::string &layout) {
  auto [b, c] = vtaBlocks(layout);
  return b > 0 && c > 0;
}

std::pair<int64_t, int64_t> vtaBlocks(const std::string &layout) {
  // "NCHW<b>n<c>c" (activations) or "NC<b>n<c>c" (dense data)
  const size_t prefix = layout.rfind("NCHW", 0) == 0 ? 4 : layout.rfind("NC", 0) == 0 ? 2 : 0;
  if (!prefix || layout.size() < prefix + 4 || layout.back() != 'c') return {0, 0};
  const std::string rest = layout.substr(prefix, layout.size() - prefix - 1);
  const size_t n = rest.find('n');
  if (n == std::string::npos || n == 0 || n + 1 >= rest.size()) return {0, 0};
  const std::string b = rest.substr(0, n), c = rest.substr(n + 1);
  auto digits = [](const std::string &x) { return x.find_first_not_of("0123456789") == std::string::npos; };
  if (!digits(b) || !digits(c) || b.size() > 6 || c.size() > 6) return {0, 0};
  return {std::stoll(b), std::stoll(c)};
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
