// The heap peak: the in-use view at the moment the estimated live heap was largest,
// written as samples of kind kHeapPeak (heap_peak.pb.gz).
//
// The estimate is the sum, over tracked live sampled allocations, of the bytes each
// stands for (heap::expected_bytes): one atomic add per sampled allocation or free.
// When a sampled allocation lifts it more than a margin above the last snapshot, that
// allocating thread copies every site's current in-use figures into the peak samples
// (one pass over the sites: preload/heap_site_table.h; only sites whose figures changed
// are written). A snapshot that is already running elsewhere is not waited for.
//
// Precision, documented in cxxprof-run(1): the margin is 1/32 of the snapshot's
// estimate (at least RATE bytes), so the snapshot kept is within about 3% of the
// largest estimate reached; each thread adds to the estimate in batches (so threads
// allocating at RATE=1 do not contend) of 1/64 of the next snapshot's threshold, between
// 4 KiB and 64 KiB, which can delay a snapshot by that much per thread; figures are copied site by site while other threads go on, so the view
// spans the few microseconds the copy takes. The estimate itself is a sampling estimate
// (exact at RATE=1).
//
// Crash consistency: a marker sample (aux heap_label::kPeakMarkerAux, thread 0, stack 0)
// counts snapshots in values[0], odd while one is being written; values[1] is the
// estimate at the snapshot and values[2] its time (ns since the process started).
//
// Async-signal-safe: atomics only; a snapshot that cannot start returns at once.
#pragma once

#include <atomic>
#include <cstdint>

#include "preload/heap_site_table.h"
#include "preload/raw_store.h"

namespace cxxprof::heap {

// Forgets the estimate and the snapshot (start, fork child).
void peak_reset(uint64_t rate);

// The calling thread's changes not yet added to the shared estimate, and the batch size
// at which they are (inline below: at RATE=1 every allocation and free comes here).
extern __thread int64_t t_pending_estimate __attribute__((tls_model("initial-exec")));
extern std::atomic<int64_t> g_peak_batch __attribute__((visibility("hidden")));

// Adds the calling thread's pending changes to the estimate; may take a snapshot.
void peak_flush_allocations(const RawStore& store, const SiteTable& sites);
void peak_flush_frees();

// A tracked sampled allocation standing for `bytes` became live; may take a snapshot.
inline void peak_on_allocation(const RawStore& store, const SiteTable& sites, int64_t bytes) {
  int64_t& pending = t_pending_estimate;
  pending += bytes;
  if (pending >= g_peak_batch.load(std::memory_order_relaxed)) peak_flush_allocations(store, sites);
}

// A tracked sampled allocation standing for `bytes` was freed.
inline void peak_on_free(int64_t bytes) {
  int64_t& pending = t_pending_estimate;
  pending -= bytes;
  if (pending <= -g_peak_batch.load(std::memory_order_relaxed)) peak_flush_frees();
}

// The current estimate of live bytes (for tests and diagnostics).
int64_t live_estimate();

}  // namespace cxxprof::heap
