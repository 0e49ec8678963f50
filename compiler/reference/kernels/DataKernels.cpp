#include "compiler/reference/kernels/Kernels.h"
#include "ir/Graph/Layout.h"

#include <cstring>

namespace rqc::reference {

namespace {
// Row-major element strides of `x`: the distance between neighbours along each dimension.
std::vector<int64_t> rowMajorStrides(const Tensor &x) {
  std::vector<int64_t> strides(size_t(x.rank()), 1);
  for (int64_t i = x.rank() - 2; i >= 0; --i) strides[i] = strides[i + 1] * x.dim(i + 1);
  return strides;
}

// Writes `out` element by element from `x`: along output dimension d, coordinate c adds
// offset(d, c) elements to the source position, or, when offset returns -1, makes the element
// the `fill` value. Transpose, slice and pad differ only in that offset.
template <typename Offset>
void gatherElements(const Tensor &x, Tensor &out, Offset offset, const void *fill = nullptr) {
  const size_t e = dtypeSize(x.dtype());
  const char *src = static_cast<const char *>(x.raw());
  char *dst = static_cast<char *>(out.raw());
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    int64_t rem = flat, idx = 0;
    bool inside = true;
    for (int64_t d = out.rank() - 1; d >= 0; --d) {
      int64_t o = offset(d, rem % out.dim(d));
      rem /= out.dim(d);
      if (o < 0) inside = false;
      else idx += o;
    }
    std::memcpy(dst + flat * e, inside ? src + idx * e : static_cast<const char *>(fill), e);
  }
}
} // namespace

void concat(const std::vector<const Tensor *> &inputs, int64_t axis, Tensor &out) {
  const size_t e = dtypeSize(out.dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= out.dim(i);
  for (int64_t i = axis + 1; i < out.rank(); ++i) inner *= out.dim(i);
  char *o = static_cast<char *>(out.raw());
  int64_t offset = 0;
  for (const Tensor *t : inputs) {
    const int64_t block = t->dim(axis) * inner;
    const char *src = static_cast<const char *>(t->raw());
    for (int64_t a = 0; a < outer; ++a)
      std::memcpy(o + (a * out.dim(axis) * inner + offset) * e, src + a * block * e, block * e);
    offset += block;
  }
}

void transpose(const Tensor &x, const std::vector<int64_t> &perm, Tensor &out) {
  const std::vector<int64_t> inStrides = rowMajorStrides(x);
  gatherElements(x, out, [&](int64_t d, int64_t c) { return c * inStrides[perm[d]]; });
}

void layoutTransform(const Tensor &x, const std::string &srcLayout, const std::string &dstLayout, Tensor &out) {
  graph::Layout src = graph::Layout::parse(srcLayout), dst = graph::Layout::parse(dstLayout);
  const size_t e = dtypeSize(x.dtype());
  const int64_t rank = out.rank();
  const std::vector<int64_t> inStrides = rowMajorStrides(x);
  // Primal coordinates are in the source's primal order; the destination's may differ.
  std::string srcPrimal = src.primal(), dstPrimal = dst.primal();
  std::vector<int64_t> index(rank), primalDst(dstPrimal.size()), primalSrc(srcPrimal.size()), srcIndex(x.rank());
  const char *in = static_cast<const char *>(x.raw());
  char *o = static_cast<char *>(out.raw());
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    for (int64_t d = rank - 1, rem = flat; d >= 0; --d) {
      index[d] = rem % out.dim(d);
      rem /= out.dim(d);
    }
    dst.toPrimal(index.data(), primalDst.data());
    for (size_t k = 0; k < srcPrimal.size(); ++k) primalSrc[k] = primalDst[dstPrimal.find(srcPrimal[k])];
    src.toIndex(primalSrc.data(), srcIndex.data());
    int64_t offset = 0;
    for (int64_t d = 0; d < x.rank(); ++d) offset += srcIndex[d] * inStrides[d];
    std::memcpy(o + flat * e, in + offset * e, e);
  }
}

namespace {
// Source coordinate of padded coordinate `c` along a dimension of size `dim`, or -1
// for the constant fill.
int64_t padSource(int64_t c, int64_t begin, int64_t dim, const std::string &mode) {
  int64_t i = c - begin;
  if (i >= 0 && i < dim) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : dim - 1;
  // reflect (pads < dim): mirror without repeating the edge
  if (i < 0) return -i;
  return 2 * (dim - 1) - i;
}
} // namespace

void slice(const Tensor &x, const std::vector<int64_t> &starts, const std::vector<int64_t> &steps, Tensor &out) {
  const std::vector<int64_t> inStrides = rowMajorStrides(x);
  gatherElements(x, out, [&](int64_t d, int64_t c) { return (starts[d] + c * steps[d]) * inStrides[d]; });
}

void pad(const Tensor &x, const std::vector<int64_t> &pads, const std::string &mode, float value,
         Tensor &out) {
  const std::vector<int64_t> inStrides = rowMajorStrides(x);
  // The fill value in the tensor's element type.
  Tensor fill(x.dtype(), {});
  switch (x.dtype()) {
  case DType::F32: fill.data<float>()[0] = value; break;
  case DType::I8: fill.data<int8_t>()[0] = static_cast<int8_t>(value); break;
  case DType::U8: fill.data<uint8_t>()[0] = static_cast<uint8_t>(value); break;
  case DType::I32: fill.data<int32_t>()[0] = static_cast<int32_t>(value); break;
  case DType::I64: fill.data<int64_t>()[0] = static_cast<int64_t>(value); break;
  }
  gatherElements(
      x, out,
      [&](int64_t d, int64_t c) {
        int64_t source = padSource(c, pads[d], x.dim(d), mode);
        return source < 0 ? -1 : source * inStrides[d];
      },
      fill.raw());
}

} // namespace rqc::reference
