// The object size of a heap sample, carried in the sample key's 20-bit `aux` field
// (common/raw_format.h) and shown as pprof's numeric label `bytes`, as Go labels its heap
// profile buckets.
//
// Sizes are bucketed, not kept exactly: a sample is kept per (thread, stack, label), and a
// call site that allocates many different sizes (strings, buffers of any length) would
// otherwise take a slot per size in the table every profile shares, and fill it: a stress
// run with sizes spread uniformly over a range lost 300,000 samples, CPU samples among
// them, in 10 s. Go's own labels are its ~70 size classes; ours are as fine:
//   - sizes below 128 are exact: aux = size;
//   - larger ones keep 5 significant bits (16 buckets per power of two, each at most
//     1/16 = 6.25% wide): aux = 128 + (exponent - 7) * 16 + the 4 bits after the leading
//     one. So a call site has at most 128 + 16 labels per power of two it spans.
// Nothing is computed from the bucket's size: the sample's bytes are exact sums, so the
// converter labels a bucket with the exact average size (bytes / objects), which is the
// size itself when only one size fell in it, and the sampling weights (the writer's
// live-heap estimate, the converter's scaling) use exact sizes and exact averages.
//
// Freestanding: used by the injected library and the converter alike.
#pragma once

#include <cstdint>

namespace cxxprof::heap_label {

inline constexpr uint32_t kExactLimit = 1u << 7;  // sizes below are carried exactly
inline constexpr unsigned kMantissaBits = 4;
// Never produced by encode() (the largest code is for 2^64 - 1: 1039): the marker sample
// of the heap peak snapshot (preload/heap_peak.h) uses it.
inline constexpr uint32_t kPeakMarkerAux = 0xfffff;

constexpr uint32_t encode(uint64_t size) {
  if (size < kExactLimit) return uint32_t(size);
  const unsigned exponent = 63u - unsigned(__builtin_clzll(size));  // 7..63
  const uint32_t mantissa =
      uint32_t(size >> (exponent - kMantissaBits)) & ((1u << kMantissaBits) - 1);
  return kExactLimit + ((exponent - 7u) << kMantissaBits) + mantissa;
}

// True if `aux` carries the size exactly.
constexpr bool is_exact(uint32_t aux) { return aux < kExactLimit; }

// The size `aux` stands for: exact, or the smallest size of its bucket.
constexpr uint64_t decode(uint32_t aux) {
  if (aux < kExactLimit) return aux;
  const uint32_t code = aux - kExactLimit;
  const unsigned exponent = ((code >> kMantissaBits) & 0x3f) + 7u;
  const uint64_t mantissa = code & ((1u << kMantissaBits) - 1);
  return (uint64_t(1) << exponent) | (mantissa << (exponent - kMantissaBits));
}

static_assert(encode(~uint64_t(0)) == 1039 && encode(~uint64_t(0)) < kPeakMarkerAux);
static_assert(decode(encode(127)) == 127);
static_assert(decode(encode(128)) == 128 && decode(encode(135)) == 128 && decode(encode(136)) == 136);
static_assert(decode(encode(5000003)) <= 5000003 && decode(encode(5000003)) > 5000003 - 5000003 / 16);

}  // namespace cxxprof::heap_label
