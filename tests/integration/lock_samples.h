// The mutex and block profiles' samples as the two readers show them, with their labels
// (thread, and reason for the block profile) and both values: our reader through
// `cxxprof dump`, Go's pprof through `go tool pprof -traces` once per sample type. Truth
// tests compare totals over the samples they care about: those with a function on their
// stack and, for the block profile, a reason.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/integration/labelled_samples.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {

struct LockSample : LabelledSample {
  double contentions = 0;
  double delay = 0;  // ns
};

::testing::AssertionResult our_lock_samples(const std::string& file, std::vector<LockSample>* samples);
::testing::AssertionResult pprof_lock_samples(const std::string& file, std::vector<LockSample>* samples);

struct LockTotals {
  double contentions = 0;
  double delay = 0;
  int samples = 0;
};

// Totals of the samples with `function` on their stack ("" for any) and label reason ==
// `reason` ("" for any).
LockTotals lock_totals(const std::vector<LockSample>& samples, const std::string& function,
                       const std::string& reason);

// The header of `cxxprof dump` ("Sample types: ...", "Default sample type: ...", ...).
::testing::AssertionResult our_profile_header(const std::string& file, std::string* header);

// "reason=mutex thread=x contentions=3 delay=1200 | main;f;g" per sample, for messages.
std::string describe(const std::vector<LockSample>& samples);

}  // namespace cxxprof_test
