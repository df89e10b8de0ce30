#include "common/config.h"

#include <cstring>

#include "common/text.h"

namespace cxxprof {
namespace {

constexpr uint64_t kMaxU32 = 0xffffffffu;
constexpr uint64_t kMaxU64 = ~uint64_t(0);

// One table; both the launcher's usage text and the environment reader come from it.
constexpr OptionSpec kSpecs[] = {
    {OptionId::kOutput, "output", 'o', "CXXPROF_OUTPUT", ValueKind::kPath, "DIR", 0, 0, 0,
     true, "write profiles to DIR (default ./cxxprof.<prog>.<pid>)"},
    {OptionId::kCpu, "cpu", 0, "CXXPROF_CPU", ValueKind::kNumber, "HZ", 100, 1, 10000, true,
     "CPU profile, sampling HZ times per CPU-second of each thread (default 100)"},
    {OptionId::kWall, "wall", 0, "CXXPROF_WALL", ValueKind::kNumber, "HZ", 100, 1, 1000, true,
     "wall-clock profile of every thread, running or blocked (default 100)"},
    {OptionId::kHeap, "heap", 0, "CXXPROF_HEAP", ValueKind::kNumber, "RATE", 524288, 1,
     kMaxU64, true,
     "heap profile, one sample per RATE bytes allocated on average (default 524288; 1: all)"},
    {OptionId::kMutex, "mutex", 0, "CXXPROF_MUTEX", ValueKind::kNumber, "FRACTION", 1, 1,
     kMaxU32, true, "mutex profile, 1/FRACTION of contention events (default 1)"},
    {OptionId::kBlock, "block", 0, "CXXPROF_BLOCK", ValueKind::kNumber, "RATE", 1, 1, kMaxU64,
     true, "block profile, Go's blockprofilerate in ns (default 1: all)"},
    // --io's default (1 ms): a recorded call costs a stack unwind (a few us), so recording
    // adds about that over RATE, ~0.5%, to the time a program spends in I/O; the rest of
    // --io's cost is a fixed ~30 ns per call (benchmarks/io_overhead.sh, man page).
    {OptionId::kIo, "io", 0, "CXXPROF_IO", ValueKind::kNumber, "RATE", kDefaultIoRateNs, 1,
     kMaxU64, true,
     "I/O profile: calls of RATE ns or more all recorded, shorter ones with probability "
     "duration/RATE, as --block (default 1000000; 1: every call)"},
    {OptionId::kNoFollow, "no-follow", 0, "CXXPROF_NO_FOLLOW", ValueKind::kNone, nullptr, 1, 0,
     1, true, "profile only the launched process, not its children"},
};
constexpr size_t kSpecCount = sizeof(kSpecs) / sizeof(kSpecs[0]);
static_assert(kSpecCount == size_t(OptionId::kCount));

bool set_number(Config* config, OptionId id, uint64_t n) {
  switch (id) {
    case OptionId::kCpu: config->cpu_hz = uint32_t(n); return true;
    case OptionId::kWall: config->wall_hz = uint32_t(n); return true;
    case OptionId::kHeap: config->heap_rate = n; return true;
    case OptionId::kMutex: config->mutex_fraction = n; return true;
    case OptionId::kBlock: config->block_rate = n; return true;
    case OptionId::kIo: config->io_rate = n; return true;
    default: return false;
  }
}

uint64_t get_number(const Config& config, OptionId id) {
  switch (id) {
    case OptionId::kCpu: return config.cpu_hz;
    case OptionId::kWall: return config.wall_hz;
    case OptionId::kHeap: return config.heap_rate;
    case OptionId::kMutex: return config.mutex_fraction;
    case OptionId::kBlock: return config.block_rate;
    case OptionId::kIo: return config.io_rate;
    default: return 0;
  }
}

}  // namespace

const OptionSpec* option_specs(size_t* count) {
  *count = kSpecCount;
  return kSpecs;
}

const OptionSpec& option_spec(OptionId id) { return kSpecs[size_t(id)]; }

const OptionSpec* find_option_by_long_name(const char* name, size_t name_length) {
  for (const OptionSpec& spec : kSpecs) {
    if (std::strlen(spec.long_name) == name_length &&
        std::memcmp(spec.long_name, name, name_length) == 0) {
      return &spec;
    }
  }
  return nullptr;
}

const OptionSpec* find_option_by_short_name(char name) {
  for (const OptionSpec& spec : kSpecs) {
    if (spec.short_name != 0 && spec.short_name == name) return &spec;
  }
  return nullptr;
}

void config_init(Config* config) {
  std::memset(config, 0, sizeof(*config));
  config->follow_children = true;
}

bool config_any_profile(const Config& config) {
  return config.cpu_hz || config.wall_hz || config.heap_rate || config.mutex_fraction ||
         config.block_rate || config.io_rate;
}

bool config_apply(Config* config, OptionId id, const char* value, char* error,
                  size_t error_size) {
  const OptionSpec& spec = option_spec(id);
  TextBuffer message(error, error_size);
  switch (spec.kind) {
    case ValueKind::kNone:
      if (value != nullptr && value[0] != '\0' && std::strcmp(value, "1") != 0) {
        message.append("--").append(spec.long_name).append(" takes no value");
        return false;
      }
      config->follow_children = false;
      return true;
    case ValueKind::kPath:
      if (value == nullptr || value[0] == '\0') {
        message.append("--").append(spec.long_name).append(" needs a directory");
        return false;
      }
      if (std::strlen(value) >= sizeof(config->output_dir)) {
        message.append("--").append(spec.long_name).append(": path too long");
        return false;
      }
      std::strcpy(config->output_dir, value);
      return true;
    case ValueKind::kNumber: {
      uint64_t n = spec.default_value;
      if (value != nullptr) {
        char label[64];
        TextBuffer(label, sizeof(label)).append("--").append(spec.long_name);
        if (!parse_option_number(label, value, spec.value_name, spec.min_value,
                                 spec.max_value, &n, error, error_size)) {
          return false;
        }
      } else if (n < spec.min_value || n > spec.max_value) {
        message.append("--").append(spec.long_name).append("=").append_u64(n)
            .append(" is out of range (").append_u64(spec.min_value).append("..")
            .append_u64(spec.max_value).append(")");
        return false;
      }
      return set_number(config, id, n);
    }
  }
  return false;
}

int config_from_environment(Config* config, const char* (*lookup)(const char* name),
                            void (*warn)(void* context, const char* line), void* context) {
  int warnings = 0;
  bool any_profile_variable = false;
  for (const OptionSpec& spec : kSpecs) {
    const char* value = lookup(spec.env_name);
    if (value == nullptr) continue;
    if (spec.kind == ValueKind::kNumber) {
      any_profile_variable = true;
      // "0" switches a profile off explicitly; an empty value means the default.
      if (std::strcmp(value, "0") == 0) {
        set_number(config, spec.id, 0);
        continue;
      }
      if (value[0] == '\0') value = nullptr;
    }
    if (spec.kind == ValueKind::kNone && std::strcmp(value, "0") == 0) continue;
    char error[256];
    if (!config_apply(config, spec.id, value, error, sizeof(error))) {
      char line[400];
      TextBuffer text(line, sizeof(line));
      text.append(spec.env_name).append(": ").append(error).append("; ignored");
      warn(context, line);
      ++warnings;
    }
  }
  if (!any_profile_variable) config->cpu_hz = kDefaultCpuHz;
  return warnings;
}

bool config_profile_variable_set(const char* (*lookup)(const char* name)) {
  for (const OptionSpec& spec : kSpecs) {
    if (spec.kind == ValueKind::kNumber && lookup(spec.env_name) != nullptr) return true;
  }
  return false;
}

bool parse_option_number(const char* label, const char* value, const char* value_name,
                         uint64_t min_value, uint64_t max_value, uint64_t* out, char* error,
                         size_t error_size) {
  TextBuffer message(error, error_size);
  uint64_t n = 0;
  if (!parse_u64(value, &n)) {
    message.append(label).append(": '").append(value)
        .append("' is not a whole number (expected ").append(value_name).append(")");
    return false;
  }
  if (n < min_value || n > max_value) {
    message.append(label).append("=").append_u64(n).append(" is out of range (")
        .append_u64(min_value).append("..").append_u64(max_value).append(")");
    return false;
  }
  *out = n;
  return true;
}

bool config_env_value(const Config& config, OptionId id, char* out, size_t out_size) {
  const OptionSpec& spec = option_spec(id);
  TextBuffer text(out, out_size);
  switch (spec.kind) {
    case ValueKind::kNone:
      if (config.follow_children) return false;
      text.append("1");
      return true;
    case ValueKind::kPath:
      if (config.output_dir[0] == '\0') return false;
      text.append(config.output_dir);
      return true;
    case ValueKind::kNumber: {
      uint64_t n = get_number(config, id);
      text.append_u64(n);
      return true;  // "0" is meaningful: the profile is off
    }
  }
  return false;
}

}  // namespace cxxprof
