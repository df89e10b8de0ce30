// Real Debian binaries under the profiler (DESIGN.md §7): they behave exactly as without
// it (same output, same status), and the profile names their hot functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// Runs `program` plain and under `cxxprof-run --cpu`; both runs must agree, and the
// returned top table (by our reader, then checked against pprof) is the profile's.
void run_both_ways(const std::vector<std::string>& program, TopTable* ours, TopTable* theirs) {
  ASSERT_TRUE(profiler_built());
  ASSERT_TRUE(is_executable(program[0])) << program[0] << " is not installed (make deps)";
  const CommandResult plain = run_command(program);
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();

  TempDir dir;
  const CommandResult profiled = run_profiled({"--cpu", "-o", dir / "prof"}, program);
  ASSERT_EQ(profiled.exit_code(), plain.exit_code()) << profiled.describe();
  EXPECT_EQ(profiled.out, plain.out) << "the program's output changed under the profiler";

  const std::string profile = dir / "prof/cpu.pb.gz";
  ASSERT_TRUE(our_top(profile, "cpu", ours));
  ASSERT_TRUE(pprof_top(profile, "cpu", theirs));
}

// The first `n` rows of a top table (ordered by flat), as one string for messages.
std::string first_rows(const TopTable& table, size_t n) {
  std::string s;
  for (size_t i = 0; i < std::min(n, table.rows.size()); ++i) s += "  " + table.rows[i].name + "\n";
  return s;
}

bool any_of_first(const TopTable& table, size_t n, bool (*wanted)(const std::string&)) {
  for (size_t i = 0; i < std::min(n, table.rows.size()); ++i) {
    if (wanted(table.rows[i].name)) return true;
  }
  return false;
}

bool is_sqlite_function(const std::string& name) { return name.rfind("sqlite3", 0) == 0; }
bool is_python_eval_loop(const std::string& name) { return name.rfind("_PyEval_EvalFrameDefault", 0) == 0; }

TEST(ThirdParty, Sqlite3) {
  TopTable ours;
  TopTable theirs;
  run_both_ways({"/usr/bin/sqlite3", ":memory:",
                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<2000000) "
                 "SELECT sum(x) FROM c;"},
                &ours, &theirs);
  EXPECT_TRUE(any_of_first(ours, 5, is_sqlite_function)) << "cxxprof top:\n" << first_rows(ours, 5);
  EXPECT_TRUE(any_of_first(theirs, 5, is_sqlite_function)) << "pprof -top:\n" << first_rows(theirs, 5);
}

// Debian's python3 (not a pyenv or venv shim in PATH): its interpreter functions are
// exported, so the eval loop must be named.
TEST(ThirdParty, Python3) {
  const char* script =
      "def spin(n):\n"
      "    total = 0\n"
      "    for i in range(n):\n"
      "        total += i * i % 7\n"
      "    return total\n"
      "print(spin(20_000_000))\n";
  TopTable ours;
  TopTable theirs;
  run_both_ways({"/usr/bin/python3", "-c", script}, &ours, &theirs);
  EXPECT_TRUE(any_of_first(ours, 10, is_python_eval_loop)) << "cxxprof top:\n" << first_rows(ours, 10);
  EXPECT_TRUE(any_of_first(theirs, 10, is_python_eval_loop)) << "pprof -top:\n" << first_rows(theirs, 10);
}

}  // namespace
}  // namespace cxxprof_test
