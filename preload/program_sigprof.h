// The program's own SIGPROF disposition, kept aside while our handler stays installed.
//
// The CPU and wall samplers need SIGPROF. A program may want it too (its own ITIMER_PROF
// profiler, or a handler for `kill -PROF`). So while we profile, the sigaction family is
// interposed for SIGPROF only: the kernel keeps our handler; what the program asks for is
// stored here and reported back to it as if it had been installed; and every SIGPROF our
// samplers did not send is handed to the program's action exactly as the kernel would
// have: its handler (with its sa_mask, SA_SIGINFO, SA_RESETHAND), ignored, or the default
// action (terminate) if that is what the program has.
//
// Async-signal-safe: sigaction is, so storing is too (a sequence counter, no lock), and
// forwarding runs inside our signal handler.
#pragma once

#include <csignal>

namespace cxxprof {

// libc's sigaction (the interposers must not call themselves). Async-signal-safe.
int real_sigaction(int signal_number, const struct sigaction* action,
                   struct sigaction* old_action);

// Records `action` as the program's SIGPROF disposition (the one in force before our
// handler was installed, or set later by the program).
void set_program_sigprof_action(const struct sigaction& action);

// The program's current SIGPROF disposition.
struct sigaction program_sigprof_action();

// True once our handler owns SIGPROF: from then on the interposers keep it.
bool sigprof_is_ours();
void mark_sigprof_ours();

// Delivers a SIGPROF our samplers did not send to the program's disposition. Called from
// our handler with its arguments.
void forward_sigprof_to_program(int signal_number, siginfo_t* info, void* context);

}  // namespace cxxprof
