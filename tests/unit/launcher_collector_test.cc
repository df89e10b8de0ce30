// Collecting raw files after the run and the summary printed about them. The symbolizer
// is replaced by a fake that writes empty profile files, so these tests check only the
// launcher's part: which files, which names, what is kept, what is said.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "launcher/collector.h"
#include "launcher/summary_report.h"
#include "tests/unit/launcher_test_support.h"

namespace cxxprof {
namespace {

using testing_support::exists;
using testing_support::TemporaryDirectory;
using testing_support::write_file;

struct FakeConverter {
  std::vector<std::string> converted;  // raw paths, in order
  std::vector<ConvertOptions> options;
  bool fail_for_pid_200000000 = false;

  ConvertFunction function() {
    return [this](const std::string& raw_path, const ConvertOptions& convert_options,
                  ConvertResult* result, std::string* error) {
      converted.push_back(raw_path);
      options.push_back(convert_options);
      std::string name = raw_path.substr(raw_path.rfind('/') + 1);
      int pid = std::stoi(name);
      if (fail_for_pid_200000000 && pid == 200000000) {
        *error = "bad magic";
        return false;
      }
      // The naming rule of convert_raw_file (symbolizer/convert.cc).
      std::string profile = convert_options.is_root_process
                                ? "cpu" + convert_options.name_suffix + ".pb.gz"
                                : "cpu." + std::to_string(pid) + convert_options.name_suffix +
                                      ".pb.gz";
      std::string path = convert_options.output_dir + "/" + profile;
      if (exists(path)) {
        *error = path + " exists";
        return false;
      }
      write_file(path, "");
      result->pid = pid;
      result->command_line = "prog " + name;
      result->profiles.push_back({"cpu", path, pid, int64_t(pid) * 10000000});
      return true;
    };
  }
};

CollectOptions options_for(const TemporaryDirectory& directory, FakeConverter* fake) {
  CollectOptions options;
  options.output_dir = directory.path();
  options.root_pid = 100;
  options.root_end_monotonic_ns = 555;
  options.show_progress = false;
  options.convert = fake->function();
  return options;
}

TEST(LauncherCollector, FindsRawFilesByPidAndImage) {
  TemporaryDirectory directory;
  for (const char* name : {"300.cxxraw", "100.cxxraw", "100.1.cxxraw", "100.2.cxxraw",
                           "x.cxxraw", "12a.cxxraw", "0.cxxraw", "200.cxxraw.tmp", "cpu.pb.gz",
                           "1.2.3.cxxraw"}) {
    ASSERT_TRUE(write_file(directory / name, ""));
  }
  std::vector<RawFile> files = find_raw_files(directory.path());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].path, directory / "100.cxxraw");
  EXPECT_TRUE(files[0].superseded);
  EXPECT_EQ(files[1].image, 1);
  EXPECT_TRUE(files[1].superseded);
  EXPECT_EQ(files[2].image, 2);
  EXPECT_FALSE(files[2].superseded) << "the last image of a pid";
  EXPECT_EQ(files[3].pid, 300);
  EXPECT_FALSE(files[3].superseded);
  EXPECT_TRUE(find_raw_files(directory / "missing").empty());
}

// Descendant pids above the kernel's PID_MAX_LIMIT (4194304): no live process has them, so
// none is taken for a daemon that is still running.
TEST(LauncherCollector, RootFirstThenDescendantsAndRawFilesDeleted) {
  TemporaryDirectory directory;
  for (const char* name : {"50000000.cxxraw", "100.cxxraw", "300000000.cxxraw"}) {
    write_file(directory / name, "");
  }
  FakeConverter fake;
  std::vector<ProcessOutcome> outcomes = collect_profiles(options_for(directory, &fake));
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(fake.converted[0], directory / "100.cxxraw");
  EXPECT_TRUE(fake.options[0].is_root_process);
  EXPECT_EQ(fake.options[0].fallback_end_monotonic_ns, 555u) << "the root ended when we saw it";
  EXPECT_FALSE(fake.options[1].is_root_process);
  EXPECT_GT(fake.options[1].fallback_end_monotonic_ns, 555u) << "descendants: now";
  EXPECT_EQ(fake.options[1].output_dir, directory.path());
  EXPECT_TRUE(outcomes[0].is_root);
  for (const ProcessOutcome& outcome : outcomes) {
    EXPECT_TRUE(outcome.converted) << outcome.error;
    EXPECT_FALSE(outcome.raw_kept);
    EXPECT_FALSE(exists(outcome.raw.path));
  }
  EXPECT_TRUE(exists(directory / "cpu.pb.gz"));
  EXPECT_TRUE(exists(directory / "cpu.50000000.pb.gz"));
  EXPECT_TRUE(exists(directory / "cpu.300000000.pb.gz"));
}

TEST(LauncherCollector, KeepRawAndFailedConversionsKeepTheirData) {
  TemporaryDirectory directory;
  for (const char* name : {"100.cxxraw", "200000000.cxxraw"}) write_file(directory / name, "");
  FakeConverter fake;
  fake.fail_for_pid_200000000 = true;
  std::vector<ProcessOutcome> outcomes = collect_profiles(options_for(directory, &fake));
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_FALSE(exists(directory / "100.cxxraw"));
  EXPECT_FALSE(outcomes[1].converted);
  EXPECT_EQ(outcomes[1].error, "bad magic");
  EXPECT_TRUE(outcomes[1].raw_kept);
  EXPECT_TRUE(exists(directory / "200000000.cxxraw")) << "kept for `cxxprof symbolize`";

  TemporaryDirectory keep;
  write_file(keep / "100.cxxraw", "");
  CollectOptions options = options_for(keep, &fake);
  options.keep_raw = true;
  outcomes = collect_profiles(options);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].raw_kept);
  EXPECT_TRUE(exists(keep / "100.cxxraw"));
}

TEST(LauncherCollector, ImagesBeforeExecGetNumberedNames) {
  TemporaryDirectory directory;
  for (const char* name : {"100.cxxraw", "100.1.cxxraw", "200000000.cxxraw", "200000000.1.cxxraw"}) {
    write_file(directory / name, "");
  }
  FakeConverter fake;
  std::vector<ProcessOutcome> outcomes = collect_profiles(options_for(directory, &fake));
  ASSERT_EQ(outcomes.size(), 4u);
  for (const ProcessOutcome& outcome : outcomes) EXPECT_TRUE(outcome.converted) << outcome.error;
  EXPECT_TRUE(exists(directory / "cpu.pb.gz")) << "the program the root finally became";
  EXPECT_TRUE(exists(directory / "cpu.100.0.pb.gz"));
  EXPECT_TRUE(exists(directory / "cpu.200000000.pb.gz"));
  EXPECT_TRUE(exists(directory / "cpu.200000000.0.pb.gz"));
  EXPECT_EQ(outcomes[0].result.profiles[0].path, directory / "cpu.100.0.pb.gz");
  EXPECT_TRUE(outcomes[0].is_root);
  EXPECT_TRUE(outcomes[0].raw.superseded);
  // An image replaced by exec did not die: no "did not exit normally" warning for it.
  EXPECT_TRUE(fake.options[0].exit_observed);
  EXPECT_EQ(fake.options[0].name_suffix, ".0");
  EXPECT_TRUE(fake.options[1].exit_observed) << "the launcher waited for the root";
  EXPECT_FALSE(fake.options[3].exit_observed) << "nobody saw the descendant end";
}

TEST(LauncherCollector, StillRunningDescendantsKeepTheirRawData) {
  TemporaryDirectory directory;
  write_file(directory / "100.cxxraw", "");
  // Our own pid is certainly alive: it stands for a daemon that outlived the program.
  write_file(directory / (std::to_string(::getpid()) + ".cxxraw"), "");
  FakeConverter fake;
  std::vector<ProcessOutcome> outcomes = collect_profiles(options_for(directory, &fake));
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_FALSE(outcomes[0].still_running);
  EXPECT_TRUE(outcomes[1].still_running);
  EXPECT_TRUE(outcomes[1].raw_kept);
  EXPECT_TRUE(is_process_running(::getpid()));
  EXPECT_FALSE(is_process_running(0));
}

TEST(LauncherCollector, ProgressLineOnlyWhenSlow) {
  TemporaryDirectory directory;
  write_file(directory / "100.cxxraw", "");
  write_file(directory / "101.cxxraw", "");
  FakeConverter fake;
  std::vector<std::string> printed;
  std::mutex printed_mutex;
  CollectOptions options = options_for(directory, &fake);
  options.show_progress = true;
  options.progress_delay = std::chrono::milliseconds(20);
  options.print_progress = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(printed_mutex);
    printed.push_back(line);
  };
  ConvertFunction fast = fake.function();
  options.convert = [fast](const std::string& path, const ConvertOptions& convert_options,
                           ConvertResult* result, std::string* error) {
    ::usleep(50 * 1000);
    return fast(path, convert_options, result, error);
  };
  collect_profiles(options);
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0], "cxxprof-run: symbolizing 2 processes...");

  TemporaryDirectory quick;
  write_file(quick / "100.cxxraw", "");
  printed.clear();
  options = options_for(quick, &fake);
  options.show_progress = true;
  options.print_progress = [&](const std::string& line) { printed.push_back(line); };
  collect_profiles(options);
  EXPECT_TRUE(printed.empty());
}

ProcessOutcome outcome_for(int pid, bool root, int64_t samples, const std::string& dir) {
  ProcessOutcome outcome;
  outcome.raw.pid = pid;
  outcome.raw.path = dir + "/" + std::to_string(pid) + ".cxxraw";
  outcome.is_root = root;
  outcome.converted = true;
  outcome.result.pid = pid;
  outcome.result.command_line = "./app --flag";
  std::string name = root ? "cpu.pb.gz" : "cpu." + std::to_string(pid) + ".pb.gz";
  outcome.result.profiles.push_back({"cpu", dir + "/" + name, samples, samples * 10000000});
  return outcome;
}

SummarizeFunction fake_summary() {
  return [](const std::string& path, size_t top_n, std::string* text, std::string*) {
    EXPECT_EQ(top_n, 10u);
    *text = "top of " + path.substr(path.rfind('/') + 1) + "\nline 2\n";
    return true;
  };
}

TEST(LauncherSummary, ShowsEndProfilesTopAndCommand) {
  RunReport run{"./app", "exited with status 0", 1.5, "out dir", false};
  std::vector<ProcessOutcome> outcomes = {outcome_for(100, true, 150, "/abs/out dir")};
  outcomes[0].result.warnings.push_back("3 samples dropped: table full");
  std::string text = format_summary(run, outcomes, fake_summary(), false);
  EXPECT_EQ(text,
            "cxxprof-run: ./app exited with status 0 after 1.50 s\n"
            "cxxprof-run: profiles in out dir/\n"
            "process 100 (the program): ./app --flag\n"
            "  cpu.pb.gz: 1.50 s of CPU, 150 distinct stacks\n"
            "    top of cpu.pb.gz\n"
            "    line 2\n"
            "    go tool pprof -http=: 'out dir/cpu.pb.gz'\n"
            "  warning: 3 samples dropped: table full\n");
}

TEST(LauncherSummary, QuietPrintsOnlyProblems) {
  RunReport run{"./app", "exited with status 0", 1.0, "out", false};
  std::vector<ProcessOutcome> outcomes = {outcome_for(100, true, 5, "/abs/out"),
                                          outcome_for(200, false, 5, "/abs/out")};
  EXPECT_EQ(format_summary(run, outcomes, fake_summary(), true), "");
  outcomes[1].converted = false;
  outcomes[1].error = "bad magic";
  EXPECT_EQ(format_summary(run, outcomes, fake_summary(), true),
            "cxxprof-run: cannot convert out/200.cxxraw: bad magic\n");
  std::string full = format_summary(run, outcomes, fake_summary(), false);
  EXPECT_NE(full.find("process 200: ./app --flag\n  not converted: bad magic\n"), std::string::npos)
      << full;
}

TEST(LauncherSummary, ManyDescendantsStayCompact) {
  RunReport run{"make", "exited with status 2", 10, "d", false};
  std::vector<ProcessOutcome> outcomes = {outcome_for(100, true, 1, "/d")};
  for (int pid = 101; pid < 131; ++pid) outcomes.push_back(outcome_for(pid, false, pid, "/d"));
  outcomes.back().still_running = true;
  std::string text = format_summary(run, outcomes, fake_summary(), false);
  size_t tops = 0;
  for (size_t at = text.find("top of"); at != std::string::npos; at = text.find("top of", at + 1)) {
    ++tops;
  }
  EXPECT_EQ(tops, 4u) << "the program and the three busiest descendants";
  EXPECT_NE(text.find("process 130: ./app --flag [still running: profiled up to now]"), std::string::npos) << text;
  EXPECT_NE(text.find("top of cpu.130.pb.gz"), std::string::npos) << "busiest first";
  EXPECT_NE(text.find("... and 10 more processes (ls d)\n"), std::string::npos) << text;
}

TEST(LauncherSummary, ImagesBeforeExecOnlyWhenTheyDidWork) {
  RunReport run{"sh", "exited with status 0", 1, "d", false};
  std::vector<ProcessOutcome> outcomes = {outcome_for(100, true, 10, "/d"),
                                          outcome_for(200, false, 0, "/d"),
                                          outcome_for(300, false, 7, "/d")};
  outcomes[1].raw.superseded = true;
  outcomes[1].result.warnings.push_back("did not exit normally");
  outcomes[2].raw.superseded = true;
  outcomes[2].result.warnings.push_back("did not exit normally");
  std::string text = format_summary(run, outcomes, fake_summary(), false);
  EXPECT_EQ(text.find("process 200"), std::string::npos) << text;
  EXPECT_NE(text.find("process 300 before exec: ./app --flag\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("did not exit normally"), std::string::npos) << text;
}

TEST(LauncherSummary, NoDataAtAll) {
  RunReport run{"./static", "exited with status 0", 0.1, "d", true};
  EXPECT_NE(format_summary(run, {}, fake_summary(), false).find("statically linked"),
            std::string::npos);
  run.statically_linked = false;
  EXPECT_NE(format_summary(run, {}, fake_summary(), false).find("no profile data was written"),
            std::string::npos);
}

TEST(LauncherSummary, Helpers) {
  EXPECT_EQ(shell_quote("cxxprof.app.12/cpu.pb.gz"), "cxxprof.app.12/cpu.pb.gz");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(describe_total("cpu", 2500000000), "2.50 s of CPU");
  EXPECT_EQ(describe_total("heap", 3 * 1024 * 1024), "3.00 MiB in use at exit");
  EXPECT_EQ(describe_total("heap_peak", 1536), "1.5 KiB in use at the peak");
  EXPECT_EQ(describe_total("cpu", 0), "");
  EXPECT_EQ(describe_total("unknown", 5), "");
}

}  // namespace
}  // namespace cxxprof
