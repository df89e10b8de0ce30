#include "preload/unwind_outcome.h"

#include "preload/module_tracker.h"

namespace cxxprof {

uint32_t finish_unwind(const RawStore& store, const unwind::UnwindResult& result, uint64_t* pcs) {
  switch (result.stop) {
    case unwind::StopReason::kEndOfStack: break;
    case unwind::StopReason::kMaxDepth: store.count(raw::kStacksTruncatedDepth); break;
    default: store.count(raw::kStacksTruncatedUnwind); break;
  }
  uint32_t kept = 0;
  for (uint32_t i = 0; i < result.depth; ++i) {
    if (!is_profiler_code(pcs[i])) pcs[kept++] = pcs[i];
  }
  return kept;
}

}  // namespace cxxprof
