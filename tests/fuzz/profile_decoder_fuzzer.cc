// libFuzzer target: decoding a .pb.gz (or plain protobuf) profile must fail cleanly on any
// corrupt, truncated or non-gzip input; what decodes and validates must encode again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "symbolizer/profile_encoder.h"
#include "symbolizer/profile_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cxxprof::profile::Profile profile;
  std::string error;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!cxxprof::profile::decode_profile(bytes, &profile, &error)) return 0;
  std::string encoded;
  if (cxxprof::profile::validate(profile, &error)) {
    if (!cxxprof::profile::encode_profile(profile, &encoded, &error)) __builtin_trap();
  }
  return 0;
}
