#include "preload/wall_sampler.h"

#include <csignal>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/text.h"
#include "preload/profiler_state.h"
#include "preload/proc_files.h"
#include "preload/sample_table.h"
#include "preload/sampling_handler.h"
#include "preload/stack_memory.h"
#include "preload/thread_state.h"

namespace cxxprof {
namespace {

// Thread slots of blocked threads, cached by tid so each tick costs no new slot. Only
// the service thread touches it.
struct CachedThread {
  pid_t tid;
  uint32_t slot;
  uint32_t generation;
  char name[raw::kThreadNameSize];
};
constexpr uint32_t kCacheSize = 1024;
CachedThread g_cache[kCacheSize];

struct TickContext {
  const RawStore* store;
  pid_t self_tid;
  pid_t pid;
  uint64_t period_ns;
  uint32_t generation;
};

uint32_t slot_for_blocked_thread(const TickContext& tick, pid_t tid) {
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/comm");
  char name[64];
  if (read_text_file(path, name, sizeof(name)) < 0) name[0] = '\0';
  name[raw::kThreadNameSize - 1] = '\0';
  char* newline = std::strchr(name, '\n');
  if (newline != nullptr) *newline = '\0';
  CachedThread& cached = g_cache[uint32_t(tid) % kCacheSize];
  if (cached.tid != tid || cached.generation != tick.generation || cached.slot == 0 ||
      std::strncmp(cached.name, name, raw::kThreadNameSize) != 0) {
    cached.tid = tid;
    cached.generation = tick.generation;
    std::memcpy(cached.name, name, raw::kThreadNameSize);
    cached.slot = claim_thread_slot(*tick.store, tid, name);
  }
  return cached.slot;
}

void signal_running_thread(const TickContext& tick, pid_t tid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = SIGPROF;
  info.si_code = SI_QUEUE;
  info.si_pid = tick.pid;
  info.si_uid = getuid();
  info.si_value.sival_int = kWallSignalTag;
  syscall(SYS_rt_tgsigqueueinfo, tick.pid, tid, SIGPROF, &info);
}

// Parses /proc/T/syscall's "NR ARG1..ARG6 SP PC" (in a system call) or "-1 SP PC"
// (blocked outside one) into the registers an unwind starts from.
bool blocked_registers(const char* text, unwind::Registers* registers) {
  const char* cursor = text;
  int64_t number = 0;
  if (!next_number(&cursor, 10, &number)) return false;
  int64_t fields[8];
  int count = 0;
  while (count < 8 && next_number(&cursor, 16, &fields[count])) ++count;
  if (count < 2) return false;
  *registers = unwind::Registers{};
  registers->set(unwind::kRsp, uint64_t(fields[count - 2]));
  registers->set(unwind::kRip, uint64_t(fields[count - 1]));
  return true;
}

// How far the thread has run: its CPU time in ns (/proc/T/schedstat's first field), or on
// a kernel without schedstats its context switches (/proc/T/status). The kernel brings the
// figure up to date whenever the thread stops running, so a thread that is blocked when
// the figure is read twice, and shows the same figure both times, did not run between.
bool thread_run_mark(pid_t tid, int64_t* mark) {
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/schedstat");
  char text[2048];
  if (read_text_file(path, text, sizeof(text)) > 0) {
    const char* cursor = text;
    return next_number(&cursor, 10, mark);
  }
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/status");
  if (read_text_file(path, text, sizeof(text)) <= 0) return false;
  *mark = 0;
  int found = 0;
  for (const char* key : {"\nvoluntary_ctxt_switches:", "\nnonvoluntary_ctxt_switches:"}) {
    const char* at = std::strstr(text, key);
    int64_t switches = 0;
    if (at == nullptr) continue;
    at += std::strlen(key);
    if (next_number(&at, 10, &switches)) {
      *mark += switches;
      ++found;
    }
  }
  return found == 2;
}

// How often a blocked thread's stack is read again when the thread moved while it was
// being read, before its tick is given up (counted as skipped).
constexpr int kBlockedAttempts = 3;

void sample_thread(pid_t tid, void* data) {
  const TickContext& tick = *static_cast<const TickContext*>(data);
  if (tid == tick.self_tid) return;
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/syscall");
  char text[256];
  int64_t mark = 0;
  if (!thread_run_mark(tid, &mark) || read_text_file(path, text, sizeof(text)) <= 0) {
    tick.store->count(raw::kWallThreadsSkipped);  // exited meanwhile
    return;
  }
  for (int attempt = 0; attempt < kBlockedAttempts; ++attempt) {
    if (std::strncmp(text, "running", 7) == 0) {
      signal_running_thread(tick, tid);
      return;
    }
    unwind::Registers registers;
    if (!blocked_registers(text, &registers)) break;
    const uint32_t stack = capture_stack(*tick.store, registers, checked_memory_reader());
    // The stack was read while the thread may have woken up and called something else on
    // the same stack memory: its frames would mix old and new calls. Keep the sample only
    // if the thread is blocked in the same call at the same place (same syscall,
    // arguments, sp and pc) and has not run at all since before `text` was read: a lock
    // waiter can wake, run, and block again with the very same registers within one
    // unwind, having overwritten the frames in between. Else start over from where it is
    // now; the mark read after `again` serves as the next attempt's "before".
    char again[sizeof(text)];
    int64_t mark_after = 0;
    if (read_text_file(path, again, sizeof(again)) <= 0 || !thread_run_mark(tid, &mark_after)) {
      break;  // exited meanwhile
    }
    if (std::strcmp(again, text) == 0 && mark_after == mark) {
      uint32_t slot = slot_for_blocked_thread(tick, tid);
      const int64_t values[2] = {1, int64_t(tick.period_ns)};
      add_sample(*tick.store, raw::make_sample_key(raw::SampleKind::kWall, slot, stack, 0),
                 values, 2);
      return;
    }
    std::memcpy(text, again, sizeof(text));
    mark = mark_after;
  }
  tick.store->count(raw::kWallThreadsSkipped);
}

}  // namespace

void wall_sample_tick(const RawStore& store, pid_t self_tid, uint64_t period_ns,
                      uint32_t generation) {
  TickContext tick{&store, self_tid, getpid(), period_ns, generation};
  for_each_thread(&sample_thread, &tick);
}

}  // namespace cxxprof
