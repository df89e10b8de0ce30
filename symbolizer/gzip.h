// gzip (RFC 1952) compression with zlib: pprof profiles are gzip-compressed protobuf.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cxxprof {

// True if `data` starts with the gzip magic bytes 1f 8b.
bool is_gzip(std::string_view data);

// Compresses `data` into one gzip member. Returns false with one line in *error.
bool gzip_compress(std::string_view data, std::string* out, std::string* error);

// Decompresses every gzip member in `data` (as gzip(1) and Go's gzip reader do).
// Refuses output larger than `max_output` bytes, so a hostile file cannot exhaust
// memory. Returns false with one line in *error for data that is not gzip, is corrupt, or
// is truncated.
bool gzip_decompress(std::string_view data, std::string* out, std::string* error,
                     size_t max_output = size_t(1) << 31);

}  // namespace cxxprof
