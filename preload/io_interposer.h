// How every I/O interposer (preload/interpose_io_*.cc) wraps its real function:
//
//     CXXPROF_INTERPOSER ssize_t read(int fd, void* buffer, size_t count) {
//       return io_call({io::Op::kRead, fd, nullptr}, __builtin_return_address(0), "read",
//                      [&] { return call_real(real_read, fd, buffer, count); }, transferred);
//     }
//
// When neither the I/O profile nor CXXDEBUG's thread activity wants the call, it costs a
// few loads and a branch on top of the real function. When profiled: two timestamps
// around the real call, then preload/io_recorder.h decides whether to record it. When the
// thread activity table is read (schedtrace), the call is marked as blocked on I/O for
// its duration (preload/thread_activity.h), with a cancellation cleanup so a thread
// cancelled inside the call does not stay "blocked" while it unwinds.
//
// The real function's result and errno reach the caller untouched: nothing here changes
// errno after the real call (finish_io_call preserves it), retries, or looks at the
// buffers beyond what the call reported.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <cstdint>
#include <new>
#include <type_traits>

#include "preload/io_clock.h"
#include "preload/io_recorder.h"
#include "preload/real_function.h"
#include "preload/thread_activity.h"

#define CXXPROF_INTERPOSER extern "C" __attribute__((visibility("default")))

namespace cxxprof {

// What a call returns when the real function does not exist (no later object defines
// it): the function's own failure value, with errno ENOSYS.
template <typename Result>
Result unavailable_result() {
  errno = ENOSYS;
  if constexpr (std::is_pointer_v<Result>) {
    return nullptr;
  } else if constexpr (std::is_unsigned_v<Result>) {
    return 0;
  } else {
    return Result(-1);
  }
}

template <typename Function, typename... Args>
inline auto call_real(RealFunction<Function>& real, Args... args) {
  using Result = decltype(real.get()(args...));
  const Function function = real.get();
  if (function == nullptr) return unavailable_result<Result>();
  return function(args...);
}

// Bytes a call moved, from its result, for the usual conventions.
inline int64_t transferred(ssize_t result) { return result > 0 ? result : 0; }
inline int64_t no_bytes(...) { return 0; }

namespace io_detail {

inline void end_blocked_scope(void* scope) { static_cast<BlockedScope*>(scope)->~BlockedScope(); }

// Runs the real call with `scope` ended by glibc's cancellation cleanup if the thread is
// cancelled inside it. Our code is built without exceptions, so a destructor would not
// run during the cancellation's unwinding; pthread_cleanup_push's non-exception form
// (a setjmp buffer glibc's unwinder jumps to) does.
template <typename Call, typename Result>
__attribute__((noinline)) void run_cancellable(BlockedScope* scope, Call& call, Result* result) {
  pthread_cleanup_push(&end_blocked_scope, scope);
  *result = call();
  pthread_cleanup_pop(0);
}

template <typename Call, typename Bytes>
__attribute__((noinline)) auto tracked_call(const IoCallSite& site, uint64_t rate,
                                            const char* function, Call& call, Bytes& bytes_of)
    -> decltype(call()) {
  using Result = decltype(call());
  alignas(BlockedScope) unsigned char storage[sizeof(BlockedScope)];
  auto* scope = new (storage)
      BlockedScope(BlockReason::kIo, uint64_t(int64_t(io_call_fd(site))), function);
  const uint64_t start = rate != 0 ? io_clock_now() : 0;
  Result result{};
  run_cancellable(scope, call, &result);
  scope->~BlockedScope();
  if (rate != 0) finish_io_call(site, rate, start, bytes_of(result));
  return result;
}

}  // namespace io_detail

// The one path of every I/O interposer. `caller` is the interposer's return address;
// `function` names the interposed function for the activity table; `call` runs the real
// function; `bytes_of(result)` says how many bytes the call moved.
template <typename Call, typename Bytes>
__attribute__((always_inline)) inline auto io_call(const IoCallSite& site, const void* caller,
                                                   const char* function, Call&& call,
                                                   Bytes&& bytes_of) -> decltype(call()) {
  const uint64_t rate = site.op == io::Op::kNone ? 0 : io_rate_for_call(caller);
  if (__builtin_expect(g_track_thread_activity.load(std::memory_order_relaxed), 0)) {
    return io_detail::tracked_call(site, rate, function, call, bytes_of);
  }
  if (__builtin_expect(rate == 0, 1)) return call();
  const uint64_t start = io_clock_now();
  auto result = call();
  finish_io_call(site, rate, start, bytes_of(result));
  return result;
}

}  // namespace cxxprof
