#include "tests/integration/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace cxxprof_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

std::vector<std::string> make_environment(const CommandOptions& options) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = name_of(entry);
    const bool unset = std::find(options.unset_env.begin(), options.unset_env.end(), name) !=
                       options.unset_env.end();
    const bool replaced = std::any_of(options.set_env.begin(), options.set_env.end(),
                                      [&](const std::string& s) { return name_of(s) == name; });
    if (!unset && !replaced) env.push_back(entry);
  }
  env.insert(env.end(), options.set_env.begin(), options.set_env.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

bool CommandResult::exited() const { return !timed_out && WIFEXITED(wait_status); }

int CommandResult::exit_code() const { return exited() ? WEXITSTATUS(wait_status) : -1; }

int CommandResult::term_signal() const {
  return !timed_out && WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
}

std::string CommandResult::describe() const {
  std::ostringstream s;
  s << "`" << command << "` ";
  if (timed_out) {
    s << "timed out (killed)";
  } else if (exited()) {
    s << "exited " << exit_code();
  } else {
    s << "killed by signal " << term_signal();
  }
  // The tail is what explains a failure; whole outputs can be megabytes.
  auto tail = [](const std::string& text) {
    return text.size() > 4000 ? "..." + text.substr(text.size() - 4000) : text;
  };
  s << "\n--- stdout ---\n" << tail(out) << "\n--- stderr ---\n" << tail(err);
  return s.str();
}

Process::Process(const std::vector<std::string>& argv, const CommandOptions& options) {
  result_.command = join(argv);
  deadline_ = Clock::now() + options.timeout;

  // Everything the child needs is built before fork: after fork only async-signal-safe
  // calls are allowed (the test binary may have threads).
  std::vector<std::string> args = argv;
  std::vector<std::string> env = make_environment(options);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);
  std::string exec_error = "harness: cannot execute " + (argv.empty() ? std::string() : argv[0]) + "\n";

  int out_pipe[2];
  int err_pipe[2];
  if (argv.empty() || pipe2(out_pipe, O_CLOEXEC) != 0) abort();
  if (pipe2(err_pipe, O_CLOEXEC) != 0) abort();

  pid_ = fork();
  if (pid_ < 0) abort();
  if (pid_ == 0) {
    setpgid(0, 0);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    // Signals the test binary ignores or blocks must not leak into the program.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    environ = c_env.data();
    execvp(c_args[0], c_args.data());
    if (write(STDERR_FILENO, exec_error.data(), exec_error.size()) < 0) {
      // Nothing left to report to.
    }
    _exit(127);
  }
  setpgid(pid_, pid_);  // also from the parent: no window where a kill(-pid) misses
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

Process::~Process() {
  if (!reaped_) {
    kill_group();
    reap(true);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Process::pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) {
    if (timeout_ms > 0) usleep(static_cast<useconds_t>(timeout_ms) * 1000);
    return;
  }
  if (poll(fds, n, timeout_ms) <= 0) return;
  for (int i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    const bool is_out = fds[i].fd == out_fd_;
    char buf[65536];
    const ssize_t got = read(fds[i].fd, buf, sizeof buf);
    if (got > 0) {
      (is_out ? result_.out : result_.err).append(buf, static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close(fds[i].fd);
      (is_out ? out_fd_ : err_fd_) = -1;
    }
  }
}

bool Process::reap(bool block) {
  if (reaped_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    result_.wait_status = status;
  }
  return reaped_;
}

void Process::kill_group() {
  if (reaped_ || pid_ <= 0) return;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
}

bool Process::wait_for_stdout(const std::string& needle, std::chrono::milliseconds limit) {
  const auto until = std::min(deadline_, Clock::now() + limit);
  while (result_.out.find(needle) == std::string::npos) {
    if (Clock::now() >= until) return false;
    if (out_fd_ < 0 && reap(false)) return false;
    pump(20);
  }
  return true;
}

CommandResult Process::wait() {
  while (!reap(false)) {
    if (Clock::now() >= deadline_) {
      result_.timed_out = true;
      kill_group();
      reap(true);
      break;
    }
    pump(20);
  }
  // A descendant that outlives the child may hold the pipes open: drain for a bounded
  // time rather than until EOF.
  const auto drain_until = Clock::now() + std::chrono::seconds(2);
  while ((out_fd_ >= 0 || err_fd_ >= 0) && Clock::now() < drain_until) pump(20);
  return result_;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  Process process(argv, options);
  return process.wait();
}

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/cxxprof-test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  if (getenv("CXXPROF_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string build_dir() {
  const char* dir = getenv("CXXPROF_BUILD_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "build";
}

std::string build_path(const std::string& relative) { return build_dir() + "/" + relative; }

bool path_exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool is_executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace cxxprof_test
