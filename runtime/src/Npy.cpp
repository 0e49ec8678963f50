#include "rqc/runtime/Npy.h"
#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <zip.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <memory>
#include <regex>

namespace rqc {
namespace {

const char kMagic[] = "\x93NUMPY";

std::string descrFor(DType dtype) {
  switch (dtype) {
  case DType::F32: return "<f4";
  case DType::I8: return "|i1";
  case DType::U8: return "|u1";
  case DType::I32: return "<i4";
  case DType::I64: return "<i8";
  }
  return "";
}

} // namespace

Tensor parseNpy(const std::string &bytes, const std::string &what) {
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    throw Error(what + ": not a .npy array (bad magic)");
  unsigned major = static_cast<uint8_t>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(what + ": truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i) headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    throw Error(what + ": unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerLen) throw Error(what + ": truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLen);

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    throw Error(what + ": .npy header has no 'descr'");
  std::string descr = m[1];
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    throw Error(what + ": Fortran-ordered arrays are not supported; save with C order");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw Error(what + ": .npy header has no 'shape'");
  Shape shape;
  std::string dims = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator();
       ++it) {
    // 18 digits: any dimension a real array can have, and far from int64 overflow.
    if (it->length() > 18) throw Error(what + ": .npy dimension " + it->str() + " is too large");
    shape.push_back(std::stoll(it->str()));
  }

  bool isF64 = descr == "<f8";
  DType dtype;
  if (descr == "<f4") dtype = DType::F32;
  else if (descr == "|i1" || descr == "<i1") dtype = DType::I8;
  else if (descr == "|u1" || descr == "<u1") dtype = DType::U8;
  else if (descr == "<i4") dtype = DType::I32;
  else if (descr == "<i8") dtype = DType::I64;
  else if (isF64) dtype = DType::F32;
  else throw Error(what + ": unsupported array dtype '" + descr + "'");

  // The data must be there before the tensor is allocated: the shape alone may ask for
  // more memory than exists (or overflow the element count).
  size_t payload = bytes.size() - headerStart - headerLen;
  uint64_t elementBytes = isF64 ? 8 : dtypeSize(dtype), available = payload / elementBytes, elements = 1;
  // An array with a zero dimension anywhere holds nothing, whatever the other dimensions.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) elements = 0;
  else for (int64_t d : shape) {
    if (elements > available / uint64_t(d)) {
      elements = UINT64_MAX;
      break;
    }
    elements *= uint64_t(d);
  }
  if (elements > available)
    throw Error(what + ": truncated .npy data (" + std::to_string(payload) + " bytes for shape " + shapeToString(shape) +
                " of " + descr + ")");
  Tensor t(dtype, shape);
  const char *src = bytes.data() + headerStart + headerLen;
  if (isF64) {
    float *dst = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double v;
      std::memcpy(&v, src + 8 * i, 8);
      dst[i] = static_cast<float>(v);
    }
  } else {
    if (t.nbytes()) std::memcpy(t.raw(), src, t.nbytes()); // an empty array has no storage
  }
  return t;
}

std::string serializeNpy(const Tensor &tensor) {
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    shape += std::to_string(tensor.shape()[i]) + (tensor.shape().size() == 1 ? ",)" : (i + 1 < tensor.shape().size() ? ", " : ")"));
  if (tensor.shape().empty()) shape += ")";
  std::string header = "{'descr': '" + descrFor(tensor.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that magic + version + len + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char *>(tensor.raw()), tensor.nbytes());
  return out;
}

NamedTensors loadNpz(const std::string &path) {
  int err = 0;
  zip_t *z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    if (FILE *f = std::fopen(path.c_str(), "rb")) std::fclose(f);
    else msg = "no such file or it cannot be read";
    throw Error(path + ": cannot open .npz archive: " + msg);
  }
  // Closed on every path, the throws from parseNpy included.
  std::unique_ptr<zip_t, void (*)(zip_t *)> archive(z, zip_discard);
  NamedTensors out;
  zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z, i, 0, &st) != 0) continue;
    std::string name = st.name;
    std::unique_ptr<zip_file_t, int (*)(zip_file_t *)> f(zip_fopen_index(z, i, 0), zip_fclose);
    if (!f) throw Error(path + ": cannot read entry '" + name + "'");
    // Read in chunks rather than allocating the size the entry declares: a corrupt header
    // may declare gigabytes.
    std::string bytes;
    for (;;) {
      constexpr size_t kChunk = 1 << 20;
      size_t have = bytes.size();
      bytes.resize(have + kChunk);
      zip_int64_t got = zip_fread(f.get(), bytes.data() + have, kChunk);
      if (got < 0) throw Error(path + ": cannot read entry '" + name + "': " + zip_file_strerror(f.get()));
      bytes.resize(have + size_t(got));
      if (got == 0 || bytes.size() > st.size) break;
    }
    if (bytes.size() != st.size) throw Error(path + ": truncated entry '" + name + "'");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name = name.substr(0, name.size() - 4);
    out.emplace_back(name, parseNpy(bytes, path + ":" + name));
  }
  return out;
}

void saveNpz(const std::string &path, const NamedTensors &tensors) {
  writeFileAtomically(path, [&](const std::string &tmp) {
    int err = 0;
    zip_t *z = zip_open(tmp.c_str(), ZIP_TRUNCATE, &err);
    if (!z) throw Error(path + ": cannot create file");
    std::vector<std::string> payloads;
    payloads.reserve(tensors.size());
    for (const auto &[name, t] : tensors) {
      payloads.push_back(serializeNpy(t));
      zip_source_t *src = zip_source_buffer(z, payloads.back().data(), payloads.back().size(), 0);
      zip_int64_t index = -1;
      if (src && (index = zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_OVERWRITE)) < 0)
        zip_source_free(src);
      // Every member dated 1980-01-01 00:00 (the first DOS date) rather than now, so the same
      // arrays always give the same bytes.
      constexpr zip_uint16_t kDosTime = 0, kDosDate = (1 << 5) | 1; // (year-1980)<<9 | month<<5 | day
      if (index < 0 || zip_file_set_dostime(z, zip_uint64_t(index), kDosTime, kDosDate, 0) != 0) {
        zip_discard(z);
        throw Error(path + ": cannot add array '" + name + "'");
      }
    }
    if (zip_close(z) != 0) {
      zip_discard(z);
      throw Error(path + ": cannot write file");
    }
  });
}

} // namespace rqc
