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

// How far a thread has run: its CPU time in ns and its scheduling count from
// /proc/T/schedstat, or on a kernel without usable schedstats its context switches from
// /proc/T/status. Either changes whenever the thread leaves a CPU after running (the
// kernel adds the CPU time, or counts the switch, as it switches out), but may lag while
// it is on one: a mark proves "has not run since" only for a thread that is off the CPU
// now, which /proc/T/syscall tells ("running" otherwise).
struct RunMark {
  int64_t cpu_ns;
  int64_t switches;
  bool from_schedstat;
  bool operator==(const RunMark&) const = default;
};

// What the last ticks learned of each thread seen blocked. Open addressing by tid; an
// entry not seen for a whole tick belongs to a thread that exited (every live thread is
// visited each tick) and is reused. Only the service thread touches it.
struct CachedThread {
  pid_t tid;  // 0: never used
  uint32_t generation;
  uint64_t last_tick;  // the tick that last visited it
  uint32_t slot;       // thread slot, for `name`
  char name[raw::kThreadNameSize];
  uint64_t name_read_ns;  // when /proc/T/comm was last read
  // The last sample taken from outside: the stack unwound where the thread was blocked
  // (0: none), and its run mark read after that.
  uint32_t stack;
  RunMark mark;
};
constexpr uint32_t kCacheSize = 4096;  // 320 KiB, touched only as far as threads go
constexpr uint32_t kCacheProbes = 64;
CachedThread g_cache[kCacheSize];
uint64_t g_tick_number = 0;

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
  uint64_t number;
};

// The thread's entry, or null when more threads than the cache holds are alive: such a
// thread is sampled without a cache, under thread slot 0 (claiming it a slot on every
// tick would fill the thread table).
CachedThread* cached_thread(const TickContext& tick, pid_t tid) {
  const uint32_t home = uint32_t(tid) * 2654435761u % kCacheSize;
  CachedThread* reusable = nullptr;
  for (uint32_t probe = 0; probe < kCacheProbes; ++probe) {
    CachedThread& entry = g_cache[(home + probe) % kCacheSize];
    if (entry.tid == tid && entry.generation == tick.generation) {
      entry.last_tick = tick.number;
      return &entry;
    }
    const bool stale = entry.generation != tick.generation || entry.last_tick + 1 < tick.number;
    if (reusable == nullptr && (entry.tid == 0 || stale)) reusable = &entry;
    if (entry.tid == 0) break;  // the end of this tid's probe sequence
  }
  if (reusable == nullptr) return nullptr;
  std::memset(reusable, 0, sizeof(*reusable));
  reusable->tid = tid;
  reusable->generation = tick.generation;
  reusable->last_tick = tick.number;
  return reusable;
}

uint32_t slot_for_blocked_thread(const TickContext& tick, CachedThread& cached, bool ran) {
  if (cached.tid == 0) return 0;  // not in the cache (see cached_thread)
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
  char text[4096];
  if (read_text_file(path, text, sizeof(text)) > 0) {
    // "CPU_NS RUN_DELAY_NS TIMESLICES". A kernel that keeps no schedstats prints zeros:
    // no thread that exists has run for 0 ns.
    const char* cursor = text;
    int64_t run_delay = 0;
    *mark = RunMark{0, 0, true};
    if (next_number(&cursor, 10, &mark->cpu_ns) && next_number(&cursor, 10, &run_delay) &&
        next_number(&cursor, 10, &mark->switches) && mark->cpu_ns != 0) {
      return true;
    }
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
  CachedThread* entry = cached_thread(tick, tid);
  CachedThread uncached{};
  CachedThread& cached = entry != nullptr ? *entry : uncached;
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/syscall");
  char text[256];
  if (read_text_file(path, text, sizeof(text)) <= 0) {
    tick.store->count(raw::kWallThreadsSkipped);  // exited meanwhile
    return;
  }
  if (std::strncmp(text, "running", 7) == 0) {
    cached.stack = 0;
    signal_running_thread(tick, tid);
    return;
  }
  RunMark mark{};
  if (!thread_run_mark(tid, &mark)) {
    tick.store->count(raw::kWallThreadsSkipped);
    return;
  }
  // Off the CPU now (`text`), and its mark, read after that, unchanged since the last
  // sample found it blocked: it has not run since, so it is still blocked there, with the
  // stack unwound then. Most threads of a big program sleep for many ticks; this costs
  // them two small reads instead of four and an unwind.
  if (cached.stack != 0 && mark == cached.mark) {
    add_blocked_sample(tick, cached, cached.stack, false);
    return;
  }
  cached.stack = 0;
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
  TickContext tick{&store, self_tid, getpid(), interval_ns, generation, monotonic_ns(), ++g_tick_number};
  for_each_thread(&sample_thread, &tick);
}

}  // namespace cxxprof
