// Brendan Gregg's folded stacks ("root;caller;leaf VALUE" per line), the input of
// flamegraph.pl, speedscope and inferno.
#pragma once

#include <cstddef>
#include <string>

#include "symbolizer/profile_model.h"

namespace cxxprof {

struct CollapsedOptions {
  size_t sample_index = 0;
  // Put the sample's `thread` label (or "unknown") in front as the root frame, so the
  // flame graph splits by thread first.
  bool thread_root = false;
};

// One line per distinct stack, root first, inlined functions expanded (outermost first),
// values of identical stacks summed, zero values omitted, lines sorted. Semicolons and
// line breaks inside names are replaced so the format stays parseable.
std::string format_collapsed(const profile::Profile& profile, const CollapsedOptions& options);

}  // namespace cxxprof
