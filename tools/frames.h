// The function frames a report shows for a profile location.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symbolizer/profile_model.h"

namespace cxxprof {

struct ReportFrame {
  std::string name;  // demangled function name, or the address if unsymbolized
  std::string file;
  int64_t line = 0;
};

// Frames of `location`, innermost first (inlined functions expanded, as pprof counts
// them). A location without lines (an unsymbolized profile) is one frame named by its
// address, as pprof shows it.
std::vector<ReportFrame> location_frames(const profile::ProfileIndex& index,
                                         const profile::Location& location);

}  // namespace cxxprof
