// The heap profile on programs whose allocations take other roads: C++ new/delete of
// every form (through libstdc++), a program linked with tcmalloc, one with jemalloc
// preloaded, and Debian's python3 and sqlite3. Each behaves exactly as without the
// profiler, and its heap profile is true (to the byte at RATE=1) or plausible.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/heap_reports.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// Runs `program` plainly and under `cxxprof-run --heap=RATE`, with the same environment;
// the two must print the same. The profiles land in dir/prof.
CommandResult run_both_ways(const TempDir& dir, const std::string& rate, const std::vector<std::string>& program,
                            const CommandOptions& options = {}) {
  const CommandResult plain = run_command(program, options);
  EXPECT_EQ(plain.exit_code(), 0) << plain.describe();
  CommandResult profiled = run_profiled({"--heap=" + rate, "-o", dir / "prof"}, program, options);
  EXPECT_EQ(profiled.exit_code(), plain.exit_code()) << profiled.describe();
  EXPECT_EQ(profiled.out, plain.out) << "the program's output changed under the profiler";
  return profiled;
}

// Every site of the fixture's truth, every sample type, both readers: exact.
void expect_exact_truth(const std::string& profile, const std::map<std::string, HeapTruth>& truth) {
  ASSERT_FALSE(truth.empty());
  for (const std::string& type : heap_sample_types()) {
    std::map<std::string, int64_t> ours, theirs;
    ASSERT_TRUE(our_function_totals(profile, type, &ours));
    ASSERT_TRUE(pprof_function_totals(profile, type, &theirs));
    for (const auto& [site, figures] : truth) {
      EXPECT_EQ(ours[site], figures.value(type)) << "ours: " << site << " " << type;
      EXPECT_EQ(theirs[site], figures.value(type)) << "pprof: " << site << " " << type;
    }
  }
}

TEST(HeapPrograms, CxxNewAndDeleteOfEveryFormReachTheProfile) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run = run_both_ways(dir, "1", {fixture_path("heap_cxx_forms"), "500"});
  const auto truth = heap_truth_lines(run.out);
  ASSERT_EQ(truth.size(), 13u) << run.describe();
  // kept_*: new of each form reached malloc/aligned_alloc; freed_*: delete of each form
  // reached free (their in-use is back to 0).
  expect_exact_truth(dir / "prof/heap.pb.gz", truth);
}

TEST(HeapPrograms, TcmallocLinkedProgramKeepsItsAllocatorAndIsProfiled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run = run_both_ways(dir, "1", {fixture_path("heap_tcmalloc"), "0.05"});
  ASSERT_NE(run.out.find("allocator=tcmalloc"), std::string::npos)
      << "tcmalloc must serve the program under the profiler\n" << run.describe();
  expect_exact_truth(dir / "prof/heap.pb.gz", heap_truth_lines(run.out));
}

TEST(HeapPrograms, PreloadedJemallocKeepsServingAndIsProfiled) {
  ASSERT_TRUE(profiler_built());
  const std::string jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
  ASSERT_TRUE(path_exists(jemalloc)) << jemalloc << " is not installed (make deps)";
  TempDir dir;
  CommandOptions options;
  options.set_env.push_back("LD_PRELOAD=" + jemalloc);
  const CommandResult run = run_both_ways(dir, "1", {fixture_path("heap_truth"), "0.05"}, options);
  ASSERT_NE(run.out.find("allocator=jemalloc"), std::string::npos) << run.describe();
  expect_exact_truth(dir / "prof/heap.pb.gz", heap_truth_lines(run.out));
}

// In a real program's profile, `function` (named by its symbols) holds at least half of
// `sample_type`, by both readers. Both programs free most of their heap before they
// exit: the peak is where their memory shows.
void expect_function_holds_most(const std::string& profile, const std::string& sample_type,
                                const std::string& function) {
  std::map<std::string, int64_t> ours, theirs;
  ASSERT_TRUE(our_function_totals(profile, sample_type, &ours));
  ASSERT_TRUE(pprof_function_totals(profile, sample_type, &theirs));
  for (const auto* totals : {&ours, &theirs}) {
    int64_t total = 0;
    for (const auto& [name, value] : *totals) total = std::max(total, value);  // the root
    ASSERT_GT(total, 0) << profile << " " << sample_type;
    const auto it = totals->find(function);
    EXPECT_GE(double(it == totals->end() ? 0 : it->second), 0.5 * double(total))
        << function << " in " << profile << " " << sample_type;
  }
}

TEST(HeapPrograms, Python3HeapIsNamedAndOutputUnchanged) {
  ASSERT_TRUE(profiler_built());
  ASSERT_TRUE(is_executable("/usr/bin/python3"));
  TempDir dir;
  const char* script =
      "kept = [bytes(100000 + i) for i in range(200)]\n"
      "table = {i: str(i) * 10 for i in range(100000)}\n"
      "print(len(kept), sum(len(v) for v in table.values()))\n";
  run_both_ways(dir, "524288", {"/usr/bin/python3", "-c", script});
  // The script's objects, made by the interpreter's eval loop.
  expect_function_holds_most(dir / "prof/heap_peak.pb.gz", "inuse_space", "_PyEval_EvalFrameDefault");
  expect_function_holds_most(dir / "prof/heap.pb.gz", "alloc_space", "_PyEval_EvalFrameDefault");
}

TEST(HeapPrograms, Sqlite3HeapIsNamedAndOutputUnchanged) {
  ASSERT_TRUE(profiler_built());
  ASSERT_TRUE(is_executable("/usr/bin/sqlite3"));
  TempDir dir;
  run_both_ways(dir, "524288",
                {"/usr/bin/sqlite3", ":memory:",
                 "PRAGMA cache_size=-65536; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); "
                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300000) "
                 "INSERT INTO t SELECT x, printf('%0100d', x) FROM c; SELECT count(*), sum(length(b)) FROM t;"});
  // The in-memory database's pages, allocated as rows are inserted.
  expect_function_holds_most(dir / "prof/heap_peak.pb.gz", "inuse_space", "sqlite3BtreeInsert");
  expect_function_holds_most(dir / "prof/heap.pb.gz", "alloc_space", "sqlite3_step");
}

}  // namespace
}  // namespace cxxprof_test

namespace cxxprof_test {
namespace {

// Allocations inside a signal handler that interrupts allocations, and a forked child:
// the program runs to its end, and the child's profile has the child's allocations.
TEST(HeapPrograms, SignalHandlerAllocationsAndForkedChild) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult run = run_profiled({"--heap=1", "-o", dir / "prof"}, {fixture_path("heap_hostile")});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_NE(run.out.find("\nok\n"), std::string::npos) << run.describe();
  const auto fields = fixture_fields(run.out, "handler_calls=");
  int64_t handler_calls = 0, child_status = -1, child_pid = 0;
  ASSERT_TRUE(fixture_int(fields, "handler_calls", &handler_calls) &&
              fixture_int(fields, "child_status", &child_status) &&
              fixture_int(fields, "child_pid", &child_pid))
      << run.describe();
  EXPECT_GT(handler_calls, 0) << "the handler never ran: the test proves nothing";
  EXPECT_EQ(child_status, 0);
  std::map<std::string, int64_t> child, parent;
  ASSERT_TRUE(our_function_totals(dir / ("prof/heap." + std::to_string(child_pid) + ".pb.gz"),
                                  "inuse_space", &child));
  EXPECT_EQ(child["child_keeps"], 100 * 1001);
  ASSERT_TRUE(our_function_totals(dir / "prof/heap.pb.gz", "inuse_space", &parent));
  EXPECT_EQ(parent["child_keeps"], 0) << "the child's allocations are not the parent's";
  EXPECT_EQ(parent["churn_under_signals"], 0) << "everything churned was freed";
}

}  // namespace
}  // namespace cxxprof_test
