#include "VtaTestPackage.h"

#include <algorithm>
#include <random>

namespace rqc::vta::test {

namespace {

std::string bytesOf(const void *p, size_t n) { return std::string(static_cast<const char *>(p), n); }

} // namespace

// out = clip((conv(x, w) + bias) >> shift, relu ? 0 : -128, 127), NCHW/OIHW, written plainly.
std::vector<int8_t> referenceConv(const Conv2dShape &s, const std::vector<int8_t> &x, const std::vector<int8_t> &w,
                                  const std::vector<int32_t> &bias, const Conv2dEpilogue &e,
                                  const std::vector<int32_t> &shifts) {
  const int64_t OH = s.outHeight(), OW = s.outWidth();
  std::vector<int8_t> out(size_t(s.batch * s.outChannels * OH * OW));
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t k = 0; k < s.outChannels; ++k)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int32_t acc = 0;
          for (int64_t c = 0; c < s.inChannels; ++c)
            for (int64_t r = 0; r < s.kernelH; ++r)
              for (int64_t q = 0; q < s.kernelW; ++q) {
                const int64_t ih = oh * s.strideH - s.padTop + r, iw = ow * s.strideW - s.padLeft + q;
                if (ih < 0 || ih >= s.height || iw < 0 || iw >= s.width) continue;
                acc += int32_t(x[size_t(((n * s.inChannels + c) * s.height + ih) * s.width + iw)]) *
                       int32_t(w[size_t(((k * s.inChannels + c) * s.kernelH + r) * s.kernelW + q)]);
              }
          int32_t v = (acc + bias[size_t(k)]) >> (shifts.empty() ? e.shift : shifts[size_t(k)]);
          v = std::min(127, std::max(e.relu ? 0 : -128, v));
          out[size_t(((n * s.outChannels + k) * OH + oh) * OW + ow)] = int8_t(v);
        }
  return out;
}

TwoLayerPackage twoLayerPackage(const std::string &triple) {
  const VtaConfig c = VtaConfig::pynq();
  TwoLayerPackage p;
  p.builder.description["target"] = {{"kind", "vta"}, {"vta_model", c.modelString()}, {"triple", triple.empty() ? rqc::test::hostTriple() : triple}};
  p.builder.withKernels = false;
  for (int i = 0; i < 2; ++i) {
    VtaLayer l;
    l.shape.inChannels = i == 0 ? 32 : 32, l.shape.outChannels = i == 0 ? 32 : 48;
    l.shape.height = l.shape.width = 10, l.shape.kernelH = l.shape.kernelW = 3;
    l.shape.padTop = l.shape.padLeft = l.shape.padBottom = l.shape.padRight = 1;
    l.tiling.tileH = 5, l.tiling.tileW = 10, l.tiling.tileCi = 1, l.tiling.tileCo = 1, l.tiling.hThreads = 2;
    l.epilogue = {7, i == 0};
    l.w = randomInt8(size_t(l.shape.outChannels * l.shape.inChannels * 9), 60 + i);
    std::mt19937 rng(70 + i);
    for (int64_t k = 0; k < l.shape.outChannels; ++k) l.bias.push_back(int32_t(rng() % 4001) - 2000);
    p.layers.push_back(l);
  }
  auto packed = [](int64_t channels) { return std::vector<int64_t>{1, channels / 16, 10, 10, 1, 16}; };
  p.inShape = packed(32);
  const int64_t x = p.builder.buffer("x", "input", packed(32), "int8");
  const int64_t mid = p.builder.buffer("mid", "intermediate", packed(32), "int8");
  const int64_t y = p.builder.buffer("y", "output", packed(48), "int8");
  std::string code;
  const int64_t ins[2] = {x, mid}, outs[2] = {mid, y};
  for (int i = 0; i < 2; ++i) {
    const VtaLayer &l = p.layers[size_t(i)];
    const std::vector<int8_t> w = packWeights(c, l.w, l.shape.outChannels, l.shape.inChannels, 3, 3);
    const std::vector<int32_t> b = packBias(c, l.bias);
    const int64_t wid = p.builder.rawParam("w" + std::to_string(i), {l.shape.outChannels / 16, l.shape.inChannels / 16, 3, 3, 16, 16},
                                           "int8", bytesOf(w.data(), w.size()));
    const int64_t bid = p.builder.rawParam("b" + std::to_string(i), {l.shape.outChannels / 16, 1, 16}, "int32",
                                           bytesOf(b.data(), b.size() * 4));
    const Conv2dKernelImage img = conv2dKernelImage(c, l.shape, l.tiling, l.epilogue);
    const std::vector<uint8_t> kernelCode = img.code(c);
    p.builder.description["kernels"].push_back(
        {{"name", "conv" + std::to_string(i)},
         {"device", "vta"},
         {"args", {ins[i], wid, bid, outs[i]}},
         {"ops", "conv2d+requantize"},
         {"vta",
          {{"image_bytes", img.imageBytes},
           {"arg_offsets", img.argOffsets},
           {"uop_image_offset", img.uopOffset},
           {"insn_image_offset", img.insnOffset},
           {"code_offset", code.size()},
           {"uop_count", img.stream.uops.size()},
           {"insn_count", img.stream.program.size()}}}});
    code += bytesOf(kernelCode.data(), kernelCode.size());
  }
  p.builder.inputs({x});
  p.builder.outputs({y});
  p.builder.extra = {{"vta.bin", code}};
  return p;
}

std::vector<int8_t> twoLayerReference(const TwoLayerPackage &p, const std::vector<int8_t> &x) {
  std::vector<int8_t> h = x;
  for (const VtaLayer &l : p.layers) h = referenceConv(l.shape, h, l.w, l.bias, l.epilogue);
  return h;
}

} // namespace rqc::vta::test
