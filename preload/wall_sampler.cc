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

// How far a thread has run, from /proc/T/schedstat: its CPU time in ns and how many
// times it was put on a CPU. The kernel counts an arrival the moment the thread is
// scheduled in, so an unchanged count means the thread has not run at all since. On a
// kernel without schedstats: its context switches (/proc/T/status), which are counted
// only when it leaves the CPU, so they prove nothing about a thread running right now.
struct RunMark {
  int64_t cpu_ns;
  int64_t switches;
  bool counts_arrivals;
  bool operator==(const RunMark&) const = default;
};

// What the last tick learned of each blocked thread, by tid (a collision just costs the
// other thread a full read). Only the service thread touches it.
struct CachedThread {
  pid_t tid;
  uint32_t generation;
  uint32_t slot;  // thread slot, for `name`
  char name[raw::kThreadNameSize];
  uint64_t name_read_ns;  // when /proc/T/comm was last read
  // The last sample taken from outside: the stack unwound where the thread was blocked
  // (0: none), and its run mark read after that.
  uint32_t stack;
  RunMark mark;
};
constexpr uint32_t kCacheSize = 1024;
CachedThread g_cache[kCacheSize];

// How long the cached name of a thread that has not run since is trusted: another thread
// may rename it (pthread_setname_np writes /proc/T/comm) while it sleeps. A thread that
// ran since the last tick may have renamed itself: its name is read again.
constexpr uint64_t kNameRecheckNs = 1'000'000'000;

struct TickContext {
  const RawStore* store;
  pid_t self_tid;
  pid_t pid;
  uint64_t interval_ns;
  uint32_t generation;
  uint64_t now_ns;
};

CachedThread& cached_thread(const TickContext& tick, pid_t tid) {
  CachedThread& cached = g_cache[uint32_t(tid) % kCacheSize];
  if (cached.tid != tid || cached.generation != tick.generation) {
    std::memset(&cached, 0, sizeof(cached));
    cached.tid = tid;
    cached.generation = tick.generation;
  }
  return cached;
}

uint32_t slot_for_blocked_thread(const TickContext& tick, CachedThread& cached, bool ran) {
  if (!ran && cached.slot != 0 && tick.now_ns - cached.name_read_ns < kNameRecheckNs) {
    return cached.slot;
  }
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(cached.tid).append("/comm");
  char name[64];
  if (read_text_file(path, name, sizeof(name)) < 0) name[0] = '\0';
  name[raw::kThreadNameSize - 1] = '\0';
  char* newline = std::strchr(name, '\n');
  if (newline != nullptr) *newline = '\0';
  cached.name_read_ns = tick.now_ns;
  if (cached.slot == 0 || std::strncmp(cached.name, name, raw::kThreadNameSize) != 0) {
    std::memcpy(cached.name, name, raw::kThreadNameSize);
    cached.slot = claim_thread_slot(*tick.store, cached.tid, name);
  }
  return cached.slot;
}

void add_blocked_sample(const TickContext& tick, CachedThread& cached, uint32_t stack, bool ran) {
  const uint32_t slot = slot_for_blocked_thread(tick, cached, ran);
  const int64_t values[2] = {1, int64_t(tick.interval_ns)};
  add_sample(*tick.store, raw::make_sample_key(raw::SampleKind::kWall, slot, stack, 0), values, 2);
}

void signal_running_thread(const TickContext& tick, pid_t tid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = SIGPROF;
  info.si_code = SI_QUEUE;
  info.si_pid = tick.pid;
  info.si_uid = getuid();
  info.si_value = wall_signal_value(tick.interval_ns, kWallSignalTag);
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

bool thread_run_mark(pid_t tid, RunMark* mark) {
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/schedstat");
  char text[2048];
  if (read_text_file(path, text, sizeof(text)) > 0) {
    // "CPU_NS RUN_DELAY_NS ARRIVALS"
    const char* cursor = text;
    int64_t run_delay = 0;
    mark->counts_arrivals = true;
    return next_number(&cursor, 10, &mark->cpu_ns) && next_number(&cursor, 10, &run_delay) &&
           next_number(&cursor, 10, &mark->switches);
  }
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/status");
  if (read_text_file(path, text, sizeof(text)) <= 0) return false;
  *mark = RunMark{0, 0, false};
  int found = 0;
  for (const char* key : {"\nvoluntary_ctxt_switches:", "\nnonvoluntary_ctxt_switches:"}) {
    const char* at = std::strstr(text, key);
    int64_t switches = 0;
    if (at == nullptr) continue;
    at += std::strlen(key);
    if (next_number(&at, 10, &switches)) {
      mark->switches += switches;
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
  CachedThread& cached = cached_thread(tick, tid);
  RunMark mark{};
  // Not put on a CPU since the last sample found it blocked: it is still blocked there,
  // with the stack unwound then. Most threads of a big program sleep for many ticks;
  // this costs them one small read instead of two and an unwind.
  if (cached.stack != 0 && cached.mark.counts_arrivals) {
    if (!thread_run_mark(tid, &mark)) {
      tick.store->count(raw::kWallThreadsSkipped);  // exited meanwhile
      return;
    }
    if (mark == cached.mark) {
      add_blocked_sample(tick, cached, cached.stack, false);
      return;
    }
  }
  cached.stack = 0;
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/syscall");
  char text[256];
  if (read_text_file(path, text, sizeof(text)) <= 0) {
    tick.store->count(raw::kWallThreadsSkipped);  // exited meanwhile
    return;
  }
  if (std::strncmp(text, "running", 7) == 0) {
    signal_running_thread(tick, tid);
    return;
  }
  if (!thread_run_mark(tid, &mark)) {
    tick.store->count(raw::kWallThreadsSkipped);
    return;
  }
  for (int attempt = 0; attempt < kBlockedAttempts; ++attempt) {
    if (std::strncmp(text, "running", 7) == 0) {
      signal_running_thread(tick, tid);
      return;
    }
    unwind::Registers registers;
    if (!blocked_registers(text, &registers)) break;
    uint64_t pcs[raw::kMaxStackDepth];
    const unwind::UnwindResult unwound = unwind_only(registers, checked_memory_reader(), pcs);
    // The stack was read while the thread may have woken up and called something else on
    // the same stack memory: its frames would mix old and new calls. Keep the sample only
    // if the thread is blocked in the same call at the same place (same syscall,
    // arguments, sp and pc) and has not run at all since `mark` was read (after `text`):
    // a lock waiter can wake, run, and block again with the very same registers within
    // one unwind, having overwritten the frames in between. Else start over from where it
    // is now; the mark read after `again` serves as the next attempt's.
    char again[sizeof(text)];
    RunMark mark_after{};
    if (read_text_file(path, again, sizeof(again)) <= 0 || !thread_run_mark(tid, &mark_after)) {
      break;  // exited meanwhile
    }
    if (std::strcmp(again, text) == 0 && mark_after == mark) {
      // Not run between `mark` and `mark_after`, and blocked at `again` in between: at
      // `mark_after` it had still not been put on a CPU since it blocked here. Only now
      // is the stack stored and its truncation counted: a discarded read leaves no trace.
      const uint32_t stack = keep_stack(*tick.store, unwound, pcs);
      cached.stack = stack;
      cached.mark = mark_after;
      add_blocked_sample(tick, cached, stack, true);
      return;
    }
    std::memcpy(text, again, sizeof(text));
    mark = mark_after;
  }
  tick.store->count(raw::kWallThreadsSkipped);
}

}  // namespace

void wall_sample_tick(const RawStore& store, pid_t self_tid, uint64_t interval_ns,
                      uint32_t generation) {
  // Rounded as the signal carries it, so running and blocked threads count the same.
  interval_ns = wall_signal_interval_ns(wall_signal_value(interval_ns, 0));
  TickContext tick{&store, self_tid, getpid(), interval_ns, generation, monotonic_ns()};
  for_each_thread(&sample_thread, &tick);
}

}  // namespace cxxprof
