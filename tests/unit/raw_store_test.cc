// The injected library's raw store and its lock-free tables, driven directly (no
// LD_PRELOAD), as heaptrack tests its core.
#include <gtest/gtest.h>

#include <chrono>

#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/config.h"
#include "preload/raw_store.h"
#include "preload/sample_table.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"

namespace cxxprof {
namespace {

class RawStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cxxprof-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    config_init(&config_);
    config_.cpu_hz = 250;
  }
  void TearDown() override {
    std::string command = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string raw_path(const std::string& suffix = "") const {
    return dir_ + "/" + std::to_string(getpid()) + suffix + ".cxxraw";
  }

  std::string dir_;
  Config config_;
};

TEST_F(RawStoreTest, CreatesPrivateFileWithCompleteHeader) {
  RawStore store;
  ASSERT_TRUE(store.create(dir_.c_str(), config_));
  struct stat st;
  ASSERT_EQ(stat(raw_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const raw::Header* h = store.header();
  EXPECT_EQ(std::memcmp(h->magic, raw::kMagic, 8), 0);
  EXPECT_EQ(h->version, raw::kVersion);
  EXPECT_EQ(h->pid, getpid());
  EXPECT_EQ(h->cpu_hz, 250u);
  EXPECT_EQ(h->cpu_period_ns, 4000000u);
  EXPECT_EQ(uint64_t(st.st_size), h->file_size);
  // Every section lies inside the file and sections do not overlap.
  const raw::Section* sections[] = {&h->modules, &h->threads, &h->stack_slots,
                                    &h->frame_pool, &h->samples, &h->vdso};
  uint64_t previous_end = sizeof(raw::Header);
  for (const raw::Section* s : sections) {
    EXPECT_GE(s->offset, previous_end);
    previous_end = s->offset + s->capacity * s->entry_size;
    EXPECT_LE(previous_end, h->file_size);
  }
  EXPECT_NE(std::strstr(h->command_line, program_invocation_short_name), nullptr)
      << h->command_line;
  EXPECT_EQ(h->exited_normally.load(), 0u);
  store.mark_exit();
  EXPECT_EQ(h->exited_normally.load(), 1u);
  EXPECT_GE(h->end_monotonic_ns.load(), h->start_monotonic_ns);
}

TEST_F(RawStoreTest, SecondImageOfSamePidGetsItsOwnFile) {
  RawStore first, second;
  ASSERT_TRUE(first.create(dir_.c_str(), config_));
  ASSERT_TRUE(second.create(dir_.c_str(), config_));
  struct stat st;
  EXPECT_EQ(stat(raw_path(".1").c_str(), &st), 0);
  EXPECT_NE(first.header(), second.header());
}

TEST_F(RawStoreTest, RefusesUnwritableDirectory) {
  RawStore store;
  EXPECT_FALSE(store.create("/proc/no-such-dir", config_));
  EXPECT_FALSE(store.ready());
}

TEST_F(RawStoreTest, InternsEachDistinctStackOnce) {
  RawStore store;
  ASSERT_TRUE(store.create(dir_.c_str(), config_));
  uint64_t a[] = {0x1000, 0x2000, 0x3000};
  uint64_t b[] = {0x1000, 0x2000, 0x3001};
  uint32_t id_a = intern_stack(store, a, 3);
  uint32_t id_b = intern_stack(store, b, 3);
  EXPECT_NE(id_a, 0u);
  EXPECT_NE(id_b, 0u);
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(intern_stack(store, a, 3), id_a);
  EXPECT_EQ(intern_stack(store, a, 2), intern_stack(store, a, 2));
  EXPECT_NE(intern_stack(store, a, 2), id_a);
  // The stored frames are the ones given, leaf first, after the hash word.
  uint64_t slot = store.stack_slots()[id_a].load();
  ASSERT_EQ(raw::stack_slot_depth(slot), 3u);
  const uint64_t* frames = store.frame_pool() + raw::stack_slot_offset(slot);
  EXPECT_EQ(frames[0], hash_stack(a, 3));
  EXPECT_EQ(frames[1], 0x1000u);
  EXPECT_EQ(frames[3], 0x3000u);
}

TEST_F(RawStoreTest, ConcurrentInsertsAgreeOnIds) {
  RawStore store;
  ASSERT_TRUE(store.create(dir_.c_str(), config_));
  constexpr int kThreads = 4, kStacks = 2000;
  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kStacks));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kStacks; ++i) {
        uint64_t frames[4] = {uint64_t(i), uint64_t(i) * 7, 42, uint64_t(i % 13)};
        ids[t][i] = intern_stack(store, frames, 4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kStacks; ++i) {
    ASSERT_NE(ids[0][i], 0u);
    for (int t = 1; t < kThreads; ++t) ASSERT_EQ(ids[t][i], ids[0][i]) << i;
  }
  EXPECT_EQ(store.header()->counters[raw::kStacksDroppedPoolFull].load(), 0u);
}

TEST_F(RawStoreTest, SamplesAggregateByKeyAcrossThreads) {
  RawStore store;
  ASSERT_TRUE(store.create(dir_.c_str(), config_));
  const uint64_t key = raw::make_sample_key(raw::SampleKind::kCpu, 3, 77, 0);
  const uint64_t other = raw::make_sample_key(raw::SampleKind::kWall, 3, 77, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        int64_t values[2] = {1, 10};
        add_sample(store, key, values, 2);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int64_t v[2] = {5, 6};
  add_sample(store, other, v, 2);
  int64_t total = 0, total_ns = 0, wall = 0;
  for (uint64_t i = 0; i < store.header()->samples.capacity; ++i) {
    const raw::SampleSlot& slot = store.samples()[i];
    if (slot.key.load() == key) {
      total += slot.values[0].load();
      total_ns += slot.values[1].load();
    } else if (slot.key.load() == other) {
      wall += slot.values[0].load();
    }
  }
  EXPECT_EQ(total, 40000);
  EXPECT_EQ(total_ns, 400000);
  EXPECT_EQ(wall, 5);
  EXPECT_EQ(store.header()->counters[raw::kSamplesRecorded].load(), 40001u);
}

TEST(SampleKeyTest, FieldsRoundTrip) {
  uint64_t key = raw::make_sample_key(raw::SampleKind::kIo, 0xabcd, 0x123456, 0x54321);
  EXPECT_EQ(raw::sample_key_kind(key), raw::SampleKind::kIo);
  EXPECT_EQ(raw::sample_key_thread(key), 0xabcdu);
  EXPECT_EQ(raw::sample_key_stack(key), 0x123456u);
  EXPECT_EQ(raw::sample_key_aux(key), 0x54321u);
  EXPECT_NE(raw::make_sample_key(raw::SampleKind::kCpu, 0, 0, 0), 0u);
}

TEST_F(RawStoreTest, ThreadSlotsFollowRenames) {
  RawStore store;
  ASSERT_TRUE(store.create(dir_.c_str(), config_));
  std::thread worker([&] {
    pthread_setname_np(pthread_self(), "first-name");
    uint32_t a = current_thread_slot(store, 1);
    EXPECT_EQ(current_thread_slot(store, 1), a);
    pthread_setname_np(pthread_self(), "second-name");
    // The name is looked at again once kThreadNameRecheckNs have passed (on the coarse
    // clock, whose tick can be as long as that again).
    std::this_thread::sleep_for(std::chrono::nanoseconds(3 * kThreadNameRecheckNs));
    uint32_t b = current_thread_slot(store, 1);
    EXPECT_NE(a, b);
    EXPECT_STREQ(store.threads()[a].name, "first-name");
    EXPECT_STREQ(store.threads()[b].name, "second-name");
    EXPECT_EQ(store.threads()[b].tid, gettid());
    // A new generation (forked child) never reuses the parent's slot.
    EXPECT_NE(current_thread_slot(store, 2), b);
  });
  worker.join();
}

}  // namespace
}  // namespace cxxprof
