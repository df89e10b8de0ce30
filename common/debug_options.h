// CXXDEBUG: the runtime diagnostics switch, after Go's GODEBUG (DESIGN.md §5, cxxprof(7)).
//
//     CXXDEBUG=schedtrace=1000,scheddetail=1,gctrace=1,debugout=/tmp/app.debug
//
// Comma-separated name=value settings. Values use the grammar of the CXXPROF_* options
// (common/config.h: parse_option_number), so "schedtrace=1s" is refused the same way as
// "CXXPROF_CPU=1k". Read by the injected library (which runs the diagnostics) and by the
// launcher (which symbolizes allocfreetrace's stream and reports bad settings once).
//
// Allocation-free and exception-free, like common/config: safe in the library's
// constructor.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/config.h"

namespace cxxprof {

inline constexpr const char* kDebugEnv = "CXXDEBUG";

enum class DebugId : uint8_t {
  kSchedTrace,      // schedtrace=MS: a SCHED line every MS milliseconds (0: off)
  kSchedDetail,     // scheddetail=1: a THREAD line per thread under each SCHED line
  kGcTrace,         // gctrace=1: a HEAP line at each doubling/halving of the live heap
  kHeapTrace,       // heaptrace=1: the same as gctrace=1
  kAllocFreeTrace,  // allocfreetrace=1: a line per allocation and free, with its stack
  kDebugOut,        // debugout=FILE: the lines go to FILE (appended) instead of stderr
  kCount
};

struct DebugSpec {
  DebugId id;
  const char* name;
  ValueKind kind;          // kNumber or kPath
  const char* value_name;  // for messages and the man page
  uint64_t min_value;
  uint64_t max_value;
  const char* help;
};

struct DebugOptions {
  uint32_t schedtrace_ms;  // 0 = off
  bool scheddetail;        // only with schedtrace_ms != 0
  bool heaptrace;          // gctrace or heaptrace
  bool allocfreetrace;
  char debugout[kMaxPath];  // empty: stderr
};

// All settings, in the order the documentation lists them.
const DebugSpec* debug_specs(size_t* count);

// Every setting off, output to stderr.
void debug_options_init(DebugOptions* options);

// Parses the value of CXXDEBUG (`text` may be null: unset). Each problem — an unknown
// name, a setting without '=', a bad value, scheddetail without schedtrace — is reported
// through `warn` as one line without newline, starting "CXXDEBUG: ", and that setting is
// ignored; the others still apply. When a name is repeated the last one wins, as in
// GODEBUG. Returns the number of warnings.
int debug_options_parse(const char* text, DebugOptions* options,
                        void (*warn)(void* context, const char* line), void* context);

// True if any diagnostic is on (debugout alone switches nothing on).
bool debug_options_any(const DebugOptions& options);

}  // namespace cxxprof
