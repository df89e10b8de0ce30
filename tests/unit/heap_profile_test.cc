// The heap profile's core, driven directly (no LD_PRELOAD): size labels, the sampling
// arithmetic, the live table, the filter, and the whole path from on_allocation/on_free
// into a raw store, whose figures are checked against what the test allocated.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "common/config.h"
#include "common/heap_size_label.h"
#include "common/raw_format.h"
#include "preload/heap_filter.h"
#include "preload/heap_live_table.h"
#include "preload/heap_profiler.h"
#include "preload/heap_sampling.h"
#include "preload/module_tracker.h"
#include "preload/raw_store.h"
#include "preload/thread_state.h"
#include "tests/unit/temp_store.h"

namespace cxxprof::heap {
namespace {

using cxxprof_test::TempStoreDir;

TEST(HeapSizeLabel, SmallSizesAreExact) {
  for (uint64_t size : {0ull, 1ull, 17ull, 127ull}) {
    EXPECT_TRUE(heap_label::is_exact(heap_label::encode(size)));
    EXPECT_EQ(heap_label::decode(heap_label::encode(size)), size);
  }
}

TEST(HeapSizeLabel, LargerSizesFallInBucketsAtMostASixteenthWide) {
  for (uint64_t size : {128ull, 1001ull, 524287ull, 524288ull, 5000003ull, 1048579ull,
                        (1ull << 40) + 12345, ~0ull}) {
    const uint32_t aux = heap_label::encode(size);
    EXPECT_FALSE(heap_label::is_exact(aux));
    EXPECT_LT(aux, heap_label::kPeakMarkerAux) << "the marker code is never a size";
    const uint64_t decoded = heap_label::decode(aux);
    EXPECT_LE(decoded, size);
    EXPECT_LT(double(size - decoded) / double(size), 1.0 / 16) << size;
    EXPECT_EQ(heap_label::encode(decoded), aux) << "the bucket's size is in its bucket";
  }
}

TEST(HeapSizeLabel, OneCallSiteHasFewLabelsWhateverItsSizes) {
  // Every size from 1 byte to 1 MiB: 127 exact labels, 16 per power of two above, and
  // one for 1 MiB itself.
  std::set<uint32_t> labels;
  for (uint64_t size = 1; size <= (1u << 20); ++size) labels.insert(heap_label::encode(size));
  EXPECT_EQ(labels.size(), 127u + 13u * 16u + 1u);
  uint32_t previous = 0;
  for (uint64_t size = 1; size <= (1u << 20); ++size) {
    const uint32_t aux = heap_label::encode(size);
    EXPECT_GE(aux, previous) << "labels grow with the size";
    previous = aux;
  }
}

TEST(HeapSampling, LogAndExpMatchLibm) {
  for (double x : {1e-16, 0.001, 0.3, 0.5, 0.999, 1.0, 2.0, 12345.678}) {
    EXPECT_NEAR(natural_log(x), std::log(x), 1e-12 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (double x : {0.0, 1e-9, 0.01, 0.69, 1.0, 5.0, 36.7, 700.0}) {
    EXPECT_NEAR(exp_negative(x), std::exp(-x), 1e-12 * std::exp(-x) + 1e-300) << x;
  }
  for (uint64_t size : {1ull, 100ull, 262144ull, 524288ull, 5000000ull}) {
    const double p = 1.0 - std::exp(-double(size) / 524288.0);
    EXPECT_NEAR(sample_probability(size, 524288), p, 1e-12 * p) << size;
  }
  EXPECT_EQ(sample_probability(7, 1), 1.0);
  EXPECT_EQ(expected_bytes(1001, 1), 1001);
}

TEST(HeapSampling, IntervalsAreExponentialWithMeanRate) {
  constexpr int kDraws = 1'000'000;
  constexpr uint64_t kRate = 524288;
  double sum = 0;
  int below_mean = 0;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t interval = next_sample_interval(kRate);
    ASSERT_GE(interval, 0);
    sum += double(interval);
    if (interval < int64_t(kRate)) ++below_mean;
  }
  // Mean: standard error rate/sqrt(n) = 0.1%; P(X < mean) = 1 - 1/e for an exponential.
  EXPECT_NEAR(sum / kDraws / kRate, 1.0, 0.01);
  EXPECT_NEAR(double(below_mean) / kDraws, 1.0 - std::exp(-1.0), 0.005);
  EXPECT_EQ(next_sample_interval(1), 0);
}

TEST(HeapLiveTable, InsertRemoveStaleAndFull) {
  LiveTable table;
  ASSERT_TRUE(table.init(64));
  LiveAllocation stale;
  EXPECT_EQ(table.insert(0x1000, {1001, 3}, &stale), InsertResult::kInserted);
  EXPECT_EQ(table.insert(0x2000, {7, 4}, &stale), InsertResult::kInserted);
  EXPECT_EQ(table.insert(0x1000, {55, 5}, &stale), InsertResult::kReplacedStale);
  EXPECT_EQ(stale.size, 1001u);
  EXPECT_EQ(stale.slot, 3u);
  LiveAllocation found;
  ASSERT_TRUE(table.remove(0x1000, &found));
  EXPECT_EQ(found.size, 55u);
  EXPECT_EQ(found.slot, 5u);
  EXPECT_FALSE(table.remove(0x1000, &found)) << "removed once only";
  EXPECT_FALSE(table.remove(0x3000, &found)) << "never inserted";
  // Bounded: a full table refuses, and every inserted entry can be removed again.
  std::vector<uintptr_t> inserted;
  for (uintptr_t a = 0x100000; inserted.size() < 200; a += 16) {
    InsertResult r = table.insert(a, {a, 1}, &stale);
    if (r == InsertResult::kFull) break;
    ASSERT_EQ(r, InsertResult::kInserted);
    inserted.push_back(a);
  }
  EXPECT_LT(inserted.size(), 200u);
  EXPECT_GT(inserted.size(), 40u) << "two-choice buckets fill most of the table";
  for (uintptr_t a : inserted) {
    ASSERT_TRUE(table.remove(a, &found));
    EXPECT_EQ(found.size, a);
  }
  EXPECT_TRUE(table.remove(0x2000, &found));
}

TEST(HeapFilter, CountsAndNeverForgetsALivePointer) {
  filter_clear();
  void* a = reinterpret_cast<void*>(0x7f0000001230);
  void* b = reinterpret_cast<void*>(0x7f0000001240);
  EXPECT_FALSE(filter_may_contain(a));
  filter_add(a);
  filter_add(a);  // two live blocks sharing a counter
  EXPECT_TRUE(filter_may_contain(a));
  filter_remove(a);
  EXPECT_TRUE(filter_may_contain(a)) << "one is still live";
  filter_remove(a);
  EXPECT_FALSE(filter_may_contain(a));
  // A saturated counter sticks: never a false negative.
  for (int i = 0; i < 300; ++i) filter_add(b);
  for (int i = 0; i < 300; ++i) filter_remove(b);
  EXPECT_TRUE(filter_may_contain(b));
  filter_clear();
  EXPECT_FALSE(filter_may_contain(b));
}

// ---------------------------------------------------------------- the whole core

struct Figures {
  int64_t alloc_objects = 0, alloc_bytes = 0, inuse_objects = 0, inuse_bytes = 0;
};

class HeapCoreTest : public ::testing::Test {
 protected:
  void start(uint64_t rate) {
    Config config;
    config_init(&config);
    config.heap_rate = rate;
    ASSERT_TRUE(scratch_.create_store(&store_, config));
    refresh_modules(store_, true);
    learn_stack_bounds(current_thread());
    ASSERT_TRUE(start_heap_profile_for(store_, rate));
  }
  // The label a size is counted under (its bucket's smallest size; heap_size_label.h).
  static uint64_t label(uint64_t size) { return heap_label::decode(heap_label::encode(size)); }

  // Sums of the kind's samples by size label (all stacks and threads).
  std::map<uint64_t, Figures> by_size(raw::SampleKind kind) const {
    std::map<uint64_t, Figures> out;
    const raw::SampleSlot* slots = store_.samples();
    for (uint64_t i = 0; i < store_.header()->samples.capacity; ++i) {
      const uint64_t key = slots[i].key.load();
      if (key == 0 || raw::sample_key_kind(key) != kind) continue;
      if (raw::sample_key_aux(key) == heap_label::kPeakMarkerAux) continue;
      Figures& f = out[heap_label::decode(uint32_t(raw::sample_key_aux(key)))];
      f.alloc_objects += slots[i].values[0].load();
      f.alloc_bytes += slots[i].values[1].load();
      f.inuse_objects += slots[i].values[2].load();
      f.inuse_bytes += slots[i].values[3].load();
    }
    return out;
  }

  static void* fake(uintptr_t i) { return reinterpret_cast<void*>(0x500000000000 + i * 4096); }

  TempStoreDir scratch_{"heap"};
  RawStore store_;
};

__attribute__((noinline)) void allocate_fakes(uintptr_t first, int count, size_t size) {
  for (int i = 0; i < count; ++i) on_allocation(reinterpret_cast<void*>(0x500000000000 + (first + i) * 4096), size, "malloc");
  asm volatile("" ::: "memory");
}

TEST_F(HeapCoreTest, RateOneRecordsEveryAllocationAndFreeExactly) {
  start(1);
  allocate_fakes(0, 1000, 1001);
  allocate_fakes(1000, 10, 700001);
  for (uintptr_t i = 0; i < 400; ++i) on_free(fake(i), "free");
  on_free(fake(5000), "free");  // never allocated: changes nothing
  const auto sizes = by_size(raw::SampleKind::kHeap);
  ASSERT_EQ(sizes.count(label(1001)), 1u);
  const Figures small = sizes.at(label(1001));
  EXPECT_EQ(small.alloc_objects, 1000);
  EXPECT_EQ(small.alloc_bytes, 1001 * 1000);
  EXPECT_EQ(small.inuse_objects, 600);
  EXPECT_EQ(small.inuse_bytes, 1001 * 600);
  const Figures large = sizes.at(label(700001));
  EXPECT_EQ(large.alloc_objects, 10);
  EXPECT_EQ(large.alloc_bytes, 7000010) << "bytes are exact even when the label is rounded";
  EXPECT_EQ(large.inuse_bytes, 7000010);
  for (uintptr_t i = 400; i < 1010; ++i) on_free(fake(i), "free");
  EXPECT_EQ(by_size(raw::SampleKind::kHeap).at(label(1001)).inuse_objects, 0);
}

TEST_F(HeapCoreTest, SamplingProbabilityIsOneMinusExpOfSizeOverRate) {
  constexpr uint64_t kRate = 65536;
  start(kRate);
  constexpr int kCount = 200'000;
  constexpr size_t kSize = 8191;
  allocate_fakes(0, kCount, kSize);
  const Figures f = by_size(raw::SampleKind::kHeap).at(label(kSize));
  const double p = 1.0 - std::exp(-double(kSize) / kRate);
  const double expected = kCount * p;
  EXPECT_NEAR(double(f.alloc_objects), expected, 5 * std::sqrt(expected * (1 - p)));
  EXPECT_EQ(f.alloc_bytes, f.alloc_objects * int64_t(kSize));
  EXPECT_EQ(f.inuse_objects, f.alloc_objects) << "every sampled one is tracked while live";
  for (uintptr_t i = 0; i < kCount; ++i) on_free(fake(i), "free");
  EXPECT_EQ(by_size(raw::SampleKind::kHeap).at(label(kSize)).inuse_objects, 0);
}

TEST_F(HeapCoreTest, PeakSnapshotHoldsTheLargestLiveHeap) {
  start(1);
  allocate_fakes(0, 3000, 2001);     // 6 MB live, then freed: the peak
  for (uintptr_t i = 0; i < 3000; ++i) on_free(fake(i), "free");
  allocate_fakes(10000, 100, 3003);  // 300 KB live at the end
  const auto peak = by_size(raw::SampleKind::kHeapPeak);
  ASSERT_EQ(peak.count(label(2001)), 1u);
  // Within the snapshot margin (1/32) of the true peak, the estimate's 64 KiB batches
  // and one allocation. values[0..1] of a peak sample are in-use objects and bytes.
  const double truth = 3000 * 2001;
  EXPECT_LE(peak.at(label(2001)).alloc_bytes, 3000 * 2001);
  EXPECT_GE(double(peak.at(label(2001)).alloc_bytes), (truth - 65536) * 32 / 33 - 2001);
  EXPECT_EQ(peak.count(label(3003)) == 0 ? 0 : peak.at(label(3003)).alloc_bytes, 0) << "allocated after the peak";
}

}  // namespace
}  // namespace cxxprof::heap
