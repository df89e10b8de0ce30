// The heap profile's sampling arithmetic: Poisson sampling of allocated bytes with mean
// RATE (Go's runtime.MemProfileRate scheme), and what a sampled allocation stands for.
//
// Each thread counts down the bytes until its next sample; the count is drawn from an
// exponential distribution of mean RATE, so the sample points form a Poisson process
// over the bytes the thread allocates, and an allocation of `size` bytes holds at least
// one of them with probability 1 - exp(-size/RATE). Dividing by that probability makes
// every estimate unbiased; the converter does the same per sample (Go's scaleHeapSample).
//
// Freestanding and async-signal-safe: no libm (the injected library links none), only
// the thread's own random generator (preload/event_sampling.h).
#pragma once

#include <cstdint>

namespace cxxprof::heap {

// Bytes until the next sample: exponential with mean `rate`, >= 0, capped at 2^62.
// 0 for rate <= 1 (every allocation is sampled).
int64_t next_sample_interval(uint64_t rate);

// 1 - exp(-size/rate): the probability that an allocation of `size` bytes is sampled.
// 1 for rate <= 1.
double sample_probability(uint64_t size, uint64_t rate);

// size / sample_probability(size, rate): the bytes a sampled allocation stands for.
int64_t expected_bytes(uint64_t size, uint64_t rate);

// Natural logarithm of x > 0 and exp(-x) for x >= 0, good to about 1e-12 relative.
double natural_log(double x);
double exp_negative(double x);

}  // namespace cxxprof::heap
