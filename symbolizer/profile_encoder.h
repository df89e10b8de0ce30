// The profile model (profile_model.h) <-> pprof's wire format: profile.proto serialized
// with libprotobuf and gzip-compressed, as every pprof consumer expects on disk.
#pragma once

#include <string>
#include <string_view>

#include "symbolizer/profile_model.h"

namespace cxxprof::profile {

// Validates `profile` and serializes it to profile.proto bytes (not compressed). Strings
// that are not valid UTF-8 are written with U+FFFD in place of each bad byte, so strict
// consumers (proto3 `string` readers) accept the result.
bool serialize_profile(const Profile& profile, std::string* bytes, std::string* error);

// serialize_profile + gzip: the bytes of a .pb.gz file.
bool encode_profile(const Profile& profile, std::string* gzipped, std::string* error);

// Decodes a profile: gzip-compressed (as written to disk) or plain protobuf. Checks every
// string index and then validate(). Returns false with one line in *error for empty,
// corrupt, truncated or invalid input.
bool decode_profile(std::string_view data, Profile* profile, std::string* error);

// Reads and decodes a .pb.gz (or plain .pb) file. Errors name the file.
bool read_profile_file(const std::string& path, Profile* profile, std::string* error);

}  // namespace cxxprof::profile
