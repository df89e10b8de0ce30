#include "common/debug_options.h"

#include <cstring>

#include "common/text.h"

namespace cxxprof {
namespace {

// A day: anything longer is a typo, not a wish.
constexpr uint64_t kMaxSchedTraceMs = 24ull * 3600 * 1000;

constexpr DebugSpec kSpecs[] = {
    {DebugId::kSchedTrace, "schedtrace", ValueKind::kNumber, "MS", 0, kMaxSchedTraceMs,
     "every MS milliseconds, one SCHED line: threads and what they are doing, CPU time, "
     "context switches"},
    {DebugId::kSchedDetail, "scheddetail", ValueKind::kNumber, "0|1", 0, 1,
     "with schedtrace, one THREAD line per thread under each SCHED line"},
    {DebugId::kGcTrace, "gctrace", ValueKind::kNumber, "0|1", 0, 1,
     "one HEAP line each time the live heap doubles or halves, and one at exit"},
    {DebugId::kHeapTrace, "heaptrace", ValueKind::kNumber, "0|1", 0, 1, "the same as gctrace"},
    {DebugId::kAllocFreeTrace, "allocfreetrace", ValueKind::kNumber, "0|1", 0, 1,
     "one ALLOC or FREE line per allocation and free, with its stack"},
    {DebugId::kDebugOut, "debugout", ValueKind::kPath, "FILE", 0, 0,
     "append the lines to FILE instead of writing them to stderr"},
};
constexpr size_t kSpecCount = sizeof(kSpecs) / sizeof(kSpecs[0]);
static_assert(kSpecCount == size_t(DebugId::kCount));

const DebugSpec* find_spec(const char* name, size_t length) {
  for (const DebugSpec& spec : kSpecs) {
    if (std::strlen(spec.name) == length && std::memcmp(spec.name, name, length) == 0) {
      return &spec;
    }
  }
  return nullptr;
}

struct Reporter {
  void (*warn)(void* context, const char* line);
  void* context;
  int count = 0;

  void report(const char* problem) {
    char line[kMaxPath + 160];
    TextBuffer(line, sizeof(line)).append(kDebugEnv).append(": ").append(problem)
        .append("; ignored");
    warn(context, line);
    ++count;
  }
};

// Applies one "name=value" item of `length` bytes (not NUL-terminated in `item`).
void apply_item(const char* item, size_t length, DebugOptions* options, Reporter* reporter) {
  char text[kMaxPath + 32];
  char problem[kMaxPath + 96];
  TextBuffer message(problem, sizeof(problem));
  if (length >= sizeof(text)) {
    message.append("setting '").append(item, 24).append("...' is too long");
    reporter->report(problem);
    return;
  }
  std::memcpy(text, item, length);
  text[length] = '\0';
  char* equals = std::strchr(text, '=');
  if (equals == nullptr) {
    const DebugSpec* spec = find_spec(text, length);
    if (spec == nullptr) {
      message.append("unknown setting '").append(text).append("'");
    } else {
      message.append("'").append(text).append("' needs a value (").append(text).append("=")
          .append(spec->value_name).append(")");
    }
    reporter->report(problem);
    return;
  }
  *equals = '\0';
  const char* value = equals + 1;
  const DebugSpec* spec = find_spec(text, size_t(equals - text));
  if (spec == nullptr) {
    message.append("unknown setting '").append(text).append("'");
    reporter->report(problem);
    return;
  }
  if (spec->kind == ValueKind::kPath) {
    if (value[0] == '\0') {
      message.append(spec->name).append(" needs a file name");
      reporter->report(problem);
      return;
    }
    std::strcpy(options->debugout, value);  // fits: text is shorter than kMaxPath
    return;
  }
  uint64_t n = 0;
  if (!parse_option_number(spec->name, value, spec->value_name, spec->min_value,
                           spec->max_value, &n, problem, sizeof(problem))) {
    reporter->report(problem);
    return;
  }
  switch (spec->id) {
    case DebugId::kSchedTrace: options->schedtrace_ms = uint32_t(n); break;
    case DebugId::kSchedDetail: options->scheddetail = n != 0; break;
    case DebugId::kGcTrace:
    case DebugId::kHeapTrace: options->heaptrace = n != 0; break;
    case DebugId::kAllocFreeTrace: options->allocfreetrace = n != 0; break;
    default: break;
  }
}

}  // namespace

const DebugSpec* debug_specs(size_t* count) {
  *count = kSpecCount;
  return kSpecs;
}

void debug_options_init(DebugOptions* options) { std::memset(options, 0, sizeof(*options)); }

int debug_options_parse(const char* text, DebugOptions* options,
                        void (*warn)(void* context, const char* line), void* context) {
  Reporter reporter{warn, context};
  if (text == nullptr) return 0;
  const char* item = text;
  for (;;) {
    const char* end = std::strchr(item, ',');
    size_t length = end != nullptr ? size_t(end - item) : std::strlen(item);
    if (length > 0) apply_item(item, length, options, &reporter);  // "a=1,,b=2" is fine
    if (end == nullptr) break;
    item = end + 1;
  }
  if (options->scheddetail && options->schedtrace_ms == 0) {
    options->scheddetail = false;
    reporter.report("scheddetail=1 needs schedtrace=MS");
  }
  return reporter.count;
}

bool debug_options_any(const DebugOptions& options) {
  return options.schedtrace_ms != 0 || options.heaptrace || options.allocfreetrace;
}

}  // namespace cxxprof
