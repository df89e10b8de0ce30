// Servers on the loopback interface in integration tests (Debian's redis-server under
// the profiler): a free port to give them, and a time limit for the commands that talk
// to them.
#pragma once

#include <chrono>

#include "tests/integration/harness.h"

namespace cxxprof_test {

// A loopback TCP port nobody listens on right now (-1 if none could be found).
int free_loopback_port();

// Command options with the given time limit instead of the harness default.
CommandOptions within(std::chrono::milliseconds limit);

}  // namespace cxxprof_test
