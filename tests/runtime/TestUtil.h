// Small helpers shared by the runtime tests.
#pragma once

#include "rqc/runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

// Expects `statement` to throw rqc::Error whose message contains `substring`.
#define EXPECT_RQC_ERROR(statement, substring)                                                     \
  do {                                                                                             \
    try {                                                                                          \
      statement;                                                                                   \
      ADD_FAILURE() << "no rqc::Error from " #statement;                                           \
    } catch (const rqc::Error &e) {                                                                \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)                          \
          << "message: " << e.what() << "\nexpected to contain: " << (substring);                  \
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "multi-line: " << e.what(); \
    }                                                                                              \
  } while (0)

namespace rqc::test {

// A fresh directory, removed with its contents at the end of the test.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    path_ = std::string(base && *base ? base : "/tmp") + "/rqc-runtime-test-XXXXXX";
    if (!mkdtemp(path_.data())) throw rqc::Error("cannot create a temporary directory");
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

} // namespace rqc::test
