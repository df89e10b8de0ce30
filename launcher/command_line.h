// cxxprof-run's command line -> LaunchOptions. DESIGN.md §4.
//
// The profile options (--cpu, -o, --no-follow, ...) come from the one option table in
// common/config and are validated by config_apply, so the launcher and the LD_PRELOAD-only
// path accept exactly the same values. Only the launcher's own flags (--keep-raw, -q, -h,
// --version) are defined here.
//
// Grammar: options first, then PROGRAM [ARGS...]. Parsing stops at the first non-option
// or at "--"; everything after it belongs to the program, however much it looks like an
// option. Options with an optional value (--cpu[=HZ]) take it only as --cpu=HZ, so that
// `cxxprof-run --cpu ./app` runs ./app; options with a required value (-o DIR) take it
// from the next argument, or attached (-oDIR, --output=DIR).
#pragma once

#include <string>
#include <vector>

#include "common/config.h"

namespace cxxprof {

struct LaunchOptions {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  Config config{};
  bool keep_raw = false;  // keep DIR/*.cxxraw after converting them
  bool quiet = false;     // no summary, no progress line
  std::vector<std::string> program;  // PROGRAM ARGS...; non-empty when action == kRun
  // Lines about ignored CXXPROF_* variables of the launcher's own environment.
  std::vector<std::string> warnings;
};

// Looks up an environment variable (getenv, or a test's table).
using EnvLookup = const char* (*)(const char* name);

// Parses `args` (argv without argv[0]). The CXXPROF_* variables found through `lookup`
// are the defaults; each command-line option overrides its own variable. If no profile
// is switched on by either, the CPU profile runs at the default rate. On error, returns
// false with one line (no "cxxprof-run: " prefix, no newline) in *error.
bool parse_command_line(const std::vector<std::string>& args, EnvLookup lookup,
                        LaunchOptions* options, std::string* error);

// The --help text, generated from the option table.
std::string usage_text();

// The --version line (with newline).
std::string version_text();

}  // namespace cxxprof
