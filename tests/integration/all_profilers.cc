#include "tests/integration/all_profilers.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {

const std::vector<std::string>& every_profiler() {
  static const std::vector<std::string> options = {"--cpu", "--wall", "--heap", "--mutex", "--block", "--io"};
  return options;
}

const std::vector<std::string>& every_profiler_all_io() {
  static const std::vector<std::string> options = {"--cpu",   "--wall",  "--heap",
                                                   "--mutex", "--block", "--io=1"};
  return options;
}

const std::vector<std::string>& every_profile_file() {
  static const std::vector<std::string> files = {
      "cpu.pb.gz", "wall.pb.gz", "heap.pb.gz", "heap_peak.pb.gz", "mutex.pb.gz", "block.pb.gz", "io.pb.gz"};
  return files;
}

::testing::AssertionResult read_every_profile(const std::string& dir, EveryProfile* profiles) {
  for (const std::string& name : every_profile_file()) {
    const std::string file = dir + "/" + name;
    if (!path_exists(file)) return ::testing::AssertionFailure() << file << " was not written";
    auto ours = our_top(file, "", &profiles->ours[name]);
    if (!ours) return ours << "\n(reading " << file << ")";
    auto theirs = pprof_top(file, "", &profiles->pprof[name]);
    if (!theirs) return theirs << "\n(reading " << file << ")";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult no_bare_addresses(const EveryProfile& profiles) {
  for (const auto* by_file : {&profiles.ours, &profiles.pprof}) {
    for (const auto& [name, table] : *by_file) {
      for (const TopRow& row : table.rows) {
        if (row.name.rfind("0x", 0) == 0) {
          return ::testing::AssertionFailure()
                 << name << " has a frame in no known module: " << row.name << "\n"
                 << first_rows(table, 20);
        }
      }
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult no_profiler_threads(const std::string& dir) {
  for (const std::string& name : every_profile_file()) {
    std::vector<Stack> stacks;
    auto read = our_collapsed(dir + "/" + name, "", true, &stacks);
    if (!read) return read;
    for (const Stack& stack : stacks) {
      if (stack.thread.rfind("cxxprof", 0) == 0) {
        std::string frames;
        for (const std::string& frame : stack.frames) frames += frame + ";";
        return ::testing::AssertionFailure() << name << " has a sample of the profiler's own thread "
                                             << stack.thread << " (value " << stack.value << "): " << frames;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult reported_lost_samples(const std::string& file, int64_t* lost) {
  std::string header;
  auto read = our_profile_header(file, &header);
  if (!read) return read;
  *lost = 0;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("warning: ");
    if (at == std::string::npos) continue;
    const std::string warning = line.substr(at + 9);
    if (warning.find(" samples dropped (") != std::string::npos ||
        warning.find(" samples recorded without a stack") != std::string::npos) {
      *lost += std::atoll(warning.c_str());
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult share_with_frame(const std::string& file, const std::string& sample_index,
                                            const std::function<bool(const std::string&)>& wanted,
                                            Share* share) {
  auto any_wanted = [&wanted](const std::vector<std::string>& frames) {
    return std::any_of(frames.begin(), frames.end(),
                       [&wanted](const std::string& f) { return wanted(base_name(f)); });
  };
  std::vector<Stack> stacks;
  auto read = our_collapsed(file, sample_index, false, &stacks);
  if (!read) return read;
  double with = 0, total = 0;
  for (const Stack& stack : stacks) {
    total += double(stack.value);
    if (any_wanted(stack.frames)) with += double(stack.value);
  }
  share->ours = total > 0 ? with / total : 0;
  std::vector<Trace> traces;
  read = pprof_traces(file, sample_index, &traces);
  if (!read) return read;
  with = total = 0;
  for (const Trace& trace : traces) {
    total += trace.value;
    if (any_wanted(trace.frames)) with += trace.value;
  }
  share->pprof = total > 0 ? with / total : 0;
  return ::testing::AssertionSuccess();
}

std::string first_rows(const TopTable& table, size_t n) {
  std::string s;
  for (size_t i = 0; i < std::min(n, table.rows.size()); ++i) s += "  " + table.rows[i].name + "\n";
  return s;
}

}  // namespace cxxprof_test
