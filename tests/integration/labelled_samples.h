// Samples of any profile with labels, read through both readers: `cxxprof dump` (our
// reader) and `go tool pprof -traces` (once per sample type). The I/O and lock test
// helpers (io_samples.h, lock_samples.h) name the values; this reads them.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/integration/stack_queries.h"

namespace cxxprof_test {

struct LabelledSample {
  std::map<std::string, std::string> labels;
  Frames frames;  // root first

  std::string label(const std::string& key) const;  // "" if absent
};

// One sample and its values, in the profile's sample-type order.
struct DumpedSample : LabelledSample {
  std::vector<double> values;
};

// Every sample of `file` as `cxxprof dump` lists it, each with `value_count` values.
::testing::AssertionResult our_dumped_samples(const std::string& file, size_t value_count,
                                              std::vector<DumpedSample>* samples);

// A sample type for go tool pprof: its name (-sample_index) and the unit to show it in
// ("" for a count).
struct SampleIndex {
  const char* name;
  const char* unit;
};

// Every distinct (labels, stack) of `file` as go tool pprof -traces shows it, with one
// value per entry of `indexes`, in that order.
::testing::AssertionResult pprof_dumped_samples(const std::string& file,
                                                const std::vector<SampleIndex>& indexes,
                                                std::vector<DumpedSample>* samples);

}  // namespace cxxprof_test
