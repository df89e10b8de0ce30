#include "preload/heap_peak.h"

#include <atomic>

#include "common/heap_size_label.h"
#include "common/raw_format.h"
#include "preload/sample_table.h"

namespace cxxprof::heap {
namespace {

// Each thread adds its changes to the shared estimate in batches of at least this many
// bytes, so that threads allocating at RATE=1 do not all write one cache line; a sample
// of the default rate stands for more than this and goes in at once.
// Below kSmallHeap of estimated live heap, every change goes in at once: batches would
// blur a small heap's peak.
constexpr int64_t kBatchBytes = 64 * 1024;
constexpr int64_t kSmallHeap = 4 * 1024 * 1024;
__thread int64_t t_pending_estimate __attribute__((tls_model("initial-exec")));

std::atomic<int64_t> g_live_estimate{0};
// A snapshot is due once the estimate exceeds this.
std::atomic<int64_t> g_next_snapshot{0};
std::atomic<bool> g_snapshot_running{false};
uint64_t g_rate = 0;
// What the marker sample holds (written by the snapshotting thread only).
int64_t g_marker[3] = {0, 0, 0};

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

void peak_reset(uint64_t rate) {
  g_rate = rate;
  g_live_estimate.store(0, std::memory_order_relaxed);
  g_next_snapshot.store(0, std::memory_order_relaxed);
  g_snapshot_running.store(false, std::memory_order_relaxed);
  for (int64_t& value : g_marker) value = 0;
  t_pending_estimate = 0;
}

void peak_on_allocation(const RawStore& store, const SiteTable& sites, int64_t bytes) {
  int64_t& pending = t_pending_estimate;
  pending += bytes;
  if (pending < kBatchBytes && g_next_snapshot.load(std::memory_order_relaxed) >= kSmallHeap) return;
  const int64_t estimate = g_live_estimate.fetch_add(pending, std::memory_order_relaxed) + pending;
  pending = 0;
  if (estimate <= g_next_snapshot.load(std::memory_order_relaxed)) return;
  if (g_snapshot_running.exchange(true, std::memory_order_acquire)) return;
  // Looked at again under the flag: another thread may have just taken this snapshot.
  const int64_t now = g_live_estimate.load(std::memory_order_relaxed);
  if (now > g_next_snapshot.load(std::memory_order_relaxed)) {
    take_snapshot(store, sites, now);
    g_next_snapshot.store(now + margin_above(now), std::memory_order_relaxed);
  }
  g_snapshot_running.store(false, std::memory_order_release);
}

void peak_on_free(int64_t bytes) {
  int64_t& pending = t_pending_estimate;
  pending -= bytes;
  if (pending > -kBatchBytes && g_next_snapshot.load(std::memory_order_relaxed) >= kSmallHeap) return;
  g_live_estimate.fetch_add(pending, std::memory_order_relaxed);
  pending = 0;
}

int64_t live_estimate() { return g_live_estimate.load(std::memory_order_relaxed); }

}  // namespace cxxprof::heap
