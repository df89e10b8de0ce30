// Reading the ground truth that fixtures print about themselves: lines of
// space-separated key=value fields (see each fixture's header comment).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace cxxprof_test {

// The key=value fields of the first line of `text` that starts with `line_prefix`
// (the prefix itself may be a field, as in "thread=worker-1 ..."). Empty if none.
std::map<std::string, std::string> fixture_fields(const std::string& text, const std::string& line_prefix);

// An integer field; false if absent or not a whole number.
bool fixture_int(const std::map<std::string, std::string>& fields, const std::string& key, int64_t* value);

}  // namespace cxxprof_test
