// Whole-file reads and exclusive file creation for the host side.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cxxprof {

// Reads all of `path` into *contents. Fails (one line naming the file in *error) if it
// cannot be opened, is not a regular file, or is larger than `max_size` bytes.
bool read_whole_file(const std::string& path, uint64_t max_size, std::string* contents,
                     std::string* error);

// Creates `path` with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and writes `contents`.
// An existing file (or symlink) is an error, never overwritten. On a failed write the
// partly written file is removed. Returns false with one line in *error.
bool write_new_file(const std::string& path, std::string_view contents, std::string* error);

}  // namespace cxxprof
