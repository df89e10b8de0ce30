// The one configuration grammar of cxxprof, shared by the launcher (command line ->
// environment) and the injected library (environment -> Config). DESIGN.md §4.
//
// Every option has a long name (--cpu), an environment variable (CXXPROF_CPU) and one
// value parser. The launcher validates its command line here and hands the result to the
// target through the CXXPROF_* variables; with LD_PRELOAD alone the same variables work.
//
// Allocation-free and exception-free: safe in the injected library's constructor (not in a
// signal handler: it is not needed there).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxxprof {

enum class OptionId : uint8_t {
  kOutput,
  kCpu,
  kWall,
  kHeap,
  kMutex,
  kBlock,
  kIo,
  kNoFollow,
  kCount
};

enum class ValueKind : uint8_t {
  kNone,    // a flag: --no-follow
  kPath,    // --output DIR (value required)
  kNumber,  // --cpu[=HZ] (value optional; the default applies without one)
};

struct OptionSpec {
  OptionId id;
  const char* long_name;    // without the leading "--"
  char short_name;          // 0 if none
  const char* env_name;     // CXXPROF_...
  ValueKind kind;
  const char* value_name;   // HZ, RATE, ... for usage text
  uint64_t default_value;   // used when the option is given without a value
  uint64_t min_value;
  uint64_t max_value;
  bool supported;           // false: recognized but "not yet supported" (exit 2)
  const char* help;
};

inline constexpr size_t kMaxPath = 4096;

struct Config {
  char output_dir[kMaxPath];  // empty: the default ./cxxprof.<prog>.<pid>
  uint32_t cpu_hz;            // 0 = off
  uint32_t wall_hz;           // 0 = off
  uint64_t heap_rate;         // 0 = off; bytes (mean sampling interval)
  uint64_t mutex_fraction;    // 0 = off
  uint64_t block_rate;        // 0 = off; ns
  uint64_t io_rate;           // 0 = off; ns
  bool follow_children;       // true unless --no-follow
};

// Set by the launcher in the target's environment: the launcher converts the raw data
// itself, so the library need not print how to. Value: the launcher's pid.
inline constexpr const char* kLauncherEnv = "CXXPROF_LAUNCHER";
// Set by the launcher: the pid of the process it launched, so every process of the tree
// knows whether it is the root (files DIR/cpu.pb.gz) or a descendant (DIR/cpu.<pid>.pb.gz).
inline constexpr const char* kRootPidEnv = "CXXPROF_ROOT_PID";

// Default CPU sampling frequency when no profile is asked for at all.
inline constexpr uint32_t kDefaultCpuHz = 100;

// --io without a value: Go's blockprofilerate rule with RATE 1 ms (common/config.cc).
inline constexpr uint64_t kDefaultIoRateNs = 1000000;

// All options, in the order usage text lists them.
const OptionSpec* option_specs(size_t* count);
const OptionSpec* find_option_by_long_name(const char* name, size_t name_length);
const OptionSpec* find_option_by_short_name(char name);
const OptionSpec& option_spec(OptionId id);

// A Config with every profile off, following children, default output directory.
void config_init(Config* config);

// True if any profile is switched on.
bool config_any_profile(const Config& config);

// Applies one option. `value` may be null for options whose value is optional (the
// default applies). On error, writes one line (no newline) to `error` and returns false;
// `config` is then unchanged.
bool config_apply(Config* config, OptionId id, const char* value, char* error,
                  size_t error_size);

// Reads every CXXPROF_* variable through `lookup` (getenv, or a test's map). A bad value
// is reported through `warn` (one line, no newline) and leaves that option off; the rest
// still apply. If no profile variable is set at all, the CPU profile is on at the default
// rate. Returns the number of warnings.
int config_from_environment(Config* config, const char* (*lookup)(const char* name),
                            void (*warn)(void* context, const char* line), void* context);

// True if any CXXPROF_* variable of a profile (CXXPROF_CPU, CXXPROF_HEAP, ...) is set,
// even to "0": the environment then says which profiles it wants, and the implicit CPU
// default of config_from_environment is not what it asked for.
bool config_profile_variable_set(const char* (*lookup)(const char* name));

// The value grammar shared by CXXPROF_* and CXXDEBUG (common/debug_options.h): a whole
// decimal number in [min_value, max_value]. On error writes one line (no newline) naming
// `label` ("--cpu", "schedtrace") to `error` and returns false; *out is then unchanged.
bool parse_option_number(const char* label, const char* value, const char* value_name,
                         uint64_t min_value, uint64_t max_value, uint64_t* out, char* error,
                         size_t error_size);

// Formats the value of `id` in `config` as the environment value that reproduces it
// (e.g. "100"); returns false if the option is off and needs no variable.
bool config_env_value(const Config& config, OptionId id, char* out, size_t out_size);

}  // namespace cxxprof
