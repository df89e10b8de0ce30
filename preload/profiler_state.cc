#include "preload/profiler_state.h"

namespace cxxprof {

// Zero-initialized (constant initialization, no constructor): valid before any code runs.
ProfilerState g_profiler;

ProfilerState& profiler() { return g_profiler; }

}  // namespace cxxprof
