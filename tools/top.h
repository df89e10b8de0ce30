// Flat and cumulative value per function: pprof's `top`. Used by `cxxprof top` and by
// the summary cxxprof-run prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "symbolizer/profile_model.h"

namespace cxxprof {

struct TopRow {
  std::string name;  // function name as the profile gives it (demangled)
  int64_t flat = 0;  // value of samples whose innermost frame is this function
  int64_t cum = 0;   // value of samples with this function anywhere on the stack (once)
};

struct TopTable {
  profile::ValueType value_type;
  int64_t total = 0;         // sum of the value over all samples
  std::vector<TopRow> rows;  // every function, sorted (see compute_top)
};

// Aggregates value `sample_index` per function name. Inlined frames count as functions
// of their own; a function appearing several times in one stack (recursion) adds to its
// cum once. Rows are sorted by flat (or cum if `by_cum`), descending, then by name.
TopTable compute_top(const profile::Profile& profile, size_t sample_index, bool by_cum);

// The table as `go tool pprof -top` prints it, limited to `max_rows` rows:
//   Showing nodes accounting for 1.50s, 75.00% of 2s total
//         flat  flat%   sum%        cum   cum%
//        1.50s 75.00% 75.00%      1.50s 75.00%  burn_cpu
std::string format_top(const TopTable& table, size_t max_rows);

}  // namespace cxxprof
