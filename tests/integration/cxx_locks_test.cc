// The C++ standard library's waiting primitives reach the mutex and block profiles
// (tests/fixtures/cxx_locks): std::mutex, std::shared_mutex, std::timed_mutex,
// std::condition_variable::wait and wait_until, std::thread::join and
// std::this_thread::sleep_for each wait about 100 ms in a function of their own, which
// the block profile must show with the right reason and the measured delay, and the lock
// holders the mutex profile must show — with our reader and with go tool pprof.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

struct Scenario {
  std::string name;
  std::string waiter;
  std::string holder;  // "-" when nobody holds a lock
  double wait_ns = 0;
};

const std::map<std::string, std::string> kReasons = {
    {"mutex", "mutex"},   {"shared_mutex", "rwlock"}, {"timed_mutex", "mutex"}, {"cv_wait", "cond"},
    {"cv_wait_for", "cond"}, {"join", "join"},        {"sleep_for", "sleep"},
};

std::vector<Scenario> read_scenarios(const std::string& out) {
  std::vector<Scenario> scenarios;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("scenario=", 0) != 0) continue;
    const auto fields = fixture_fields(line, "scenario=");
    int64_t wait_ns = 0;
    if (!fixture_int(fields, "wait_ns", &wait_ns)) continue;
    scenarios.push_back({fields.at("scenario"), fields.at("waiter"), fields.at("holder"), double(wait_ns)});
  }
  return scenarios;
}

class CxxLocksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--mutex", "--block", "-o", *dir_ / "prof"}, {fixture_path("cxx_locks")}));
    scenarios_ = read_scenarios(run_->out);
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
    ASSERT_EQ(scenarios_.size(), kReasons.size()) << run_->describe();
  }

  static void check_block(const std::vector<LockSample>& samples) {
    for (const Scenario& s : scenarios_) {
      SCOPED_TRACE(s.name);
      const std::string reason = kReasons.at(s.name);
      const LockTotals waited = lock_totals(samples, s.waiter, reason);
      EXPECT_NEAR(waited.delay, s.wait_ns, 0.10 * s.wait_ns) << describe(samples);
      EXPECT_GE(waited.contentions, 1);
      // Anything else it waits for is incidental (cxx_cv_wait joins its notifier, which
      // has already finished).
      EXPECT_LT(lock_totals(samples, s.waiter, "").delay - waited.delay, 0.01 * s.wait_ns)
          << s.waiter << " waits for little but its " << reason << "\n" << describe(samples);
    }
  }

  static void check_mutex(const std::vector<LockSample>& samples) {
    for (const Scenario& s : scenarios_) {
      if (s.holder == "-") continue;
      SCOPED_TRACE(s.name);
      const LockTotals held = lock_totals(samples, s.holder, "");
      EXPECT_NEAR(held.delay, s.wait_ns, 0.15 * s.wait_ns) << describe(samples);
    }
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
  static std::vector<Scenario> scenarios_;
};

std::unique_ptr<TempDir> CxxLocksTest::dir_;
std::unique_ptr<CommandResult> CxxLocksTest::run_;
std::vector<Scenario> CxxLocksTest::scenarios_;

TEST_F(CxxLocksTest, EveryPrimitiveWaitsWithItsReasonOurReader) {
  std::vector<LockSample> samples;
  ASSERT_TRUE(our_lock_samples(*dir_ / "prof/block.pb.gz", &samples));
  check_block(samples);
}

TEST_F(CxxLocksTest, EveryPrimitiveWaitsWithItsReasonPprof) {
  std::vector<LockSample> samples;
  ASSERT_TRUE(pprof_lock_samples(*dir_ / "prof/block.pb.gz", &samples));
  check_block(samples);
}

TEST_F(CxxLocksTest, LockHoldersAreChargedOurReader) {
  std::vector<LockSample> samples;
  ASSERT_TRUE(our_lock_samples(*dir_ / "prof/mutex.pb.gz", &samples));
  check_mutex(samples);
}

TEST_F(CxxLocksTest, LockHoldersAreChargedPprof) {
  std::vector<LockSample> samples;
  ASSERT_TRUE(pprof_lock_samples(*dir_ / "prof/mutex.pb.gz", &samples));
  check_mutex(samples);
}

}  // namespace
}  // namespace cxxprof_test
