// The object size of a heap sample, carried in the sample key's 20-bit `aux` field
// (common/raw_format.h) and shown as pprof's numeric label `bytes`, as Go labels its heap
// profile buckets.
//
// Twenty bits cannot hold every size, so the label has two forms:
//   - sizes below 2^19 (512 KiB) are exact: aux = size;
//   - larger sizes are rounded down to 14 significant bits, as a small float:
//     aux = 2^19 | (exponent - 19) << 13 | the 13 bits after the leading one.
//     Sizes that differ by less than 1/8192 (0.012%) then share one sample; the sample's
//     bytes are still exact sums, so the converter labels it with the exact average
//     size (bytes / objects), which is the size itself when only one size fell in it.
// Nothing is computed from the rounded size: the sampling weights (the writer's live-heap
// estimate, the converter's scaling) use exact sizes and exact averages.
//
// Freestanding: used by the injected library and the converter alike.
#pragma once

#include <cstdint>

namespace cxxprof::heap_label {

inline constexpr uint32_t kExactLimit = 1u << 19;  // sizes below are carried exactly
inline constexpr unsigned kMantissaBits = 13;
// Never produced by encode() (the largest code is for 2^64 - 1: 0xd9fff): the marker
// sample of the heap peak snapshot (preload/heap_peak.h) uses it.
inline constexpr uint32_t kPeakMarkerAux = 0xfffff;

constexpr uint32_t encode(uint64_t size) {
  if (size < kExactLimit) return uint32_t(size);
  const unsigned exponent = 63u - unsigned(__builtin_clzll(size));  // 19..63
  const uint32_t mantissa =
      uint32_t(size >> (exponent - kMantissaBits)) & ((1u << kMantissaBits) - 1);
  return kExactLimit | ((exponent - 19u) << kMantissaBits) | mantissa;
}

// True if `aux` carries the size exactly.
constexpr bool is_exact(uint32_t aux) { return aux < kExactLimit; }

// The size `aux` stands for: exact, or the smallest size of its rounded range.
constexpr uint64_t decode(uint32_t aux) {
  if (aux < kExactLimit) return aux;
  const unsigned exponent = ((aux >> kMantissaBits) & 0x3f) + 19u;
  const uint64_t mantissa = aux & ((1u << kMantissaBits) - 1);
  return (uint64_t(1) << exponent) | (mantissa << (exponent - kMantissaBits));
}

static_assert(encode(~uint64_t(0)) < kPeakMarkerAux);
static_assert(decode(encode(524287)) == 524287);
static_assert(decode(encode(524288)) == 524288);
static_assert(decode(encode(5000003)) <= 5000003 && decode(encode(5000003)) > 5000003 - 5000003 / 8192);

}  // namespace cxxprof::heap_label
