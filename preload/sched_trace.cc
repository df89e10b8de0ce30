#include "preload/sched_trace.h"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"
#include "preload/debug_output.h"
#include "preload/diagnostics.h"
#include "preload/raw_io.h"
#include "preload/raw_store.h"
#include "preload/service_thread.h"
#include "preload/thread_activity.h"
#include "preload/thread_state.h"

namespace cxxprof {
namespace {

constexpr unsigned kReasonCount = unsigned(BlockReason::kIo) + 1;
// THREAD lines per SCHED line; the counts always cover every thread.
constexpr uint32_t kMaxDetailThreads = 4096;

// What a thread is doing, for the counts and the THREAD line's state=.
enum class Doing : uint8_t { kRunning, kRunnable, kBlocked, kOther };

struct ActivityCopy {
  int32_t tid;
  BlockReason reason;
  uint64_t object;
  uint64_t since_ns;
  const char* function;
};

struct ThreadView {
  int32_t tid;
  char kernel_state;
  Doing doing;
  int32_t last_cpu;
  uint64_t cpu_ns;
  const ActivityCopy* activity;  // null if the thread is in no interposed blocking call
  char name[16];
};

struct Totals {
  uint64_t program_cpu_ns;
  int64_t voluntary;
  int64_t involuntary;
};

bool g_detail = false;
Totals g_last{};

// The tick's working memory: the service thread's stack is small, and only this thread
// uses these. Untouched (and so costing no memory) unless schedtrace is on.
ActivityCopy g_activities[kMaxThreadActivities];
uint32_t g_activity_count = 0;
ThreadView g_threads[kMaxDetailThreads];

void copy_activity(const ThreadActivity& slot, void*) {
  if (g_activity_count == kMaxThreadActivities) return;
  auto reason = BlockReason(slot.reason.load(std::memory_order_acquire));
  if (reason == BlockReason::kNone) return;
  ActivityCopy copy{slot.tid.load(std::memory_order_relaxed), reason,
                    slot.object.load(std::memory_order_relaxed),
                    slot.since_ns.load(std::memory_order_relaxed),
                    slot.function.load(std::memory_order_relaxed)};
  // The owner may have left the call and entered another while we read: then this copy
  // mixes two calls. Keep it only if nothing moved (the kernel state decides otherwise).
  if (BlockReason(slot.reason.load(std::memory_order_acquire)) != reason ||
      slot.since_ns.load(std::memory_order_relaxed) != copy.since_ns || copy.tid == 0) {
    return;
  }
  g_activities[g_activity_count++] = copy;
}

void snapshot_activities() {
  g_activity_count = 0;
  for_each_activity(&copy_activity, nullptr);
  std::sort(g_activities, g_activities + g_activity_count,
            [](const ActivityCopy& a, const ActivityCopy& b) { return a.tid < b.tid; });
}

const ActivityCopy* find_activity(int32_t tid) {
  const ActivityCopy* end = g_activities + g_activity_count;
  const ActivityCopy* found = std::lower_bound(
      static_cast<const ActivityCopy*>(g_activities), end, tid,
      [](const ActivityCopy& a, int32_t t) { return a.tid < t; });
  return found != end && found->tid == tid ? found : nullptr;
}

Totals read_totals() {
  rusage process{}, self{};
  syscall(SYS_getrusage, RUSAGE_SELF, &process);
  syscall(SYS_getrusage, RUSAGE_THREAD, &self);
  const uint64_t process_cpu = raw_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  const uint64_t own_cpu = raw_clock_ns(CLOCK_THREAD_CPUTIME_ID);
  return Totals{process_cpu > own_cpu ? process_cpu - own_cpu : 0,
                int64_t(process.ru_nvcsw - self.ru_nvcsw),
                int64_t(process.ru_nivcsw - self.ru_nivcsw)};
}

// Parses /proc/self/task/TID/stat: "tid (name) S ppid ... processor ...". The name may
// hold spaces and parentheses, so it ends at the last ')'.
bool parse_stat(const char* text, ThreadView* view) {
  const char* open = text;
  while (*open != '\0' && *open != '(') ++open;
  const char* close = nullptr;
  for (const char* p = open; *p != '\0'; ++p) {
    if (*p == ')') close = p;
  }
  if (*open != '(' || close == nullptr || close[1] != ' ' || close[2] == '\0') return false;
  size_t n = 0;
  for (const char* p = open + 1; p < close && n + 1 < sizeof(view->name); ++p) {
    // Names are free text; keep the line's fields separable by spaces.
    view->name[n++] = (*p <= ' ' || *p == 127) ? '_' : *p;
  }
  view->name[n] = '\0';
  view->kernel_state = close[2];
  // Field 3 is the state; the processor is field 39.
  const char* p = close + 3;
  for (int field = 4; field < 39; ++field) {
    while (*p == ' ') ++p;
    while (*p != ' ' && *p != '\0') ++p;
  }
  while (*p == ' ') ++p;
  view->last_cpu = -1;
  if (*p >= '0' && *p <= '9') {
    int32_t cpu = 0;
    for (; *p >= '0' && *p <= '9'; ++p) cpu = cpu * 10 + (*p - '0');
    view->last_cpu = cpu;
  }
  return true;
}

// Reads one thread; false if it is gone.
bool read_thread(int32_t tid, ThreadView* view) {
  char path[64];
  TextBuffer(path, sizeof(path)).append("/proc/self/task/").append_i64(tid).append("/stat");
  const int clock = thread_cpu_clock(tid);
  // Bracket the stat read with two reads of the thread's CPU clock: a thread on a CPU
  // advances it in between (see sched_trace.h).
  const uint64_t before = raw_clock_ns(clock);
  char stat[1024];
  const bool read = raw_read_file(path, stat, sizeof(stat)) > 0;
  const uint64_t after = raw_clock_ns(clock);
  if (!read || after == 0 || !parse_stat(stat, view)) return false;
  view->tid = tid;
  view->cpu_ns = after;
  view->activity = find_activity(tid);
  if (view->kernel_state == 'R') {
    view->doing = after > before ? Doing::kRunning : Doing::kRunnable;
  } else if (view->activity != nullptr) {
    view->doing = Doing::kBlocked;
  } else {
    view->doing = Doing::kOther;
  }
  return true;
}

struct Counts {
  uint32_t threads;
  uint32_t running;
  uint32_t runnable;
  uint32_t other;
  uint32_t blocked[kReasonCount];
  uint32_t detailed;  // ThreadViews kept in g_threads
};

void count(const ThreadView& view, Counts* counts) {
  ++counts->threads;
  switch (view.doing) {
    case Doing::kRunning: ++counts->running; break;
    case Doing::kRunnable: ++counts->runnable; break;
    case Doing::kOther: ++counts->other; break;
    case Doing::kBlocked: ++counts->blocked[unsigned(view.activity->reason)]; break;
  }
}

// Every thread of the process but the calling (service) thread, from /proc/self/task.
void scan_threads(Counts* counts) {
  int fd = raw_open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const int32_t self = current_tid();
  alignas(8) char buffer[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buffer + offset);
      offset += entry->d_reclen;
      int32_t tid = 0;
      const char* name = entry->d_name;
      if (*name < '0' || *name > '9') continue;
      for (; *name >= '0' && *name <= '9'; ++name) tid = tid * 10 + (*name - '0');
      if (tid == self) continue;
      ThreadView scratch;
      ThreadView* view = counts->detailed < kMaxDetailThreads ? &g_threads[counts->detailed]
                                                              : &scratch;
      if (!read_thread(tid, view)) continue;
      count(*view, counts);
      if (view != &scratch) ++counts->detailed;
    }
  }
  raw_close(fd);
}

void append_ms(TextBuffer& text, uint64_t ns) {
  text.append_u64(ns / 1000000u).append_char('.').append_u64(ns / 100000u % 10).append("ms");
}

void emit(TextBuffer& text, char* line) {
  text.append_char('\n');
  debug_output_line(line, text.length());
}

const char* doing_name(const ThreadView& view) {
  switch (view.doing) {
    case Doing::kRunning: return "running";
    case Doing::kRunnable: return "runnable";
    case Doing::kOther: return "other";
    case Doing::kBlocked: return block_reason_name(view.activity->reason);
  }
  return "other";
}

void write_thread_line(const ThreadView& view, uint64_t now_ns) {
  char line[512];
  TextBuffer text(line, sizeof(line) - 1);
  text.append("  THREAD tid=").append_i64(view.tid).append(" name=")
      .append(view.name[0] != '\0' ? view.name : "_").append(" state=").append(doing_name(view))
      .append(" kstate=").append_char(view.kernel_state).append(" lastcpu=")
      .append_i64(view.last_cpu).append(" cputime=");
  append_ms(text, view.cpu_ns);
  if (const ActivityCopy* activity = view.activity) {
    text.append(" blocked=").append(activity->function != nullptr ? activity->function : "?");
    if (activity->reason == BlockReason::kIo) {
      text.append(" fd=").append_i64(int64_t(activity->object));
    } else if (activity->object != 0) {
      text.append(" object=").append_hex(activity->object);
    }
    text.append(" for=").append_u64(
        now_ns > activity->since_ns ? (now_ns - activity->since_ns) / 1000000u : 0).append("ms");
  }
  emit(text, line);
}

void sched_tick(uint64_t now_ns) {
  snapshot_activities();
  Counts counts{};
  scan_threads(&counts);
  const Totals totals = read_totals();

  char line[512];
  TextBuffer text(line, sizeof(line) - 1);
  text.append("SCHED ").append_u64(diagnostics_ms(now_ns)).append("ms: pid=")
      .append_i64(diagnostics_pid()).append(" threads=")
      .append_u64(counts.threads).append(" running=").append_u64(counts.running)
      .append(" runnable=").append_u64(counts.runnable);
  for (unsigned reason = 1; reason < kReasonCount; ++reason) {
    text.append(" ").append(block_reason_name(BlockReason(reason))).append("=")
        .append_u64(counts.blocked[reason]);
  }
  text.append(" other=").append_u64(counts.other).append(" cpu=");
  append_ms(text, totals.program_cpu_ns > g_last.program_cpu_ns
                      ? totals.program_cpu_ns - g_last.program_cpu_ns : 0);
  text.append(" vcsw=").append_i64(totals.voluntary - g_last.voluntary)
      .append(" ivcsw=").append_i64(totals.involuntary - g_last.involuntary);
  g_last = totals;
  emit(text, line);

  if (!g_detail) return;
  for (uint32_t i = 0; i < counts.detailed; ++i) write_thread_line(g_threads[i], now_ns);
  if (counts.threads > counts.detailed) {
    TextBuffer more(line, sizeof(line) - 1);
    more.append("  THREAD ").append_u64(counts.threads - counts.detailed)
        .append(" more threads not shown");
    emit(more, line);
  }
}

}  // namespace

void start_sched_trace(uint32_t period_ms, bool detail) {
  g_detail = detail;
  // The service thread has not run yet (here or in a forked child): all CPU time and
  // context switches so far are the program's.
  rusage process{};
  syscall(SYS_getrusage, RUSAGE_SELF, &process);
  g_last = Totals{raw_clock_ns(CLOCK_PROCESS_CPUTIME_ID), int64_t(process.ru_nvcsw),
                  int64_t(process.ru_nivcsw)};
  if (!add_service_timer(&sched_tick, uint64_t(period_ms) * 1000000u)) {
    write_diagnostic("CXXDEBUG: no room for schedtrace's timer; schedtrace off");
  }
}

}  // namespace cxxprof
