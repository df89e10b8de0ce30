// Passing signals meant for the program on to it, once.
//
// The program stays in cxxprof-run's process group, so the terminal's signals (^C, ^\,
// and SIGHUP to the foreground group) reach it directly, exactly as without the
// launcher; job control (^Z, fg, bg) keeps working because nothing changes groups.
// Forwarding those again would deliver them twice, and many programs treat a second ^C
// as "quit now, skip cleanup". So the rule (should_forward) looks at who sent the signal:
//
//  - sent by the kernel (si_code SI_KERNEL: terminal keys, terminal hang-up to the
//    foreground group): not forwarded, the program got it too. One exception: SIGHUP
//    while cxxprof-run is a session leader, which the kernel sends to the leader alone.
//  - sent by a process with kill(2)/sigqueue(3)/tgkill(2) (si_code <= 0), e.g.
//    `kill PID`, a supervisor, timeout(1): forwarded, unless the sender is the program
//    itself. (A signal sent to the whole process group reaches the program both directly
//    and through us; send it to cxxprof-run's pid instead. Documented in the man page.)
//
// Until the child exists the signals stay blocked, so none is lost between fork and
// recording the pid; the child restores the original dispositions and mask before exec,
// so a SIGHUP ignored by nohup(1) stays ignored in the program. Signals that were ignored
// when cxxprof-run started are left ignored and not forwarded, for the same reason.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace cxxprof {

// SIGINT, SIGTERM, SIGHUP, SIGQUIT, and SIGUSR1/SIGUSR2 (whose default action would kill
// the launcher and lose the profiles, while the user meant the program).
const int* forwarded_signals(size_t* count);

// The decision above, as a pure function. `we_lead_session`: getsid(0) == getpid().
bool should_forward(int signal_number, int si_code, pid_t sender, pid_t child,
                    bool we_lead_session);

// Process-wide: at most one installed at a time (a signal handler has no other state).
class SignalForwarder {
 public:
  SignalForwarder() = default;
  ~SignalForwarder();
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

  // Before fork: blocks the forwarded signals and installs the handlers.
  void install();
  // In the forked child before exec: the original dispositions and mask.
  // Async-signal-safe.
  void restore_in_child() const;
  // In the parent after fork: from now on signals go to `child`; unblocks them.
  void set_child(pid_t child);
  // Before reaping the child (whose pid may be reused once reaped): stop forwarding.
  void clear_child();
  // Original dispositions and mask again (also done by the destructor).
  void uninstall();

 private:
  bool installed_ = false;
  struct sigaction original_actions_[8] = {};
  bool handled_[8] = {};
  sigset_t original_mask_{};
};

}  // namespace cxxprof
