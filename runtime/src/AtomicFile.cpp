#include "rqc/runtime/AtomicFile.h"

#include "rqc/runtime/Error.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace rqc {

namespace {

void pauseForTests() {
  if (const char *ms = std::getenv("RQC_TEST_WRITE_PAUSE_MS"))
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(ms)));
}

std::string reason() { return std::strerror(errno); }

// A unique temporary next to `path` (same file system, so the rename is atomic), open.
struct Temporary {
  std::string path;
  int fd = -1;
  bool renamed = false;

  explicit Temporary(const std::string &dest) {
    std::string::size_type slash = dest.rfind('/');
    std::string dir = slash == std::string::npos ? "" : dest.substr(0, slash + 1);
    std::string name = slash == std::string::npos ? dest : dest.substr(slash + 1);
    path = dir + "." + name + ".rqc-tmp-XXXXXX";
    fd = ::mkstemp(path.data());
    if (fd < 0) throw Error(dest + ": cannot create file (" + reason() + ")");
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    struct stat st;
    mode_t mode;
    if (::stat(dest.c_str(), &st) == 0) {
      mode = st.st_mode & 07777;
    } else {
      mode_t mask = ::umask(0);
      ::umask(mask);
      mode = 0666 & ~mask;
    }
    ::fchmod(fd, mode);
  }
  ~Temporary() {
    if (fd >= 0) ::close(fd);
    if (!renamed) std::remove(path.c_str());
  }

  // fsync, close, rename over `dest`, fsync the directory.
  void commit(const std::string &dest) {
    if (::fsync(fd) != 0) throw Error(dest + ": cannot write file (" + reason() + ")");
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw Error(dest + ": cannot write file (" + reason() + ")");
    if (std::rename(path.c_str(), dest.c_str()) != 0) throw Error(dest + ": cannot write file (" + reason() + ")");
    renamed = true;
    std::string::size_type slash = dest.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dest.substr(0, slash);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { // the rename itself reaches the disk; best effort (some file systems refuse)
      ::fsync(dfd);
      ::close(dfd);
    }
  }
};

} // namespace

void writeFileAtomically(const std::string &path, const std::string &bytes) {
  Temporary tmp(path);
  auto writeAll = [&](const char *p, size_t left) {
    while (left > 0) {
      ssize_t n = ::write(tmp.fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(path + ": cannot write file (" + reason() + ")");
      p += n;
      left -= static_cast<size_t>(n);
    }
  };
  size_t half = bytes.size() / 2;
  writeAll(bytes.data(), half);
  pauseForTests();
  writeAll(bytes.data() + half, bytes.size() - half);
  tmp.commit(path);
}

void writeFileAtomically(const std::string &path, const std::function<void(const std::string &tmpPath)> &produce) {
  Temporary tmp(path);
  produce(tmp.path);
  pauseForTests();
  tmp.commit(path);
}

} // namespace rqc
