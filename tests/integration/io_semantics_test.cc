// The I/O interposers change nothing a program can observe (DESIGN.md §2): the fixture
// tests/fixtures/io_semantics prints the results and errno of calls that fail, return
// short, hit EAGAIN, EINTR or EPIPE, a read cancelled by pthread_cancel, I/O from signal
// handlers; plain and profiled runs must print the same. Profiled every way the
// interposers can run: every call recorded (--io=1), sampled (the default rate), with
// CXXDEBUG's thread activity tracking on top (the path with a cancellation cleanup), and
// tracking alone with the I/O profile off.
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

class IoSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    plain_dir_ = std::make_unique<TempDir>();
    plain_ = run_command({fixture_path("io_semantics"), plain_dir_->path()});
    ASSERT_EQ(plain_.exit_code(), 0) << plain_.describe();
  }

  // Runs the fixture under cxxprof-run with `options` and compares its output with the
  // plain run's.
  CommandResult run_and_compare(const std::vector<std::string>& options, const TempDir& dir,
                                const CommandOptions& command_options = {}) {
    std::vector<std::string> launcher = options;
    launcher.insert(launcher.end(), {"-o", dir / "prof"});
    CommandResult profiled =
        run_profiled(launcher, {fixture_path("io_semantics"), dir.path()}, command_options);
    EXPECT_EQ(profiled.exit_code(), 0) << profiled.describe();
    EXPECT_EQ(profiled.out, plain_.out) << "the program saw different results under the profiler";
    return profiled;
  }

  std::unique_ptr<TempDir> plain_dir_;
  CommandResult plain_;
};

TEST_F(IoSemanticsTest, EveryCallRecordedChangesNothing) {
  TempDir dir;
  const CommandResult profiled = run_and_compare({"--io=1"}, dir);
  std::vector<IoSample> samples;
  ASSERT_TRUE(our_io_samples(dir / "prof/io.pb.gz", &samples));
  // Failed calls are calls: the EBADF read is there, with no bytes.
  const IoTotals failed = io_totals(samples, "basic_errors", "read");
  EXPECT_EQ(failed.calls, 2) << describe(samples);  // read_bad_fd and read_dev_zero
  EXPECT_EQ(failed.bytes, 4096) << describe(samples);
}

TEST_F(IoSemanticsTest, SampledAtTheDefaultRateChangesNothing) {
  TempDir dir;
  run_and_compare({"--io"}, dir);
}

TEST_F(IoSemanticsTest, WithThreadActivityTrackingChangesNothing) {
  TempDir dir;
  CommandOptions options;
  options.set_env.push_back("CXXDEBUG=schedtrace=60000");
  run_and_compare({"--io=1"}, dir, options);
}

TEST_F(IoSemanticsTest, TrackingAloneWithTheIoProfileOffChangesNothing) {
  TempDir dir;
  CommandOptions options;
  options.set_env.push_back("CXXDEBUG=schedtrace=60000");
  run_and_compare({"--cpu"}, dir, options);
  EXPECT_FALSE(path_exists(dir / "prof/io.pb.gz"));
}

// The wall profile samples a thread blocked in a system call from outside, with only its
// stack pointer and PC: the interposer's frame under the blocked read must not end the
// stack there (blocked_reader waits 100 ms in read before it is cancelled).
TEST_F(IoSemanticsTest, WallProfileSeesCallersOfABlockedRead) {
  for (const char* io : {"--io=1", "--cpu"}) {
    SCOPED_TRACE(io);
    TempDir dir;
    run_and_compare({"--wall", io}, dir);
    std::vector<Stack> stacks;
    ASSERT_TRUE(our_collapsed(dir / "prof/wall.pb.gz", "wall", false, &stacks));
    int64_t blocked = 0;
    std::string all;
    for (const Stack& stack : stacks) {
      all += folded(stack.frames) + "\n";
      if (has_frame(stack.frames, "blocked_reader") && rooted_at_thread_entry(stack.frames)) {
        blocked += stack.value;
      }
    }
    EXPECT_GE(blocked, 50'000'000) << all;
  }
}

// A descriptor number closed behind our back and reused for a pipe is a pipe: the
// descriptor table forgets a number whenever something new gets it.
TEST_F(IoSemanticsTest, ReusedDescriptorNumberIsClassifiedAfresh) {
  TempDir dir;
  run_and_compare({"--io=1"}, dir);
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(dir / "prof/io.pb.gz", &samples));
    IoTotals reads = io_totals(samples, "reused_descriptor_read", "read");
    ASSERT_GT(reads.calls, 0) << describe(samples);
    EXPECT_EQ(reads.calls_by_fd_kind["pipe"], reads.calls) << describe(samples);
    EXPECT_EQ(reads.bytes, 5000) << describe(samples);
  }
}

// A forked child writes its own profile; the file it inherited keeps its path there.
TEST_F(IoSemanticsTest, ForkedChildLabelsInheritedFile) {
  TempDir dir;
  const CommandResult profiled = run_and_compare({"--io=1"}, dir);
  int64_t child = 0;
  ASSERT_TRUE(fixture_int(fixture_fields(profiled.err, "child_pid="), "child_pid", &child)) << profiled.err;
  const std::string profile = dir / ("prof/io." + std::to_string(child) + ".pb.gz");
  ASSERT_TRUE(path_exists(profile)) << profiled.err;
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(profile, &samples));
    IoTotals writes = io_totals(samples, "forked_child_write", "write");
    EXPECT_EQ(writes.calls, 40) << describe(samples);
    EXPECT_EQ(writes.bytes, 40 * 333) << describe(samples);
    EXPECT_EQ(writes.calls_by_path[real_path(dir / "child.bin")], 40) << describe(samples);
  }
}

}  // namespace
}  // namespace cxxprof_test
