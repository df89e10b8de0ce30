// Questions the tests ask about stacks and top tables. Frames are compared by
// base_name() (report_parsers.h), so "burn_heavy(unsigned long, unsigned long)" and
// "burn_heavy" both answer to "burn_heavy" — but a mangled "_Z10burn_heavymm" does not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/integration/report_parsers.h"

namespace cxxprof_test {

using Frames = std::vector<std::string>;

bool has_frame(const Frames& frames, const std::string& name);
bool leaf_is(const Frames& frames, const std::string& name);
// The leaf-most frames are exactly `chain` (root-first order, as frames are).
bool ends_with_chain(const Frames& frames, const std::vector<std::string>& chain);
// The root frame is where a thread begins: start_thread, or clone/clone3 below it.
bool rooted_at_thread_entry(const Frames& frames);
// "a;b;c" for messages.
std::string folded(const Frames& frames);

// Sum of flat (or cum) over the rows of a top table whose function is `name`.
double top_flat(const TopTable& table, const std::string& name);
double top_cum(const TopTable& table, const std::string& name);

}  // namespace cxxprof_test
