#include "tests/integration/heap_reports.h"

#include <set>
#include <sstream>

#include "tests/integration/fixture_output.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {

int64_t HeapTruth::value(const std::string& sample_type) const {
  if (sample_type == "alloc_objects") return alloc_objects;
  if (sample_type == "alloc_space") return alloc_bytes;
  if (sample_type == "inuse_objects") return inuse_objects;
  return inuse_bytes;
}

std::map<std::string, HeapTruth> heap_truth_lines(const std::string& output) {
  std::map<std::string, HeapTruth> truths;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("site=", 0) != 0) continue;
    const auto fields = fixture_fields(line, "site=");
    HeapTruth truth;
    if (!fixture_int(fields, "alloc_objects", &truth.alloc_objects) ||
        !fixture_int(fields, "alloc_bytes", &truth.alloc_bytes) ||
        !fixture_int(fields, "inuse_objects", &truth.inuse_objects) ||
        !fixture_int(fields, "inuse_bytes", &truth.inuse_bytes)) {
      continue;
    }
    truths[fields.at("site")] = truth;
  }
  return truths;
}

const std::vector<std::string>& heap_sample_types() {
  static const std::vector<std::string> types{"alloc_objects", "alloc_space", "inuse_objects",
                                              "inuse_space"};
  return types;
}

::testing::AssertionResult our_function_totals(const std::string& file, const std::string& sample_type,
                                               std::map<std::string, int64_t>* totals) {
  std::vector<Stack> stacks;
  auto read = our_collapsed(file, sample_type, false, &stacks);
  if (!read) return read;
  totals->clear();
  for (const Stack& stack : stacks) {
    std::set<std::string> seen;  // a recursive function counts once per stack, as pprof's cum
    for (const std::string& frame : stack.frames) {
      if (seen.insert(base_name(frame)).second) (*totals)[base_name(frame)] += stack.value;
    }
  }
  return ::testing::AssertionSuccess();
}

namespace {

// Rows of `go tool pprof -top -unit=B`: "FLAT FLAT% SUM% CUM CUM% NAME...".
::testing::AssertionResult pprof_rows(const std::string& file, const std::string& sample_type,
                                      std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>>* rows) {
  const CommandResult r = run_go_pprof({"-top", "-nodecount=1000", "-nodefraction=0",
                                        "-edgefraction=0", "-unit=B", "-sample_index=" + sample_type, file});
  if (r.exit_code() != 0) return ::testing::AssertionFailure() << r.describe();
  std::istringstream lines(r.out);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.find("flat%") != std::string::npos && line.find("cum%") != std::string::npos) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    std::istringstream fields(line);
    std::string flat, flat_pct, sum_pct, cum, cum_pct;
    if (!(fields >> flat >> flat_pct >> sum_pct >> cum >> cum_pct)) continue;
    std::string name;
    std::getline(fields, name);
    auto number = [](std::string text, int64_t* value) {
      if (!text.empty() && text.back() == 'B') text.pop_back();
      try {
        size_t used = 0;
        *value = std::stoll(text, &used);
        return used == text.size();
      } catch (...) {
        return false;
      }
    };
    int64_t flat_value = 0, cum_value = 0;
    if (!number(flat, &flat_value) || !number(cum, &cum_value)) {
      return ::testing::AssertionFailure() << "unexpected pprof -top row: " << line << "\n" << r.out;
    }
    rows->push_back({base_name(name), {flat_value, cum_value}});
  }
  if (!in_table) return ::testing::AssertionFailure() << "no pprof -top table\n" << r.describe();
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult pprof_function_totals(const std::string& file, const std::string& sample_type,
                                                 std::map<std::string, int64_t>* totals) {
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> rows;
  auto read = pprof_rows(file, sample_type, &rows);
  if (!read) return read;
  totals->clear();
  for (const auto& [name, values] : rows) (*totals)[name] = std::max((*totals)[name], values.second);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_top_function(const std::string& file, const std::string& sample_type,
                                              std::string* name) {
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> rows;
  auto read = pprof_rows(file, sample_type, &rows);
  if (!read) return read;
  if (rows.empty()) return ::testing::AssertionFailure() << "empty pprof -top table for " << file;
  *name = rows.front().first;  // pprof sorts by flat
  return ::testing::AssertionSuccess();
}

}  // namespace cxxprof_test
