#include "preload/debug_output.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/config.h"
#include "common/text.h"
#include "preload/raw_io.h"

namespace cxxprof {
namespace {

char g_path[kMaxPath];  // absolute; empty: stderr
std::atomic<int> g_fd{-1};
std::atomic<uint64_t> g_device{0};
std::atomic<uint64_t> g_inode{0};
// Set when the file cannot be opened: from then on the lines go to stderr (reported once).
std::atomic<bool> g_failed{false};

void report_open_failure() {
  if (g_failed.exchange(true)) return;
  char line[kMaxPath + 128];
  TextBuffer(line, sizeof(line)).append("CXXDEBUG: cannot open or write debugout file ")
      .append(g_path).append("; writing to stderr");
  write_diagnostic(line);
}

// Our descriptor for the file: the published one if it still names the file, else a new
// one. -1 if the file cannot be opened.
int file_descriptor() {
  int fd = g_fd.load(std::memory_order_acquire);
  uint64_t device = 0, inode = 0;
  if (fd >= 0 && raw_file_identity(fd, &device, &inode) &&
      device == g_device.load(std::memory_order_relaxed) &&
      inode == g_inode.load(std::memory_order_relaxed)) {
    return fd;
  }
  int fresh = raw_open(g_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fresh < 0) return -1;
  fresh = move_fd_out_of_the_way(fresh);
  if (!raw_file_identity(fresh, &device, &inode)) {
    raw_close(fresh);
    return -1;
  }
  g_device.store(device, std::memory_order_relaxed);
  g_inode.store(inode, std::memory_order_relaxed);
  // Another thread may have re-opened at the same moment: one descriptor wins, the other
  // thread closes its own (never the stale one, which may be the program's by now).
  if (!g_fd.compare_exchange_strong(fd, fresh, std::memory_order_acq_rel)) {
    raw_close(fresh);
    return fd;
  }
  return fresh;
}

}  // namespace

int move_fd_out_of_the_way(int fd) {
  if (fd >= kProfilerFdFloor) return fd;
  int moved = int(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, kProfilerFdFloor));
  if (moved < 0) return fd;  // RLIMIT_NOFILE too low: keep the number we got
  raw_close(fd);
  return moved;
}

void debug_output_init(const char* path) {
  g_path[0] = '\0';
  if (path == nullptr || path[0] == '\0') return;
  TextBuffer absolute(g_path, sizeof(g_path));
  if (path[0] != '/') {
    char cwd[kMaxPath];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) absolute.append(cwd).append("/");
  }
  absolute.append(path);
  if (absolute.truncated() || file_descriptor() < 0) report_open_failure();
}

void debug_output_line(const char* line, size_t length) {
  if (g_path[0] != '\0' && !g_failed.load(std::memory_order_relaxed)) {
    int fd = file_descriptor();
    if (fd >= 0 && raw_write_all(fd, line, length)) return;
    report_open_failure();
  }
  raw_write_all(2, line, length);
}

}  // namespace cxxprof
