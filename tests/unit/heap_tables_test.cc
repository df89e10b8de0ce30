// The heap profile's tables and what keeps them fast, driven directly (no LD_PRELOAD):
// the live table's homes, strays and locality; the free filter's bitmap kept in step
// with its counters under concurrency, and its pins; the in-use pair updated with one
// compare-and-swap; the per-thread site cache; the sample table's clustered, aligned
// placement. Exactness is what is asserted here, never speed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/config.h"
#include "common/raw_format.h"
#include "preload/heap_bootstrap_arena.h"
#include "preload/heap_filter.h"
#include "preload/heap_in_use.h"
#include "preload/heap_live_table.h"
#include "preload/heap_site_cache.h"
#include "preload/heap_site_table.h"
#include "preload/raw_store.h"
#include "preload/sample_table.h"
#include "tests/unit/temp_store.h"

namespace cxxprof::heap {
namespace {

using cxxprof_test::TempStoreDir;

// ---------------------------------------------------------------- live table

TEST(HeapLiveTable, GranuleFollowsTheRate) {
  EXPECT_EQ(LiveTable::granule_shift_for_rate(1), 6u) << "64-byte granules at RATE=1";
  EXPECT_EQ(LiveTable::granule_shift_for_rate(100), 6u);
  EXPECT_EQ(LiveTable::granule_shift_for_rate(524288), 19u);
  EXPECT_EQ(LiveTable::granule_shift_for_rate(524289), 19u);
  EXPECT_EQ(LiveTable::granule_shift_for_rate(uint64_t(1) << 62), 40u);
}

// Every block of a dense heap (16-byte blocks side by side: four per granule, more than
// a bucket's homes) is found again with its own value, from homes and strays alike.
TEST(HeapLiveTable, DenseBlocksAreAllFoundAgain) {
  LiveTable table;
  ASSERT_TRUE(table.init(1 << 16));
  table.reset(LiveTable::granule_shift_for_rate(1));
  std::vector<uintptr_t> inserted;
  LiveAllocation stale;
  for (uintptr_t a = 0x7f1234560000; inserted.size() < 8000; a += 16) {
    ASSERT_EQ(table.insert(a, {a & 0xfffff, uint32_t(a >> 4) & 0xffff}, &stale), InsertResult::kInserted);
    inserted.push_back(a);
  }
  // Removed in another order than inserted, so strays leave before and after their homes.
  std::mt19937_64 rng(7);
  std::shuffle(inserted.begin(), inserted.end(), rng);
  for (uintptr_t a : inserted) {
    LiveAllocation found;
    ASSERT_TRUE(table.remove(a, &found)) << std::hex << a;
    EXPECT_EQ(found.size, a & 0xfffff);
    EXPECT_EQ(found.slot, uint32_t(a >> 4) & 0xffff);
    EXPECT_FALSE(table.remove(a, &found)) << "removed once only";
  }
}

// An address already in the table (its free went by unseen) is replaced where it is,
// also when it sits away from its home, and its old value handed back.
TEST(HeapLiveTable, StaleStraysAreReplacedInPlace) {
  LiveTable table;
  ASSERT_TRUE(table.init(1024));
  table.reset(6);
  LiveAllocation stale;
  // Offsets 0 and 48 of a granule share a home: the second is a stray.
  const uintptr_t home = 0x100000, stray = 0x100030;
  ASSERT_EQ(table.insert(home, {1, 1}, &stale), InsertResult::kInserted);
  ASSERT_EQ(table.insert(stray, {2, 2}, &stale), InsertResult::kInserted);
  ASSERT_EQ(table.insert(stray, {3, 3}, &stale), InsertResult::kReplacedStale);
  EXPECT_EQ(stale.size, 2u);
  LiveAllocation found;
  ASSERT_TRUE(table.remove(home, &found));
  EXPECT_EQ(found.size, 1u);
  // The home is free again, but the stray is still found where it is, and only once.
  ASSERT_EQ(table.insert(stray, {4, 4}, &stale), InsertResult::kReplacedStale);
  EXPECT_EQ(stale.size, 3u);
  ASSERT_TRUE(table.remove(stray, &found));
  EXPECT_EQ(found.size, 4u);
  EXPECT_FALSE(table.remove(stray, &found));
}

// Bounded: a small table refuses entries once full, takes most of its room first, and
// keeps every entry it took.
TEST(HeapLiveTable, FullTableRefusesAndKeepsWhatItHas) {
  for (uintptr_t step : {16u, 32u, 4096u}) {
    LiveTable table;
    ASSERT_TRUE(table.init(1024));
    table.reset(6);
    std::vector<uintptr_t> inserted;
    LiveAllocation stale;
    for (uintptr_t a = 0x200000;; a += step) {
      const InsertResult r = table.insert(a, {7, 1}, &stale);
      if (r == InsertResult::kFull) break;
      ASSERT_EQ(r, InsertResult::kInserted);
      inserted.push_back(a);
      ASSERT_LE(inserted.size(), table.capacity());
    }
    EXPECT_GT(inserted.size(), table.capacity() / 2) << "step " << step;
    for (uintptr_t a : inserted) {
      LiveAllocation found;
      ASSERT_TRUE(table.remove(a, &found));
    }
  }
}

// Threads inserting and removing their own blocks in shared buckets (interleaved 16-byte
// blocks: every bucket is contended) never lose or duplicate an entry.
TEST(HeapLiveTable, ConcurrentThreadsInSharedBuckets) {
  LiveTable table;
  ASSERT_TRUE(table.init(1 << 16));
  table.reset(6);
  constexpr int kThreads = 4;
  constexpr int kBlocks = 2000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      LiveAllocation stale, found;
      for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < kBlocks; ++i) {
          const uintptr_t a = 0x300000 + (uintptr_t(i) * kThreads + uintptr_t(t)) * 16;
          if (table.insert(a, {uint64_t(a), uint32_t(t)}, &stale) != InsertResult::kInserted) ++failures;
        }
        for (int i = 0; i < kBlocks; ++i) {
          const uintptr_t a = 0x300000 + (uintptr_t(i) * kThreads + uintptr_t(t)) * 16;
          if (!table.remove(a, &found) || found.size != a || found.slot != uint32_t(t)) ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---------------------------------------------------------------- filter

TEST(HeapFilter, BitmapFollowsTheCounters) {
  filter_clear();
  std::vector<void*> pointers;
  for (uintptr_t i = 0; i < 3000; ++i) {
    void* p = reinterpret_cast<void*>(0x7e0000000000 + i * 48);
    // Left out: a counter that a pinned block (of the bootstrap arena, if another test
    // used it) holds for good.
    if (!filter_may_contain(p)) pointers.push_back(p);
  }
  for (void* p : pointers) filter_add(p);
  for (void* p : pointers) EXPECT_TRUE(filter_may_contain(p));
  for (void* p : pointers) filter_remove(p);
  int still = 0;
  for (void* p : pointers) still += filter_may_contain(p);
  EXPECT_EQ(still, 0) << "every counter back at 0 clears its bit";
}

// Adds and removes of pointers that share counters, from several threads: the bit of a
// pointer that is in the filter is never clear, not even for a moment.
TEST(HeapFilter, ConcurrentAddsAndRemovesNeverHideALivePointer) {
  filter_clear();
  // Pointers whose counters collide in pairs: found by hashing, so the test follows the
  // hash whatever it is.
  std::vector<std::pair<void*, void*>> pairs;
  for (uintptr_t a = 0x7d0000000000; pairs.size() < 64; a += 16) {
    const uintptr_t b = a + (uintptr_t(1) << 36);
    for (uintptr_t c = b; c < b + 16 * 200000; c += 16) {
      if (filter_index(c) == filter_index(a)) {
        pairs.emplace_back(reinterpret_cast<void*>(a), reinterpret_cast<void*>(c));
        break;
      }
    }
  }
  ASSERT_EQ(pairs.size(), 64u);
  std::atomic<bool> stop{false};
  std::atomic<int> hidden{0};
  // One thread keeps the first of each pair in the filter and checks it stays visible;
  // another adds and removes the second, sharing its counter, as fast as it can.
  for (auto& [held, _] : pairs) filter_add(held);
  std::thread churn([&] {
    for (int round = 0; round < 2000; ++round) {
      for (auto& [_, other] : pairs) filter_add(other);
      for (auto& [_, other] : pairs) filter_remove(other);
    }
    stop.store(true);
  });
  std::thread watch([&] {
    while (!stop.load()) {
      for (auto& [held, _] : pairs) {
        if (!filter_may_contain(held)) ++hidden;
      }
    }
  });
  churn.join();
  watch.join();
  EXPECT_EQ(hidden.load(), 0);
  for (auto& [held, _] : pairs) filter_remove(held);
  filter_clear();
}

TEST(HeapFilter, ArenaBlocksArePinnedAcrossClears) {
  void* block = arena_allocate(24, 16);
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(in_bootstrap_arena(block));
  EXPECT_TRUE(filter_may_contain(block)) << "free's fast path must send it to the slow path";
  filter_clear();
  EXPECT_TRUE(filter_may_contain(block)) << "a pin outlives filter_clear";
  filter_remove(block);  // as if a sampled block shared its counter and left
  EXPECT_TRUE(filter_may_contain(block)) << "a pinned counter is stuck";
}

// ---------------------------------------------------------------- in-use pair

TEST(HeapInUse, PairUpdatesAreExactAlignedOrNot) {
  detect_in_use_pair_cas();
  alignas(64) raw::SampleSlot slots[2] = {};
  // One of two consecutive 40-byte slots has its pair 16-byte aligned, the other not.
  EXPECT_NE(in_use_pair_aligned(&slots[0]), in_use_pair_aligned(&slots[1]));
  constexpr int kThreads = 4;
  constexpr int kRounds = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        for (raw::SampleSlot& slot : slots) {
          add_in_use(&slot, 1, 1000 + t);
          add_in_use(&slot, -1, -(1000 + t));
          add_in_use(&slot, 1, 3);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (raw::SampleSlot& slot : slots) {
    EXPECT_EQ(slot.values[2].load(), kThreads * kRounds);
    EXPECT_EQ(slot.values[3].load(), 3 * kThreads * kRounds);
    EXPECT_EQ(slot.values[0].load(), 0) << "its neighbours are left alone";
    EXPECT_EQ(slot.values[1].load(), 0);
  }
}

// ---------------------------------------------------------------- store-backed tables

class HeapStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config_init(&config);
    ASSERT_TRUE(scratch_.create_store(&store_, config));
  }

  static uint64_t heap_key(uint32_t thread, uint32_t stack, uint32_t size) {
    return raw::make_sample_key(raw::SampleKind::kHeap, thread, stack, size);
  }

  TempStoreDir scratch_{"heap-tables"};
  RawStore store_;
};

// Heap keys take slots whose in-use pair can be changed with one compare-and-swap, each
// key one slot whoever asks for it.
TEST_F(HeapStoreTest, HeapKeysTakeAlignedSlotsOnePerKey) {
  for (uint32_t size = 1; size <= 600; ++size) {
    raw::SampleSlot* slot = find_sample_slot(store_, heap_key(3, 77, size));
    ASSERT_NE(slot, nullptr);
    EXPECT_TRUE(in_use_pair_aligned(slot)) << size;
    EXPECT_EQ(find_sample_slot(store_, heap_key(3, 77, size)), slot);
    const int64_t values[2] = {1, size};
    ASSERT_TRUE(add_sample(store_, heap_key(3, 77, size), values, 2));
    EXPECT_EQ(slot->values[0].load(), 1);
  }
  uint64_t keys = 0;
  for (uint64_t i = 0; i < store_.header()->samples.capacity; ++i) keys += store_.samples()[i].key.load() != 0;
  EXPECT_EQ(keys, 600u) << "no key has two slots";
}

// The sizes of one stack and thread share a few pages of the sample table, not a page
// each: the first touch of a page of this file-backed table is a page fault.
TEST_F(HeapStoreTest, OneStacksSizesShareAFewPages) {
  std::set<uintptr_t> pages;
  for (uint32_t size = 1; size <= 512; ++size) {
    raw::SampleSlot* slot = find_sample_slot(store_, heap_key(5, 1234, size));
    ASSERT_NE(slot, nullptr);
    pages.insert(reinterpret_cast<uintptr_t>(slot) / 4096);
  }
  EXPECT_LE(pages.size(), 12u);
  // Other kinds (labels in aux) cluster too.
  pages.clear();
  for (uint32_t aux = 0; aux < 256; ++aux) {
    raw::SampleSlot* slot = find_sample_slot(store_, raw::make_sample_key(raw::SampleKind::kIo, 5, 99, aux));
    ASSERT_NE(slot, nullptr);
    pages.insert(reinterpret_cast<uintptr_t>(slot) / 4096);
  }
  EXPECT_LE(pages.size(), 4u);
}

// Families whose windows overlap still get a slot each: past a crowded run of the
// window, the probe goes on elsewhere.
TEST_F(HeapStoreTest, CrowdedWindowsStillPlaceEveryKey) {
  std::set<raw::SampleSlot*> slots;
  for (uint32_t stack = 1; stack <= 200; ++stack) {
    for (uint32_t size = 1; size <= 300; ++size) {
      raw::SampleSlot* slot = find_sample_slot(store_, heap_key(1, stack, size));
      ASSERT_NE(slot, nullptr);
      ASSERT_TRUE(slots.insert(slot).second);
    }
  }
  EXPECT_EQ(store_.header()->counters[raw::kSamplesDroppedTableFull].load(), 0u);
}

TEST_F(HeapStoreTest, SiteCacheAnswersAsTheSiteTable) {
  SiteTable sites;
  ASSERT_TRUE(sites.init(1 << 12));
  sites.reset();
  for (int pass = 0; pass < 2; ++pass) {  // the first fills the cache, the second hits it
    for (uint32_t stack = 1; stack <= 3; ++stack) {
      for (uint32_t size = 1; size <= 700; ++size) {
        const uint64_t key = heap_key(2, stack, size);
        const uint32_t slot = cached_sample_slot(sites, store_, key, 1);
        ASSERT_NE(slot, kNoSlot);
        EXPECT_EQ(store_.samples() + slot, sites.site(sites.find_or_add(store_, key)).slot);
      }
    }
  }
  // A family's sizes take consecutive entries: one call site's 512 sizes all fit.
  const uint32_t first = site_cache_index(heap_key(2, 9, 1));
  for (uint32_t size = 1; size < kSiteCacheEntries; ++size) {
    EXPECT_EQ(site_cache_index(heap_key(2, 9, size)), (first + size - 1) % kSiteCacheEntries);
  }
  // After a reset (a forked child), entries of the old generation never answer.
  sites.reset();
  const uint64_t key = heap_key(2, 1, 100);
  const uint32_t slot = cached_sample_slot(sites, store_, key, 2);
  EXPECT_EQ(store_.samples() + slot, sites.site(1).slot) << "re-created as the new table's first site";
}

}  // namespace
}  // namespace cxxprof::heap
