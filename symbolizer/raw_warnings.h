// Human-readable warnings about a process's raw data: counters of lost or truncated data
// and other signs that a profile is incomplete. They go to the user (ConvertResult) and
// into each profile's comments, so a profile never silently under-reports.
#pragma once

#include <string>
#include <vector>

#include "symbolizer/raw_reader.h"

namespace cxxprof {

// One line per problem, e.g. "12 samples dropped (sample table full)". Empty if the data
// is complete.
// `exit_observed`: the caller knows how the process ended; don't warn that it died.
std::vector<std::string> raw_data_warnings(const RawData& data, bool exit_observed = false);

}  // namespace cxxprof
