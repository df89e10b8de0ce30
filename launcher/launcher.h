// cxxprof-run from start to end: command line, checks, spawn, wait, collect, summary.
// Each step lives in its own file; this one only puts them in order and decides what
// reaches the user. DESIGN.md §4.
#pragma once

namespace cxxprof {

// Runs cxxprof-run with `argv` and returns its exit status: the program's (128+N when
// killed by signal N), 0 for --help/--version, 2 when the program could not be started.
int run_launcher(int argc, char** argv);

}  // namespace cxxprof
