// preload/vfork_child.h and the caches that rely on it, driven directly: a vfork child is
// told apart from its parent and from a forked child, and what it does leaves the state
// it shares with its parent's thread as it was: no cached tid, no thread slot claimed or
// published, no descriptor classification cached from its own descriptor table.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "common/config.h"
#include "preload/fd_table.h"
#include "preload/raw_store.h"
#include "preload/thread_state.h"
#include "preload/vfork_child.h"
#include "tests/unit/temp_store.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

// The exit status of `child`, or -1 if it did not exit normally.
int exit_status_of(pid_t child) {
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Runs `body` in a new thread: its ThreadState starts zeroed (no tid cached, no slot),
// which is what the parent thread of these vforks must have for the test to mean anything.
template <typename Body>
void in_fresh_thread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST(VforkChild, IsToldApartFromItsParentAndFromAForkedChild) {
  track_process_pid();
  EXPECT_FALSE(in_vfork_child());
  pid_t child = vfork();
  if (child == 0) _exit(in_vfork_child() ? 0 : 1);
  ASSERT_GT(child, 0);
  EXPECT_EQ(exit_status_of(child), 0) << "a vfork child must know it is one";
  EXPECT_FALSE(in_vfork_child()) << "the parent, after its child exited";

  child = fork();  // the atfork handler records the forked child's own pid
  if (child == 0) _exit(in_vfork_child() ? 1 : 0);
  ASSERT_GT(child, 0);
  EXPECT_EQ(exit_status_of(child), 0) << "a forked child has its own memory: not a vfork child";
}

TEST(VforkChild, LeavesTheParentThreadsTidUncached) {
  track_process_pid();
  in_fresh_thread([] {
    ASSERT_EQ(current_thread().tid, 0);
    const pid_t child = vfork();
    // The child's tid is its pid (it has one thread); it must not stay in the TLS.
    if (child == 0) _exit(current_tid() == getpid() ? 0 : 1);
    ASSERT_GT(child, 0);
    EXPECT_EQ(exit_status_of(child), 0);
    EXPECT_EQ(current_thread().tid, 0) << "the child cached its tid in its parent's TLS";
    EXPECT_EQ(current_tid(), int32_t(gettid()));
    EXPECT_EQ(current_thread().tid, int32_t(gettid())) << "the parent itself caches it";
  });
}

class VforkChildStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    track_process_pid();
    Config config;
    config_init(&config);
    config.io_rate = 1;
    ASSERT_TRUE(scratch_.create_store(&store_, config));
  }

  TempStoreDir scratch_{"vfork"};
  RawStore store_;
};

TEST_F(VforkChildStoreTest, ClaimsNoThreadSlotForItsParentsThread) {
  const RawStore& store = store_;
  in_fresh_thread([&store] {
    const uint32_t claimed_before = store.header()->thread_count.load();
    const pid_t child = vfork();
    if (child == 0) _exit(current_thread_slot(store, 0) == 0 ? 0 : 1);
    ASSERT_GT(child, 0);
    EXPECT_EQ(exit_status_of(child), 0) << "a vfork child's events go to slot 0";
    EXPECT_EQ(store.header()->thread_count.load(), claimed_before) << "the child claimed a slot";
    EXPECT_EQ(current_thread().slot, 0u) << "the child published a slot in its parent's TLS";
    const uint32_t slot = current_thread_slot(store, 0);
    ASSERT_NE(slot, 0u);
    EXPECT_EQ(store.threads()[slot].tid, int32_t(gettid())) << "the parent's slot is its own";
  });
}

TEST_F(VforkChildStoreTest, KeepsNoClassificationOfItsOwnDescriptors) {
  const std::string path = scratch_.path() + "/file";
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  int pipe_fds[2];
  ASSERT_GE(file, 0);
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  // New numbers, maybe cached by earlier tests: what the open and pipe interposers do.
  fd_forget(file);
  fd_forget(pipe_fds[0]);
  fd_forget(pipe_fds[1]);
  ASSERT_EQ(fd_label(store_, file).kind, io::FdKind::kFile);  // cached now

  const RawStore& store = store_;
  const pid_t child = vfork();
  if (child == 0) {
    // What the dup2 interposer does in a vfork child, then a recorded call's lookup: the
    // child's descriptor is a pipe now.
    if (dup2(pipe_fds[1], file) < 0) _exit(2);
    fd_forget(file);
    _exit(fd_label(store, file).kind == io::FdKind::kPipe ? 0 : 1);
  }
  ASSERT_GT(child, 0);
  EXPECT_EQ(exit_status_of(child), 0) << "the child must see its own descriptor";
  const FdLabel label = fd_label(store_, file);
  EXPECT_EQ(label.kind, io::FdKind::kFile) << "the child's pipe was cached for the parent";
  EXPECT_NE(label.path_id, io::kNoPath);
  close(file);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

}  // namespace
}  // namespace cxxprof
