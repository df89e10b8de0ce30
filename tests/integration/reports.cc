#include "tests/integration/reports.h"

#include <cstdlib>

namespace cxxprof_test {

std::string launcher_path() { return build_path("bin/cxxprof-run"); }
std::string report_tool_path() { return build_path("bin/cxxprof"); }
std::string preload_library_path() { return build_path("lib/libcxxprof.so"); }
std::string fixture_path(const std::string& name) { return build_path("fixtures/" + name); }

::testing::AssertionResult profiler_built() {
  std::string missing;
  for (const auto& path : {launcher_path(), report_tool_path()}) {
    if (!is_executable(path)) missing += " " + path;
  }
  if (!path_exists(preload_library_path())) missing += " " + preload_library_path();
  if (missing.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "not built (run `make all fixtures`):" << missing;
}

::testing::AssertionResult preload_library_built() {
  if (path_exists(preload_library_path())) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "not built (run `make all`): " << preload_library_path();
}

CommandResult run_profiled(const std::vector<std::string>& launcher_options,
                           const std::vector<std::string>& program, const CommandOptions& options) {
  std::vector<std::string> argv{launcher_path()};
  argv.insert(argv.end(), launcher_options.begin(), launcher_options.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  return run_command(argv, options);
}

CommandResult run_report_tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv{report_tool_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

CommandResult run_go_pprof(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"go", "tool", "pprof", "-symbolize=none"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  const char* home = getenv("HOME");
  if (home != nullptr && *home != '\0') return run_command(argv, options);
  TempDir fake_home;
  options.set_env.push_back("HOME=" + fake_home.path());
  return run_command(argv, options);
}

namespace {

::testing::AssertionResult failed_read(const CommandResult& r, const std::string& why) {
  return ::testing::AssertionFailure() << why << "\n" << r.describe();
}

}  // namespace

::testing::AssertionResult our_collapsed(const std::string& file, const std::string& index, bool by_thread,
                                         std::vector<Stack>* stacks) {
  std::vector<std::string> args{"collapsed"};
  if (!index.empty()) args.push_back("--sample_index=" + index);
  if (by_thread) args.push_back("--thread");
  args.push_back(file);
  const CommandResult r = run_report_tool(args);
  if (r.exit_code() != 0) return failed_read(r, "cxxprof collapsed failed");
  std::string error;
  if (!parse_collapsed(r.out, by_thread, stacks, &error)) return failed_read(r, error);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult our_top(const std::string& file, const std::string& index, TopTable* table) {
  std::vector<std::string> args{"top", "-n", "50"};
  if (!index.empty()) args.push_back("--sample_index=" + index);
  args.push_back(file);
  const CommandResult r = run_report_tool(args);
  if (r.exit_code() != 0) return failed_read(r, "cxxprof top failed");
  std::string error;
  if (!parse_top(r.out, table, &error)) return failed_read(r, error);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_top(const std::string& file, const std::string& index, TopTable* table,
                                     std::string* report) {
  std::vector<std::string> args{"-top", "-nodecount=50", "-unit=ns"};
  if (!index.empty()) args.push_back("-sample_index=" + index);
  args.push_back(file);
  const CommandResult r = run_go_pprof(args);
  if (r.exit_code() != 0) return failed_read(r, "go tool pprof -top failed");
  std::string error;
  if (!parse_top(r.out, table, &error)) return failed_read(r, error);
  if (report != nullptr) *report = r.out;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_traces(const std::string& file, const std::string& index,
                                        std::vector<Trace>* traces) {
  std::vector<std::string> args{"-traces", "-unit=ns"};
  if (!index.empty()) args.push_back("-sample_index=" + index);
  args.push_back(file);
  const CommandResult r = run_go_pprof(args);
  if (r.exit_code() != 0) return failed_read(r, "go tool pprof -traces failed");
  std::string error;
  if (!parse_pprof_traces(r.out, traces, &error)) return failed_read(r, error);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_tags(const std::string& file, const std::string& key,
                                      std::map<std::string, double>* amounts) {
  const CommandResult r = run_go_pprof({"-tags", file});
  if (r.exit_code() != 0) return failed_read(r, "go tool pprof -tags failed");
  std::string error;
  if (!parse_pprof_tags(r.out, key, amounts, &error)) return failed_read(r, error);
  return ::testing::AssertionSuccess();
}

int64_t total_value(const std::vector<Stack>& stacks) {
  int64_t sum = 0;
  for (const auto& s : stacks) sum += s.value;
  return sum;
}

}  // namespace cxxprof_test
