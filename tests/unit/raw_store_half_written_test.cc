// The raw reader and the converter on stores left half-written (issue 7): a process killed
// by SIGKILL in the middle of publishing an entry leaves the file as its last store left
// it — the mapping is shared, so every store made before the kill is in the file, none
// after. Each table of the injected library publishes in a fixed order:
//   sample slot  claim the key (CAS), then add the values one by one (sample_table.cc)
//   stack        reserve pool words (frame_pool_used), write hash and frames, then CAS
//                the packed (offset, depth) into the slot (stack_table.cc)
//   thread       claim an index (thread_count), write tid and name, set `ready`
//   module       claim an index (module_count), write the fields and path, set `ready`
//   I/O path     claim an entry (CAS on hash), write path and length, set `ready`
//   header       every field, the magic last (raw_store.cc)
// A claim may also run past the end of a full table (the count is bumped before the
// bound is checked). The tests stop a real store (RawStore and the library's own table
// code) at each of these steps and check that the reader skips what was not published,
// keeps everything that was, and that the converter writes profiles from it; then they
// SIGKILL a forked writer at random moments and check the same invariants on what it
// left.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/raw_format.h"
#include "preload/io_paths.h"
#include "preload/raw_store.h"
#include "preload/sample_table.h"
#include "preload/stack_table.h"
#include "preload/thread_state.h"
#include "symbolizer/convert.h"
#include "symbolizer/raw_reader.h"
#include "tests/unit/temp_store.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

constexpr uint64_t kLibraryStart = 0x7f0000000000;
constexpr uint64_t kLibraryLimit = 0x7f0000100000;

// Appends a module entry in record_module's order (preload/module_tracker.cc), stopping
// before `ready` when `publish` is false, and before the path when `with_path` is false.
void append_module(const RawStore& store, const char* path, uint64_t start, uint64_t limit,
                   bool publish = true, bool with_path = true) {
  raw::Header* header = store.header();
  const uint32_t index = header->module_count.fetch_add(1, std::memory_order_acq_rel);
  if (index >= header->modules.capacity) {
    store.count(raw::kModulesTableFull);
    return;
  }
  raw::ModuleEntry& entry = store.modules()[index];
  entry.flags = 0;
  entry.load_bias = start;
  entry.start = start;
  entry.limit = limit;
  entry.file_offset = 0;
  entry.sequence = index;
  entry.build_id_size = 0;
  if (!with_path) return;
  std::strncpy(entry.path, path, sizeof(entry.path) - 1);
  if (publish) entry.ready.store(1, std::memory_order_release);
}

class HalfWrittenStore : public ::testing::Test {
 protected:
  void SetUp() override {
    config_init(&config_);
    config_.cpu_hz = 100;
    config_.io_rate = 1;
    ASSERT_TRUE(scratch_.create_store(&store_, config_));
    path_ = scratch_.path() + "/" + std::to_string(getpid()) + raw::kFileSuffix;

    // What a run had published before the interrupted step: a library, two threads,
    // three stacks, CPU and I/O samples, one file path.
    append_module(store_, "/nonexistent/libwork.so", kLibraryStart, kLibraryLimit);
    main_slot_ = claim_thread_slot(store_, 100, "main");
    worker_slot_ = claim_thread_slot(store_, 101, "worker");
    const uint64_t a[] = {kLibraryStart + 0x10, kLibraryStart + 0x200, kLibraryStart + 0x300};
    const uint64_t b[] = {kLibraryStart + 0x20, kLibraryStart + 0x300};
    stack_a_ = intern_stack(store_, a, 3);
    stack_b_ = intern_stack(store_, b, 2);
    const int64_t cpu[] = {3, 30'000'000};
    ASSERT_TRUE(
        add_sample(store_, raw::make_sample_key(raw::SampleKind::kCpu, main_slot_, stack_a_, 0), cpu, 2));
    ASSERT_TRUE(
        add_sample(store_, raw::make_sample_key(raw::SampleKind::kCpu, worker_slot_, stack_b_, 0), cpu, 2));
    path_id_ = intern_io_path(store_, "/data/input.txt", 15);
    ASSERT_NE(path_id_, 0u);
    baseline_ = read();
  }

  RawData read() {
    RawData data;
    std::string error;
    EXPECT_TRUE(read_raw_file(path_, RawReadScope::kEverything, &data, &error)) << error;
    return data;
  }

  // The converter writes the CPU profile from the store as it is now.
  void expect_converts() {
    const std::string out = scratch_.path() + "/out" + std::to_string(++conversions_);
    ASSERT_EQ(mkdir(out.c_str(), 0700), 0);
    ConvertOptions options;
    options.output_dir = out;
    ConvertResult result;
    std::string error;
    ASSERT_TRUE(convert_raw_file(path_, options, &result, &error)) << error;
    bool cpu = false;
    for (const WrittenProfile& profile : result.profiles)
      cpu |= profile.kind == "cpu" && profile.sample_count > 0;
    EXPECT_TRUE(cpu) << "no CPU profile with samples written";
  }

  // Everything of the baseline is still there, unchanged.
  void expect_baseline_kept(const RawData& data) {
    ASSERT_GE(data.modules.size(), 1u);
    EXPECT_EQ(data.modules[0].path, "/nonexistent/libwork.so");
    ASSERT_NE(data.thread(main_slot_), nullptr);
    EXPECT_EQ(data.thread(main_slot_)->name, "main");
    ASSERT_NE(data.thread(worker_slot_), nullptr);
    EXPECT_EQ(data.thread(worker_slot_)->tid, 101);
    EXPECT_EQ(data.stacks.at(stack_a_), baseline_.stacks.at(stack_a_));
    EXPECT_EQ(data.stacks.at(stack_b_), baseline_.stacks.at(stack_b_));
    for (const uint64_t key : {raw::make_sample_key(raw::SampleKind::kCpu, main_slot_, stack_a_, 0),
                               raw::make_sample_key(raw::SampleKind::kCpu, worker_slot_, stack_b_, 0)}) {
      const RawSample* sample = find_sample(data, key);
      ASSERT_NE(sample, nullptr);
      EXPECT_EQ(sample->values[0], 3);
      EXPECT_EQ(sample->values[1], 30'000'000);
    }
    ASSERT_GT(data.io_paths.size(), path_id_);
    EXPECT_EQ(data.io_paths[path_id_], "/data/input.txt");
    EXPECT_EQ(data.samples_with_empty_stack_slot, 0u);
  }

  const RawSample* find_sample(const RawData& data, uint64_t key) {
    for (const RawSample& sample : data.samples) {
      if (raw::make_sample_key(sample.kind, sample.thread_slot, sample.stack_id, sample.aux) == key)
        return &sample;
    }
    return nullptr;
  }

  TempStoreDir scratch_{"half-written"};
  std::string path_;
  Config config_;
  RawStore store_;
  uint32_t main_slot_ = 0, worker_slot_ = 0, stack_a_ = 0, stack_b_ = 0, path_id_ = 0;
  RawData baseline_;
  int conversions_ = 0;
};

TEST_F(HalfWrittenStore, SampleSlotClaimedBeforeItsValues) {
  // find_sample_slot claims the key; add_sample has not added anything yet.
  const uint64_t key = raw::make_sample_key(raw::SampleKind::kCpu, worker_slot_, stack_a_, 0);
  raw::SampleSlot* slot = find_sample_slot(store_, key);
  ASSERT_NE(slot, nullptr);
  RawData data = read();
  expect_baseline_kept(data);
  const RawSample* sample = find_sample(data, key);
  ASSERT_NE(sample, nullptr) << "a claimed slot is a sample (of nothing yet)";
  EXPECT_EQ(sample->values, (std::array<int64_t, raw::kSampleValues>{}));
  expect_converts();

  // The first value added, the second not yet.
  slot->values[0].fetch_add(1, std::memory_order_relaxed);
  data = read();
  expect_baseline_kept(data);
  sample = find_sample(data, key);
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(sample->values[0], 1);
  EXPECT_EQ(sample->values[1], 0);
  expect_converts();
}

TEST_F(HalfWrittenStore, StackReservedAndPartlyWrittenButNotPublished) {
  raw::Header* header = store_.header();
  const uint64_t pcs[] = {kLibraryStart + 0x40, kLibraryStart + 0x50, kLibraryStart + 0x60,
                          kLibraryStart + 0x70};
  // intern_stack's steps up to the CAS: reserve, hash, the first two of four frames.
  const uint64_t offset = header->frame_pool_used.fetch_add(5, std::memory_order_relaxed);
  store_.frame_pool()[offset] = hash_stack(pcs, 4);
  store_.frame_pool()[offset + 1] = pcs[0];
  store_.frame_pool()[offset + 2] = pcs[1];
  RawData data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.stacks.size(), baseline_.stacks.size()) << "an unpublished stack is no stack";
  expect_converts();

  // The same stack interned afterwards (by another thread) gets its own, whole copy.
  const uint32_t id = intern_stack(store_, pcs, 4);
  ASSERT_NE(id, 0u);
  const int64_t one[] = {1, 10'000'000};
  ASSERT_TRUE(add_sample(store_, raw::make_sample_key(raw::SampleKind::kCpu, main_slot_, id, 0), one, 2));
  data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.stacks.at(id), std::vector<uint64_t>(std::begin(pcs), std::end(pcs)));
  expect_converts();
}

TEST_F(HalfWrittenStore, FramePoolReservedPastItsEnd) {
  // intern_stack on a full pool: the reservation is made, found too large, abandoned.
  raw::Header* header = store_.header();
  header->frame_pool_used.fetch_add(header->frame_pool.capacity, std::memory_order_relaxed);
  store_.count(raw::kStacksDroppedPoolFull);
  RawData data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.counters[raw::kStacksDroppedPoolFull], 1u);
  expect_converts();
}

TEST_F(HalfWrittenStore, ThreadSlotClaimedButNotNamed) {
  raw::Header* header = store_.header();
  const uint32_t index = header->thread_count.fetch_add(1, std::memory_order_relaxed);
  store_.threads()[index].tid = 102;  // name and `ready` not yet written
  RawData data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.threads.size(), size_t(index) + 1);
  EXPECT_EQ(data.thread(index), nullptr) << "an unfinished thread entry is not a thread";
  expect_converts();

  // A full table: claims keep bumping the count past the capacity.
  header->thread_count.fetch_add(uint32_t(header->threads.capacity), std::memory_order_relaxed);
  data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.threads.size(), header->threads.capacity);
  expect_converts();
}

TEST_F(HalfWrittenStore, ModuleEntryWithoutPathOrNotYetReady) {
  append_module(store_, "/nonexistent/libhalf.so", 0x7f1000000000, 0x7f1000001000, false, false);
  append_module(store_, "/nonexistent/libalmost.so", 0x7f2000000000, 0x7f2000001000, false, true);
  append_module(store_, "/nonexistent/libdone.so", 0x7f3000000000, 0x7f3000001000);
  RawData data = read();
  expect_baseline_kept(data);
  std::vector<std::string> paths;
  for (const RawModule& module : data.modules) paths.push_back(module.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/nonexistent/libwork.so", "/nonexistent/libdone.so"}));
  expect_converts();

  // A full table: the count runs past the capacity.
  raw::Header* header = store_.header();
  header->module_count.fetch_add(uint32_t(header->modules.capacity), std::memory_order_acq_rel);
  data = read();
  expect_baseline_kept(data);
  EXPECT_EQ(data.modules.size(), 2u);
  expect_converts();
}

TEST_F(HalfWrittenStore, IoPathClaimedButNotFilled) {
  // intern_io_path's claim (the CAS on the hash) done; length, path and `ready` not.
  uint32_t id = 1;
  while (store_.io_paths()[id].hash.load() != 0) ++id;  // a free entry (0 is never used)
  raw::IoPathEntry& entry = store_.io_paths()[id];
  entry.hash.store(0x1234, std::memory_order_release);
  std::memcpy(entry.path, "/data/part", 10);  // some of the path, its length not yet
  RawData data = read();
  expect_baseline_kept(data);
  ASSERT_GT(data.io_paths.size(), id);
  EXPECT_EQ(data.io_paths[id], "") << "an unfinished path is no path";
  expect_converts();
}

TEST_F(HalfWrittenStore, HeaderWithoutItsMagicIsACleanError) {
  // Killed inside RawStore::create, before its last step: the magic.
  std::memset(store_.header()->magic, 0, sizeof(store_.header()->magic));
  RawData data;
  std::string error;
  EXPECT_FALSE(read_raw_file(path_, RawReadScope::kEverything, &data, &error));
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
  EXPECT_EQ(error.rfind(path_, 0), 0u) << "the error names the file: " << error;
  ConvertOptions options;
  options.output_dir = scratch_.path();
  ConvertResult result;
  EXPECT_FALSE(convert_raw_file(path_, options, &result, &error));
  EXPECT_FALSE(error.empty());
}

// ---------------------------------------------------------------------------- killed writer

constexpr int kPcPool = 64;
uint64_t pool_pc(uint64_t n) { return kLibraryStart + 0x1000 + (n % kPcPool) * 0x10; }

// The forked writer: creates its store, writes every kind of entry as fast as it can
// until it is killed, and says on `ready_fd` when it has written its first few hundred
// (so that something was published whenever the kill comes). Only async-signal-safe
// code after fork.
[[noreturn]] void run_writer(const std::string& dir, const Config& config, int ready_fd) {
  RawStore store;
  if (!store.create(dir.c_str(), config)) _exit(1);
  append_module(store, "/nonexistent/libwork.so", kLibraryStart, kLibraryLimit);
  uint64_t x = 0x9e3779b97f4a7c15u ^ uint64_t(getpid());
  uint32_t slot = claim_thread_slot(store, 1, "writer");
  char name[16];
  char path[32];
  for (uint64_t i = 1;; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    if (i % 64 == 0) {
      std::memcpy(name, "writer-", 7);
      name[7] = char('a' + i / 64 % 26);
      name[8] = '\0';
      slot = claim_thread_slot(store, int32_t(i), name);
    }
    uint64_t pcs[raw::kMaxStackDepth];
    const uint32_t depth = 1 + uint32_t(x % 40);
    for (uint32_t d = 0; d < depth; ++d) pcs[d] = pool_pc(x >> (d % 48));
    const uint32_t stack = intern_stack(store, pcs, depth);
    const int64_t values[] = {1, 10'000'000};
    add_sample(store, raw::make_sample_key(raw::SampleKind::kCpu, slot, stack, 0), values, 2);
    if (i % 16 == 0) {
      std::memcpy(path, "/data/file-", 11);
      for (int k = 0; k < 8; ++k) path[11 + k] = char('a' + (i >> (4 + 3 * k)) % 8);
      intern_io_path(store, path, 19);
    }
    if (i == 300 && write(ready_fd, "r", 1) != 1) _exit(1);
    if (i % 1024 == 0) {
      const uint64_t start = 0x7f4000000000 + i * 0x1000;
      append_module(store, "/nonexistent/libloaded.so", start, start + 0x1000);
    }
  }
}

TEST(KilledWriter, LeavesAStoreTheReaderReadsWhole) {
  std::random_device seed;
  std::mt19937 random(seed());
  Config config;
  config_init(&config);
  config.cpu_hz = 100;
  config.io_rate = 1;
  std::set<uint64_t> pcs;
  for (int n = 0; n < kPcPool; ++n) pcs.insert(pool_pc(uint64_t(n)));
  for (int round = 0; round < 12; ++round) {
    const int delay_us = int(random() % 30000);
    SCOPED_TRACE("killed " + std::to_string(delay_us) + " us after its first 300 samples");
    char pattern[] = "/tmp/cxxprof-killed-writer-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    const std::string dir = pattern;
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(ready[0]);
      run_writer(dir, config, ready[1]);
    }
    close(ready[1]);
    char byte = 0;
    const bool started = ::read(ready[0], &byte, 1) == 1;
    close(ready[0]);
    if (started) usleep(useconds_t(delay_us));
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(started) << "the writer could not create its store or write its first samples";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    const std::string path = dir + "/" + std::to_string(child) + raw::kFileSuffix;
    RawData data;
    std::string error;
    ASSERT_TRUE(read_raw_file(path, RawReadScope::kEverything, &data, &error)) << error;
    EXPECT_FALSE(data.exited_normally);
    // Partial results: what was published before the kill (at least the first 300
    // samples' worth), and only that.
    EXPECT_FALSE(data.samples.empty());
    EXPECT_EQ(data.samples_with_empty_stack_slot, 0u) << "a sample names its stack only once it is published";
    for (const RawSample& sample : data.samples) {
      EXPECT_NE(data.thread(sample.thread_slot), nullptr)
          << "a sample's thread is published before the sample";
      if (sample.stack_id == 0) continue;
      for (uint64_t pc : data.stacks.at(sample.stack_id)) {
        ASSERT_EQ(pcs.count(pc), 1u) << "a published stack holds only frames the writer wrote: " << std::hex
                                     << pc;
      }
    }
    for (const RawModule& module : data.modules) {
      EXPECT_TRUE(module.path == "/nonexistent/libwork.so" || module.path == "/nonexistent/libloaded.so")
          << module.path;
    }
    for (const std::string& io_path : data.io_paths) {
      EXPECT_TRUE(io_path.empty() || (io_path.size() == 19 && io_path.rfind("/data/file-", 0) == 0))
          << io_path;
    }
    ConvertOptions options;
    options.output_dir = dir;
    ConvertResult result;
    EXPECT_TRUE(convert_raw_file(path, options, &result, &error)) << error;
    const std::string command = "rm -rf '" + dir + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
}

}  // namespace
}  // namespace cxxprof
