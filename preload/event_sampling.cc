#include "preload/event_sampling.h"

#include "preload/raw_store.h"
#include "preload/thread_state.h"

namespace cxxprof {

uint64_t thread_random() {
  ThreadState& state = current_thread();
  uint64_t x = state.random_state;
  if (x == 0) {
    x = (uint64_t(uint32_t(current_tid())) << 32) ^ monotonic_ns() ^ 0x9e3779b97f4a7c15u;
    if (x == 0) x = 1;
  }
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state.random_state = x;
  return x * 0x2545f4914f6cdd1du;
}

double thread_random_unit() { return double(thread_random() >> 11) * 0x1.0p-53; }

DurationSample sample_duration(uint64_t duration_ns, uint64_t rate) {
  if (rate <= 1 || duration_ns >= rate) return {true, 1, int64_t(duration_ns)};
  // A uniform draw in [0, rate) by multiplication (Lemire), not %: a 64-bit division costs
  // more than the rest of this function, and I/O interposers decide this on every call.
  const uint64_t draw = uint64_t(((unsigned __int128)thread_random() * rate) >> 64);
  if (duration_ns == 0 || draw >= duration_ns) return {false, 0, 0};
  return {true, scale_unbiased(1, rate, duration_ns), int64_t(rate)};
}

bool sample_one_in(uint64_t fraction) { return fraction <= 1 || thread_random() % fraction == 0; }

int64_t scale_unbiased(int64_t value, uint64_t numerator, uint64_t denominator) {
  if (denominator == 0) return value;
  // Split into whole and fractional parts without overflowing for realistic inputs
  // (value < 2^40, numerator/denominator < 2^20).
  __int128 product = __int128(value) * numerator;
  int64_t whole = int64_t(product / denominator);
  uint64_t remainder = uint64_t(product % denominator);
  if (remainder != 0 && thread_random() % denominator < remainder) ++whole;
  return whole;
}

}  // namespace cxxprof
