#include "preload/fd_table.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>

#include "common/text.h"
#include "preload/io_paths.h"
#include "preload/profiler_state.h"
#include "preload/thread_state.h"
#include "preload/vfork_child.h"

namespace cxxprof {
namespace {

// Entry: known bit clear = unknown; else [known:1][generation:8][kind:3][path id:11]
// (path id in the low bits). The generation is the profiler's (bumped in a forked child):
// path ids name entries of one raw store, and a child writes a new store, so its inherited
// entries are stale.
constexpr uint32_t kKnownBit = 1u << 31;

std::atomic<uint32_t> g_entries[kFdTableSize];
// One past the highest descriptor ever cached, so range forgets touch only what was used.
std::atomic<uint32_t> g_used_limit{0};
// Forgetting writes a fresh unknown value (known bit clear) rather than 0, so a classifier
// racing with a close and a reuse of the same number cannot mistake the new unknown entry
// for the one it read (its compare-exchange fails, and the next call classifies again).
// Per-thread counters mixed with the tid: fresh without a shared, contended counter.
__attribute__((tls_model("initial-exec"))) thread_local uint32_t t_forget_count;

uint32_t next_unknown_value() {
  const uint32_t value = ((uint32_t(current_tid()) << 12) ^ ++t_forget_count) & ~kKnownBit;
  return value == 0 ? 1 : value;  // never 0, the initial state, either
}

uint32_t current_generation() {
  return profiler().generation.load(std::memory_order_relaxed) & 0xff;
}

uint32_t pack(FdLabel label, uint32_t generation) {
  return kKnownBit | (generation << 14) | (uint32_t(label.kind) << 11) |
         (label.path_id & (io::kMaxPathIds - 1));
}

bool unpack(uint32_t entry, uint32_t generation, FdLabel* label) {
  if ((entry & kKnownBit) == 0 || ((entry >> 14) & 0xff) != generation) return false;
  label->kind = io::FdKind((entry >> 11) & 0x7);
  label->path_id = entry & (io::kMaxPathIds - 1);
  return true;
}

bool is_terminal(int fd) {
  termios attributes;
  return ioctl(fd, TCGETS, &attributes) == 0;
}

uint32_t path_id_of(const RawStore& store, int fd) {
  char link[32];
  TextBuffer(link, sizeof(link)).append("/proc/self/fd/").append_i64(fd);
  char path[4096];
  const ssize_t length = readlink(link, path, sizeof(path));
  // No /proc, or a path longer than PATH_MAX: the file is still a file, just unnamed.
  if (length <= 0 || size_t(length) >= sizeof(path)) return io::kNoPath;
  return intern_io_path(store, path, size_t(length));
}

FdLabel classify(const RawStore& store, int fd) {
  struct stat status;
  if (fstat(fd, &status) != 0) return {io::FdKind::kOther, io::kNoPath};
  switch (status.st_mode & S_IFMT) {
    case S_IFREG: return {io::FdKind::kFile, path_id_of(store, fd)};
    case S_IFSOCK: return {io::FdKind::kSocket, io::kNoPath};
    case S_IFIFO: return {io::FdKind::kPipe, io::kNoPath};
    case S_IFCHR:
      return {is_terminal(fd) ? io::FdKind::kTty : io::FdKind::kOther, io::kNoPath};
    default: return {io::FdKind::kOther, io::kNoPath};
  }
}

}  // namespace

FdLabel fd_label(const RawStore& store, int fd) {
  if (fd < 0) return {io::FdKind::kOther, io::kNoPath};
  if (uint32_t(fd) >= kFdTableSize) return classify(store, fd);
  const uint32_t generation = current_generation();
  std::atomic<uint32_t>& slot = g_entries[fd];
  uint32_t entry = slot.load(std::memory_order_relaxed);
  FdLabel label;
  if (unpack(entry, generation, &label)) return label;
  label = classify(store, fd);
  // A vfork child classifies through its own descriptor table (it may have dup2'd
  // something else onto this number before exec) but would cache into its parent's:
  // what it learns is true for it only, so it is not kept.
  if (in_vfork_child()) return label;
  // Only over what we read: if the descriptor was forgotten (closed, reused) meanwhile,
  // what we learned may be about the old object, and the next call classifies again.
  slot.compare_exchange_strong(entry, pack(label, generation), std::memory_order_relaxed);
  uint32_t limit = g_used_limit.load(std::memory_order_relaxed);
  while (limit <= uint32_t(fd) &&
         !g_used_limit.compare_exchange_weak(limit, uint32_t(fd) + 1, std::memory_order_relaxed)) {
  }
  return label;
}

void fd_forget(int fd) {
  if (fd >= 0 && uint32_t(fd) < kFdTableSize) {
    g_entries[fd].store(next_unknown_value(), std::memory_order_relaxed);
  }
}

void fd_forget_range(unsigned first, unsigned last) {
  const uint32_t limit = g_used_limit.load(std::memory_order_relaxed);
  if (last >= limit) last = limit == 0 ? 0 : limit - 1;
  if (limit == 0 || first > last) return;
  const uint32_t unknown = next_unknown_value();
  for (unsigned fd = first; fd <= last; ++fd) {
    g_entries[fd].store(unknown, std::memory_order_relaxed);
  }
}

}  // namespace cxxprof
