#include "launcher/signal_forwarder.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace cxxprof {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr size_t kForwardedCount = sizeof(kForwarded) / sizeof(kForwarded[0]);

// The handler's only state. 0: no child (yet, or any more).
std::atomic<pid_t> g_child{0};
std::atomic<bool> g_installed{false};

void forward_signal(int signal_number, siginfo_t* info, void*) {
  int saved_errno = errno;
  pid_t child = g_child.load(std::memory_order_acquire);
  if (child > 0 &&
      should_forward(signal_number, info->si_code, info->si_pid, child,
                     ::getsid(0) == ::getpid())) {
    ::kill(child, signal_number);
  }
  errno = saved_errno;
}

sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : kForwarded) sigaddset(&set, signal_number);
  return set;
}

}  // namespace

static_assert(kForwardedCount <= 8, "SignalForwarder keeps 8 saved actions");

const int* forwarded_signals(size_t* count) {
  *count = kForwardedCount;
  return kForwarded;
}

bool should_forward(int signal_number, int si_code, pid_t sender, pid_t child,
                    bool we_lead_session) {
  if (si_code == SI_KERNEL) return signal_number == SIGHUP && we_lead_session;
  if (si_code > 0) return false;  // other kernel codes do not apply to these signals
  return sender != child;
}

SignalForwarder::~SignalForwarder() { uninstall(); }

void SignalForwarder::install() {
  if (installed_ || g_installed.exchange(true)) return;
  installed_ = true;
  sigset_t block = forwarded_set();
  ::sigprocmask(SIG_BLOCK, &block, &original_mask_);
  struct sigaction action = {};
  action.sa_sigaction = forward_signal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&action.sa_mask);  // one forward at a time; nothing interrupts the kill
  for (size_t i = 0; i < kForwardedCount; ++i) {
    ::sigaction(kForwarded[i], nullptr, &original_actions_[i]);
    handled_[i] = original_actions_[i].sa_handler != SIG_IGN;
    if (handled_[i]) ::sigaction(kForwarded[i], &action, nullptr);
  }
}

void SignalForwarder::restore_in_child() const {
  if (!installed_) return;
  for (size_t i = 0; i < kForwardedCount; ++i) {
    if (handled_[i]) ::sigaction(kForwarded[i], &original_actions_[i], nullptr);
  }
  ::sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
}

void SignalForwarder::set_child(pid_t child) {
  g_child.store(child, std::memory_order_release);
  if (installed_) ::sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
}

void SignalForwarder::clear_child() {
  sigset_t block = forwarded_set();
  if (installed_) ::sigprocmask(SIG_BLOCK, &block, nullptr);
  g_child.store(0, std::memory_order_release);
}

void SignalForwarder::uninstall() {
  if (!installed_) return;
  clear_child();
  // A signal that arrived while blocked was meant for the program, which is gone: discard
  // it (setting SIG_IGN drops a pending signal) rather than let it kill the launcher
  // before the profiles are written. Signals arriving from now on get the original
  // dispositions, so ^C during symbolization stops cxxprof-run (the raw files remain).
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  for (size_t i = 0; i < kForwardedCount; ++i) {
    if (!handled_[i]) continue;
    ::sigaction(kForwarded[i], &ignore, nullptr);
    ::sigaction(kForwarded[i], &original_actions_[i], nullptr);
  }
  ::sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
  installed_ = false;
  g_installed.store(false);
}

}  // namespace cxxprof
