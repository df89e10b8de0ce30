// The `cxxprof` command: reports on pprof profiles and conversion of raw data. A
// function, not main(), so tests run it without starting a process.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxxprof {

// `args` excludes the program name. Output goes to `out`, diagnostics to `err` (one
// line each, "cxxprof: ..."). Returns the exit status: 0 success, 1 unreadable or
// corrupt input, 2 bad usage.
int run_cxxprof(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cxxprof
