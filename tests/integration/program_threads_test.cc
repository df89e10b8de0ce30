// The profiler starts no thread of its own unless a profile needs one (the wall profile,
// CXXDEBUG's periodic lines): a single-threaded program stays single-threaded, so glibc
// and libstdc++ keep their single-thread fast paths (preload/service_thread.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

struct Census {
  int threads = -1;
  int single_threaded = -1;
};

bool parse_census(const std::string& out, Census* census) {
  return std::sscanf(out.c_str(), "threads=%d single_threaded=%d", &census->threads,
                     &census->single_threaded) == 2;
}

TEST(ProgramThreads, EveryProfileButWallLeavesASingleThreadedProgramAlone) {
  ASSERT_TRUE(profiler_built());
  const std::vector<std::string> program = {fixture_path("thread_census")};
  Census plain;
  const CommandResult unprofiled = run_command(program);
  ASSERT_TRUE(parse_census(unprofiled.out, &plain)) << unprofiled.describe();
  ASSERT_EQ(plain.threads, 1) << unprofiled.describe();
  ASSERT_EQ(plain.single_threaded, 1) << unprofiled.describe();

  TempDir dir;
  const CommandResult profiled = run_profiled(
      {"--cpu", "--heap=1", "--mutex", "--block", "--io=1", "-o", dir / "prof"}, program);
  ASSERT_EQ(profiled.exit_code(), 0) << profiled.describe();
  Census census;
  ASSERT_TRUE(parse_census(profiled.out, &census)) << profiled.describe();
  EXPECT_EQ(census.threads, 1) << profiled.describe();
  EXPECT_EQ(census.single_threaded, 1) << profiled.describe();
  for (const char* file : {"cpu.pb.gz", "heap.pb.gz", "mutex.pb.gz", "block.pb.gz", "io.pb.gz"}) {
    EXPECT_TRUE(path_exists(dir / (std::string("prof/") + file))) << file << "\n" << profiled.describe();
  }
}

TEST(ProgramThreads, WallProfileAddsExactlyItsServiceThread) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult profiled =
      run_profiled({"--wall", "-o", dir / "prof"}, {fixture_path("thread_census")});
  ASSERT_EQ(profiled.exit_code(), 0) << profiled.describe();
  Census census;
  ASSERT_TRUE(parse_census(profiled.out, &census)) << profiled.describe();
  EXPECT_EQ(census.threads, 2) << profiled.describe();
  EXPECT_TRUE(path_exists(dir / "prof/wall.pb.gz")) << profiled.describe();
}

}  // namespace
}  // namespace cxxprof_test
