// The programs an integration test drives: cxxprof-run (the launcher), cxxprof (our
// report reader) and `go tool pprof` (the client users actually run, DESIGN.md §7).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"

namespace cxxprof_test {

std::string launcher_path();        // build/bin/cxxprof-run
std::string report_tool_path();     // build/bin/cxxprof
std::string preload_library_path(); // build/lib/libcxxprof.so
std::string fixture_path(const std::string& name);  // build/fixtures/NAME

// Success when the launcher, the report tool and the injected library are built;
// otherwise a message naming what is missing (tests fail on it: `make test` builds them).
::testing::AssertionResult profiler_built();

// Success when build/lib/libcxxprof.so exists (all the isolation tests need).
::testing::AssertionResult preload_library_built();

// cxxprof-run LAUNCHER_OPTIONS -- PROGRAM...
CommandResult run_profiled(const std::vector<std::string>& launcher_options,
                           const std::vector<std::string>& program, const CommandOptions& options = {});

// cxxprof ARGS...
CommandResult run_report_tool(const std::vector<std::string>& args);

// go tool pprof -symbolize=none ARGS... — our profiles are fully symbolized, so pprof
// must not re-symbolize them with the local binutils (which would hide our mistakes).
// pprof wants a HOME (for its settings); when there is none, a temporary one is used.
CommandResult run_go_pprof(const std::vector<std::string>& args);

// Reading a profile, each as one assertion so a test can ASSERT_TRUE on it and get the
// command's output in the failure message.
//   our reader:  cxxprof collapsed [--thread] --sample_index=INDEX FILE
//                cxxprof top -n 50 --sample_index=INDEX FILE
//   go's pprof:  go tool pprof -top -nodecount=50 -unit=ns [-sample_index=INDEX] FILE
//                go tool pprof -traces -unit=ns -sample_index=INDEX FILE
//                go tool pprof -tags FILE
// An empty INDEX leaves the profile's default sample type in force.
::testing::AssertionResult our_collapsed(const std::string& file, const std::string& index, bool by_thread,
                                         std::vector<Stack>* stacks);
::testing::AssertionResult our_top(const std::string& file, const std::string& index, TopTable* table);
::testing::AssertionResult pprof_top(const std::string& file, const std::string& index, TopTable* table,
                                     std::string* report = nullptr);
::testing::AssertionResult pprof_traces(const std::string& file, const std::string& index,
                                        std::vector<Trace>* traces);
::testing::AssertionResult pprof_tags(const std::string& file, const std::string& key,
                                      std::map<std::string, double>* amounts);

int64_t total_value(const std::vector<Stack>& stacks);

}  // namespace cxxprof_test
