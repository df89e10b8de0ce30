#include "launcher/process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace cxxprof {

uint64_t monotonic_now_ns() {
  struct timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec);
}

bool start_program(const std::string& path, const std::vector<std::string>& argv,
                   EnvironmentBlock* environment, SignalForwarder* forwarder, pid_t* child,
                   std::string* error) {
  // Everything the child needs is allocated before fork: after fork it only makes
  // async-signal-safe calls.
  std::vector<char*> arguments;
  arguments.reserve(argv.size() + 1);
  for (const std::string& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  const char* program = argv.empty() ? path.c_str() : argv[0].c_str();

  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    *error = std::string("cannot create a pipe: ") + ::strerror(errno);
    return false;
  }
  forwarder->install();
  pid_t pid = ::fork();
  if (pid < 0) {
    int fork_errno = errno;
    forwarder->uninstall();
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    *error = std::string("cannot start ") + program + ": fork: " + ::strerror(fork_errno);
    return false;
  }
  if (pid == 0) {
    ::close(status_pipe[0]);
    forwarder->restore_in_child();
    environment->set_root_pid(::getpid());
    ::execve(path.c_str(), arguments.data(), environment->envp());
    int exec_errno = errno;
    // The parent reads the errno; if even that write fails it still sees exit 127.
    ssize_t ignored = ::write(status_pipe[1], &exec_errno, sizeof(exec_errno));
    (void)ignored;
    ::_exit(127);
  }
  ::close(status_pipe[1]);
  forwarder->set_child(pid);

  // EOF without data: the exec succeeded and closed the pipe (O_CLOEXEC).
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  if (n > 0) {
    forwarder->clear_child();
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    forwarder->uninstall();
    *error = std::string(program) + ": " + ::strerror(exec_errno);
    if (exec_errno == ENOEXEC) *error += " (neither an ELF program nor a script with #!)";
    return false;
  }
  *child = pid;
  return true;
}

ProgramEnd wait_for_program(pid_t child, SignalForwarder* forwarder) {
  ProgramEnd end;
  // WNOWAIT: see the end without reaping, so that the pid cannot be reused while a
  // signal handler might still forward to it.
  siginfo_t info = {};
  while (::waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  end.end_monotonic_ns = monotonic_now_ns();
  forwarder->clear_child();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  end.wait_status = status;
  return end;
}

int exit_status_for(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;  // stopped/continued are never reported: we do not ask for them
}

std::string signal_name(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  if (abbreviation == nullptr && signal_number >= SIGRTMIN && signal_number <= SIGRTMAX) {
    return "SIGRTMIN+" + std::to_string(signal_number - SIGRTMIN);
  }
  if (abbreviation == nullptr) return "signal " + std::to_string(signal_number);
  return std::string("SIG") + abbreviation;
}

std::string describe_end(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int signal_number = WTERMSIG(wait_status);
    std::string text = "was killed by signal " + signal_name(signal_number) + " (" +
                       std::to_string(signal_number) + ")";
    if (WCOREDUMP(wait_status)) text += " and dumped core";
    return text;
  }
  return "ended with wait status " + std::to_string(wait_status);
}

}  // namespace cxxprof
