// A 64-bit hash of a 64-bit value (MurmurHash3's finalizer: every input bit moves every
// output bit), for the injected library's open-addressed tables.
#pragma once

#include <cstdint>

namespace cxxprof {

inline uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdu;
  x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53u;
  return x ^ (x >> 33);
}

}  // namespace cxxprof
