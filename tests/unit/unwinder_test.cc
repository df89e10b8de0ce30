// The unwinder on real stacks of this process: unwinding from a signal handler's ucontext
// (a leaf in a tight loop on the main thread, a deep recursion on another thread), through
// glibc's __restore_rt (a signal raised inside a signal handler, also on a sigaltstack),
// through a real PLT entry, and against glibc's backtrace(). This file is built -O2, which
// on x86-64 omits frame pointers; the leaf also clobbers rbp, so only CFI can unwind it.
#include <dlfcn.h>
#include <execinfo.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <ucontext.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "preload/unwinder.h"
#include "tests/unit/unwinder_support.h"

namespace {

using namespace cxxprof::unwind;
using namespace cxxprof::unwind::testing;

constexpr uint32_t kMaxFrames = 256;

// Shared between a test and its signal handlers. The handler writes, then sets `done`.
struct Capture {
  ModuleSet modules{};
  AddressRanges ranges;
  uint64_t pcs[kMaxFrames] = {};
  UnwindResult result{};
  uint64_t outer_interrupted_pc = 0;
  uint64_t handler_rsp = 0;  // the stack pointer where the unwinding handler was entered
  std::atomic<bool> in_leaf{false};
  std::atomic<bool> done{false};
};
Capture* g_capture = nullptr;
volatile int g_sink = 0;

void unwind_from_context(int, siginfo_t*, void* context) {
  Capture* c = g_capture;
  Registers regs = registers_from_ucontext(static_cast<ucontext_t*>(context));
  c->handler_rsp = regs.value[kRsp];
  c->result = unwind_stack(c->modules, regs, c->ranges.reader(), c->pcs, kMaxFrames);
  c->done.store(true, std::memory_order_release);
}

std::vector<std::string> names_of(const Capture& c) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < c.result.depth; ++i) names.push_back(function_name(c.pcs[i]));
  return names;
}

std::string dump(const Capture& c) {
  return "stop: " + std::string(stop_reason_name(c.result.stop)) + "\n" + describe_stack(c.pcs, c.result.depth);
}

// Sends `signal` to `thread` once the capture's thread is spinning in the leaf.
std::thread signal_when_in_leaf(Capture* c, pthread_t thread, int signal) {
  return std::thread([c, thread, signal] {
    while (!c->in_leaf.load(std::memory_order_acquire)) sched_yield();
    pthread_kill(thread, signal);
  });
}

}  // namespace

// The known call chains. noinline/noclone keep the symbols; the empty asm after each call
// keeps it from becoming a tail call.
extern "C" {

__attribute__((noinline, noclone, optimize("omit-frame-pointer"))) void unwinder_test_spin_leaf() {
  asm volatile("xorl %%ebp, %%ebp" ::: "rbp");  // no frame-pointer chain past this frame
  g_capture->in_leaf.store(true, std::memory_order_release);
  while (!g_capture->done.load(std::memory_order_acquire)) {
  }
}
__attribute__((noinline, noclone)) void unwinder_test_chain_c() {
  unwinder_test_spin_leaf();
  asm volatile("");
}
__attribute__((noinline, noclone)) void unwinder_test_chain_b() {
  unwinder_test_chain_c();
  asm volatile("");
}
__attribute__((noinline, noclone)) void unwinder_test_chain_a() {
  unwinder_test_chain_b();
  asm volatile("");
}

__attribute__((noinline, noclone)) int unwinder_test_recurse(int n) {
  if (n == 0) {
    unwinder_test_spin_leaf();
    return 0;
  }
  int r = unwinder_test_recurse(n - 1);
  g_sink = r;
  return r + 1;
}

__attribute__((noinline, noclone)) void* unwinder_test_thread_main(void* arg) {
  auto* c = static_cast<Capture*>(arg);
  uint64_t low, high;
  current_thread_stack(&low, &high);
  c->ranges.add(low, high);
  unwinder_test_recurse(40);
  asm volatile("");
  return nullptr;
}

// Interrupts the leaf, then raises a second signal whose handler unwinds through this one.
__attribute__((noinline, noclone)) void unwinder_test_outer_handler(int, siginfo_t*, void* context) {
  g_capture->outer_interrupted_pc =
      static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP];
  raise(SIGUSR2);
  asm volatile("");
}

// Unwinds from a getcontext() in this frame and also asks glibc's backtrace().
__attribute__((noinline, noclone)) void unwinder_test_compare(const ModuleSet* modules,
                                                              AddressRanges* ranges,
                                                              uint64_t* pcs, UnwindResult* result,
                                                              void** trace, int* trace_depth) {
  ucontext_t context;
  getcontext(&context);
  *trace_depth = backtrace(trace, kMaxFrames);
  *result = unwind_stack(*modules, registers_from_ucontext(&context), ranges->reader(), pcs,
                         kMaxFrames);
  asm volatile("");
}
__attribute__((noinline, noclone)) void unwinder_test_compare_outer(int depth, const ModuleSet* m,
                                                                    AddressRanges* r, uint64_t* p,
                                                                    UnwindResult* u, void** t,
                                                                    int* n) {
  if (depth == 0) {
    unwinder_test_compare(m, r, p, u, t, n);
  } else {
    unwinder_test_compare_outer(depth - 1, m, r, p, u, t, n);
  }
  g_sink = depth;
}

}  // extern "C"

namespace {

class UnwinderLive : public ::testing::Test {
 protected:
  UnwinderLive() {
    capture_.modules = modules_.set();
    g_capture = &capture_;
  }
  ~UnwinderLive() override { g_capture = nullptr; }
  void add_own_stack() {
    uint64_t low, high;
    current_thread_stack(&low, &high);
    capture_.ranges.add(low, high);
  }

  LoadedModules modules_;
  Capture capture_;
};

TEST_F(UnwinderLive, DescribesLoadedModules) {
  const CodeModule* self = find_module(modules_.set(), reinterpret_cast<uint64_t>(&unwinder_test_chain_a));
  ASSERT_NE(self, nullptr);
  ASSERT_NE(self->eh_frame_hdr, nullptr);
  EXPECT_LE(self->eh_segment_start, reinterpret_cast<uint64_t>(self->eh_frame_hdr));
  EXPECT_LE(reinterpret_cast<uint64_t>(self->eh_frame_hdr) + self->eh_frame_hdr_size,
            self->eh_segment_limit);
  const CodeModule* libc = find_module(modules_.set(), reinterpret_cast<uint64_t>(&getcontext));
  ASSERT_NE(libc, nullptr);
  EXPECT_NE(libc, self);
  EXPECT_NE(libc->eh_frame_hdr, nullptr);
  for (size_t i = 1; i < modules_.modules().size(); ++i) {
    EXPECT_LE(modules_.modules()[i - 1].limit, modules_.modules()[i].start);
  }
}

TEST_F(UnwinderLive, SignalInLeafLoopOnMainThread) {
  add_own_stack();
  ScopedHandler handler(SIGUSR1, &unwind_from_context);
  std::thread sender = signal_when_in_leaf(&capture_, pthread_self(), SIGUSR1);
  unwinder_test_chain_a();
  sender.join();

  std::vector<std::string> names = names_of(capture_);
  ASSERT_GE(names.size(), 6u) << dump(capture_);
  EXPECT_EQ(capture_.result.stop, StopReason::kEndOfStack) << dump(capture_);
  EXPECT_EQ(names[0], "unwinder_test_spin_leaf") << dump(capture_);
  EXPECT_EQ(names[1], "unwinder_test_chain_c") << dump(capture_);
  EXPECT_EQ(names[2], "unwinder_test_chain_b") << dump(capture_);
  EXPECT_EQ(names[3], "unwinder_test_chain_a") << dump(capture_);
  EXPECT_NE(std::find(names.begin(), names.end(), "main"), names.end()) << dump(capture_);
  EXPECT_EQ(names.back(), "_start") << dump(capture_);
}

TEST_F(UnwinderLive, SignalInDeepRecursionOnAnotherThread) {
  ScopedHandler handler(SIGUSR1, &unwind_from_context);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, nullptr, &unwinder_test_thread_main, &capture_), 0);
  std::thread sender = signal_when_in_leaf(&capture_, thread, SIGUSR1);
  sender.join();
  pthread_join(thread, nullptr);

  std::vector<std::string> names = names_of(capture_);
  ASSERT_GE(names.size(), 44u) << dump(capture_);
  EXPECT_EQ(capture_.result.stop, StopReason::kEndOfStack) << dump(capture_);
  EXPECT_EQ(names[0], "unwinder_test_spin_leaf") << dump(capture_);
  for (size_t i = 1; i <= 41; ++i) EXPECT_EQ(names[i], "unwinder_test_recurse") << i << dump(capture_);
  EXPECT_EQ(names[42], "unwinder_test_thread_main") << dump(capture_);
  // Then start_thread and clone3 in libc, whose CFI marks the outermost frame.
  for (size_t i = 43; i < names.size(); ++i) {
    EXPECT_NE(object_path(capture_.pcs[i]).find("libc.so"), std::string::npos) << dump(capture_);
  }
}

void expect_through_trampoline(const Capture& c, uint64_t restorer) {
  std::vector<std::string> names = names_of(c);
  EXPECT_EQ(c.result.stop, StopReason::kEndOfStack) << dump(c);
  auto outer = std::find(names.begin(), names.end(), "unwinder_test_outer_handler");
  ASSERT_NE(outer, names.end()) << dump(c);
  size_t k = outer - names.begin();
  ASSERT_LT(k + 5, names.size()) << dump(c);
  EXPECT_EQ(c.pcs[k + 1], restorer) << dump(c);                       // __restore_rt
  EXPECT_EQ(c.pcs[k + 2], c.outer_interrupted_pc) << dump(c);         // exact, not pc-1
  EXPECT_EQ(names[k + 2], "unwinder_test_spin_leaf") << dump(c);
  EXPECT_EQ(names[k + 3], "unwinder_test_chain_c") << dump(c);
  EXPECT_EQ(names[k + 4], "unwinder_test_chain_b") << dump(c);
  EXPECT_EQ(names[k + 5], "unwinder_test_chain_a") << dump(c);
  EXPECT_EQ(names.back(), "_start") << dump(c);
}

TEST_F(UnwinderLive, NestedSignalUnwindsThroughRestoreRt) {
  add_own_stack();
  ScopedHandler inner(SIGUSR2, &unwind_from_context);
  ScopedHandler outer(SIGUSR1, &unwinder_test_outer_handler);
  ASSERT_NE(outer.restorer(), 0u);
  std::thread sender = signal_when_in_leaf(&capture_, pthread_self(), SIGUSR1);
  unwinder_test_chain_a();
  sender.join();
  expect_through_trampoline(capture_, outer.restorer());
}

TEST_F(UnwinderLive, NestedSignalOnAlternateStack) {
  // The handlers' CFAs lie on the alternate stack, unrelated to the interrupted stack's:
  // the progress check must let the signal frame through.
  add_own_stack();
  std::vector<uint64_t> alternate(8192);  // 64 KiB
  stack_t stack{}, old{};
  stack.ss_sp = alternate.data();
  stack.ss_size = alternate.size() * sizeof(uint64_t);
  ASSERT_EQ(sigaltstack(&stack, &old), 0);
  capture_.ranges.add(reinterpret_cast<uint64_t>(alternate.data()),
                      reinterpret_cast<uint64_t>(alternate.data() + alternate.size()));
  {
    ScopedHandler inner(SIGUSR2, &unwind_from_context, SA_ONSTACK);
    ScopedHandler outer(SIGUSR1, &unwinder_test_outer_handler, SA_ONSTACK);
    std::thread sender = signal_when_in_leaf(&capture_, pthread_self(), SIGUSR1);
    unwinder_test_chain_a();
    sender.join();
    expect_through_trampoline(capture_, outer.restorer());
  }
  stack_t disable{};
  disable.ss_flags = SS_DISABLE;
  sigaltstack(&disable, nullptr);
  // The unwinding started on the alternate stack.
  EXPECT_GE(capture_.handler_rsp, reinterpret_cast<uint64_t>(alternate.data()));
  EXPECT_LT(capture_.handler_rsp, reinterpret_cast<uint64_t>(alternate.data() + alternate.size()));
}

TEST_F(UnwinderLive, MatchesGlibcBacktrace) {
  add_own_stack();
  void* trace[kMaxFrames];
  int trace_depth = 0;
  unwinder_test_compare(&capture_.modules, &capture_.ranges, capture_.pcs, &capture_.result,
                        trace, &trace_depth);  // loads libgcc_s for backtrace() first
  unwinder_test_compare_outer(20, &capture_.modules, &capture_.ranges, capture_.pcs,
                              &capture_.result, trace, &trace_depth);
  EXPECT_EQ(capture_.result.stop, StopReason::kEndOfStack) << dump(capture_);
  EXPECT_EQ(function_name(capture_.pcs[0]), "unwinder_test_compare");
  // Frame 0 differs (after getcontext vs after backtrace), and a sanitizer's backtrace
  // interceptor adds a frame; from the first caller on, every return address must match.
  int offset = 1;
  while (offset < 3 && offset < trace_depth &&
         reinterpret_cast<uint64_t>(trace[offset]) != capture_.pcs[1]) {
    ++offset;
  }
  ASSERT_EQ(capture_.result.depth + offset - 1, static_cast<uint32_t>(trace_depth)) << dump(capture_);
  for (int i = 1; i + offset - 1 < trace_depth; ++i) {
    EXPECT_EQ(capture_.pcs[i], reinterpret_cast<uint64_t>(trace[i + offset - 1])) << i << dump(capture_);
  }
  for (int i = 1; i <= 21; ++i) EXPECT_EQ(function_name(capture_.pcs[i]), "unwinder_test_compare_outer");
}

TEST_F(UnwinderLive, RealPltEntry) {
  uint64_t plt, size;
  if (!find_own_section(".plt", &plt, &size) || size < 32) GTEST_SKIP() << "no lazy .plt";
  // A fake stack as a PLT entry sees it: rsp at the return address (offset 0 of an entry)
  // or at the pushed relocation index (offset 11, after the push).
  alignas(16) uint64_t stack[8] = {};
  const uint64_t return_address = reinterpret_cast<uint64_t>(&unwinder_test_chain_a) + 1;
  AddressRanges ranges;
  ranges.add(reinterpret_cast<uint64_t>(stack), reinterpret_cast<uint64_t>(stack + 8));
  for (uint64_t offset : {0, 11}) {
    std::memset(stack, 0, sizeof(stack));
    stack[offset == 0 ? 0 : 1] = return_address;  // then chain_a's entry: RA 0 above it
    Registers regs{};
    regs.set(kRip, plt + 16 + offset);
    regs.set(kRsp, reinterpret_cast<uint64_t>(stack));
    uint64_t pcs[8];
    UnwindResult r = unwind_stack(modules_.set(), regs, ranges.reader(), pcs, 8);
    EXPECT_EQ(r.stop, StopReason::kEndOfStack) << offset;
    ASSERT_EQ(r.depth, 2u) << offset;
    EXPECT_EQ(pcs[1], return_address);
  }
}

}  // namespace
