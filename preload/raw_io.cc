#include "preload/raw_io.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace cxxprof {
namespace {

// Keeps errno as the caller left it: the profiler's calls must not disturb the program's.
class ErrnoKeeper {
 public:
  ErrnoKeeper() : saved_(errno) {}
  ~ErrnoKeeper() { errno = saved_; }

 private:
  int saved_;
};

}  // namespace

int raw_open(const char* path, int flags, unsigned mode) {
  ErrnoKeeper keep;
  return int(syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}

void raw_close(int fd) {
  ErrnoKeeper keep;
  syscall(SYS_close, fd);
}

bool raw_write_all(int fd, const char* text, size_t length) {
  ErrnoKeeper keep;
  while (length > 0) {
    long n = syscall(SYS_write, fd, text, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text += n;
    length -= size_t(n);
  }
  return true;
}

ssize_t raw_read_file(const char* path, char* buffer, size_t size) {
  ErrnoKeeper keep;
  if (size == 0) return -1;
  int fd = int(syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
  if (fd < 0) return -1;
  size_t total = 0;
  while (total + 1 < size) {
    long n = syscall(SYS_read, fd, buffer + total, size - 1 - total);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += size_t(n);
  }
  syscall(SYS_close, fd);
  buffer[total] = '\0';
  return ssize_t(total);
}

bool raw_file_identity(int fd, uint64_t* device, uint64_t* inode) {
  ErrnoKeeper keep;
  struct stat st;
  if (syscall(SYS_fstat, fd, &st) != 0) return false;
  *device = uint64_t(st.st_dev);
  *inode = uint64_t(st.st_ino);
  return true;
}

uint64_t raw_clock_ns(int clock_id) {
  ErrnoKeeper keep;
  timespec ts{};
  if (syscall(SYS_clock_gettime, clock_id, &ts) != 0) return 0;
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

}  // namespace cxxprof
