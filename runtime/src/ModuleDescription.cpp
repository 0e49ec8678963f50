// Parsing and validation of module.json. Every field is type-checked and every cross
// reference (ids, alias chains, kernel arguments, param ranges) is checked here, once, so
// the memory planner and executor can trust the description.
#include "rqc/runtime/ModuleDescription.h"
#include "rqc/runtime/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_set>

namespace rqc {

using Json = nlohmann::json;

const char *bufferKindName(BufferKind kind) {
  switch (kind) {
  case BufferKind::Input: return "input";
  case BufferKind::Output: return "output";
  case BufferKind::Param: return "param";
  case BufferKind::Intermediate: return "intermediate";
  case BufferKind::Alias: return "alias";
  }
  return "?";
}

size_t ModuleInfo::bufferIndex(int64_t id) const {
  auto it = indexById_.find(id);
  if (it == indexById_.end()) throw Error("module has no buffer with id " + std::to_string(id));
  return it->second;
}

bool ModuleInfo::hasCpuKernels() const {
  for (const KernelInfo &k : kernels)
    if (k.device == "cpu") return true;
  return false;
}

bool ModuleInfo::hasVtaKernels() const {
  for (const KernelInfo &k : kernels)
    if (k.device == "vta") return true;
  return false;
}

bool ModuleInfo::hasOpenCLKernels() const {
  for (const KernelInfo &k : kernels)
    if (k.device == "opencl") return true;
  return false;
}

int64_t ModuleInfo::rootOf(int64_t id) const {
  auto it = rootById_.find(id);
  if (it == rootById_.end()) throw Error("module has no buffer with id " + std::to_string(id));
  return it->second;
}

namespace detail {
struct ModuleInfoAccess {
  static std::unordered_map<int64_t, size_t> &indexById(ModuleInfo &m) { return m.indexById_; }
  static std::unordered_map<int64_t, int64_t> &rootById(ModuleInfo &m) { return m.rootById_; }
};
} // namespace detail

namespace {

using detail::ModuleInfoAccess;

// Largest tensor the runtime accepts; keeps every byte count far from overflow.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 48;
constexpr int kMaxJsonDepth = 64;

class DescriptionParser {
public:
  DescriptionParser(const std::string &what, uint64_t paramsBytes) : what_(what), paramsBytes_(paramsBytes) {}

  ModuleInfo parse(const std::string &text) {
    Json root;
    try {
      // nlohmann's dump() (used in messages) recurses once per level, so a deeply nested
      // file could overflow the stack; module.json nests four levels deep.
      root = Json::parse(text, [&](int depth, Json::parse_event_t, Json &) {
        if (depth > kMaxJsonDepth)
          throw Error(what_ + ": module.json nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return true;
      });
    } catch (const Json::parse_error &e) {
      throw Error(what_ + ": module.json is not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!root.is_object()) throw Error(what_ + ": module.json must be a JSON object");
    ModuleInfo m;
    parseHeader(root, m);
    parseBuffers(member(root, "buffers", ""), m);
    parseKernels(member(root, "kernels", ""), m);
    m.inputs = idList(member(root, "inputs", ""), "inputs", m);
    m.outputs = idList(member(root, "outputs", ""), "outputs", m);
    checkKernelDataFlow(m);
    checkInputsAndOutputs(m);
    return m;
  }

private:
  // "<what>: module.json: <where> <message>", or "<what>: module.json <message>" at the top level.
  [[noreturn]] void fail(const std::string &where, const std::string &message) const {
    throw Error(what_ + ": module.json" + (where.empty() ? " " : ": " + where + " ") + message);
  }

  const Json &member(const Json &object, const char *key, const std::string &where) const {
    auto it = object.find(key);
    if (it == object.end()) fail(where, std::string("has no \"") + key + "\"");
    return *it;
  }

  std::string string(const Json &object, const char *key, const std::string &where, bool required = true) const {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) fail(where, std::string("has no \"") + key + "\"");
      return "";
    }
    if (!it->is_string()) fail(where + "." + key, "must be a string");
    return it->get<std::string>();
  }

  int64_t integer(const Json &value, const std::string &where) const {
    if (!value.is_number_integer()) fail(where, "must be an integer");
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      fail(where, "is out of range");
    return value.get<int64_t>();
  }

  void parseHeader(const Json &root, ModuleInfo &m) const {
    // The format and its version first: a package from another version may differ in
    // everything else, and must be refused with the version, not a structural complaint.
    auto format = root.find("format");
    if (format == root.end() || !format->is_string() || format->get<std::string>() != kPackageFormat)
      throw Error(what_ + ": not an rqc module package (module.json \"format\" is " +
                  (format == root.end() ? std::string("missing") : format->dump()) + ", expected \"" +
                  kPackageFormat + "\")");
    const Json &version = member(root, "format_version", "");
    auto it = root.find("rqc_version");
    std::string writer = it != root.end() && it->is_string() ? " by rqc " + it->get<std::string>() : "";
    if (!version.is_number_integer() || version.get<int64_t>() != kPackageFormatVersion)
      throw Error(what_ + ": package format version " + version.dump() + " (written" + writer +
                  ") is not supported: this runtime reads format version " + std::to_string(kPackageFormatVersion) +
                  "; recompile the model with a matching rqc");
    m.formatVersion = kPackageFormatVersion;
    m.rqcVersion = string(root, "rqc_version", "");

    const Json &checksums = member(root, "checksums", "");
    if (!checksums.is_object()) fail("checksums", "must be an object of member name -> \"sha256:<hex>\"");
    for (const auto &[name, sum] : checksums.items()) {
      const std::string where = "checksums[\"" + name + "\"]";
      if (name.empty() || name == "module.json") fail(where, "names no checksummed member");
      bool ok = sum.is_string() && sum.get<std::string>().size() == 7 + 64 &&
                sum.get<std::string>().rfind("sha256:", 0) == 0 &&
                sum.get<std::string>().find_first_not_of("0123456789abcdef", 7) == std::string::npos;
      if (!ok) fail(where, "must be \"sha256:\" and 64 lowercase hex digits, not " + sum.dump());
      m.checksums[name] = sum.get<std::string>();
    }

    const Json &target = member(root, "target", "");
    if (!target.is_object()) fail("target", "must be an object");
    m.target.kind = string(target, "kind", "target");
    m.target.vtaModel = string(target, "vta_model", "target", m.target.kind == "vta");
    m.target.triple = string(target, "triple", "target", m.target.kind != "opencl");
    if (m.target.kind == "opencl") {
      m.target.openclDevice = string(target, "device", "target");
      m.target.model = string(target, "model", "target", false);
    }
    m.target.cpu = string(target, "cpu", "target", false);
    m.target.features = string(target, "features", "target", false);
  }

  DType dtypeOf(const std::string &name, const std::string &where) const {
    for (DType d : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64})
      if (name == dtypeName(d)) return d;
    fail(where, "has unsupported dtype '" + name + "' (float32, int8, uint8, int32, int64)");
  }

  BufferKind kindOf(const std::string &name, const std::string &where) const {
    for (BufferKind k :
         {BufferKind::Input, BufferKind::Output, BufferKind::Param, BufferKind::Intermediate, BufferKind::Alias})
      if (name == bufferKindName(k)) return k;
    fail(where, "has unknown kind '" + name + "' (input, output, param, intermediate, alias)");
  }

  void parseBuffers(const Json &list, ModuleInfo &m) const {
    if (!list.is_array()) fail("buffers", "must be an array");
    for (size_t i = 0; i < list.size(); ++i) {
      const Json &b = list[i];
      std::string where = "buffers[" + std::to_string(i) + "]";
      if (!b.is_object()) fail(where, "must be an object");
      BufferInfo info;
      info.id = integer(member(b, "id", where), where + ".id");
      if (info.id < 0) fail(where + ".id", "must not be negative");
      info.name = string(b, "name", where);
      where += " ('" + info.name + "')";
      info.dtype = dtypeOf(string(b, "dtype", where), where);
      info.kind = kindOf(string(b, "kind", where), where);

      const Json &shape = member(b, "shape", where);
      if (!shape.is_array()) fail(where + ".shape", "must be an array of dimensions");
      uint64_t bytes = dtypeSize(info.dtype);
      for (const Json &d : shape) {
        int64_t dim = integer(d, where + ".shape");
        if (dim < 0) fail(where + ".shape", "has a negative dimension");
        info.shape.push_back(dim);
        if (dim != 0 && bytes > kMaxTensorBytes / static_cast<uint64_t>(dim))
          fail(where, "is too large (" + shapeToString(info.shape) + "...)");
        bytes *= static_cast<uint64_t>(dim);
      }
      if (bytes > kMaxTensorBytes) fail(where, "is too large");

      if (info.kind == BufferKind::Param) {
        int64_t offset = integer(member(b, "offset", where), where + ".offset");
        int64_t nbytes = integer(member(b, "nbytes", where), where + ".nbytes");
        if (offset < 0 || nbytes < 0) fail(where, "has a negative param offset or size");
        if (static_cast<uint64_t>(nbytes) != info.nbytes())
          fail(where, "has nbytes " + std::to_string(nbytes) + " but a " + dtypeName(info.dtype) + " " +
                          shapeToString(info.shape) + " tensor takes " + std::to_string(info.nbytes()));
        if (offset % 64 != 0) fail(where, "has param offset " + std::to_string(offset) + ", not 64-byte aligned");
        uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(nbytes);
        if (static_cast<uint64_t>(offset) > kMaxTensorBytes || end > paramsBytes_)
          fail(where, "lies outside params.bin: bytes [" + std::to_string(offset) + ", " + std::to_string(end) +
                          ") of " + std::to_string(paramsBytes_));
        info.paramOffset = static_cast<uint64_t>(offset);
      } else if (info.kind == BufferKind::Alias) {
        info.aliasOf = integer(member(b, "alias_of", where), where + ".alias_of");
      }
      if (!ModuleInfoAccess::indexById(m).emplace(info.id, m.buffers.size()).second)
        fail(where, "reuses buffer id " + std::to_string(info.id));
      m.buffers.push_back(std::move(info));
    }
    resolveAliases(m);
  }

  std::string describe(const ModuleInfo &m, int64_t id) const {
    const BufferInfo &b = m.buffer(id);
    return "buffer " + std::to_string(id) + " ('" + b.name + "')";
  }

  // Every alias chain must end at a non-alias buffer, without cycles, and an alias may
  // not view more bytes than its root owns.
  void resolveAliases(ModuleInfo &m) const {
    for (const BufferInfo &b : m.buffers) {
      int64_t id = b.id;
      size_t steps = 0;
      while (m.buffer(id).kind == BufferKind::Alias) {
        int64_t next = m.buffer(id).aliasOf;
        if (!m.hasBuffer(next))
          fail(describe(m, id), "is an alias of buffer " + std::to_string(next) + ", which does not exist");
        if (++steps > m.buffers.size()) fail(describe(m, b.id), "is on a cyclic alias chain");
        id = next;
      }
      if (b.nbytes() > m.buffer(id).nbytes())
        fail(describe(m, b.id), "(" + std::to_string(b.nbytes()) + " bytes) is larger than " + describe(m, id) +
                                    " it aliases (" + std::to_string(m.buffer(id).nbytes()) + " bytes)");
      ModuleInfoAccess::rootById(m)[b.id] = id;
    }
  }

  void parseKernels(const Json &list, ModuleInfo &m) const {
    if (!list.is_array()) fail("kernels", "must be an array");
    for (size_t i = 0; i < list.size(); ++i) {
      const Json &k = list[i];
      std::string where = "kernels[" + std::to_string(i) + "]";
      if (!k.is_object()) fail(where, "must be an object");
      KernelInfo info;
      info.device = string(k, "device", where, false);
      if (info.device.empty()) info.device = "cpu";
      if (info.device != "cpu" && info.device != "vta" && info.device != "opencl")
        fail(where + ".device", "is '" + info.device + "', not \"cpu\", \"vta\" or \"opencl\"");
      if ((info.device == "vta" || info.device == "opencl") && m.target.kind != info.device)
        fail(where + ".device", "is \"" + info.device + "\" in a package for target '" + m.target.kind + "'");
      if (info.device == "cpu" && m.target.kind == "opencl")
        fail(where + ".device", "is \"cpu\" in an opencl package, which has no kernels.so");
      info.symbol = string(k, "symbol", where, info.device == "cpu");
      info.name = string(k, "name", where, false);
      if (info.name.empty()) info.name = info.symbol;
      where += " ('" + info.name + "')";
      if (info.device == "cpu" && info.symbol.empty()) fail(where + ".symbol", "is empty");
      info.ops = string(k, "ops", where, false);
      if (auto macs = k.find("macs"); macs != k.end()) info.macs = integer(*macs, where + ".macs");

      const Json &args = member(k, "args", where);
      if (!args.is_array() || args.empty()) fail(where + ".args", "must be a non-empty array of buffer ids");
      for (const Json &a : args) {
        int64_t id = integer(a, where + ".args");
        if (!m.hasBuffer(id)) fail(where, "uses buffer " + std::to_string(id) + ", which does not exist");
        info.args.push_back(id);
      }
      if (auto count = k.find("outputs_count"); count != k.end()) {
        int64_t n = integer(*count, where + ".outputs_count");
        if (n < 1 || static_cast<size_t>(n) > info.args.size())
          fail(where + ".outputs_count", "must be between 1 and the number of args (" +
                                             std::to_string(info.args.size()) + ")");
        info.outputsCount = static_cast<int>(n);
      }
      if (info.device == "vta") info.vta = vtaKernel(member(k, "vta", where), info, m, where + ".vta");
      if (info.device == "opencl") info.opencl = openclKernel(member(k, "opencl", where), info, where + ".opencl");
      m.kernels.push_back(std::move(info));
    }
  }

  uint64_t count(const Json &object, const char *key, const std::string &where) const {
    int64_t v = integer(member(object, key, where), where + "." + key);
    if (v < 0 || uint64_t(v) > kMaxTensorBytes) fail(where + "." + key, "is out of range");
    return uint64_t(v);
  }

  // An OpenCL kernel's launches: entries that are C identifiers, 1-3 positive global sizes,
  // and parameters that exist.
  OpenCLKernelInfo openclKernel(const Json &j, const KernelInfo &k, const std::string &where) const {
    if (!j.is_object()) fail(where, "must be an object");
    OpenCLKernelInfo o;
    const Json &scratch = member(j, "scratch_bytes", where);
    if (!scratch.is_array()) fail(where + ".scratch_bytes", "must be an array of sizes in bytes");
    for (const Json &b : scratch) {
      int64_t n = integer(b, where + ".scratch_bytes");
      if (n <= 0 || uint64_t(n) > kMaxTensorBytes) fail(where + ".scratch_bytes", "holds a size out of range");
      o.scratchBytes.push_back(uint64_t(n));
    }
    const Json &launches = member(j, "launches", where);
    if (!launches.is_array()) fail(where + ".launches", "must be an array (empty for a kernel over empty tensors)");
    for (size_t i = 0; i < launches.size(); ++i) {
      const std::string at = where + ".launches[" + std::to_string(i) + "]";
      const Json &l = launches[i];
      if (!l.is_object()) fail(at, "must be an object");
      OpenCLLaunchInfo launch;
      launch.entry = string(l, "entry", at);
      if (launch.entry.empty() || std::isdigit(static_cast<unsigned char>(launch.entry[0])) ||
          launch.entry.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
              std::string::npos)
        fail(at + ".entry", "is not an OpenCL C identifier");
      auto list = [&](const char *key, size_t limit, const char *what) {
        const Json &a = member(l, key, at);
        if (!a.is_array()) fail(at + "." + key, "must be an array");
        std::vector<int64_t> out;
        for (const Json &v : a) {
          int64_t x = integer(v, at + "." + key);
          if (x < 0 || uint64_t(x) >= limit) fail(at + "." + key, std::string("names no ") + what);
          out.push_back(x);
        }
        return out;
      };
      launch.global = list("global", uint64_t(1) << 31, "work size below 2^31");
      if (launch.global.empty() || launch.global.size() > 3 ||
          std::any_of(launch.global.begin(), launch.global.end(), [](int64_t g) { return g == 0; }))
        fail(at + ".global", "must hold 1 to 3 positive work sizes");
      if (l.contains("local")) {
        launch.local = list("local", uint64_t(1) << 31, "work-group size below 2^31");
        if (!launch.local.empty() && launch.local.size() != launch.global.size())
          fail(at + ".local", "must have as many dims as global, or none");
        for (size_t d = 0; d < launch.local.size(); ++d)
          if (launch.local[d] == 0 || launch.global[d] % launch.local[d])
            fail(at + ".local", "must hold positive sizes that divide global's");
      }
      launch.args = list("args", k.args.size(), "arg of the kernel");
      launch.scratch = list("scratch", o.scratchBytes.size(), "scratch buffer");
      o.launches.push_back(std::move(launch));
    }
    return o;
  }

  // A VTA kernel's image: every region (args, micro-ops, instructions) inside it, aligned,
  // and disjoint, so that relocated DMA addresses stay inside the kernel's own memory.
  VtaKernelInfo vtaKernel(const Json &j, const KernelInfo &k, const ModuleInfo &m, const std::string &where) const {
    if (!j.is_object()) fail(where, "must be an object");
    VtaKernelInfo v;
    v.imageBytes = count(j, "image_bytes", where);
    if (v.imageBytes > (uint64_t(1) << 30)) fail(where + ".image_bytes", "is over 1 GiB");
    v.uopImageOffset = count(j, "uop_image_offset", where);
    v.insnImageOffset = count(j, "insn_image_offset", where);
    v.codeOffset = count(j, "code_offset", where);
    v.uopCount = count(j, "uop_count", where);
    v.insnCount = count(j, "insn_count", where);
    if (v.insnCount == 0) fail(where + ".insn_count", "must be positive (the stream ends with FINISH)");
    if (v.uopImageOffset % 4) fail(where + ".uop_image_offset", "must be a multiple of 4");
    if (v.insnImageOffset % 16) fail(where + ".insn_image_offset", "must be a multiple of 16");
    const Json &offsets = member(j, "arg_offsets", where);
    if (!offsets.is_array() || offsets.size() != k.args.size())
      fail(where + ".arg_offsets", "must list one byte offset per arg (" + std::to_string(k.args.size()) + ")");
    std::vector<std::pair<uint64_t, uint64_t>> regions = {{v.uopImageOffset, v.uopCount * 4},
                                                          {v.insnImageOffset, v.insnCount * 16}};
    for (size_t a = 0; a < offsets.size(); ++a) {
      int64_t o = integer(offsets[a], where + ".arg_offsets");
      if (o < 0 || o % 16) fail(where + ".arg_offsets", "must be non-negative multiples of 16");
      v.argOffsets.push_back(uint64_t(o));
      regions.push_back({uint64_t(o), m.buffer(k.args[a]).nbytes()});
    }
    std::sort(regions.begin(), regions.end());
    uint64_t end = 0;
    for (const auto &[at, bytes] : regions) {
      if (bytes == 0) continue;
      if (at < end) fail(where, "has overlapping regions in its image (at byte " + std::to_string(at) + ")");
      if (at > v.imageBytes || bytes > v.imageBytes - at)
        fail(where, "has a region beyond its image_bytes (" + std::to_string(v.imageBytes) + ")");
      end = at + bytes;
    }
    return v;
  }

  std::vector<int64_t> idList(const Json &list, const std::string &where, const ModuleInfo &m) const {
    if (!list.is_array()) fail(where, "must be an array of buffer ids");
    std::vector<int64_t> ids;
    std::unordered_set<int64_t> seen;
    std::set<std::string> names;
    for (const Json &v : list) {
      int64_t id = integer(v, where);
      if (!m.hasBuffer(id)) fail(where, "names buffer " + std::to_string(id) + ", which does not exist");
      if (!seen.insert(id).second) fail(where, "lists " + describe(m, id) + " twice");
      const std::string &name = m.buffer(id).name;
      if (name.empty()) fail(where, "lists " + describe(m, id) + ", which has no name");
      if (!names.insert(name).second) fail(where, "has two buffers named '" + name + "'");
      ids.push_back(id);
    }
    return ids;
  }

  // Kernels write only intermediates and outputs, and read only what exists by then:
  // inputs, params, or buffers written by an earlier kernel. The memory planner relies on
  // this (a buffer's lifetime starts at the kernel that writes it).
  void checkKernelDataFlow(const ModuleInfo &m) const {
    std::unordered_set<int64_t> written; // roots
    for (const KernelInfo &k : m.kernels) {
      std::string where = "kernel '" + k.name + "'";
      std::unordered_set<int64_t> writtenHere;
      for (size_t a = 0; a < k.args.size(); ++a) {
        int64_t root = m.rootOf(k.args[a]);
        BufferKind kind = m.buffer(root).kind;
        bool computed = kind == BufferKind::Intermediate || kind == BufferKind::Output;
        if (a >= k.firstOutputArg()) {
          if (!computed)
            fail(where, "writes " + describe(m, k.args[a]) + ", which is " +
                            (kind == BufferKind::Input ? "an " : "a ") + bufferKindName(kind));
          if (!writtenHere.insert(root).second) fail(where, "writes " + describe(m, root) + " twice");
        } else if (computed && !written.count(root)) {
          fail(where, "reads " + describe(m, k.args[a]) + " before any kernel writes it");
        }
      }
      written.insert(writtenHere.begin(), writtenHere.end());
    }
    for (const BufferInfo &b : m.buffers)
      if (b.kind == BufferKind::Output && !written.count(b.id))
        fail(describe(m, b.id), "is an output that no kernel writes");
    for (int64_t id : m.outputs) {
      int64_t root = m.rootOf(id);
      BufferKind kind = m.buffer(root).kind;
      bool computed = kind == BufferKind::Intermediate || kind == BufferKind::Output;
      if (computed && !written.count(root)) fail("outputs", "lists " + describe(m, id) + ", which no kernel writes");
    }
  }

  void checkInputsAndOutputs(const ModuleInfo &m) const {
    std::unordered_set<int64_t> inputs(m.inputs.begin(), m.inputs.end());
    std::unordered_set<int64_t> outputs(m.outputs.begin(), m.outputs.end());
    for (int64_t id : m.inputs)
      if (m.buffer(id).kind != BufferKind::Input)
        fail("inputs", "lists " + describe(m, id) + ", whose kind is " + bufferKindName(m.buffer(id).kind));
    for (int64_t id : m.outputs) {
      BufferKind kind = m.buffer(id).kind;
      if (kind != BufferKind::Output && kind != BufferKind::Alias)
        fail("outputs", "lists " + describe(m, id) + ", whose kind is " + bufferKindName(kind));
    }
    for (const BufferInfo &b : m.buffers) {
      if (b.kind == BufferKind::Input && !inputs.count(b.id))
        fail(describe(m, b.id), "is an input but \"inputs\" does not list it");
      if (b.kind == BufferKind::Output && !outputs.count(b.id))
        fail(describe(m, b.id), "is an output but \"outputs\" does not list it");
    }
    if (m.outputs.empty()) fail("outputs", "is empty: the module computes nothing");
  }

  std::string what_;
  uint64_t paramsBytes_;
};

} // namespace

ModuleInfo parseModuleDescription(const std::string &json, uint64_t paramsBytes, const std::string &what) {
  try {
    return DescriptionParser(what, paramsBytes).parse(json);
  } catch (const nlohmann::json::exception &e) { // a check this parser missed: still one clear line
    throw Error(what + ": module.json is malformed (" + std::string(e.what()) + ")");
  }
}

} // namespace rqc
