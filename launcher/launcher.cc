#include "launcher/launcher.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/alloc_trace_protocol.h"
#include "common/debug_options.h"
#include "launcher/alloc_trace_listener.h"
#include "launcher/child_environment.h"
#include "launcher/collector.h"
#include "launcher/command_line.h"
#include "launcher/library_locator.h"
#include "launcher/output_directory.h"
#include "launcher/process_runner.h"
#include "launcher/program_locator.h"
#include "launcher/signal_forwarder.h"
#include "launcher/summary_report.h"
#include "tools/summary.h"

namespace cxxprof {
namespace {

constexpr int kUsageError = 2;

// One complete line per write(2), so lines from the program and from us never interleave
// mid-line on a shared terminal.
void print_line(const std::string& text) {
  std::string line = "cxxprof-run: " + text + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void print_text(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += size_t(n);
  }
}

int fail(const std::string& message) {
  print_line(message);
  return kUsageError;
}

const char* lookup_environment(const char* name) { return ::getenv(name); }

void print_debug_warning(void*, const char* line) { print_line(line); }

// CXXDEBUG passes to the program untouched; the launcher reads it too, to report bad
// settings once for the whole run (the library stays quiet under the launcher) and to
// symbolize allocfreetrace's stream. With allocfreetrace, the program's environment names
// the listener's socket (or no socket, so a nested run's is not inherited).
void prepare_allocfreetrace(const DebugOptions& debug, const std::string& output_dir,
                            AllocTraceListener* listener, std::vector<std::string>* environment) {
  std::erase_if(*environment, [](const std::string& entry) {
    return entry.compare(0, std::strlen(alloctrace::kSocketEnv) + 1,
                         std::string(alloctrace::kSocketEnv) + "=") == 0;
  });
  if (!debug.allocfreetrace) return;
  std::string error;
  if (!listener->start(output_dir, debug.debugout, &error)) {
    print_line(error + "; allocfreetrace stacks will be module+offset");
    return;
  }
  environment->push_back(std::string(alloctrace::kSocketEnv) + "=" + listener->socket_path());
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

int run_launcher(int argc, char** argv) {
  // Inherited SIGCHLD=SIG_IGN would make the kernel reap the program before we learn its
  // exit status.
  ::signal(SIGCHLD, SIG_DFL);

  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  LaunchOptions options;
  std::string error;
  if (!parse_command_line(args, lookup_environment, &options, &error)) return fail(error);
  if (options.action == LaunchOptions::Action::kHelp) {
    print_text(STDOUT_FILENO, usage_text());
    return 0;
  }
  if (options.action == LaunchOptions::Action::kVersion) {
    print_text(STDOUT_FILENO, version_text());
    return 0;
  }
  for (const std::string& warning : options.warnings) print_line(warning);

  const std::string& program = options.program[0];
  std::string program_path;
  if (!resolve_program(program, ::getenv("PATH"), &program_path, &error)) return fail(error);
  std::string library;
  if (!locate_library(own_executable(), ::getenv(kLibraryOverrideEnv), &library, &error)) {
    return fail(error);
  }
  std::string display_dir = options.config.output_dir[0] != '\0'
                                ? std::string(options.config.output_dir)
                                : default_output_directory(program, ::getpid());
  display_dir = without_trailing_slashes(display_dir);
  OutputDirectory output;
  if (!prepare_output_directory(display_dir, &output, &error)) return fail(error);

  bool statically_linked = is_statically_linked_elf(program_path);
  if (statically_linked) print_line(program + " is statically linked; it runs unprofiled");
  if (!statically_linked && runs_in_secure_mode(program_path)) {
    print_line(program + " is set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for "
               "it, so it runs unprofiled");
  }

  DebugOptions debug;
  debug_options_init(&debug);
  debug_options_parse(::getenv(kDebugEnv), &debug, print_debug_warning, nullptr);
  std::vector<std::string> child_environment = build_child_environment(
      current_environment(), options.config, library, output.absolute_path, ::getpid());
  AllocTraceListener alloc_trace;
  prepare_allocfreetrace(debug, output.absolute_path, &alloc_trace, &child_environment);
  EnvironmentBlock environment(std::move(child_environment));
  SignalForwarder forwarder;
  pid_t child = 0;
  uint64_t start_ns = monotonic_now_ns();
  if (!start_program(program_path, options.program, &environment, &forwarder, &child, &error)) {
    alloc_trace.stop();  // its socket must not keep the directory from being removed
    remove_if_created_and_empty(output);
    return fail(error);
  }
  ProgramEnd end = wait_for_program(child, &forwarder);
  forwarder.uninstall();
  alloc_trace.stop();  // prints the last events before the summary
  // From here on we only write to stderr; a closed pipe there must not kill us before the
  // raw data is converted.
  ::signal(SIGPIPE, SIG_IGN);

  CollectOptions collect;
  collect.output_dir = output.absolute_path;
  collect.root_pid = child;
  collect.root_end_monotonic_ns = end.end_monotonic_ns;
  collect.keep_raw = options.keep_raw;
  collect.show_progress = !options.quiet;
  std::vector<ProcessOutcome> outcomes = collect_profiles(collect);
  if (outcomes.empty()) remove_if_created_and_empty(output);

  RunReport run;
  run.program = program;
  run.end = describe_end(end.wait_status);
  run.elapsed_seconds = double(end.end_monotonic_ns - start_ns) / 1e9;
  run.display_dir = display_dir;
  run.statically_linked = statically_linked;
  print_text(STDERR_FILENO, format_summary(run, outcomes, summarize_profile, options.quiet));
  return exit_status_for(end.wait_status);
}

}  // namespace cxxprof
