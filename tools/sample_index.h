// Which sample value a report shows (pprof's -sample_index).
#pragma once

#include <cstddef>
#include <string>

#include "symbolizer/profile_model.h"

namespace cxxprof {

// `spec` is a sample type name ("cpu", "samples") or a 0-based index; empty selects the
// profile's default_sample_type, else the last sample type (pprof's rule). Returns false
// with one line in *error naming the valid choices.
bool resolve_sample_index(const profile::Profile& profile, const std::string& spec, size_t* index,
                          std::string* error);

}  // namespace cxxprof
