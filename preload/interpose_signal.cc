// The sigaction family, for SIGPROF only (see preload/program_sigprof.h): while our
// samplers own SIGPROF, what the program installs is stored and reported back instead of
// replacing our handler. Every other signal, and SIGPROF before we own it, goes straight
// to libc. All of these are async-signal-safe, as sigaction is.
//
// A vfork child before exec (preload/vfork_child.h) shares our memory but not our signal
// dispositions: storing its request would change its parent's SIGPROF action (a child
// that resets every signal to SIG_DFL before exec, as spawners do, would leave the
// parent to be killed by the next SIGPROF not sent by us). Its requests go to libc, for
// its own dispositions, which exec resets anyway; what it is told was installed before is
// the program's action, which is what it inherited without us.
#include <cerrno>
#include <csignal>
#include <cstring>

#include "preload/program_sigprof.h"
#include "preload/real_function.h"
#include "preload/vfork_child.h"

namespace cxxprof {
namespace {

using SignalHandler = void (*)(int);

CXXPROF_REAL_FUNCTION(g_real_signal, SignalHandler (*)(int, SignalHandler), "signal", nullptr);
CXXPROF_REAL_FUNCTION(g_real_sysv_signal, SignalHandler (*)(int, SignalHandler), "sysv_signal",
                      nullptr);
CXXPROF_REAL_FUNCTION(g_real_sigset, SignalHandler (*)(int, SignalHandler), "sigset", nullptr);

// Stores a handler given the signal()-way, with the semantics of that call, and returns
// the previous handler as it would have.
SignalHandler store_handler(SignalHandler handler, int flags) {
  if (handler == SIG_ERR) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction previous = program_sigprof_action();
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigemptyset(&action.sa_mask);
  set_program_sigprof_action(action);
  // sa_handler and sa_sigaction share a union: signal() returns the same address either way.
  return previous.sa_handler;
}

SignalHandler call_real(RealFunction<SignalHandler (*)(int, SignalHandler)>& real,
                        int signal_number, SignalHandler handler) {
  auto function = real.get();
  if (function == nullptr) {
    errno = ENOSYS;
    return SIG_ERR;
  }
  return function(signal_number, handler);
}

SignalHandler forward_or_store(RealFunction<SignalHandler (*)(int, SignalHandler)>& real,
                               int signal_number, SignalHandler handler, int flags) {
  if (signal_number != SIGPROF || !sigprof_is_ours()) {
    return call_real(real, signal_number, handler);
  }
  if (!in_vfork_child()) return store_handler(handler, flags);
  const SignalHandler previous = program_sigprof_action().sa_handler;
  return call_real(real, signal_number, handler) == SIG_ERR ? SIG_ERR : previous;
}

// sigaction(SIGPROF) in a vfork child: see the top of this file.
int vfork_child_sigaction(const struct sigaction* action, struct sigaction* old_action) {
  const struct sigaction program = program_sigprof_action();
  if (action != nullptr && real_sigaction(SIGPROF, action, nullptr) != 0) return -1;
  if (old_action != nullptr) *old_action = program;
  return 0;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

extern "C" __attribute__((visibility("default"))) int sigaction(int signal_number,
                                                                const struct sigaction* action,
                                                                struct sigaction* old_action) {
  if (signal_number != SIGPROF || !sigprof_is_ours()) {
    return real_sigaction(signal_number, action, old_action);
  }
  if (in_vfork_child()) return vfork_child_sigaction(action, old_action);
  if (old_action != nullptr) *old_action = program_sigprof_action();
  if (action != nullptr) set_program_sigprof_action(*action);
  return 0;
}

// glibc's signal() has BSD semantics: the handler stays, SA_RESTART.
extern "C" __attribute__((visibility("default"))) SignalHandler signal(int signal_number,
                                                                      SignalHandler handler) {
  return forward_or_store(g_real_signal, signal_number, handler, SA_RESTART);
}

extern "C" __attribute__((visibility("default"))) SignalHandler bsd_signal(int signal_number,
                                                                          SignalHandler handler) {
  return forward_or_store(g_real_signal, signal_number, handler, SA_RESTART);
}

// System V semantics: one-shot, not blocked while it runs.
extern "C" __attribute__((visibility("default"))) SignalHandler sysv_signal(int signal_number,
                                                                           SignalHandler handler) {
  return forward_or_store(g_real_sysv_signal, signal_number, handler, SA_RESETHAND | SA_NODEFER);
}

extern "C" __attribute__((visibility("default"))) SignalHandler sigset(int signal_number,
                                                                      SignalHandler handler) {
  if (signal_number == SIGPROF && sigprof_is_ours() && handler == SIG_HOLD) {
    // SIG_HOLD blocks the signal rather than changing its handler: libc can do that part.
    auto function = g_real_sigset.get();
    return function != nullptr ? function(signal_number, handler) : SIG_ERR;
  }
  return forward_or_store(g_real_sigset, signal_number, handler, 0);
}
