// Short human summaries of a written profile: what cxxprof-run prints at the end.
#pragma once

#include <cstddef>
#include <string>

namespace cxxprof {

// Reads a .pb.gz profile and formats the top `top_n` functions by flat value of the
// default sample type, as lines like `go tool pprof -top` prints (flat, flat%, sum%, cum,
// cum%, name). Returns false with one line in *error if the file cannot be read.
bool summarize_profile(const std::string& path, size_t top_n, std::string* text,
                       std::string* error);

}  // namespace cxxprof
