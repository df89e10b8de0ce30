// The I/O profile's samples as the two readers show them, with their labels (op,
// fd_kind, path, thread) and all three values: our reader through `cxxprof dump`, Go's
// pprof through `go tool pprof -traces` once per sample type. Totals over the samples a
// test cares about (under a function, with an op) are what truth tests compare.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/integration/labelled_samples.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {

struct IoSample : LabelledSample {
  double calls = 0;
  double bytes = 0;
  double time = 0;
};

::testing::AssertionResult our_io_samples(const std::string& file, std::vector<IoSample>* samples);
::testing::AssertionResult pprof_io_samples(const std::string& file, std::vector<IoSample>* samples);

struct IoTotals {
  double calls = 0;
  double bytes = 0;
  double time = 0;
  int samples = 0;
  std::map<std::string, double> calls_by_fd_kind;  // label value -> calls
  std::map<std::string, double> calls_by_path;
  std::map<std::string, double> calls_by_thread;
};

// Totals of the samples with `function` on their stack and label op == `op` (any op if
// empty).
IoTotals io_totals(const std::vector<IoSample>& samples, const std::string& function,
                   const std::string& op);

// "op=write fd_kind=file ... calls=3 bytes=10 | main;f;g" per sample, for messages.
std::string describe(const std::vector<IoSample>& samples);

// `path` with symbolic links resolved, as the I/O profile's `path` label shows a file
// (`path` itself if it cannot be resolved).
std::string real_path(const std::string& path);

}  // namespace cxxprof_test
