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

// The file to replace for `path`: a symbolic link's target (the link stays a link), and
// only ever a regular file: renaming over /dev/null, a device, a fifo or a directory would
// replace it.
std::string destination(const std::string &path, int links = 0) {
  if (path.empty()) throw Error("the output path is empty");
  std::string dest = path;
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (links > 40) throw Error(path + ": too many levels of symbolic links");
    std::string target(4096, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0 || n == ssize_t(target.size())) throw Error(path + ": cannot read the symbolic link (" + reason() + ")");
    target.resize(size_t(n));
    std::string::size_type slash = path.rfind('/');
    dest = target[0] == '/' || slash == std::string::npos ? target : path.substr(0, slash + 1) + target;
    return destination(dest, links + 1);
  }
  if (::stat(dest.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw Error(path + ": is " +
                (S_ISDIR(st.st_mode)                          ? std::string("a directory")
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? std::string("a device")
                 : S_ISFIFO(st.st_mode)                        ? std::string("a pipe")
                                                               : std::string("not a regular file")) +
                "; rqc writes its outputs to regular files only");
  return dest;
}

} // namespace

void writeFileAtomically(const std::string &requested, const std::string &bytes) {
  const std::string path = destination(requested);
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

void writeFileAtomically(const std::string &requested,
                         const std::function<void(const std::string &tmpPath)> &produce) {
  const std::string path = destination(requested);
  Temporary tmp(path);
  produce(tmp.path);
  pauseForTests();
  tmp.commit(path);
}

} // namespace rqc
