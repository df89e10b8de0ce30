// Running programs from integration tests: every command under a timeout, its output
// captured, its whole process group killed if it overstays (a hung profiler must fail
// one test, not hang CI). Also temporary directories and the build tree's paths.
//
// The test binary runs from the repository root; the build tree is "build" unless
// CXXPROF_BUILD_DIR says otherwise (tests/run_all.sh sets it to its argument).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace cxxprof_test {

constexpr std::chrono::seconds kDefaultTimeout{60};

struct CommandOptions {
  std::chrono::milliseconds timeout = kDefaultTimeout;
  std::vector<std::string> set_env;    // "NAME=value", added or replacing
  std::vector<std::string> unset_env;  // names removed from the environment
};

struct CommandResult {
  std::string command;  // for messages
  int wait_status = 0;
  bool timed_out = false;
  std::string out;
  std::string err;

  bool exited() const;
  int exit_code() const;    // -1 unless exited normally
  int term_signal() const;  // 0 unless killed by a signal
  // "`cmd` exited 2; stderr: ..." — for assertion messages.
  std::string describe() const;
};

// A started child process. Its stdin is /dev/null; stdout and stderr are captured.
// It leads its own process group, so a timeout kills everything it started.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const CommandOptions& options = {});
  ~Process();  // kills the group and reaps the child if the test did not wait
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Reads output until stdout contains `needle`, the child exits, or `limit` passes.
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds limit);
  // Waits for the exit (or the timeout, counted from the start) and drains the output.
  CommandResult wait();

 private:
  void pump(int timeout_ms);  // one poll round over the output pipes
  bool reap(bool block);
  void kill_group();

  CommandResult result_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point deadline_;
};

// Runs argv to completion (or timeout).
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A fresh directory under $TMPDIR (default /tmp), removed with its contents on
// destruction unless CXXPROF_KEEP_TEST_DIRS is set (to look at profiles of a failure).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The build tree ("build" or $CXXPROF_BUILD_DIR) and paths in it.
std::string build_dir();
std::string build_path(const std::string& relative);  // build_dir() + "/" + relative

bool path_exists(const std::string& path);
bool is_executable(const std::string& path);
std::string read_text_file(const std::string& path);  // "" if unreadable

}  // namespace cxxprof_test
