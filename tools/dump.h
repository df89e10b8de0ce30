// `cxxprof dump`: everything in a profile, human-readable, for debugging profiles and
// for tests that want to see what a file really holds.
#pragma once

#include <string>

#include "symbolizer/profile_model.h"

namespace cxxprof {

// Sample types, period, time, duration, comments, every sample (values, labels,
// symbolized stack with inline frames and file:line) and every mapping with its flags.
std::string format_dump(const profile::Profile& profile);

}  // namespace cxxprof
