#include "preload/program_sigprof.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/real_function.h"

namespace cxxprof {
namespace {

// A sequence lock: odd while a writer copies. Readers retry a few times, then take what
// they see (a torn read needs two concurrent sigaction(SIGPROF) calls racing a SIGPROF).
std::atomic<uint32_t> g_sequence{0};
struct sigaction g_action;  // zero: SIG_DFL, no flags
std::atomic<bool> g_ours{false};

CXXPROF_REAL_FUNCTION(g_real_sigaction, int (*)(int, const struct sigaction*, struct sigaction*),
                      "sigaction", nullptr);

// The kernel's default action for SIGPROF is to terminate the process. Restore it for
// real, unblock the signal and raise it again, so the program ends exactly as it would
// have: killed by SIGPROF.
[[noreturn]] void terminate_by_sigprof() {
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  // The real sigaction: our interposer would only store the request.
  real_sigaction(SIGPROF, &default_action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPROF);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGPROF);
  // Not reached; if it were, leave as a SIGPROF death would be reported.
  syscall(SYS_exit_group, 128 + SIGPROF);
  __builtin_unreachable();
}

}  // namespace

int real_sigaction(int signal_number, const struct sigaction* action,
                   struct sigaction* old_action) {
  auto real = g_real_sigaction.get();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return real(signal_number, action, old_action);
}

void set_program_sigprof_action(const struct sigaction& action) {
  g_sequence.fetch_add(1, std::memory_order_acq_rel);  // odd: writing
  std::memcpy(&g_action, &action, sizeof(action));
  g_sequence.fetch_add(1, std::memory_order_release);  // even: done
}

struct sigaction program_sigprof_action() {
  struct sigaction copy;
  for (int attempt = 0; attempt < 4; ++attempt) {
    uint32_t before = g_sequence.load(std::memory_order_acquire);
    std::memcpy(&copy, &g_action, sizeof(copy));
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((before & 1) == 0 && g_sequence.load(std::memory_order_relaxed) == before) break;
  }
  return copy;
}

bool sigprof_is_ours() { return g_ours.load(std::memory_order_acquire); }
void mark_sigprof_ours() { g_ours.store(true, std::memory_order_release); }

void forward_sigprof_to_program(int signal_number, siginfo_t* info, void* context) {
  struct sigaction action = program_sigprof_action();
  if (!(action.sa_flags & SA_SIGINFO)) {
    if (action.sa_handler == SIG_IGN) return;
    if (action.sa_handler == SIG_DFL) terminate_by_sigprof();
  }
  if (action.sa_flags & SA_RESETHAND) {
    struct sigaction reset;
    std::memset(&reset, 0, sizeof(reset));
    reset.sa_handler = SIG_DFL;
    set_program_sigprof_action(reset);
  }
  // The kernel would have blocked the program's sa_mask (and SIGPROF itself unless
  // SA_NODEFER) while its handler runs; SIGPROF is already blocked by our handler.
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &action.sa_mask, &previous);
  if (action.sa_flags & SA_SIGINFO) {
    action.sa_sigaction(signal_number, info, context);
  } else {
    action.sa_handler(signal_number);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace cxxprof
