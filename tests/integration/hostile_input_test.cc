// Hostile input to our own tools (issue 7): truncated, corrupt and version-mismatched raw
// data, corrupt or non-gzip profiles, and binaries deleted or rebuilt after the run. Each
// gives a clear error (exit 1, one line naming the file) or a result with a warning —
// never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/raw_format.h"
#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// A real run whose raw data is kept: DIR/prof/<pid>.cxxraw and DIR/prof/cpu.pb.gz, of a
// copy of the fixture in DIR/bin (so a test may delete or replace the binary).
struct KeptRun {
  TempDir dir;
  std::string binary;
  std::string raw;
  std::string profile;
};

void make_run(KeptRun* run) {
  ASSERT_TRUE(profiler_built());
  run->binary = run->dir / "cpu_split";
  ASSERT_EQ(run_command({"cp", fixture_path("cpu_split"), run->binary}).exit_code(), 0);
  const CommandResult r =
      run_profiled({"--cpu", "--keep-raw", "-q", "-o", run->dir / "prof"}, {run->binary, "0.3"});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  const CommandResult ls = run_command({"sh", "-c", "ls " + run->dir / "prof" + "/*.cxxraw"});
  ASSERT_EQ(ls.exit_code(), 0) << ls.describe();
  run->raw = ls.out.substr(0, ls.out.find('\n'));
  run->profile = run->dir / "prof/cpu.pb.gz";
}

// `cxxprof symbolize` on a damaged copy of the raw file: a clean failure (exit 1, one
// line naming the file) or a profile; never a signal.
void expect_clean_outcome(const KeptRun& run, const std::string& bytes, const std::string& name) {
  const std::string dir = run.dir / ("damaged-" + name);
  ASSERT_EQ(run_command({"mkdir", dir}).exit_code(), 0);
  const std::string raw = dir + "/1234.cxxraw";
  write_bytes(raw, bytes);
  const CommandResult r = run_report_tool({"symbolize", "-o", dir, raw});
  ASSERT_TRUE(r.exited()) << name << ": " << r.describe();
  if (r.exit_code() != 0) {
    EXPECT_EQ(r.exit_code(), 1) << name << ": " << r.describe();
    EXPECT_EQ(line_count(r.err), 1) << name << ": " << r.describe();
    EXPECT_NE(r.err.find(raw), std::string::npos) << name << ": " << r.describe();
  }
}

TEST(HostileInput, DamagedRawDataFailsCleanly) {
  KeptRun run;
  ASSERT_NO_FATAL_FAILURE(make_run(&run));
  const std::string good = read_bytes(run.raw);
  ASSERT_GT(good.size(), sizeof(cxxprof::raw::Header));
  expect_clean_outcome(run, "", "empty");
  expect_clean_outcome(run, "not a raw file at all\n", "text");
  expect_clean_outcome(run, good.substr(0, 100), "cut-in-header");
  expect_clean_outcome(run, good.substr(0, good.size() / 2), "cut-in-sections");
  std::string version = good;
  version[8] = char(version[8] + 7);  // Header::version follows the 8-byte magic
  expect_clean_outcome(run, version, "version");
  const CommandResult wrong_version = run_report_tool(
      {"symbolize", "-o", run.dir / "damaged-version", run.dir / "damaged-version/1234.cxxraw"});
  EXPECT_NE(wrong_version.err.find("version"), std::string::npos) << wrong_version.describe();
  // Garbage over the sections (the header intact): stacks, samples, threads all nonsense.
  std::string garbage = good;
  for (size_t i = 8192; i < garbage.size(); i += 61) garbage[i] = char(i * 131);
  expect_clean_outcome(run, garbage, "garbage-sections");
}

TEST(HostileInput, CorruptProfilesFailCleanly) {
  KeptRun run;
  ASSERT_NO_FATAL_FAILURE(make_run(&run));
  const std::string good = read_bytes(run.profile);
  std::string flipped = good;
  for (size_t i = good.size() / 3; i < good.size(); i += 17) flipped[i] = char(~flipped[i]);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty.pb.gz", ""},
      {"text.pb.gz", "hello, not gzip\n"},
      {"truncated.pb.gz", good.substr(0, good.size() / 2)},
      {"flipped.pb.gz", flipped},
  };
  for (const auto& [name, bytes] : cases) {
    const std::string path = run.dir / name;
    write_bytes(path, bytes);
    for (const char* command : {"top", "collapsed", "dump"}) {
      const CommandResult r = run_report_tool({command, path});
      ASSERT_TRUE(r.exited()) << r.describe();
      EXPECT_EQ(r.exit_code(), 1) << command << " " << name << ": " << r.describe();
      EXPECT_EQ(line_count(r.err), 1) << command << " " << name << ": " << r.describe();
      EXPECT_NE(r.err.find(path), std::string::npos) << r.describe();
    }
  }
}

TEST(HostileInput, BinaryDeletedAfterTheRunStillGivesAProfile) {
  KeptRun run;
  ASSERT_NO_FATAL_FAILURE(make_run(&run));
  ASSERT_EQ(run_command({"rm", run.binary}).exit_code(), 0);
  const std::string out = run.dir / "after-delete";
  ASSERT_EQ(run_command({"mkdir", out}).exit_code(), 0);
  const CommandResult r = run_report_tool({"symbolize", "-o", out, run.raw});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  // The program's own frames show as module+offset; libc's are still named.
  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(out + "/cpu.pb.gz", "cpu", false, &stacks));
  bool offset_frame = false, named_libc = false;
  for (const Stack& s : stacks) {
    for (const std::string& frame : s.frames) {
      offset_frame |= frame.rfind("cpu_split+0x", 0) == 0;
      named_libc |= frame == "start_thread" || frame == "__libc_start_main_impl";
    }
  }
  EXPECT_TRUE(offset_frame);
  EXPECT_TRUE(named_libc);
}

TEST(HostileInput, BinaryRebuiltAfterTheRunIsNamedWithAWarning) {
  KeptRun run;
  ASSERT_NO_FATAL_FAILURE(make_run(&run));
  // Another program at the same path: a rebuilt binary with another build-id.
  ASSERT_EQ(run_command({"cp", fixture_path("sleeper"), run.binary}).exit_code(), 0);
  const std::string out = run.dir / "after-rebuild";
  ASSERT_EQ(run_command({"mkdir", out}).exit_code(), 0);
  const CommandResult r = run_report_tool({"symbolize", "-o", out, run.raw});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.err.find("build-id"), std::string::npos) << r.describe();
  EXPECT_TRUE(path_exists(out + "/cpu.pb.gz"));
}

}  // namespace
}  // namespace cxxprof_test
