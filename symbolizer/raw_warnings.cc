#include "symbolizer/raw_warnings.h"

#include <map>

#include "symbolizer/heap_samples.h"
#include "symbolizer/profile_kinds.h"

namespace cxxprof {

namespace {

// What a non-zero counter means to a user; null for counters that are not a problem.
const char* counter_meaning(unsigned counter) {
  switch (counter) {
    case raw::kSamplesRecorded:
      return nullptr;
    case raw::kSamplesDroppedTableFull:
      return "samples dropped (sample table full)";
    case raw::kStacksDroppedPoolFull:
      return "samples recorded without a stack (frame pool full)";
    case raw::kStacksTruncatedDepth:
      return "stacks truncated at the maximum depth";
    case raw::kStacksTruncatedUnwind:
      return "stacks truncated (unwinding stopped early: no unwind info or unreadable stack)";
    case raw::kSamplesInProfiler:
      return "samples taken inside the profiler or the dynamic loader (leaf frame only)";
    case raw::kThreadsTableFull:
      return "threads not tracked (thread table full)";
    case raw::kModulesTableFull:
      return "modules not recorded (module table full)";
    case raw::kTimerCreateFailed:
      return "threads without a CPU timer (timer_create failed)";
    case raw::kTimerOverruns:
      return "timer overruns (expirations merged by the kernel; their time is counted)";
    case raw::kWallThreadsSkipped:
      return "wall-clock ticks skipped for threads that could not be sampled";
    case raw::kThreadsBlockedSigprof:
      return "threads blocked SIGPROF (pthread_sigmask): while blocked, their CPU time and "
             "running wall time are not in the profiles";
    case raw::kLockWaitsUntracked:
      return "lock waits not charged to the releasing thread in the mutex profile (contention "
             "table full: too many locks contended at once); they are in the block profile";
    case raw::kHeapSamplesUntracked:
      return "sampled allocations not tracked as live (live allocation or heap site table "
             "full): counted in alloc_*, missing from inuse_* and the heap peak";
    case raw::kHeapStaleAllocations:
      return "sampled allocations released without a free the profiler saw (found when "
             "their address was allocated again): counted as freed from then on";
    case raw::kWallTicks:
    case raw::kWallTicksLate:  // said with the number of ticks, below
      return nullptr;
    case raw::kIoPathsDropped:
      return "files whose path did not fit the I/O profile's path table (labelled \"other "
             "files\")";
  }
  return "unknown counter";
}

}  // namespace

std::vector<std::string> raw_data_warnings(const RawData& data, bool exit_observed) {
  std::vector<std::string> warnings;
  if (!data.exited_normally && !exit_observed) {
    warnings.push_back("process " + std::to_string(data.pid) +
                       " did not exit normally (killed or crashed): data up to its end");
  }
  for (unsigned i = 0; i < raw::kCounterCount; ++i) {
    const char* meaning = counter_meaning(i);
    if (meaning != nullptr && data.counters[i] != 0) {
      warnings.push_back(std::to_string(data.counters[i]) + " " + meaning);
    }
  }
  // A late tick loses no time (it counts the time since the previous one), only
  // resolution: worth a word once it is more than the odd tick of a busy machine.
  const uint64_t ticks = data.counters[raw::kWallTicks];
  const uint64_t late = data.counters[raw::kWallTicksLate];
  if (late != 0 && late * 100 >= ticks) {
    warnings.push_back(std::to_string(late) + " of " + std::to_string(ticks) +
                       " wall-clock ticks came late (more threads than the sampler visits at "
                       "the requested rate within a tenth of a CPU, a busy machine, or the "
                       "process stopped): each counts the time since the previous tick, so "
                       "totals stay right at a coarser resolution");
  }
  if (find_heap_peak_marker(data).snapshots % 2 != 0) {
    warnings.push_back("the process ended while the heap peak snapshot was being updated: "
                       "heap_peak.pb.gz mixes the last two peaks");
  }
  if (data.samples_with_empty_stack_slot != 0) {
    warnings.push_back(std::to_string(data.samples_with_empty_stack_slot) +
                       " samples refer to an unfilled stack slot (recorded without a stack)");
  }
  std::map<std::string, uint64_t> unsupported;
  for (const RawSample& sample : data.samples) {
    if (find_profile_kind(sample.kind) == nullptr) ++unsupported[sample_kind_name(sample.kind)];
  }
  for (const auto& [name, count] : unsupported) {
    warnings.push_back(std::to_string(count) + " " + name +
                       " samples not converted (this cxxprof does not write " + name +
                       " profiles yet)");
  }
  return warnings;
}

}  // namespace cxxprof
