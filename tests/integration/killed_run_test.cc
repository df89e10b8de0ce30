// A program SIGKILLed while it updates its raw store as hard as it can (the stress
// fixture with every allocation and I/O call recorded: eight threads writing samples,
// stacks and thread entries all the time), at random moments, several times (issue 7):
// cxxprof-run still says how the program ended (killed by SIGKILL, its own exit status
// 128+9), converts the half-updated store into every profile, both readers read them,
// and they hold the work done before the kill. The reader's handling of each
// half-written entry is tests/unit/raw_store_half_written_test.cc's subject.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/harness.h"
#include "tests/integration/heap_reports.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/loopback.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

using namespace std::chrono_literals;

// The one child process of `parent` (the program cxxprof-run started), or -1.
pid_t only_child(pid_t parent) {
  std::ifstream children("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  pid_t child = -1;
  pid_t another = -1;
  children >> child >> another;
  return another == -1 ? child : -1;
}

TEST(KilledRun, EveryProfileIsWrittenFromAStoreKilledMidUpdate) {
  ASSERT_TRUE(profiler_built());
  std::random_device seed;
  std::mt19937 random(seed());
  for (int attempt = 0; attempt < 4; ++attempt) {
    // Anywhere from at once to well into the run (the fixture has done a round in every
    // thread when it says "started").
    const int delay_ms = int(random() % 1500);
    SCOPED_TRACE("SIGKILL " + std::to_string(delay_ms) + " ms after the workload started");
    TempDir dir;
    std::vector<std::string> argv{launcher_path()};
    for (const std::string& option : every_profiler_all_io())
      argv.push_back(option == "--heap" ? "--heap=1" : option);
    argv.insert(argv.end(), {"-o", dir / "prof", "--", fixture_path("stress"), "seconds=100", dir.path()});
    Process launcher(argv, within(50s));
    ASSERT_TRUE(launcher.wait_for_stdout("started threads=8", 30s)) << launcher.wait().describe();
    usleep(useconds_t(delay_ms) * 1000);
    const pid_t program = only_child(launcher.pid());
    ASSERT_GT(program, 0);
    ASSERT_EQ(kill(program, SIGKILL), 0);
    const CommandResult run = launcher.wait();

    ASSERT_EQ(run.exit_code(), 128 + SIGKILL) << run.describe();
    EXPECT_NE(run.err.find("was killed by signal SIGKILL (9)"), std::string::npos) << run.describe();
    EveryProfile tables;
    ASSERT_TRUE(read_every_profile(dir / "prof", &tables)) << run.describe();
    EXPECT_FALSE(path_exists(dir / ("prof/" + std::to_string(program) + ".cxxraw")))
        << "the raw data is removed once converted";
    // What the first round of every thread did is in the profiles: 8 threads x 40
    // allocations, and 8 writes to /dev/null.
    for (auto totals_of : {&our_function_totals, &pprof_function_totals}) {
      std::map<std::string, int64_t> allocations;
      ASSERT_TRUE(totals_of(dir / "prof/heap.pb.gz", "alloc_objects", &allocations));
      EXPECT_GE(allocations["churn_memory"], 8 * 40);
    }
    for (auto reader : {&our_io_samples, &pprof_io_samples}) {
      std::vector<IoSample> samples;
      ASSERT_TRUE(reader(dir / "prof/io.pb.gz", &samples));
      EXPECT_GE(io_totals(samples, "write_null", "write").calls, 8) << describe(samples);
    }
  }
}

}  // namespace
}  // namespace cxxprof_test
