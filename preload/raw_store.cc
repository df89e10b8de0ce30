#include "preload/raw_store.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/text.h"

namespace cxxprof {
namespace {

uint64_t clock_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// Reads a whole small file (e.g. /proc/self/cmdline) into buffer; returns bytes read.
size_t read_small_file(const char* path, char* buffer, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t total = 0;
  while (total < size) {
    ssize_t n = read(fd, buffer + total, size - total);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += size_t(n);
  }
  close(fd);
  return total;
}

void fill_identity(raw::Header* header) {
  header->pid = getpid();
  header->ppid = getppid();
  ssize_t n = readlink("/proc/self/exe", header->executable, sizeof(header->executable) - 1);
  header->executable[n > 0 ? n : 0] = '\0';
  // argv is NUL-separated in /proc/self/cmdline; join with spaces.
  size_t length = read_small_file("/proc/self/cmdline", header->command_line,
                                  sizeof(header->command_line) - 1);
  while (length > 0 && header->command_line[length - 1] == '\0') --length;
  for (size_t i = 0; i < length; ++i) {
    if (header->command_line[i] == '\0') header->command_line[i] = ' ';
  }
  header->command_line[length] = '\0';
}

// Creates, sizes and maps DIR/<pid>.cxxraw; null (and one diagnostic line) on failure.
void* map_new_file(const char* directory, uint64_t size) {
  // DIR/<pid>.cxxraw; if it exists, this pid already wrote one in an earlier image (a
  // forked child that then called exec): DIR/<pid>.<n>.cxxraw, never overwriting.
  char path[kMaxPath + 64];
  int fd = -1;
  for (int instance = 0; instance < 100 && fd < 0; ++instance) {
    TextBuffer name(path, sizeof(path));
    name.append(directory).append("/").append_i64(getpid());
    if (instance > 0) name.append(".").append_i64(instance);
    name.append(raw::kFileSuffix);
    if (name.truncated()) {
      write_diagnostic("output directory path too long; profiling off");
      return nullptr;
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    char line[kMaxPath + 128];
    TextBuffer(line, sizeof(line)).append("cannot create ").append(path).append(": ")
        .append(strerror(errno)).append("; profiling off");
    write_diagnostic(line);
    return nullptr;
  }
  void* mapping = MAP_FAILED;
  if (ftruncate(fd, off_t(size)) == 0) {
    mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  int saved_errno = errno;
  close(fd);
  if (mapping == MAP_FAILED) {
    unlink(path);
    char line[kMaxPath + 128];
    TextBuffer(line, sizeof(line)).append("cannot map ").append(path).append(": ")
        .append(strerror(saved_errno)).append("; profiling off");
    write_diagnostic(line);
    return nullptr;
  }
  return mapping;
}

// Anonymous memory, for a store nobody reads from outside (see RawStore::create). Pages
// are zero until touched, and MAP_NORESERVE charges no commit for the untouched bulk.
void* map_anonymous(uint64_t size) {
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping != MAP_FAILED) return mapping;
  write_diagnostic("cannot map memory for the diagnostics' module table; CXXDEBUG off");
  return nullptr;
}

}  // namespace

uint64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }
uint64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }

bool RawStore::create(const char* directory, const Config& config) {
  raw::Header plan{};
  uint64_t size = raw::plan_layout(&plan, raw::Capacities{});
  void* mapping = directory != nullptr ? map_new_file(directory, size) : map_anonymous(size);
  if (mapping == nullptr) return false;
  in_memory_ = directory == nullptr;
  auto* header = static_cast<raw::Header*>(mapping);
  // The file is fresh (O_EXCL) and so zero-filled: copy the planned sections in.
  header->version = raw::kVersion;
  header->header_size = sizeof(raw::Header);
  header->file_size = size;
  header->modules = plan.modules;
  header->threads = plan.threads;
  header->stack_slots = plan.stack_slots;
  header->frame_pool = plan.frame_pool;
  header->samples = plan.samples;
  header->vdso = plan.vdso;
  header->io_paths = plan.io_paths;
  header->start_realtime_ns = realtime_ns();
  header->start_monotonic_ns = monotonic_ns();
  header->cpu_hz = config.cpu_hz;
  header->wall_hz = config.wall_hz;
  header->cpu_period_ns = config.cpu_hz ? 1000000000u / config.cpu_hz : 0;
  header->wall_period_ns = config.wall_hz ? 1000000000u / config.wall_hz : 0;
  header->heap_rate = config.heap_rate;
  header->mutex_fraction = config.mutex_fraction;
  header->block_rate = config.block_rate;
  header->io_rate = config.io_rate;
  fill_identity(header);
  // Thread slot 0 stands for threads that found the thread table full.
  header_ = header;
  raw::ThreadEntry* other = threads();
  other->tid = 0;
  std::memcpy(other->name, "(other threads)", 16);
  other->name[15] = '\0';
  other->ready.store(1, std::memory_order_release);
  header->thread_count.store(1, std::memory_order_release);
  // The magic goes last: a reader that sees it sees a complete header.
  std::atomic_thread_fence(std::memory_order_release);
  std::memcpy(header->magic, raw::kMagic, sizeof(raw::kMagic));
  return true;
}

void RawStore::mark_exit() const {
  if (header_ == nullptr) return;
  uint64_t expected = 0;
  header_->end_monotonic_ns.compare_exchange_strong(expected, monotonic_ns());
  header_->exited_normally.store(1, std::memory_order_release);
}

}  // namespace cxxprof
