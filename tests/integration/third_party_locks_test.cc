// Real Debian binaries under `cxxprof-run --mutex --block` (DESIGN.md §7): they behave
// exactly as without it (same output, same status), both profiles are written and read by
// both readers, and the waits are found under named functions of the program.
//  - python3 running 4 threads: they wait for the GIL (a condvar: PyEval_AcquireThread,
//    PyEval_RestoreThread), for a threading.Lock (a semaphore: PyThread_acquire_lock_timed)
//    and in time.sleep, whose total the script knows.
//  - sqlite3 sorting with worker threads (PRAGMA threads): the main thread joins them in
//    sqlite3ThreadJoin.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// Runs `program` plain and under --mutex --block; both runs must agree. Leaves the
// profiles in dir/prof.
void run_both_ways(const std::vector<std::string>& program, const TempDir& dir) {
  ASSERT_TRUE(profiler_built());
  ASSERT_TRUE(is_executable(program[0])) << program[0] << " is not installed (make deps)";
  const CommandResult plain = run_command(program);
  ASSERT_EQ(plain.exit_code(), 0) << plain.describe();
  const CommandResult profiled = run_profiled({"--mutex", "--block", "-o", dir / "prof"}, program);
  ASSERT_EQ(profiled.exit_code(), plain.exit_code()) << profiled.describe();
  EXPECT_EQ(profiled.out, plain.out) << "the program's output changed under the profiler";
}

// Both profiles exist, and both readers read them alike.
void expect_readable(const TempDir& dir) {
  for (const char* name : {"mutex.pb.gz", "block.pb.gz"}) {
    SCOPED_TRACE(name);
    const std::string file = dir / (std::string("prof/") + name);
    ASSERT_TRUE(path_exists(file));
    std::vector<LockSample> ours;
    ASSERT_TRUE(our_lock_samples(file, &ours));
    std::vector<LockSample> theirs;
    ASSERT_TRUE(pprof_lock_samples(file, &theirs));
    EXPECT_NEAR(lock_totals(ours, "", "").delay, lock_totals(theirs, "", "").delay, 1.0);
  }
}

bool any_sample(const std::vector<LockSample>& samples, const std::string& reason,
                const std::string& function) {
  return lock_totals(samples, function, reason).samples > 0;
}

TEST(ThirdPartyLocks, Python3FourThreads) {
  // Each thread sleeps 4 × 25 ms (time.sleep) and otherwise fights over a lock and the GIL.
  const char* script =
      "import threading, time\n"
      "lock = threading.Lock()\n"
      "total = 0\n"
      "def work(n):\n"
      "    global total\n"
      "    for i in range(n):\n"
      "        with lock:\n"
      "            total += i % 7\n"
      "        if i % 50000 == 0:\n"
      "            time.sleep(0.025)\n"
      "threads = [threading.Thread(target=work, args=(200000,)) for _ in range(4)]\n"
      "for t in threads: t.start()\n"
      "for t in threads: t.join()\n"
      "print(total)\n";
  TempDir dir;
  run_both_ways({"/usr/bin/python3", "-c", script}, dir);
  if (HasFatalFailure()) return;
  expect_readable(dir);
  for (bool ours : {true, false}) {
    SCOPED_TRACE(ours ? "our reader" : "go tool pprof");
    std::vector<LockSample> samples;
    ASSERT_TRUE(ours ? our_lock_samples(dir / "prof/block.pb.gz", &samples)
                     : pprof_lock_samples(dir / "prof/block.pb.gz", &samples));
    EXPECT_TRUE(any_sample(samples, "cond", "PyEval_AcquireThread") ||
                any_sample(samples, "cond", "PyEval_RestoreThread") ||
                any_sample(samples, "cond", "_PyEval_EvalFrameDefault"))
        << "no GIL wait under the interpreter\n" << describe(samples);
    EXPECT_TRUE(any_sample(samples, "sem", "PyThread_acquire_lock_timed"))
        << "no threading.Lock wait\n" << describe(samples);
    // 4 threads × 4 time.sleep(0.025): 16 sleeps in the interpreter. time.sleep fixes its
    // deadline before it drops the GIL, and dropping it may wait (a condvar, recorded as
    // such) for another thread to take it: the sleep proper is at most 25 ms, often less.
    const LockTotals slept = lock_totals(samples, "_PyEval_EvalFrameDefault", "sleep");
    EXPECT_EQ(slept.contentions, 16) << describe(samples);
    EXPECT_GT(slept.delay, 0);
    EXPECT_LE(slept.delay, 16 * 25e6 * 1.05) << describe(samples);
  }
}

TEST(ThirdPartyLocks, Sqlite3SortingWithWorkerThreads) {
  TempDir dir;
  run_both_ways({"/usr/bin/sqlite3", ":memory:",
                 "PRAGMA threads=4; "
                 "CREATE TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
                 "WHERE x<300000) SELECT x, (x * 7919) % 1000003 AS y FROM c; "
                 "CREATE INDEX i ON t(y); SELECT count(*), sum(y) FROM t;"},
                dir);
  if (HasFatalFailure()) return;
  expect_readable(dir);
  for (bool ours : {true, false}) {
    SCOPED_TRACE(ours ? "our reader" : "go tool pprof");
    std::vector<LockSample> samples;
    ASSERT_TRUE(ours ? our_lock_samples(dir / "prof/block.pb.gz", &samples)
                     : pprof_lock_samples(dir / "prof/block.pb.gz", &samples));
    EXPECT_TRUE(any_sample(samples, "join", "sqlite3ThreadJoin")) << describe(samples);
    const LockTotals joins = lock_totals(samples, "sqlite3VdbeExec", "join");
    EXPECT_GT(joins.delay, 0) << describe(samples);
  }
}

}  // namespace
}  // namespace cxxprof_test
