// The I/O profile's injected core, driven directly (no LD_PRELOAD): path interning in the
// raw store, the descriptor table's lazy classification and forgetting, Go's sampling
// rule applied to calls/bytes/time, the TSC clock's calibration, and the interposer path
// itself (io_call): recording, and the activity table left clean by a thread cancelled
// inside a blocking call.
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <climits>
#include <map>
#include <cmath>
#include <cstdlib>
#include <string>
#include <time.h>

#include "common/config.h"
#include "common/io_labels.h"
#include "preload/fd_table.h"
#include "preload/io_clock.h"
#include "preload/io_interposer.h"
#include "preload/io_paths.h"
#include "preload/profiler_state.h"
#include "preload/io_recorder.h"
#include "preload/module_tracker.h"
#include "preload/profiler_state.h"
#include "preload/raw_store.h"
#include "preload/thread_activity.h"
#include "preload/thread_state.h"
#include "tests/unit/temp_store.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

std::string stored(const RawStore& store, uint32_t id) {
  const raw::IoPathEntry& entry = store.io_paths()[id];
  return std::string(entry.path, entry.length);
}

class IoCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config_init(&config);
    config.io_rate = 1;
    ASSERT_TRUE(scratch_.create_store(&store_, config));  // a new generation
  }

  TempStoreDir scratch_{"io"};
  RawStore store_;
};

TEST_F(IoCoreTest, PathsAreInternedOnceAndLongOnesKeepTheirEnd) {
  const std::string a = "/var/lib/app/a.db";
  const uint32_t id = intern_io_path(store_, a.data(), a.size());
  ASSERT_NE(id, io::kNoPath);
  EXPECT_EQ(intern_io_path(store_, a.data(), a.size()), id);
  EXPECT_EQ(stored(store_, id), a);
  const std::string b = "/var/lib/app/b.db";
  EXPECT_NE(intern_io_path(store_, b.data(), b.size()), id);

  const std::string longest = "/" + std::string(1000, 'd') + "/file.txt";
  const uint32_t long_id = intern_io_path(store_, longest.data(), longest.size());
  const std::string kept = stored(store_, long_id);
  EXPECT_EQ(kept.size(), size_t(raw::kIoPathSize));
  EXPECT_EQ(kept.substr(0, 3), "...");
  EXPECT_EQ(kept.substr(kept.size() - 9), "/file.txt");
  EXPECT_EQ(intern_io_path(store_, longest.data(), longest.size()), long_id);
}

TEST_F(IoCoreTest, FullPathSectionGivesNoPathAndCountsIt) {
  uint32_t stored_count = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string path = "/many/" + std::to_string(i);
    if (intern_io_path(store_, path.data(), path.size()) != io::kNoPath) ++stored_count;
  }
  EXPECT_LE(stored_count, io::kMaxPathIds - 1);
  EXPECT_GT(stored_count, (io::kMaxPathIds - 1) * 9 / 10) << "probing gives up too early";
  EXPECT_EQ(store_.header()->counters[raw::kIoPathsDropped].load(), 5000u - stored_count);
}

TEST_F(IoCoreTest, DescriptorsAreClassifiedByWhatTheyAre) {
  const std::string path = scratch_.path() + "/data.txt";
  const int file = open(path.c_str(), O_RDWR | O_CREAT, 0600);
  int pipe_fds[2], socket_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds), 0);
  const int null = open("/dev/null", O_RDONLY);
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);

  const FdLabel file_label = fd_label(store_, file);
  EXPECT_EQ(file_label.kind, io::FdKind::kFile);
  char resolved[PATH_MAX];
  ASSERT_NE(realpath(path.c_str(), resolved), nullptr);
  EXPECT_EQ(stored(store_, file_label.path_id), resolved);
  EXPECT_EQ(fd_label(store_, pipe_fds[0]).kind, io::FdKind::kPipe);
  EXPECT_EQ(fd_label(store_, socket_fds[1]).kind, io::FdKind::kSocket);
  EXPECT_EQ(fd_label(store_, null).kind, io::FdKind::kOther);
  EXPECT_EQ(fd_label(store_, slave).kind, io::FdKind::kTty);
  EXPECT_EQ(fd_label(store_, -1).kind, io::FdKind::kOther);
  EXPECT_EQ(fd_label(store_, 1 << 21).kind, io::FdKind::kOther) << "beyond the table, closed";
  for (int fd : {file, pipe_fds[0], pipe_fds[1], socket_fds[0], socket_fds[1], null, master, slave}) {
    fd_forget(fd);
    close(fd);
  }
}

// Cached until forgotten: the number now naming a pipe is still "file" until the table
// is told, then classified afresh. A forked child (new generation) classifies afresh too.
TEST_F(IoCoreTest, ClassificationIsCachedUntilForgotten) {
  const std::string path = scratch_.path() + "/cached.txt";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0600);
  fd_forget(fd);
  EXPECT_EQ(fd_label(store_, fd).kind, io::FdKind::kFile);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  ASSERT_EQ(dup2(pipe_fds[0], fd), fd);
  EXPECT_EQ(fd_label(store_, fd).kind, io::FdKind::kFile) << "cached";
  fd_forget(fd);
  EXPECT_EQ(fd_label(store_, fd).kind, io::FdKind::kPipe);

  ASSERT_EQ(dup2(open(path.c_str(), O_RDONLY), fd), fd);
  profiler().generation.fetch_add(1);
  EXPECT_EQ(fd_label(store_, fd).kind, io::FdKind::kFile) << "a new generation looks again";
  profiler().generation.fetch_sub(1);
  fd_forget_range(0, ~0u);
  close(fd);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

// Go's rule, for the I/O values: a call at least RATE long is recorded as it is; a
// shorter one with probability duration/RATE, standing for RATE/duration calls like it,
// so the expected totals of calls, bytes and time are the true ones.
TEST(IoSampling, ValuesStayUnbiased) {
  int64_t values[io::kValueCount];
  ASSERT_TRUE(io_sample_values(500, 1, 77, values));
  EXPECT_EQ(values[io::kValueCalls], 1);
  EXPECT_EQ(values[io::kValueBytes], 77);
  EXPECT_EQ(values[io::kValueTime], 500);
  ASSERT_TRUE(io_sample_values(200000, 100000, 4096, values));
  EXPECT_EQ(values[io::kValueCalls], 1);
  EXPECT_EQ(values[io::kValueBytes], 4096);
  EXPECT_EQ(values[io::kValueTime], 200000);

  // 1e6 calls of 300 ns moving 1000 bytes each, at RATE 30 us: ~1% recorded.
  constexpr int kCalls = 1000000;
  constexpr uint64_t kDuration = 300, kRate = 30000;
  double calls = 0, bytes = 0, time = 0;
  int recorded = 0;
  for (int i = 0; i < kCalls; ++i) {
    if (!io_sample_values(kDuration, kRate, 1000, values)) continue;
    ++recorded;
    calls += double(values[io::kValueCalls]);
    bytes += double(values[io::kValueBytes]);
    time += double(values[io::kValueTime]);
  }
  // ~10000 recorded: each total's relative standard deviation is ~1%; 5 sigma.
  EXPECT_NEAR(recorded, kCalls * double(kDuration) / kRate, 500);
  EXPECT_NEAR(calls / kCalls, 1.0, 0.05);
  EXPECT_NEAR(bytes / (1000.0 * kCalls), 1.0, 0.05);
  EXPECT_NEAR(time / (double(kDuration) * kCalls), 1.0, 0.05);
}

uint64_t clock_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// Whichever clock it picked (TSC or CLOCK_MONOTONIC), durations come out in ns. Each
// reading is bracketed by CLOCK_MONOTONIC readings, so a preemption between two calls
// widens the range the true duration lies in instead of failing the test; the 1% is for
// the TSC's calibration.
TEST(IoClock, MeasuresNanoseconds) {
  io_clock_init();
  for (int round = 0; round < 3; ++round) {
    const uint64_t before_start = clock_ns();
    const uint64_t start = io_clock_now();
    const uint64_t after_start = clock_ns();
    timespec pause{0, 30000000};
    nanosleep(&pause, nullptr);
    const uint64_t before_end = clock_ns();
    const uint64_t end = io_clock_now();
    const uint64_t after_end = clock_ns();
    io_clock_refine();
    const double measured = double(io_clock_elapsed_ns(start, end));
    const double shortest = double(before_end - after_start);
    const double longest = double(after_end - before_start);
    EXPECT_GE(measured, 0.99 * shortest - 1000);
    EXPECT_LE(measured, 1.01 * longest + 1000);
  }
  EXPECT_EQ(io_clock_elapsed_ns(5, 3), 0u) << "never negative";
}

// The store the interposer path records into is the profiler's own.
class IoCallTest : public IoCoreTest {
 protected:
  void SetUp() override {
    IoCoreTest::SetUp();
    refresh_modules(store_, true);
    ProfilerState& state = profiler();
    state.store = store_;
    state.active.store(true);
    g_io_rate.store(1);
  }
  void TearDown() override {
    g_io_rate.store(0);
    profiler().active.store(false);
    profiler().store.abandon();
    g_track_thread_activity.store(false);
    IoCoreTest::TearDown();
  }

  // The kIo samples of the store: aux -> values.
  std::map<uint32_t, std::array<int64_t, 3>> io_samples() {
    std::map<uint32_t, std::array<int64_t, 3>> found;
    for (uint64_t i = 0; i < store_.header()->samples.capacity; ++i) {
      const raw::SampleSlot& slot = store_.samples()[i];
      const uint64_t key = slot.key.load();
      if (key == 0 || raw::sample_key_kind(key) != raw::SampleKind::kIo) continue;
      auto& values = found[uint32_t(raw::sample_key_aux(key))];
      for (int v = 0; v < 3; ++v) values[size_t(v)] += slot.values[v].load();
    }
    return found;
  }
};

TEST_F(IoCallTest, RecordsCallsBytesAndTimeAndKeepsResultAndErrno) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fd_forget(fds[0]);
  ASSERT_EQ(write(fds[1], "0123456789", 10), 10);
  char buffer[64];
  errno = EDOM;
  const ssize_t n = io_call({io::Op::kRead, fds[0], nullptr}, nullptr, "read",
                            [&] { return read(fds[0], buffer, sizeof(buffer)); }, transferred);
  EXPECT_EQ(n, 10);
  EXPECT_EQ(errno, EDOM) << "a successful call leaves errno alone, recorded or not";
  const ssize_t failed = io_call({io::Op::kRead, -1, nullptr}, nullptr, "read",
                                 [&] { return read(-1, buffer, 1); }, transferred);
  EXPECT_EQ(failed, -1);
  EXPECT_EQ(errno, EBADF);

  const auto samples = io_samples();
  const auto pipe_read = samples.find(io::pack_aux(io::Op::kRead, io::FdKind::kPipe, io::kNoPath));
  ASSERT_NE(pipe_read, samples.end());
  EXPECT_EQ(pipe_read->second[io::kValueCalls], 1);
  EXPECT_EQ(pipe_read->second[io::kValueBytes], 10);
  EXPECT_GT(pipe_read->second[io::kValueTime], 0);
  const auto bad = samples.find(io::pack_aux(io::Op::kRead, io::FdKind::kOther, io::kNoPath));
  ASSERT_NE(bad, samples.end());
  EXPECT_EQ(bad->second[io::kValueCalls], 1);
  EXPECT_EQ(bad->second[io::kValueBytes], 0);
  close(fds[0]);
  close(fds[1]);
}

TEST_F(IoCallTest, NothingIsRecordedFromInsideAnInterposer) {
  current_thread().interposer_depth++;
  char c;
  const int null = open("/dev/zero", O_RDONLY);
  EXPECT_EQ(io_call({io::Op::kRead, null, nullptr}, nullptr, "read",
                    [&] { return read(null, &c, 1); }, transferred),
            1);
  current_thread().interposer_depth--;
  EXPECT_TRUE(io_samples().empty());
  close(null);
}

struct BlockedReader {
  int fd;
  std::atomic<int32_t> tid{0};
};

void* read_until_cancelled(void* argument) {
  auto* reader = static_cast<BlockedReader*>(argument);
  reader->tid.store(current_tid());
  char c;
  io_call({io::Op::kRead, reader->fd, nullptr}, nullptr, "read",
          [&] { return read(reader->fd, &c, 1); }, transferred);
  return nullptr;
}

// A thread cancelled inside a tracked call unwinds through it; the call's cleanup marks
// the thread as no longer blocked (our code has no exceptions, so no destructor would).
TEST_F(IoCallTest, CancelledCallLeavesTheThreadUnblocked) {
  g_track_thread_activity.store(true);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  BlockedReader reader{fds[0]};
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, nullptr, &read_until_cancelled, &reader), 0);
  // Wait until the activity table shows it blocked in read.
  struct Found {
    int32_t tid;
    BlockReason reason = BlockReason::kNone;
    bool seen = false;
  };
  auto look = [&] {
    Found found{reader.tid.load()};
    for_each_activity(
        [](const ThreadActivity& activity, void* context) {
          auto* f = static_cast<Found*>(context);
          if (activity.tid.load() != f->tid) return;
          f->seen = true;
          f->reason = BlockReason(activity.reason.load());
        },
        &found);
    return found;
  };
  for (int i = 0; i < 2000 && look().reason != BlockReason::kIo; ++i) usleep(1000);
  ASSERT_EQ(look().reason, BlockReason::kIo);
  ASSERT_EQ(pthread_cancel(thread), 0);
  void* result = nullptr;
  ASSERT_EQ(pthread_join(thread, &result), 0);
  EXPECT_EQ(result, PTHREAD_CANCELED);
  const Found after = look();
  ASSERT_TRUE(after.seen) << "the slot is released only by the shim's thread-exit hook";
  EXPECT_EQ(after.reason, BlockReason::kNone);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace cxxprof
