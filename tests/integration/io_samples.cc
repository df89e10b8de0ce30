#include "tests/integration/io_samples.h"

#include <climits>
#include <cstdlib>

#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// io.pb.gz's sample types, in order.
const std::vector<SampleIndex> kIoIndexes = {{"calls", ""}, {"bytes", "B"}, {"time", "ns"}};

void to_io_samples(const std::vector<DumpedSample>& dumped, std::vector<IoSample>* samples) {
  samples->clear();
  for (const DumpedSample& d : dumped) {
    IoSample sample;
    sample.labels = d.labels;
    sample.frames = d.frames;
    sample.calls = d.values[0];
    sample.bytes = d.values[1];
    sample.time = d.values[2];
    samples->push_back(sample);
  }
}

}  // namespace

::testing::AssertionResult our_io_samples(const std::string& file, std::vector<IoSample>* samples) {
  std::vector<DumpedSample> dumped;
  const ::testing::AssertionResult read = our_dumped_samples(file, kIoIndexes.size(), &dumped);
  if (read) to_io_samples(dumped, samples);
  return read;
}

::testing::AssertionResult pprof_io_samples(const std::string& file, std::vector<IoSample>* samples) {
  std::vector<DumpedSample> dumped;
  const ::testing::AssertionResult read = pprof_dumped_samples(file, kIoIndexes, &dumped);
  if (read) to_io_samples(dumped, samples);
  return read;
}

std::string real_path(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : path;
}

IoTotals io_totals(const std::vector<IoSample>& samples, const std::string& function,
                   const std::string& op) {
  IoTotals totals;
  for (const IoSample& sample : samples) {
    if (!has_frame(sample.frames, function)) continue;
    if (!op.empty() && sample.label("op") != op) continue;
    totals.calls += sample.calls;
    totals.bytes += sample.bytes;
    totals.time += sample.time;
    ++totals.samples;
    totals.calls_by_fd_kind[sample.label("fd_kind")] += sample.calls;
    totals.calls_by_path[sample.label("path")] += sample.calls;
    totals.calls_by_thread[sample.label("thread")] += sample.calls;
  }
  return totals;
}

std::string describe(const std::vector<IoSample>& samples) {
  std::string out;
  for (const IoSample& sample : samples) {
    for (const auto& [key, value] : sample.labels) out += key + "=" + value + " ";
    out += "calls=" + std::to_string(int64_t(sample.calls)) +
           " bytes=" + std::to_string(int64_t(sample.bytes)) + " | " + folded(sample.frames) + "\n";
  }
  return out;
}

}  // namespace cxxprof_test
