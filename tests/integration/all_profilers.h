// Runs under every profiler at once (cxxprof-run --cpu --wall --heap --mutex --block --io)
// and what each such run owes, whatever the program: all seven profiles written and read
// by both readers (`cxxprof top` and `go tool pprof -top -symbolize=none`), none showing
// the profiler's own threads, and the samples it lost said in the profile's warnings.
// Shared by the real-program, stress and killed-run tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/report_parsers.h"

namespace cxxprof_test {

// The cxxprof-run options that switch every profiler on, each at its default rate.
const std::vector<std::string>& every_profiler();

// The same with every I/O call recorded (--io=1), so that what a program read and wrote
// can be checked to the byte; the other rates stay at their defaults.
const std::vector<std::string>& every_profiler_all_io();

// The files a run with every profiler writes for the launched process.
const std::vector<std::string>& every_profile_file();  // cpu.pb.gz, wall.pb.gz, ...

// Each profile's top table (default sample type), by file name, as each reader shows it.
struct EveryProfile {
  std::map<std::string, TopTable> ours;
  std::map<std::string, TopTable> pprof;
};

// Every file of every_profile_file() is in `dir` and both readers read it.
::testing::AssertionResult read_every_profile(const std::string& dir, EveryProfile* profiles);

// No row of any top table is a bare address ("0x7f12..."): every frame was at least
// placed in its module (module+offset) if it could not be named.
::testing::AssertionResult no_bare_addresses(const EveryProfile& profiles);

// No sample of any profile in `dir` is labelled with one of the profiler's own threads
// (named "cxxprof-..."): what the profiler does is not the program's work.
::testing::AssertionResult no_profiler_threads(const std::string& dir);

// Samples `file` says were lost or stripped of their stack (its "samples dropped" and
// "samples recorded without a stack" warnings): what may be missing from a function's
// totals although the program did it. The counters are per process, for all profiles.
::testing::AssertionResult reported_lost_samples(const std::string& file, int64_t* lost);

// The share of a time-valued profile's `sample_index` total (cpu, wall, delay, time)
// whose stacks have a frame `wanted` (given its base_name), as each reader sees it:
// cxxprof collapsed, and go tool pprof -traces (all samples; no node is cut off).
struct Share {
  double ours = 0;
  double pprof = 0;
};
::testing::AssertionResult share_with_frame(const std::string& file, const std::string& sample_index,
                                            const std::function<bool(const std::string&)>& wanted,
                                            Share* share);

// The first `n` rows of a top table, one per line, for messages.
std::string first_rows(const TopTable& table, size_t n);

}  // namespace cxxprof_test
