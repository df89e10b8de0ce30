// Sampling rules shared by the event profiles, and the per-thread random numbers they
// need. All async-signal-safe (TLS state only).
#pragma once

#include <cstdint>

namespace cxxprof {

// A fast per-thread pseudo-random 64-bit number (xorshift*, seeded from the tid and the
// clock on first use). Not for anything but sampling decisions.
uint64_t thread_random();

// A uniform double in [0, 1).
double thread_random_unit();

// Go's blockprofilerate rule (runtime.blockevent / saveblockevent), used by --block and
// --io: an event lasting `duration_ns` is recorded if duration >= rate; a shorter one with
// probability duration/rate, and then stands for rate/duration events, so that totals
// stay unbiased. rate 1 records everything.
struct DurationSample {
  bool record;
  int64_t count;  // events this sample stands for (1, or rate/duration randomly rounded)
  int64_t delay;  // ns it stands for (duration, or rate)
};
DurationSample sample_duration(uint64_t duration_ns, uint64_t rate);

// Go's mutex profile fraction: records 1 of `fraction` events on average; a recorded one
// stands for `fraction` events. fraction 1 records everything.
bool sample_one_in(uint64_t fraction);

// value * numerator / denominator, rounded up or down at random so the expectation is
// exact: how a recorded event's values (bytes of an I/O call, say) are scaled up without
// bias when fractions of an event cannot be stored.
int64_t scale_unbiased(int64_t value, uint64_t numerator, uint64_t denominator);

}  // namespace cxxprof
