// Every process of a tree gets its own profile (DESIGN.md §2.5, §4), however it was
// started: a forked child that never calls exec re-arms its timers and writes
// DIR/cpu.<pid>.pb.gz; a child started through system(), posix_spawn, popen or vfork+exec
// (none of which runs atfork handlers) is profiled from its exec on; every process of a
// shell pipeline, the shell and cat included, writes its own; the summary lists them;
// --no-follow keeps only the launched process. Each program behaves as without the
// profiler: same output (but for pids), same exit status. A vfork child, which runs in
// its parent's memory until it execs, leaves the parent's profiler state alone.
#include <gtest/gtest.h>

#include <dirent.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

constexpr int kBurnMs = 400;
const std::string kBurn = std::to_string(kBurnMs);

// role -> pid, from the fixture's "pid=N role=R burned_ms=M" lines.
std::map<std::string, std::string> roles(const std::string& out) {
  std::map<std::string, std::string> result;
  std::regex line("pid=(\\d+) role=(\\w+) burned_ms=\\d+");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) {
    result[(*it)[2]] = (*it)[1];
  }
  return result;
}

std::vector<std::string> profiles_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 6 && name.ends_with(".pb.gz")) names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

// CPU ns of samples with `function` on the stack (its cumulative value) in `file`.
int64_t cum_cpu(const std::string& file, const std::string& function) {
  std::vector<Stack> stacks;
  EXPECT_TRUE(our_collapsed(file, "cpu", false, &stacks));
  int64_t total = 0;
  for (const Stack& s : stacks) {
    if (has_frame(s.frames, function)) total += s.value;
  }
  return total;
}

// `function` burned kBurnMs of CPU in the process that wrote `file`: within ±25% (10 ms
// ticks, 400 ms burned).
void expect_burned(const std::string& file, const std::string& function) {
  SCOPED_TRACE(file + ": " + function);
  const double burned = double(cum_cpu(file, function));
  EXPECT_GT(burned, 0.75 * kBurnMs * 1e6);
  EXPECT_LT(burned, 1.25 * kBurnMs * 1e6);
}

std::string without_pids(const std::string& text) {
  return std::regex_replace(text, std::regex("pid=\\d+"), "pid=N");
}

// Runs `program` plainly, then under cxxprof-run with `launcher_options`: the exit status
// and the output (but for pids) must be the same.
CommandResult run_both_ways(const std::vector<std::string>& launcher_options,
                            const std::vector<std::string>& program) {
  const CommandResult plain = run_command(program);
  CommandResult profiled = run_profiled(launcher_options, program);
  EXPECT_TRUE(plain.exited()) << plain.describe();
  EXPECT_EQ(profiled.exit_code(), plain.exit_code()) << plain.describe() << "\n" << profiled.describe();
  EXPECT_EQ(without_pids(profiled.out), without_pids(plain.out)) << "the output changed under the profiler";
  return profiled;
}

// One process of cxxprof-run's summary: "process PID[ (the program)]: COMMAND" and the
// profile files listed under it ("  cpu.PID.pb.gz: ...").
struct ListedProcess {
  bool is_program = false;
  std::string command;
  std::vector<std::string> files;
};

// pid -> process, for every process the summary lists (images replaced by exec, "process
// PID before exec", are left out: their pid's last image is listed too).
std::map<std::string, ListedProcess> listed_processes(const std::string& summary) {
  std::map<std::string, ListedProcess> result;
  const std::regex heading("process (\\d+)( \\(the program\\)| before exec)?(: (.*))?");
  const std::regex file("  ([a-z_]+(\\.\\d+)*\\.pb\\.gz): .*");
  std::istringstream lines(summary);
  ListedProcess* current = nullptr;
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, heading)) {
      current = m[2] == " before exec" ? nullptr : &result[m[1]];
      if (current != nullptr) {
        current->is_program = m[2].matched;
        current->command = m[4];
      }
    } else if (current != nullptr && std::regex_match(line, m, file)) {
      current->files.push_back(m[1]);
    }
  }
  return result;
}

// Every listed process has its CPU profile, named after it, in `dir`; the program's is
// cpu.pb.gz.
void expect_listed_files_exist(const std::map<std::string, ListedProcess>& listed,
                               const std::string& dir) {
  for (const auto& [pid, process] : listed) {
    const std::string name = process.is_program ? "cpu.pb.gz" : "cpu." + pid + ".pb.gz";
    EXPECT_EQ(process.files, std::vector<std::string>{name}) << "process " << pid;
    EXPECT_TRUE(path_exists(dir + "/" + name)) << name;
  }
}

TEST(ProcessTree, ForkedChildWithoutExecWritesItsOwnProfile) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("process_tree"), "--fork", kBurn});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("child") && pids.count("parent")) << r.out;
  const std::string child_profile = dir / ("prof/cpu." + pids["child"] + ".pb.gz");
  ASSERT_TRUE(path_exists(child_profile)) << r.describe();
  // The child's CPU is in its own profile, and none of it in the parent's.
  expect_burned(child_profile, "child_burn");
  EXPECT_EQ(cum_cpu(child_profile, "parent_burn"), 0);
  EXPECT_EQ(cum_cpu(dir / "prof/cpu.pb.gz", "child_burn"), 0);
  EXPECT_GT(double(cum_cpu(dir / "prof/cpu.pb.gz", "parent_burn")), 0.75 * kBurnMs * 1e6);
}

TEST(ProcessTree, ChildStartedThroughSystemIsProfiled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"},
                                       {fixture_path("process_tree"), "--spawn", kBurn});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf")) << r.out;
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile)) << r.describe();
  expect_burned(leaf_profile, "leaf_burn");
  // pprof reads a descendant's profile as well.
  TopTable top;
  ASSERT_TRUE(pprof_top(leaf_profile, "cpu", &top));
  EXPECT_GT(top_cum(top, "leaf_burn"), 0);
}

// posix_spawn clones with CLONE_VM|CLONE_VFORK and runs no atfork handler: the child is
// profiled from its exec on, through the environment it inherited.
TEST(ProcessTree, PosixSpawnedChildWritesItsOwnProfile) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_both_ways({"--cpu", "-o", dir / "prof"},
                                        {fixture_path("process_tree"), "--posix-spawn", kBurn});
  ASSERT_EQ(r.exit_code(), 3) << "the child's exit status, passed on by the parent\n" << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf") && pids.count("parent")) << r.out;
  EXPECT_NE(r.out.find("role=parent burned_ms=" + kBurn + " child_status=3"), std::string::npos) << r.out;
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile)) << r.describe();
  expect_burned(leaf_profile, "leaf_burn");
  EXPECT_EQ(cum_cpu(leaf_profile, "parent_burn"), 0);
  expect_burned(dir / "prof/cpu.pb.gz", "parent_burn");
  EXPECT_EQ(cum_cpu(dir / "prof/cpu.pb.gz", "leaf_burn"), 0);
  const auto listed = listed_processes(r.err);
  EXPECT_EQ(listed.size(), 2u) << r.err;
  EXPECT_TRUE(listed.count(pids["leaf"]) && listed.count(pids["parent"])) << r.err;
  expect_listed_files_exist(listed, dir / "prof");
}

// The program's own vfork, then exec in the child: profiled like posix_spawn's.
TEST(ProcessTree, VforkedChildIsProfiledAfterExec) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_both_ways(
      {"--cpu", "-o", dir / "prof"},
      {fixture_path("vfork_exec"), dir.path(), fixture_path("process_tree"), "--leaf", kBurn, "3"});
  ASSERT_EQ(r.exit_code(), 3) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf")) << r.out;
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile)) << r.describe();
  expect_burned(leaf_profile, "leaf_burn");
  EXPECT_EQ(cum_cpu(dir / "prof/cpu.pb.gz", "leaf_burn"), 0);
  const auto listed = listed_processes(r.err);
  EXPECT_EQ(listed.size(), 2u) << r.err;
  EXPECT_TRUE(listed.count(pids["leaf"])) << r.err;
  expect_listed_files_exist(listed, dir / "prof");
}

// The vfork child dup2s/dup3s a pipe onto two of the parent's file descriptors, writes
// through them, closes the pipe, resets SIGPROF to its default and execs, all in the
// parent's memory. Afterwards the parent's own calls on those descriptors are labelled
// with what they are in the parent (files, with their paths), and its SIGPROF handler is
// still its own (a SIGPROF it raises is caught, not fatal). The child's writes, made on
// the parent's stack before exec, count as the parent thread's, labelled as the pipe
// they went to.
TEST(ProcessTree, VforkChildLeavesTheParentsStateAlone) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_both_ways(
      {"--io=1", "-o", dir / "prof"},
      {fixture_path("vfork_exec"), dir.path(), fixture_path("process_tree"), "--leaf", "20", "3"});
  ASSERT_EQ(r.exit_code(), 3) << r.describe();
  // The same as without the profiler (run_both_ways), and right.
  const size_t parent_line = r.out.find("role=vfork_parent ");
  ASSERT_NE(parent_line, std::string::npos) << r.out;
  auto fields = fixture_fields(r.out.substr(parent_line), "role=");
  EXPECT_EQ(fields["sigprof_caught"], "1") << r.out;
  EXPECT_EQ(fields["sigprof_handler_kept"], "1") << r.out;
  EXPECT_EQ(fields["first"], "parent-before,parent-after") << r.out;
  EXPECT_EQ(fields["second"], "parent-before,parent-after") << r.out;
  EXPECT_EQ(fields["pipe"], "child-first,child-second") << r.out;

  const std::string first = std::filesystem::canonical(dir / "first.txt").string();
  const std::string second = std::filesystem::canonical(dir / "second.txt").string();
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(dir / "prof/io.pb.gz", &samples));
    IoTotals parent_writes = io_totals(samples, "parent_write", "write");
    EXPECT_EQ(parent_writes.calls, 4) << describe(samples);
    EXPECT_EQ(parent_writes.bytes, 2 * 14 + 2 * 13) << describe(samples);
    EXPECT_EQ(parent_writes.calls_by_fd_kind["file"], 4) << describe(samples);
    EXPECT_EQ(parent_writes.calls_by_path[first], 2) << describe(samples);
    EXPECT_EQ(parent_writes.calls_by_path[second], 2) << describe(samples);
    IoTotals pipe_reads = io_totals(samples, "parent_read_pipe", "read");
    EXPECT_EQ(pipe_reads.calls, 2) << "25 bytes, then the end\n" << describe(samples);
    EXPECT_EQ(pipe_reads.bytes, 25) << describe(samples);
    EXPECT_EQ(pipe_reads.calls_by_fd_kind["pipe"], 2) << describe(samples);
    IoTotals child_writes = io_totals(samples, "child_write", "write");
    EXPECT_EQ(child_writes.calls, 2) << describe(samples);
    EXPECT_EQ(child_writes.bytes, 25) << describe(samples);
    EXPECT_EQ(child_writes.calls_by_fd_kind["pipe"], 2) << describe(samples);
  }
}

// popen runs `sh -c COMMAND` through posix_spawn; the shell starts the leaf. The parent
// reads the leaf's output through the pipe unchanged, and both children are profiled.
TEST(ProcessTree, PopenedChildIsProfiledAndItsOutputReadUnchanged) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_both_ways({"--cpu", "-o", dir / "prof"},
                                        {fixture_path("process_tree"), "--popen", kBurn});
  ASSERT_EQ(r.exit_code(), 3) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf") && pids.count("parent")) << r.out;
  EXPECT_NE(r.out.find("read: pid=" + pids["leaf"] + " role=leaf burned_ms=" + kBurn + "\n"),
            std::string::npos) << r.out;
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile)) << r.describe();
  expect_burned(leaf_profile, "leaf_burn");
  expect_burned(dir / "prof/cpu.pb.gz", "parent_burn");
  // The program, the shell popen started (Debian's dash starts the command as its own
  // child), and the leaf.
  const auto listed = listed_processes(r.err);
  EXPECT_EQ(listed.size(), 3u) << r.err;
  EXPECT_TRUE(listed.count(pids["leaf"]) && listed.count(pids["parent"])) << r.err;
  expect_listed_files_exist(listed, dir / "prof");
}

// A shell pipeline: sh forks a child per command, each execs (the fixture twice, and
// Debian's cat between them). Every process writes its files, the summary lists them
// all, and the exit status of the pipeline's last command comes through sh and
// cxxprof-run.
TEST(ProcessTree, EveryProcessOfAShellPipelineIsProfiled) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const std::string fixture = "'" + fixture_path("process_tree") + "'";
  const std::string pipeline =
      fixture + " --leaf " + kBurn + " | cat | " + fixture + " --relay " + kBurn + " 4";
  const CommandResult r = run_both_ways({"--cpu", "-o", dir / "prof"}, {"/bin/sh", "-c", pipeline});
  ASSERT_EQ(r.exit_code(), 4) << r.describe();
  auto pids = roles(r.out);
  ASSERT_TRUE(pids.count("leaf") && pids.count("relay")) << r.out;
  EXPECT_EQ(without_pids(r.out), "pid=N role=leaf burned_ms=" + kBurn + "\npid=N role=relay burned_ms=" + kBurn + "\n");
  const std::string leaf_profile = dir / ("prof/cpu." + pids["leaf"] + ".pb.gz");
  const std::string relay_profile = dir / ("prof/cpu." + pids["relay"] + ".pb.gz");
  ASSERT_TRUE(path_exists(leaf_profile) && path_exists(relay_profile)) << r.describe();
  expect_burned(leaf_profile, "leaf_burn");
  expect_burned(relay_profile, "relay_burn");
  EXPECT_EQ(cum_cpu(relay_profile, "leaf_burn"), 0);
  EXPECT_EQ(cum_cpu(leaf_profile, "relay_burn"), 0);

  // sh (the program), the leaf, cat, the relay: each listed once with its own file.
  const auto listed = listed_processes(r.err);
  EXPECT_EQ(listed.size(), 4u) << r.err;
  int programs = 0, cats = 0;
  for (const auto& [pid, process] : listed) {
    programs += process.is_program;
    if (process.command == "cat") ++cats;
    if (process.is_program) {
      EXPECT_EQ(process.command.rfind("/bin/sh -c ", 0), 0u) << r.err;
    }
  }
  EXPECT_EQ(programs, 1) << r.err;
  EXPECT_EQ(cats, 1) << r.err;
  EXPECT_TRUE(listed.count(pids["leaf"]) && listed.count(pids["relay"])) << r.err;
  expect_listed_files_exist(listed, dir / "prof");
}

TEST(ProcessTree, NoFollowProfilesOnlyTheLaunchedProcess) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "--no-follow", "-o", dir / "prof"},
                                       {fixture_path("process_tree"), "--spawn", kBurn});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_EQ(profiles_in(dir / "prof"), std::vector<std::string>{"cpu.pb.gz"});
  EXPECT_GT(cum_cpu(dir / "prof/cpu.pb.gz", "parent_burn"), 0);
}

}  // namespace
}  // namespace cxxprof_test
