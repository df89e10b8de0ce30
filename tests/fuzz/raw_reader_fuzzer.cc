// libFuzzer target: the raw-data reader must reject any malformed input with an error,
// never crash, hang or read out of bounds (issue 7: truncated, corrupt, mismatched raw
// data). Built with ASan and UBSan by `make fuzz`.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "symbolizer/raw_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (cxxprof::RawReadScope scope :
       {cxxprof::RawReadScope::kHeaderOnly, cxxprof::RawReadScope::kEverything}) {
    cxxprof::RawData raw;
    std::string error;
    if (cxxprof::parse_raw_data(std::span<const uint8_t>(data, size), scope, &raw, &error)) {
      // Whatever was accepted must be usable: every sample's thread lookup is safe.
      for (const cxxprof::RawSample& sample : raw.samples) (void)raw.thread(sample.thread_slot);
    }
  }
  return 0;
}
