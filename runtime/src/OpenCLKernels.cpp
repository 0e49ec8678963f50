#include "OpenCLKernels.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <dlfcn.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace rqc {

namespace {

constexpr cl_int CL_PLATFORM_NOT_FOUND_KHR_VALUE = -1001; // cl_khr_icd: the loader found no platform

// The OpenCL 1.2 entry points rqc uses, resolved from the ICD loader.
struct Api {
#define RQC_CL_FUNCTIONS(X)                                                                                            \
  X(clGetPlatformIDs) X(clGetPlatformInfo) X(clGetDeviceIDs) X(clGetDeviceInfo) X(clCreateContext)                    \
  X(clCreateCommandQueue) X(clCreateProgramWithSource) X(clCreateProgramWithBinary) X(clBuildProgram)                 \
  X(clGetProgramBuildInfo) X(clGetProgramInfo) X(clCreateKernel) X(clSetKernelArg) X(clCreateBuffer)                  \
  X(clEnqueueWriteBuffer) X(clEnqueueReadBuffer) X(clEnqueueNDRangeKernel) X(clFinish) X(clReleaseMemObject)          \
  X(clReleaseKernel) X(clReleaseProgram) X(clReleaseCommandQueue) X(clReleaseContext) X(clGetEventProfilingInfo)        \
  X(clReleaseEvent)
#define RQC_CL_POINTER(name) decltype(&::name) name = nullptr;
  RQC_CL_FUNCTIONS(RQC_CL_POINTER)
  void *library = nullptr;

  explicit Api(const std::string &what) {
    library = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library)
      throw Error(what + ": the package runs on an OpenCL device and libOpenCL.so.1 (the OpenCL ICD loader) is not "
                         "installed: " + std::string(dlerror()) + " (on Debian: apt-get install ocl-icd-libopencl1 pocl-opencl-icd)");
#define RQC_CL_RESOLVE(name)                                                                                           \
  name = reinterpret_cast<decltype(name)>(dlsym(library, #name));                                                      \
  if (!name) throw Error(what + ": libOpenCL.so.1 lacks " #name " (an OpenCL 1.2 loader is needed)");
    RQC_CL_FUNCTIONS(RQC_CL_RESOLVE)
  }
  ~Api() { /* the loader stays open: ICDs register atexit handlers */ }
};

const char *errorName(cl_int e) {
  switch (e) {
  case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
  case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
  case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
  case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
  case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
  case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
  case CL_INVALID_DEVICE: return "CL_INVALID_DEVICE";
  case CL_INVALID_BINARY: return "CL_INVALID_BINARY";
  case CL_INVALID_PROGRAM_EXECUTABLE: return "CL_INVALID_PROGRAM_EXECUTABLE";
  case CL_INVALID_KERNEL_NAME: return "CL_INVALID_KERNEL_NAME";
  case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
  case CL_INVALID_WORK_DIMENSION: return "CL_INVALID_WORK_DIMENSION";
  case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
  case CL_INVALID_GLOBAL_WORK_SIZE: return "CL_INVALID_GLOBAL_WORK_SIZE";
  case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
  case CL_PLATFORM_NOT_FOUND_KHR_VALUE: return "CL_PLATFORM_NOT_FOUND_KHR";
  default: return "an OpenCL error";
  }
}

std::string deviceString(const Api &api, cl_device_id d, cl_device_info param) {
  size_t n = 0;
  if (api.clGetDeviceInfo(d, param, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "?";
  std::string s(n, '\0');
  api.clGetDeviceInfo(d, param, n, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string platformString(const Api &api, cl_platform_id p, cl_platform_info param) {
  size_t n = 0;
  if (api.clGetPlatformInfo(p, param, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "?";
  std::string s(n, '\0');
  api.clGetPlatformInfo(p, param, n, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string cacheDir() {
  if (const char *d = std::getenv("RQC_CACHE_DIR"); d && *d) return std::string(d) + "/opencl";
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/rqc/opencl";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/rqc/opencl";
  return "";
}

// Runs `f` with stderr captured: some OpenCL compilers (PoCL's clang) print their
// diagnostics there besides the build log. On failure the log goes into the one error
// line; on success whatever was printed (warnings) is passed on.
template <typename F> cl_int quietly(F f) {
  std::fflush(stderr);
  int saved = ::dup(2);
  std::FILE *capture = std::tmpfile();
  if (saved < 0 || !capture) {
    if (saved >= 0) ::close(saved);
    if (capture) std::fclose(capture);
    return f();
  }
  ::dup2(::fileno(capture), 2);
  cl_int result = f();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  if (result == CL_SUCCESS) {
    std::rewind(capture);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, capture)) > 0;) std::fwrite(buf, 1, n, stderr);
  }
  std::fclose(capture);
  return result;
}

void makeDirs(const std::string &path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
}

// Every device of every platform, in clinfo -l's order, with its platform's name. Throws
// when the loader finds no platform.
std::vector<std::pair<cl_device_id, std::string>> allDevices(const Api &api, const std::string &what) {
  cl_uint count = 0;
  cl_int e = api.clGetPlatformIDs(0, nullptr, &count);
  if (e == CL_PLATFORM_NOT_FOUND_KHR_VALUE || count == 0)
    throw Error(what + ": no OpenCL platform is installed (on Debian: apt-get install pocl-opencl-icd; a board needs "
                       "its GPU's OpenCL driver)");
  std::vector<cl_platform_id> platforms(count);
  if (e != CL_SUCCESS || api.clGetPlatformIDs(count, platforms.data(), nullptr) != CL_SUCCESS)
    throw Error(what + ": OpenCL: listing the platforms failed");
  std::vector<std::pair<cl_device_id, std::string>> all;
  for (cl_platform_id p : platforms) {
    cl_uint n = 0;
    if (api.clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &n) != CL_SUCCESS || n == 0) continue;
    std::vector<cl_device_id> ds(n);
    api.clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n, ds.data(), nullptr);
    for (cl_device_id d : ds) all.emplace_back(d, platformString(api, p, CL_PLATFORM_NAME));
  }
  return all;
}

} // namespace

std::vector<std::string> openclDevices(const std::string &what) {
  Api api(what);
  std::vector<std::string> names;
  for (const auto &[d, platform] : allDevices(api, what)) names.push_back(platform + " / " + deviceString(api, d, CL_DEVICE_NAME));
  return names;
}

struct OpenCLKernels::State {
  Api api;
  std::string what;
  const ModuleInfo &info;
  cl_device_id device = nullptr;
  std::string deviceName;
  cl_context context = nullptr;
  cl_command_queue queue = nullptr;
  cl_program program = nullptr;
  std::map<int64_t, cl_mem> params;   // by buffer id: uploaded once
  std::map<int64_t, cl_mem> resident; // every other buffer, by root id: lives on the device
  std::set<int64_t> inputRoots, outputRoots; // what the host writes (model inputs) and reads (outputs)
  struct Prepared {
    std::vector<cl_mem> args;    // per KernelInfo::args (the buffer of its root)
    std::vector<bool> upload;    // per arg: a model input, copied to the device before the call
    std::vector<bool> download;  // per arg: (an alias of) a model output, read back after it
    std::vector<cl_mem> scratch; // per scratchBytes
    std::vector<cl_kernel> launches;
    double deviceMs = 0; // summed over calls, from the launches' profiling events
    uint64_t calls = 0;
  };
  std::vector<std::unique_ptr<Prepared>> kernels; // by kernel index; null for others
  std::vector<cl_mem> owned;
  // Launches enqueued and not yet known to be finished (kernel index, event): their
  // profiling times are read once the queue has drained past them.
  std::vector<std::pair<size_t, cl_event>> pending;

  // Every pending launch has finished (the queue is in order and has drained): add their
  // device times to their kernels.
  void harvest() {
    for (auto [k, e] : pending) {
      cl_ulong start = 0, end = 0;
      if (api.clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof start, &start, nullptr) == CL_SUCCESS &&
          api.clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof end, &end, nullptr) == CL_SUCCESS && end >= start)
        kernels[k]->deviceMs += double(end - start) * 1e-6;
      api.clReleaseEvent(e);
    }
    pending.clear();
  }

  State(const ModuleInfo &i, const std::string &w) : api(w), what(w), info(i) {}

  void check(cl_int e, const std::string &doing) const {
    if (e != CL_SUCCESS)
      throw Error(what + ": OpenCL: " + doing + " failed on " + deviceName + ": " + errorName(e) + " (" +
                  std::to_string(e) + ")");
  }

  void openDevice(int requested) {
    std::vector<std::pair<cl_device_id, std::string>> all = allDevices(api, what);
    if (all.empty()) throw Error(what + ": the installed OpenCL platforms have no device");
    size_t chosen = 0;
    if (requested >= 0) {
      if (size_t(requested) >= all.size())
        throw Error(what + ": --device opencl:" + std::to_string(requested) + " names no device (there are " +
                    std::to_string(all.size()) + ", numbered from 0)");
      chosen = size_t(requested);
    } else if (const char *env = std::getenv("RQC_OPENCL_DEVICE"); env && *env) {
      char *end = nullptr;
      unsigned long n = std::strtoul(env, &end, 10);
      if (*end || !std::isdigit(static_cast<unsigned char>(*env)))
        throw Error(what + ": RQC_OPENCL_DEVICE=" + env + " is not a device number (0, 1, ... as clinfo -l lists them)");
      if (n >= all.size())
        throw Error(what + ": RQC_OPENCL_DEVICE=" + env + " names no device (there are " + std::to_string(all.size()) +
                    ", numbered from 0)");
      chosen = n;
    } else {
      for (size_t i = 0; i < all.size(); ++i) {
        cl_device_type type = 0;
        api.clGetDeviceInfo(all[i].first, CL_DEVICE_TYPE, sizeof type, &type, nullptr);
        if (type & CL_DEVICE_TYPE_GPU) {
          chosen = i;
          break;
        }
      }
    }
    device = all[chosen].first;
    deviceName = all[chosen].second + " / " + deviceString(api, device, CL_DEVICE_NAME);
    cl_int err = CL_SUCCESS;
    context = api.clCreateContext(nullptr, 1, &device, nullptr, nullptr, &err);
    check(err, "creating a context");
    // Profiling on: every launch's device time is read from its event (rqc bench --profile).
    queue = api.clCreateCommandQueue(context, device, CL_QUEUE_PROFILING_ENABLE, &err);
    check(err, "creating a command queue");
  }

  std::string buildLog() const {
    size_t n = 0;
    api.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
    std::string log(n, '\0');
    if (n) api.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    // Compilers build from a temporary copy (PoCL: .../kcache/tempfile_XXXX.cl): name the
    // package's member instead.
    for (size_t at = log.find("tempfile_"); at != std::string::npos; at = log.find("tempfile_", at)) {
      size_t begin = log.find_last_of(" \n\t'\"", at), end = log.find(".cl", at);
      begin = begin == std::string::npos ? 0 : begin + 1;
      if (end == std::string::npos) break;
      log.replace(begin, end + 3 - begin, "kernels.cl");
      at = begin + 10;
    }
    std::istringstream in(log);
    std::string first, line;
    for (int i = 0; i < 6 && std::getline(in, line);) // the first lines: the first error is what matters
      if (!line.empty()) first += (i++ ? " | " : "") + line;
    return first.empty() ? "(the build log is empty)" : first;
  }

  void buildProgram(const std::string &source) {
    static const char *kOptions = "-cl-std=CL1.2";
    const std::string key = sha256Checksum(source + "\n" + deviceName + "\n" +
                                           deviceString(api, device, CL_DRIVER_VERSION) + "\n" + kOptions)
                                .substr(7);
    const std::string dir = cacheDir(), cached = dir.empty() ? "" : dir + "/" + key + ".bin";
    cl_int err = CL_SUCCESS;
    if (!cached.empty()) {
      std::ifstream in(cached, std::ios::binary);
      std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // "<sha256:...>\n<binary>": a damaged entry is never handed to the driver (PoCL aborts
      // on some), it is rebuilt.
      std::string binary;
      const size_t eol = file.find('\n');
      if (eol != std::string::npos && file.compare(0, eol, sha256Checksum(file.data() + eol + 1, file.size() - eol - 1)) == 0)
        binary = file.substr(eol + 1);
      if (!binary.empty()) {
        const unsigned char *bytes = reinterpret_cast<const unsigned char *>(binary.data());
        size_t size = binary.size();
        cl_int status = CL_SUCCESS;
        program = api.clCreateProgramWithBinary(context, 1, &device, &size, &bytes, &status, &err);
        if (err == CL_SUCCESS && status == CL_SUCCESS &&
            api.clBuildProgram(program, 1, &device, kOptions, nullptr, nullptr) == CL_SUCCESS)
          return;
        if (program) api.clReleaseProgram(program); // a stale or corrupt cache entry: rebuild
        program = nullptr;
      }
    }
    const char *text = source.c_str();
    size_t length = source.size();
    program = api.clCreateProgramWithSource(context, 1, &text, &length, &err);
    check(err, "creating the program from kernels.cl");
    if (quietly([&] { return api.clBuildProgram(program, 1, &device, kOptions, nullptr, nullptr); }) != CL_SUCCESS)
      throw Error(what + ": kernels.cl does not build on " + deviceName + ": " + buildLog());
    if (cached.empty()) return;
    size_t size = 0;
    if (api.clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr) != CL_SUCCESS || !size) return;
    std::string binary(size, '\0');
    unsigned char *out = reinterpret_cast<unsigned char *>(binary.data());
    if (api.clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof out, &out, nullptr) != CL_SUCCESS) return;
    try {
      makeDirs(dir);
      writeFileAtomically(cached, sha256Checksum(binary) + "\n" + binary);
    } catch (const Error &) { // an unwritable cache only costs the next load a build
    }
  }

  cl_mem buffer(uint64_t bytes, cl_mem_flags flags, const void *init) {
    cl_int err = CL_SUCCESS;
    cl_mem m = api.clCreateBuffer(context, flags, bytes ? bytes : 1, const_cast<void *>(init), &err);
    check(err, "allocating a buffer of " + std::to_string(bytes) + " bytes");
    owned.push_back(m);
    return m;
  }
};

OpenCLKernels::OpenCLKernels(const ModuleInfo &info, const std::string &source,
                             const std::function<const void *(int64_t)> &paramData, const std::string &what,
                             int device)
    : s_(std::make_unique<State>(info, what)) {
  State &s = *s_;
  s.openDevice(device);
  s.buildProgram(source);
  s.kernels.resize(info.kernels.size());
  for (int64_t id : info.inputs) s.inputRoots.insert(info.rootOf(id));
  for (int64_t id : info.outputs) s.outputRoots.insert(info.rootOf(id));
  for (size_t k = 0; k < info.kernels.size(); ++k) {
    const KernelInfo &ki = info.kernels[k];
    if (ki.device != "opencl") continue;
    auto p = std::make_unique<State::Prepared>();
    for (size_t a = 0; a < ki.args.size(); ++a) {
      const int64_t id = ki.args[a];
      const BufferInfo &b = info.buffer(id);
      const bool written = a >= ki.firstOutputArg(); // the kernel's outputs are its last args
      if (b.kind == BufferKind::Param) {
        auto it = s.params.find(id);
        if (it == s.params.end())
          it = s.params.emplace(id, s.buffer(b.nbytes(), CL_MEM_READ_ONLY | (b.nbytes() ? CL_MEM_COPY_HOST_PTR : 0),
                                             b.nbytes() ? paramData(id) : nullptr)).first;
        p->args.push_back(it->second);
        p->upload.push_back(false);
        p->download.push_back(false);
      } else {
        const int64_t root = info.rootOf(id);
        auto it = s.resident.find(root);
        if (it == s.resident.end())
          it = s.resident.emplace(root, s.buffer(info.buffer(root).nbytes(), CL_MEM_READ_WRITE, nullptr)).first;
        p->args.push_back(it->second);
        p->upload.push_back(!written && s.inputRoots.count(root) && b.nbytes());
        p->download.push_back(written && s.outputRoots.count(root) && b.nbytes());
      }
    }
    for (uint64_t bytes : ki.opencl.scratchBytes) p->scratch.push_back(s.buffer(bytes, CL_MEM_READ_WRITE, nullptr));
    for (const OpenCLLaunchInfo &l : ki.opencl.launches) {
      cl_int err = CL_SUCCESS;
      cl_kernel kernel = s.api.clCreateKernel(s.program, l.entry.c_str(), &err);
      if (err == CL_INVALID_KERNEL_NAME)
        throw Error(what + ": kernel '" + ki.name + "' launches '" + l.entry + "', which kernels.cl does not define");
      s.check(err, "creating kernel " + l.entry);
      p->launches.push_back(kernel);
      cl_uint index = 0;
      for (int64_t a : l.args) s.check(s.api.clSetKernelArg(kernel, index++, sizeof(cl_mem), &p->args[a]), "setting an argument of " + l.entry);
      for (int64_t t : l.scratch)
        s.check(s.api.clSetKernelArg(kernel, index++, sizeof(cl_mem), &p->scratch[t]), "setting an argument of " + l.entry);
    }
    s.kernels[k] = std::move(p);
  }
}

OpenCLKernels::~OpenCLKernels() {
  State &s = *s_;
  if (s.queue) s.api.clFinish(s.queue);
  s.harvest();
  for (auto &p : s.kernels)
    if (p)
      for (cl_kernel k : p->launches) s.api.clReleaseKernel(k);
  for (cl_mem m : s.owned) s.api.clReleaseMemObject(m);
  if (s.program) s.api.clReleaseProgram(s.program);
  if (s.queue) s.api.clReleaseCommandQueue(s.queue);
  if (s.context) s.api.clReleaseContext(s.context);
}

std::string OpenCLKernels::deviceName() const { return s_->deviceName; }

void OpenCLKernels::run(size_t kernelIndex, void **args) {
  State &s = *s_;
  const KernelInfo &k = s.info.kernels.at(kernelIndex);
  State::Prepared &p = *s.kernels.at(kernelIndex);
  // Activations stay on the device between kernels: only model inputs go up and model
  // outputs come back.
  for (size_t a = 0; a < k.args.size(); ++a)
    if (p.upload[a])
      s.check(s.api.clEnqueueWriteBuffer(s.queue, p.args[a], CL_FALSE, 0, s.info.buffer(k.args[a]).nbytes(), args[a], 0,
                                         nullptr, nullptr),
              "copying an input of '" + k.name + "' to the device");
  for (size_t i = 0; i < k.opencl.launches.size(); ++i) {
    const OpenCLLaunchInfo &l = k.opencl.launches[i];
    size_t global[3] = {1, 1, 1}, local[3] = {1, 1, 1};
    for (size_t d = 0; d < l.global.size(); ++d) global[d] = static_cast<size_t>(l.global[d]);
    for (size_t d = 0; d < l.local.size(); ++d) local[d] = static_cast<size_t>(l.local[d]);
    cl_event event = nullptr;
    s.check(s.api.clEnqueueNDRangeKernel(s.queue, p.launches[i], static_cast<cl_uint>(l.global.size()), nullptr, global,
                                         l.local.empty() ? nullptr : local, 0, nullptr, &event),
            "launching " + l.entry);
    s.pending.emplace_back(kernelIndex, event);
  }
  ++p.calls;
  bool drained = false;
  for (size_t a = 0; a < k.args.size(); ++a)
    if (p.download[a]) {
      s.check(s.api.clEnqueueReadBuffer(s.queue, p.args[a], CL_TRUE, 0, s.info.buffer(k.args[a]).nbytes(), args[a], 0,
                                        nullptr, nullptr),
              "reading the output of '" + k.name + "'");
      drained = true; // a blocking read returns after everything enqueued before it
    }
  if (drained) s.harvest();
}

void OpenCLKernels::finish() {
  State &s = *s_;
  s.check(s.api.clFinish(s.queue), "waiting for the kernels");
  s.harvest();
}

std::optional<double> OpenCLKernels::meanDeviceMs(size_t kernelIndex) const {
  if (!s_->pending.empty()) {
    s_->api.clFinish(s_->queue);
    s_->harvest();
  }
  const auto &p = s_->kernels.at(kernelIndex);
  if (!p || !p->calls) return std::nullopt;
  return p->deviceMs / double(p->calls);
}

} // namespace rqc
