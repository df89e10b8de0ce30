// pthread_sigmask and sigprocmask: a thread that blocks SIGPROF cannot be sampled by the
// CPU timers or signalled by the wall sampler while it is blocked. We do not unblock it
// behind the program's back (a program may sigwait for SIGPROF itself); we count each
// thread that does it once, so the profile says why its time is missing.
#include <cerrno>
#include <csignal>

#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/real_function.h"
#include "preload/thread_state.h"
#include "preload/vfork_child.h"

namespace cxxprof {
namespace {

using MaskFunction = int (*)(int, const sigset_t*, sigset_t*);
CXXPROF_REAL_FUNCTION(g_real_pthread_sigmask, MaskFunction, "pthread_sigmask", nullptr);
CXXPROF_REAL_FUNCTION(g_real_sigprocmask, MaskFunction, "sigprocmask", nullptr);

__attribute__((tls_model("initial-exec"))) thread_local uint32_t t_counted_generation;

void note_mask(int how, const sigset_t* set, void* caller) {
  if (set == nullptr || how == SIG_UNBLOCK || !sigismember(set, SIGPROF)) return;
  // Our own service thread blocks everything on purpose: not the program's doing.
  if (is_profiler_code(reinterpret_cast<uint64_t>(caller))) return;
  const RawStore* store = active_store();
  if (store == nullptr) return;
  uint32_t generation = profiler().generation.load(std::memory_order_relaxed) + 1;
  if (t_counted_generation == generation) return;  // once per thread (and process)
  // A vfork child's mask is its own process's, and this TLS and store are its parent's.
  if (in_vfork_child()) return;
  t_counted_generation = generation;
  store->count(raw::kThreadsBlockedSigprof);
}

// `failure`: what the function returns when it cannot run (pthread_sigmask returns an
// error number; sigprocmask -1 with errno). Never happens with a working libc.
int call(RealFunction<MaskFunction>& real, int how, const sigset_t* set, sigset_t* old,
         bool sets_errno) {
  MaskFunction function = real.get();
  if (function == nullptr) {
    if (!sets_errno) return ENOSYS;
    errno = ENOSYS;
    return -1;
  }
  return function(how, set, old);
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

extern "C" __attribute__((visibility("default"))) int pthread_sigmask(int how, const sigset_t* set,
                                                                     sigset_t* old) {
  int rc = call(g_real_pthread_sigmask, how, set, old, false);
  if (rc == 0) note_mask(how, set, __builtin_return_address(0));
  return rc;
}

extern "C" __attribute__((visibility("default"))) int sigprocmask(int how, const sigset_t* set,
                                                                 sigset_t* old) {
  int rc = call(g_real_sigprocmask, how, set, old, true);
  if (rc == 0) note_mask(how, set, __builtin_return_address(0));
  return rc;
}
