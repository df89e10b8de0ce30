// Unwinding at arbitrary instructions: another thread interrupts a busy thread (libc's
// qsort, malloc, snprintf, strtod, std::string) thousands of times, and every sample must
// unwind through prologues, epilogues and libc's assembly all the way to _start.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "preload/unwinder.h"
#include "tests/unit/unwinder_support.h"

namespace {

using namespace cxxprof::unwind;
using namespace cxxprof::unwind::testing;

volatile int g_sink = 0;

struct Sample {
  StopReason stop;
  uint32_t depth;
  uint64_t pcs[64];
};
constexpr int kMaxSamples = 20000;
struct SampleLog {
  ModuleSet modules{};
  AddressRanges ranges;
  std::atomic<int> count{0};
  Sample samples[kMaxSamples];
};
SampleLog* g_samples = nullptr;

void record_sample(int, siginfo_t*, void* context) {
  SampleLog* log = g_samples;
  int index = log->count.load(std::memory_order_relaxed);
  if (index == kMaxSamples) return;
  Sample& s = log->samples[index];
  UnwindResult r = unwind_stack(log->modules, registers_from_ucontext(static_cast<ucontext_t*>(context)),
                                log->ranges.reader(), s.pcs, 64);
  s.stop = r.stop;
  s.depth = r.depth;
  log->count.store(index + 1, std::memory_order_release);
}

__attribute__((noinline)) void busy_work(std::atomic<bool>* stop) {
  std::vector<int> numbers(2000);
  char text[256];
  uint64_t checksum = 0;
  while (!stop->load(std::memory_order_relaxed)) {
    for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<int>((i * 7919) % 2003);
    qsort(numbers.data(), numbers.size(), sizeof(int),
          [](const void* a, const void* b) { return *static_cast<const int*>(a) - *static_cast<const int*>(b); });
    for (int i = 0; i < 50; ++i) {
      void* p = malloc(16 + i * 37);
      std::memset(p, i, 16 + i * 37);
      checksum += snprintf(text, sizeof(text), "%d %f %s", i, i * 0.5, "x");
      checksum += static_cast<uint64_t>(strtod(text + 2, nullptr));
      free(p);
    }
    std::string joined;
    for (int i = 0; i < 20; ++i) joined += std::to_string(numbers[i]);
    checksum += joined.size();
  }
  g_sink = static_cast<int>(checksum);
}

TEST(UnwinderStress, EverySampleOfABusyThreadReachesStart) {
  LoadedModules modules;
  auto log = std::make_unique<SampleLog>();
  log->modules = modules.set();
  uint64_t low, high;
  current_thread_stack(&low, &high);
  log->ranges.add(low, high);
  g_samples = log.get();
  ScopedHandler handler(SIGPROF, &record_sample);
  std::atomic<bool> stop{false};
  pthread_t target = pthread_self();
  std::thread sampler([&] {
    for (int i = 0; i < 3000; ++i) {
      pthread_kill(target, SIGPROF);
      struct timespec pause {0, 50000};
      nanosleep(&pause, nullptr);
    }
    stop.store(true);
  });
  busy_work(&stop);
  sampler.join();
  g_samples = nullptr;

  const int count = log->count.load();
  EXPECT_GT(count, 1000);
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    const Sample& s = log->samples[i];
    if (s.stop == StopReason::kEndOfStack && s.depth >= 2 && function_name(s.pcs[s.depth - 1]) == "_start") {
      continue;
    }
    if (++failures <= 3) {
      ADD_FAILURE() << "sample " << i << " stop: " << stop_reason_name(s.stop) << "\n" << describe_stack(s.pcs, s.depth);
    }
  }
  EXPECT_EQ(failures, 0) << "of " << count;
}

}  // namespace
