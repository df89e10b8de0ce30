// Reading CXXDEBUG's lines (cxxprof(7)) back in integration tests, and running a fixture
// with CXXDEBUG under cxxprof-run or with LD_PRELOAD alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace cxxprof_test {

// "KIND <ms>ms: key=value ... [stack: ...]" — SCHED, HEAP, ALLOC, FREE — or
// "  THREAD key=value ...".
struct DebugLine {
  std::string kind;  // SCHED, THREAD, HEAP, ALLOC, FREE
  int64_t ms = -1;   // -1 for THREAD lines
  std::map<std::string, std::string> fields;
  std::vector<std::string> stack;  // ALLOC/FREE: frames, innermost first
  std::string text;                // the whole line

  const std::string& field(const std::string& key) const;  // "" if absent
  int64_t number(const std::string& key) const;           // -1 if absent or not a number
};

// The lines of `text` of the given kind ("" for every kind), in order.
std::vector<DebugLine> debug_lines(const std::string& text, const std::string& kind = "");

// A THREAD line's group: the SCHED line it follows.
struct SchedSnapshot {
  DebugLine sched;
  std::vector<DebugLine> threads;
};
std::vector<SchedSnapshot> sched_snapshots(const std::string& text);

enum class Injection { kLauncher, kPreloadAlone };
std::string injection_name(Injection injection);

// Runs `program` with CXXDEBUG=`cxxdebug`: under `cxxprof-run -q -o DIR/prof`, or with
// LD_PRELOAD=libcxxprof.so and no CXXPROF_* variable. `extra_env` adds NAME=value pairs.
CommandResult run_with_cxxdebug(Injection injection, const std::string& cxxdebug,
                                const std::vector<std::string>& program, const TempDir& dir,
                                const std::vector<std::string>& extra_env = {});

}  // namespace cxxprof_test
