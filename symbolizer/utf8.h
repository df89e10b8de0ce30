// UTF-8 repair for strings that go into a profile: symbol names, paths and thread names
// are arbitrary bytes on Linux, but profile consumers with proto3 `string` fields reject
// invalid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace cxxprof {

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by
// U+FFFD. Valid text is returned unchanged.
std::string to_valid_utf8(std::string_view text);

}  // namespace cxxprof
