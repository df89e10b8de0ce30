#include "tests/integration/lock_samples.h"

#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// mutex.pb.gz's and block.pb.gz's sample types, in order.
const std::vector<SampleIndex> kLockIndexes = {{"contentions", ""}, {"delay", "ns"}};

void to_lock_samples(const std::vector<DumpedSample>& dumped, std::vector<LockSample>* samples) {
  samples->clear();
  for (const DumpedSample& d : dumped) {
    LockSample sample;
    sample.labels = d.labels;
    sample.frames = d.frames;
    sample.contentions = d.values[0];
    sample.delay = d.values[1];
    samples->push_back(sample);
  }
}

}  // namespace

::testing::AssertionResult our_profile_header(const std::string& file, std::string* header) {
  const CommandResult r = run_report_tool({"dump", file});
  if (r.exit_code() != 0) return ::testing::AssertionFailure() << "cxxprof dump failed\n" << r.describe();
  const size_t samples = r.out.find("\nSamples:");
  *header = r.out.substr(0, samples);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult our_lock_samples(const std::string& file, std::vector<LockSample>* samples) {
  std::vector<DumpedSample> dumped;
  const ::testing::AssertionResult read = our_dumped_samples(file, kLockIndexes.size(), &dumped);
  if (read) to_lock_samples(dumped, samples);
  return read;
}

::testing::AssertionResult pprof_lock_samples(const std::string& file, std::vector<LockSample>* samples) {
  std::vector<DumpedSample> dumped;
  const ::testing::AssertionResult read = pprof_dumped_samples(file, kLockIndexes, &dumped);
  if (read) to_lock_samples(dumped, samples);
  return read;
}

LockTotals lock_totals(const std::vector<LockSample>& samples, const std::string& function,
                       const std::string& reason) {
  LockTotals totals;
  for (const LockSample& sample : samples) {
    if (!function.empty() && !has_frame(sample.frames, function)) continue;
    if (!reason.empty() && sample.label("reason") != reason) continue;
    totals.contentions += sample.contentions;
    totals.delay += sample.delay;
    ++totals.samples;
  }
  return totals;
}

std::string describe(const std::vector<LockSample>& samples) {
  std::string out;
  for (const LockSample& sample : samples) {
    for (const auto& [key, value] : sample.labels) out += key + "=" + value + " ";
    out += "contentions=" + std::to_string(int64_t(sample.contentions)) +
           " delay=" + std::to_string(int64_t(sample.delay)) + " | " + folded(sample.frames) + "\n";
  }
  return out;
}

}  // namespace cxxprof_test
