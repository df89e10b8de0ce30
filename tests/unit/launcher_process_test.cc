// Starting the program, forwarding signals to it, and mapping how it ended to
// cxxprof-run's exit status. These tests start real processes (with /bin/sh as the
// *program*; the launcher itself never uses a shell).
#include "launcher/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "launcher/signal_forwarder.h"
#include "tests/unit/launcher_test_support.h"

namespace cxxprof {
namespace {

using testing_support::TemporaryDirectory;
using testing_support::write_file;

struct ProgramRun {
  bool started = false;
  std::string error;
  int wait_status = 0;
};

ProgramRun run(const std::string& path, const std::vector<std::string>& argv,
        std::vector<std::string> environment = {"PATH=/usr/bin:/bin"},
        void (*while_running)(pid_t) = nullptr) {
  ProgramRun result;
  EnvironmentBlock block(std::move(environment));
  SignalForwarder forwarder;
  pid_t child = 0;
  result.started = start_program(path, argv, &block, &forwarder, &child, &result.error);
  if (!result.started) return result;
  if (while_running) while_running(child);
  ProgramEnd end = wait_for_program(child, &forwarder);
  EXPECT_GT(end.end_monotonic_ns, 0u);
  forwarder.uninstall();
  result.wait_status = end.wait_status;
  return result;
}

TEST(LauncherExitStatus, MapsLikeAShell) {
  EXPECT_EQ(exit_status_for(0), 0);
  EXPECT_EQ(exit_status_for(3 << 8), 3);
  EXPECT_EQ(exit_status_for(255 << 8), 255);
  EXPECT_EQ(exit_status_for(SIGSEGV), 128 + SIGSEGV);
  EXPECT_EQ(exit_status_for(SIGKILL), 137);
  EXPECT_EQ(exit_status_for(SIGABRT | 0x80), 128 + SIGABRT) << "core dumped";
}

TEST(LauncherExitStatus, Describes) {
  EXPECT_EQ(describe_end(0), "exited with status 0");
  EXPECT_EQ(describe_end(42 << 8), "exited with status 42");
  EXPECT_EQ(describe_end(SIGSEGV), "was killed by signal SIGSEGV (11)");
  EXPECT_EQ(describe_end(SIGABRT | 0x80), "was killed by signal SIGABRT (6) and dumped core");
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(signal_name(1000), "signal 1000");
}

TEST(LauncherStartProgram, ExitStatusAndSignalsOfRealPrograms) {
  ProgramRun exited = run("/bin/sh", {"sh", "-c", "exit 3"});
  ASSERT_TRUE(exited.started) << exited.error;
  EXPECT_EQ(exit_status_for(exited.wait_status), 3);

  ProgramRun killed = run("/bin/sh", {"sh", "-c", "kill -SEGV $$"});
  ASSERT_TRUE(killed.started) << killed.error;
  EXPECT_EQ(exit_status_for(killed.wait_status), 128 + SIGSEGV);
  EXPECT_TRUE(describe_end(killed.wait_status).starts_with("was killed by signal SIGSEGV (11)"));
}

TEST(LauncherStartProgram, TheChildGetsItsPidAndTheEnvironment) {
  // The program checks its own environment and answers through its exit status.
  ProgramRun checked = run("/bin/sh",
                    {"my-name", "-c",
                     "[ \"$CXXPROF_ROOT_PID\" = \"$$\" ] || exit 10; "
                     "[ \"$FOO\" = bar ] || exit 11; [ \"$0\" = my-name ] || exit 12; exit 0"},
                    {"FOO=bar", "PATH=/usr/bin:/bin"});
  ASSERT_TRUE(checked.started) << checked.error;
  EXPECT_EQ(exit_status_for(checked.wait_status), 0);
}

TEST(LauncherStartProgram, ExecFailureIsReportedAndNothingRuns) {
  TemporaryDirectory directory;
  std::string junk = directory / "junk";
  ASSERT_TRUE(write_file(junk, "this is neither ELF nor a script\n", 0755));
  ProgramRun not_executable_format = run(junk, {"junk"});
  EXPECT_FALSE(not_executable_format.started);
  EXPECT_EQ(not_executable_format.error,
            "junk: Exec format error (neither an ELF program nor a script with #!)");

  std::string bad_interpreter = directory / "script";
  ASSERT_TRUE(write_file(bad_interpreter, "#!/nonexistent/interpreter\n", 0755));
  ProgramRun missing = run(bad_interpreter, {"./script"});
  EXPECT_FALSE(missing.started);
  EXPECT_EQ(missing.error, "./script: No such file or directory");
}

TEST(LauncherSignalForwarding, Rule) {
  const pid_t child = 100;
  // Terminal-generated: the program, in our process group, got it too.
  EXPECT_FALSE(should_forward(SIGINT, SI_KERNEL, 0, child, false));
  EXPECT_FALSE(should_forward(SIGQUIT, SI_KERNEL, 0, child, true));
  EXPECT_FALSE(should_forward(SIGHUP, SI_KERNEL, 0, child, false));
  // Hang-up of a session leader's terminal goes to the leader alone.
  EXPECT_TRUE(should_forward(SIGHUP, SI_KERNEL, 0, child, true));
  // Sent by a process: forwarded, except the program's own.
  EXPECT_TRUE(should_forward(SIGTERM, SI_USER, 55, child, false));
  EXPECT_TRUE(should_forward(SIGINT, SI_QUEUE, 55, child, false));
  EXPECT_TRUE(should_forward(SIGINT, SI_TKILL, 55, child, false));
  EXPECT_FALSE(should_forward(SIGTERM, SI_USER, child, child, false));
  size_t count = 0;
  const int* signals = forwarded_signals(&count);
  std::vector<int> list(signals, signals + count);
  for (int expected : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    EXPECT_NE(std::find(list.begin(), list.end(), expected), list.end()) << expected;
  }
}

TEST(LauncherSignalForwarding, KillToTheLauncherReachesTheProgram) {
  struct sigaction before;
  ::sigaction(SIGTERM, nullptr, &before);
  ProgramRun forwarded = run("/bin/sleep", {"sleep", "30"}, {"PATH=/usr/bin:/bin"}, [](pid_t) {
    // As `kill PID` would: SI_USER from another pid (ours, which is not the child's).
    ::kill(::getpid(), SIGTERM);
  });
  ASSERT_TRUE(forwarded.started) << forwarded.error;
  EXPECT_EQ(exit_status_for(forwarded.wait_status), 128 + SIGTERM);
  struct sigaction after;
  ::sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler) << "the disposition is restored";
}

TEST(LauncherSignalForwarding, TheProgramsOwnSignalIsNotSentBack) {
  // The program signals its parent (the launcher) and lives on: no echo, no loop.
  ProgramRun run_result = run("/bin/sh", {"sh", "-c", "kill -USR1 $PPID; sleep 0.2; exit 4"});
  ASSERT_TRUE(run_result.started) << run_result.error;
  EXPECT_EQ(exit_status_for(run_result.wait_status), 4);
}

TEST(LauncherSignalForwarding, IgnoredSignalsStayIgnoredInTheProgram) {
  struct sigaction ignore = {}, before;
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGHUP, &ignore, &before);  // as under nohup(1)
  ProgramRun run_result = run("/bin/sh", {"sh", "-c", "kill -HUP $$; exit 6"});
  ::sigaction(SIGHUP, &before, nullptr);
  ASSERT_TRUE(run_result.started) << run_result.error;
  EXPECT_EQ(exit_status_for(run_result.wait_status), 6);
}

}  // namespace
}  // namespace cxxprof
