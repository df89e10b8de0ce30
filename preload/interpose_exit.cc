// _exit/_Exit interposers: a process that leaves through _exit skips atexit handlers and
// our destructor, but it did end normally; record that (and the end time) in the store
// before leaving, so its profile is not reported as "killed or crashed".
//
// _exit is async-signal-safe and so is this: the real function is resolved in the
// constructor (dlsym is not signal-safe), and without it we make the system call _exit is.
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/interposers.h"
#include "preload/profiler_state.h"

namespace cxxprof {
namespace {

using ExitFunction = void (*)(int);
ExitFunction g_real_exit = nullptr;
ExitFunction g_real_Exit = nullptr;

[[noreturn]] void leave(ExitFunction real, int status) {
  // A vfork child shares our memory but is another process: it must not mark the parent's
  // store as ended. The store's pid says whose it is.
  const RawStore* store = active_store();
  if (store != nullptr && store->header()->pid == getpid()) store->mark_exit();
  if (real != nullptr) real(status);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

}  // namespace

void resolve_exit_functions() {
  g_real_exit = reinterpret_cast<ExitFunction>(dlsym(RTLD_NEXT, "_exit"));
  g_real_Exit = reinterpret_cast<ExitFunction>(dlsym(RTLD_NEXT, "_Exit"));
}

}  // namespace cxxprof

extern "C" __attribute__((visibility("default"), noreturn)) void _exit(int status) {
  cxxprof::leave(cxxprof::g_real_exit, status);
}

extern "C" __attribute__((visibility("default"), noreturn)) void _Exit(int status) {
  cxxprof::leave(cxxprof::g_real_Exit, status);
}
