// The I/O profile's files in a few lines, for cxxprof-run's summary: the files that moved
// the most bytes and the files that took the most time, from the samples' `path` labels
// (symbolizer/io_profile.h).
#pragma once

#include <cstddef>
#include <string>

#include "symbolizer/profile_model.h"

namespace cxxprof {

// "Top files by bytes:" and "Top files by time:" with up to `top_n` lines each, as
//     1.50MB  12.3%  /var/lib/app/data.db
// Empty when the profile has no `path` labels or no bytes/time sample types.
std::string format_top_files(const profile::Profile& profile, size_t top_n);

}  // namespace cxxprof
