// Reading heap profiles in the integration tests: a function's total of one sample type,
// exact to the byte, from our reader (`cxxprof collapsed`) and from `go tool pprof -top`
// (cum column, with -unit=B so bytes print as whole numbers), and the truth lines the
// heap fixtures print (tests/fixtures/heap_workload.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cxxprof_test {

// One site's truth: "site=NAME alloc_objects=.. alloc_bytes=.. inuse_objects=.. inuse_bytes=..".
struct HeapTruth {
  int64_t alloc_objects = 0;
  int64_t alloc_bytes = 0;
  int64_t inuse_objects = 0;
  int64_t inuse_bytes = 0;

  int64_t value(const std::string& sample_type) const;  // alloc_objects, alloc_space, ...
};

// Every "site=" line of a fixture's output, by site name.
std::map<std::string, HeapTruth> heap_truth_lines(const std::string& output);

// The four heap sample types, in the profile's order.
const std::vector<std::string>& heap_sample_types();

// Total of `sample_type` over the stacks that contain each function (by base name),
// for every function in any stack: our reader.
::testing::AssertionResult our_function_totals(const std::string& file, const std::string& sample_type,
                                               std::map<std::string, int64_t>* totals);

// The same from go tool pprof -top (cum): pprof's own reading of the file.
::testing::AssertionResult pprof_function_totals(const std::string& file, const std::string& sample_type,
                                                 std::map<std::string, int64_t>* totals);

// The function with the largest flat value of `sample_type` in `go tool pprof -top`.
::testing::AssertionResult pprof_top_function(const std::string& file, const std::string& sample_type,
                                              std::string* name);

}  // namespace cxxprof_test
