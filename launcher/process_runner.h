// Starting the program and waiting for it, without a shell: fork + execve of the
// resolved path, with the exec's success or failure reported back through a close-on-exec
// pipe, so "the program was not started" is known for certain before we go on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "launcher/child_environment.h"
#include "launcher/signal_forwarder.h"

namespace cxxprof {

// Starts `path` with `argv` (argv[0] as the user typed it) and `environment`; the child
// fills in its CXXPROF_ROOT_PID and restores the signal state `forwarder` saved. On
// success the forwarder forwards to the child. Returns false with one line in *error if
// fork or exec failed (the child, if any, is reaped).
bool start_program(const std::string& path, const std::vector<std::string>& argv,
                   EnvironmentBlock* environment, SignalForwarder* forwarder, pid_t* child,
                   std::string* error);

struct ProgramEnd {
  int wait_status = 0;             // as waitpid(2) reports it
  uint64_t end_monotonic_ns = 0;   // CLOCK_MONOTONIC when the program was seen to end
};

// Waits for `child` to end (retrying on EINTR), stops forwarding before reaping it (its
// pid may be reused from then on), and reaps it.
ProgramEnd wait_for_program(pid_t child, SignalForwarder* forwarder);

// cxxprof-run's own exit status for the program's wait status: the exit status, or
// 128+N when killed by signal N (as shells report it).
int exit_status_for(int wait_status);

// "exited with status 3", "was killed by signal SIGSEGV (11) and dumped core".
std::string describe_end(int wait_status);

// "SIGSEGV", or "signal 42" for one without a name.
std::string signal_name(int signal_number);

uint64_t monotonic_now_ns();

}  // namespace cxxprof
