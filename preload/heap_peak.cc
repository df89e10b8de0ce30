#include "preload/heap_peak.h"

#include <atomic>

#include "common/heap_size_label.h"
#include "common/raw_format.h"
#include "preload/sample_table.h"

namespace cxxprof::heap {
namespace {

// Each thread adds its changes to the shared estimate in batches, so that threads
// allocating at RATE=1 do not all write one cache line (two threads of a malloc storm
// spent a sixth of their time passing it back and forth). A batch is 1/64 of the
// estimate the next snapshot waits for, so it blurs a peak by that fraction per thread at
// most, within [kMinBatchBytes, kMaxBatchBytes]; a sample of the default rate stands for
// more than the largest batch and goes in at once.
constexpr int64_t kMinBatchBytes = 4 * 1024;
constexpr int64_t kMaxBatchBytes = 64 * 1024;
constexpr int kBatchFractionShift = 6;

// On a cache line of its own (padded: the linker may place anything right after it):
// every thread's batches go into it, while the values below, and the heap profile's
// settings the free fast path reads, change only at snapshots or start-up.
struct alignas(64) LiveEstimate {
  std::atomic<int64_t> bytes{0};
  char padding[64 - sizeof(std::atomic<int64_t>)];
};
LiveEstimate g_live_estimate_line;
std::atomic<int64_t>& g_live_estimate = g_live_estimate_line.bytes;
// A snapshot is due once the estimate exceeds this.
alignas(64) std::atomic<int64_t> g_next_snapshot{0};
std::atomic<bool> g_snapshot_running{false};
uint64_t g_rate = 0;
// What the marker sample holds (written by the snapshotting thread only).
int64_t g_marker[3] = {0, 0, 0};

int64_t batch_for(int64_t next_snapshot) {
  const int64_t batch = next_snapshot >> kBatchFractionShift;
  if (batch < kMinBatchBytes) return kMinBatchBytes;
  return batch > kMaxBatchBytes ? kMaxBatchBytes : batch;
}

int64_t margin_above(int64_t estimate) {
  const int64_t relative = estimate / 32;
  const int64_t floor = g_rate > 1 ? int64_t(g_rate < (uint64_t(1) << 40) ? g_rate : uint64_t(1) << 40) : 1;
  return relative > floor ? relative : floor;
}

void set_marker(const RawStore& store, int64_t sequence, int64_t estimate, int64_t time_ns) {
  const int64_t next[3] = {sequence, estimate, time_ns};
  int64_t delta[4] = {0, 0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    delta[i] = next[i] - g_marker[i];
    g_marker[i] = next[i];
  }
  add_sample(store, raw::make_sample_key(raw::SampleKind::kHeapPeak, 0, 0, heap_label::kPeakMarkerAux),
             delta, 4);
}

void take_snapshot(const RawStore& store, const SiteTable& sites, int64_t estimate) {
  set_marker(store, g_marker[0] + 1, g_marker[1], g_marker[2]);  // odd: being written
  const uint32_t end = sites.end();
  for (uint32_t i = 1; i < end; ++i) {
    HeapSite& site = sites.site(i);
    const uint64_t key = site.key.load(std::memory_order_acquire);
    if (key == 0) continue;
    const int64_t objects = site.slot->values[2].load(std::memory_order_relaxed);
    const int64_t bytes = site.slot->values[3].load(std::memory_order_relaxed);
    if (objects == site.peak_objects && bytes == site.peak_bytes) continue;
    const int64_t delta[2] = {objects - site.peak_objects, bytes - site.peak_bytes};
    const uint64_t peak_key =
        raw::make_sample_key(raw::SampleKind::kHeapPeak, raw::sample_key_thread(key),
                             raw::sample_key_stack(key), raw::sample_key_aux(key));
    if (add_sample(store, peak_key, delta, 2)) {
      site.peak_objects = objects;
      site.peak_bytes = bytes;
    }
  }
  const raw::Header* header = store.header();
  set_marker(store, g_marker[0] + 1, estimate,
             int64_t(monotonic_ns() - header->start_monotonic_ns));  // even: complete
}

}  // namespace

__thread int64_t t_pending_estimate __attribute__((tls_model("initial-exec")));
// batch_for(g_next_snapshot); next to it (read by every sampled allocation and free).
std::atomic<int64_t> g_peak_batch{kMinBatchBytes};

void peak_reset(uint64_t rate) {
  g_rate = rate;
  g_live_estimate.store(0, std::memory_order_relaxed);
  g_next_snapshot.store(0, std::memory_order_relaxed);
  g_peak_batch.store(kMinBatchBytes, std::memory_order_relaxed);
  g_snapshot_running.store(false, std::memory_order_relaxed);
  for (int64_t& value : g_marker) value = 0;
  t_pending_estimate = 0;
}

void peak_flush_allocations(const RawStore& store, const SiteTable& sites) {
  int64_t& pending = t_pending_estimate;
  const int64_t estimate = g_live_estimate.fetch_add(pending, std::memory_order_relaxed) + pending;
  pending = 0;
  if (estimate <= g_next_snapshot.load(std::memory_order_relaxed)) return;
  if (g_snapshot_running.exchange(true, std::memory_order_acquire)) return;
  // Looked at again under the flag: another thread may have just taken this snapshot.
  const int64_t now = g_live_estimate.load(std::memory_order_relaxed);
  if (now > g_next_snapshot.load(std::memory_order_relaxed)) {
    take_snapshot(store, sites, now);
    const int64_t next = now + margin_above(now);
    g_next_snapshot.store(next, std::memory_order_relaxed);
    g_peak_batch.store(batch_for(next), std::memory_order_relaxed);
  }
  g_snapshot_running.store(false, std::memory_order_release);
}

void peak_flush_frees() {
  int64_t& pending = t_pending_estimate;
  g_live_estimate.fetch_add(pending, std::memory_order_relaxed);
  pending = 0;
}

int64_t live_estimate() { return g_live_estimate.load(std::memory_order_relaxed); }

}  // namespace cxxprof::heap
