// kernels.so of a package, loaded into this process without leaving a file behind, with
// its ABI checked (docs/package-format.md, "Kernel ABI").
#pragma once

#include <cstdint>
#include <string>

namespace rqc {

class KernelLibrary {
public:
  using KernelFunction = void (*)(void **args);

  // Loads the shared object `bytes` (RTLD_NOW: every undefined symbol is bound now) and
  // checks rqc_abi_version() and rqc_set_num_threads. Throws rqc::Error prefixed by `what`.
  KernelLibrary(const std::string &bytes, const std::string &what);
  ~KernelLibrary();
  KernelLibrary(const KernelLibrary &) = delete;
  KernelLibrary &operator=(const KernelLibrary &) = delete;

  // The kernel exported as `symbol`; throws naming the symbol and `kernelName` when the
  // library does not define it.
  KernelFunction kernel(const std::string &symbol, const std::string &kernelName) const;
  void setNumThreads(int32_t n) const { setNumThreads_(n); }

private:
  void *lookup(const std::string &symbol) const; // nullptr when not defined by this library

  std::string what_;
  void *handle_ = nullptr;
  const void *base_ = nullptr; // load address, to tell our symbols from our dependencies'
  void (*setNumThreads_)(int32_t) = nullptr;
};

} // namespace rqc
