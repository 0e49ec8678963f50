// Shared by the libFuzzer harnesses in fuzz/: the CLI readers take paths, so some
// harnesses write the input to a private temporary file first; and every harness treats
// rqc::Error as the expected answer to bad input and anything else escaping as a finding.
#pragma once

#include "rqc/runtime/Error.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace rqc::fuzz {

// A file in a directory of this process only, rewritten for every input. The name keeps
// `fileName`'s extension, since some readers go by it.
inline std::string writeInputFile(const uint8_t *data, size_t size, const std::string &fileName) {
  static std::string lastPath;
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/rqc-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("rqc fuzz: mkdtemp");
      std::abort();
    }
    // Best effort: libFuzzer's own exits (a crash, -runs reached) may skip it.
    std::atexit([] {
      if (!lastPath.empty()) std::remove(lastPath.c_str());
      ::rmdir(dir.c_str());
    });
    return pattern;
  }();
  std::string path = dir + "/" + fileName;
  if (!lastPath.empty() && lastPath != path) std::remove(lastPath.c_str());
  lastPath = path;
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror("rqc fuzz: writing the input file");
    std::abort();
  }
  return path;
}

// Runs `body`; rqc::Error is the reader's documented refusal and ends the input quietly.
// Any other exception escaping a reader is a finding: report it and abort so libFuzzer
// keeps the input.
template <typename Body> int runExpectingRqcErrors(Body &&body) {
  try {
    body();
  } catch (const rqc::Error &) {
  } catch (const std::exception &e) {
    std::fprintf(stderr, "rqc fuzz: FINDING: a non-rqc exception escaped the reader: %s\n", e.what());
    std::abort();
  }
  return 0;
}

} // namespace rqc::fuzz
