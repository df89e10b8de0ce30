// The few lines cxxprof-run prints when the program has ended: how it ended, which
// profiles were written, their top functions and the command that opens each one.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "launcher/collector.h"

namespace cxxprof {

using SummarizeFunction =
    std::function<bool(const std::string& path, size_t top_n, std::string* text, std::string* error)>;

struct RunReport {
  std::string program;         // as the user typed it
  std::string end;             // describe_end(): "exited with status 0"
  double elapsed_seconds = 0;  // from start to end of the program
  std::string display_dir;     // the output directory as the user would type it
  bool statically_linked = false;
};

// The whole summary, lines ending in '\n'. With `quiet`, only what went wrong (failed
// conversions); a quiet successful run prints nothing.
std::string format_summary(const RunReport& run, const std::vector<ProcessOutcome>& outcomes,
                           const SummarizeFunction& summarize, bool quiet);

// `text` quoted for a POSIX shell if it needs quoting, so printed commands can be pasted.
std::string shell_quote(const std::string& text);

// "3.01 s of CPU" style totals for a profile kind's default sample type.
std::string describe_total(const std::string& kind, int64_t total_value);

}  // namespace cxxprof
