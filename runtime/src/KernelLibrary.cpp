#include "KernelLibrary.h"
#include "KernelMemory.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/ModuleDescription.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rqc {

namespace {

bool writeAll(int fd, const std::string &bytes) {
  const char *p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

std::string lastDlError() {
  const char *e = dlerror();
  return e ? e : "unknown dynamic loader error";
}

// The loader's messages name the path it opened (/proc/self/fd/N or a temporary file);
// the user knows the library as kernels.so.
std::string renamePath(std::string message, const std::string &path) {
  for (size_t at; !path.empty() && (at = message.find(path)) != std::string::npos;)
    message.replace(at, path.size(), "kernels.so");
  return message;
}

// The dynamic loader returns an already loaded library when the path names match, without
// looking at the file. Paths of loaded kernels can come back (a closed fd number is reused,
// a temporary name recurs), so a path is only used when no loaded library has it.
bool pathIsLoaded(const std::string &path) {
  void *h = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (!h) return false;
  dlclose(h);
  return true;
}

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// An anonymous in-memory file: nothing on disk to clean up, even after a crash.
void *openFromMemfd(const std::string &bytes, std::string &error) {
  int fd = memfd_create("rqc-kernels.so", MFD_CLOEXEC);
  if (fd < 0) {
    error = std::string("memfd_create: ") + std::strerror(errno);
    return nullptr;
  }
  // Move to an fd number whose /proc path no loaded library is known by.
  while (pathIsLoaded(fdPath(fd))) {
    int higher = fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
    ::close(fd);
    if (higher < 0) {
      error = std::string("cannot duplicate a file descriptor: ") + std::strerror(errno);
      return nullptr;
    }
    fd = higher;
  }
  void *handle = nullptr;
  std::string path = fdPath(fd);
  if (!writeAll(fd, bytes)) error = std::string("cannot write the in-memory file: ") + std::strerror(errno);
  else if (!(handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))) error = renamePath(lastDlError(), path);
  ::close(fd); // the mapping keeps the file alive
  return handle;
}

// For systems without memfd (or with /proc or exec from memfd unavailable): a private
// temporary file, removed right after loading.
void *openFromTempFile(const std::string &bytes, std::string &error) {
  const char *dir = std::getenv("TMPDIR");
  std::string directory = dir && *dir ? dir : "/tmp", path;
  int fd = -1;
  do {
    if (fd >= 0) {
      ::close(fd);
      ::unlink(path.c_str());
    }
    path = directory + "/rqc-kernels-XXXXXX.so";
    fd = mkostemps(path.data(), 3, O_CLOEXEC);
    if (fd < 0) {
      error = "cannot create a temporary file in " + directory + ": " + std::strerror(errno);
      return nullptr;
    }
  } while (pathIsLoaded(path));
  void *handle = nullptr;
  bool written = writeAll(fd, bytes);
  ::close(fd);
  if (!written) error = std::string("cannot write a temporary file: ") + std::strerror(errno);
  else if (!(handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))) error = renamePath(lastDlError(), path);
  ::unlink(path.c_str());
  return handle;
}

// OpenMP runtimes start worker threads that outlive a parallel region; unloading one
// (when the last kernels.so using it is closed) while those threads exist crashes the
// process. LLVM's libomp marks itself NODELETE, GNU libgomp does not: one extra reference
// keeps whichever OpenMP runtime the kernels brought in loaded for good.
void pinOpenMpRuntime() {
  for (const char *name : {"libomp.so.5", "libomp.so", "libgomp.so.1", "libiomp5.so"})
    dlopen(name, RTLD_NOW | RTLD_NOLOAD);
}

const void *baseOf(const void *address) {
  Dl_info info;
  if (!address || !dladdr(address, &info)) return nullptr;
  return info.dli_fbase;
}

} // namespace

KernelLibrary::KernelLibrary(const std::string &bytes, const std::string &what) : what_(what) {
  std::string memfdError, fileError;
  handle_ = openFromMemfd(bytes, memfdError);
  if (!handle_) handle_ = openFromTempFile(bytes, fileError);
  if (!handle_)
    throw Error(what_ + ": cannot load kernels.so: " + (fileError.empty() ? memfdError : fileError));
  pinOpenMpRuntime();

  void *abi = dlsym(handle_, "rqc_abi_version");
  base_ = baseOf(abi);
  if (!abi || !base_) {
    dlclose(handle_);
    throw Error(what_ + ": kernels.so does not export rqc_abi_version (not an rqc kernel library)");
  }
  int32_t version = reinterpret_cast<int32_t (*)()>(abi)();
  if (version != kKernelAbiVersion) {
    dlclose(handle_);
    throw Error(what_ + ": kernels.so implements kernel ABI version " + std::to_string(version) +
                "; this runtime calls ABI version " + std::to_string(kKernelAbiVersion));
  }
  setNumThreads_ = reinterpret_cast<void (*)(int32_t)>(lookup("rqc_set_num_threads"));
  if (!setNumThreads_) {
    dlclose(handle_);
    throw Error(what_ + ": kernels.so does not export rqc_set_num_threads");
  }
  // Optional (packages from before it have their kernels call malloc/free directly).
  using SetAllocator = void (*)(void *(*)(size_t), void (*)(void *));
  if (auto set = reinterpret_cast<SetAllocator>(lookup("rqc_set_allocator")))
    set(&kernel_memory::allocate, &kernel_memory::release);
}

KernelLibrary::~KernelLibrary() {
  if (handle_) dlclose(handle_);
  kernel_memory::trim(); // the sizes this library's kernels cached may not come again
}

void *KernelLibrary::lookup(const std::string &symbol) const {
  dlerror();
  void *address = dlsym(handle_, symbol.c_str());
  // dlsym also searches the library's dependencies (libc, libomp): a symbol found there is
  // not a kernel of this package.
  if (!address || baseOf(address) != base_) return nullptr;
  return address;
}

KernelLibrary::KernelFunction KernelLibrary::kernel(const std::string &symbol, const std::string &kernelName) const {
  void *address = lookup(symbol);
  if (!address)
    throw Error(what_ + ": kernels.so does not define symbol '" + symbol + "' (kernel '" + kernelName + "')");
  return reinterpret_cast<KernelFunction>(address);
}

} // namespace rqc
