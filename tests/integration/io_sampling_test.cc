// --io=RATE samples like --block (Go's blockprofilerate rule) and scales what it keeps, so
// the totals stay unbiased: tests/fixtures/io_storm does 200000 reads of 16 bytes from a
// pipe (a few hundred ns each) at RATE 20 us, so roughly 1 call in 60 is recorded, each
// standing for ~60. The estimated calls and bytes must match the exact counts within what
// the sample size allows (~3000 recorded calls: a relative standard deviation of about
// 2%; the bounds below are 5 of those). Checked with our reader and with go tool pprof.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

constexpr int64_t kReads = 200000;

class IoSamplingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--io=20000", "-o", *dir_ / "prof"},
                     {fixture_path("io_storm"), "pipe", std::to_string(kReads), "16"}));
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
  }

  static void check_estimates(const std::vector<IoSample>& samples) {
    const auto fields = fixture_fields(run_->out, "reads=");
    int64_t reads = 0, bytes = 0;
    ASSERT_TRUE(fixture_int(fields, "reads", &reads) && fixture_int(fields, "read_bytes", &bytes))
        << run_->out;
    ASSERT_EQ(reads, kReads);
    IoTotals totals = io_totals(samples, "storm_pipe", "read");
    EXPECT_GT(totals.samples, 0) << describe(samples);
    EXPECT_NEAR(totals.calls, double(reads), 0.10 * double(reads)) << describe(samples);
    EXPECT_NEAR(totals.bytes, double(bytes), 0.10 * double(bytes)) << describe(samples);
    EXPECT_EQ(totals.calls_by_fd_kind["pipe"], totals.calls);
    // The time of the reads is part of the loop's wall time, never more than it.
    const double loop_ns = std::stod(fields.at("ns_per_read")) * double(reads);
    EXPECT_GT(totals.time, 0);
    EXPECT_LE(totals.time, 1.05 * loop_ns);
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
};

std::unique_ptr<TempDir> IoSamplingTest::dir_;
std::unique_ptr<CommandResult> IoSamplingTest::run_;

TEST_F(IoSamplingTest, ScaledTotalsEstimateTheTruthOurReader) {
  std::vector<IoSample> samples;
  ASSERT_TRUE(our_io_samples(*dir_ / "prof/io.pb.gz", &samples));
  check_estimates(samples);
}

TEST_F(IoSamplingTest, ScaledTotalsEstimateTheTruthGoPprof) {
  std::vector<IoSample> samples;
  ASSERT_TRUE(pprof_io_samples(*dir_ / "prof/io.pb.gz", &samples));
  check_estimates(samples);
}

TEST_F(IoSamplingTest, ProfileCarriesTheRateAsItsPeriod) {
  const CommandResult r = run_go_pprof({"-raw", *dir_ / "prof/io.pb.gz"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.out.find("Period: 20000"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cxxprof_test
