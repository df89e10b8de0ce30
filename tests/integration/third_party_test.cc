// Real Debian binaries under every profiler at once (DESIGN.md §7, issue 7): sqlite3,
// python3 with threads, gzip and xz (compress, then decompress), sort. Each behaves
// exactly as without the profiler — same exit status, byte-identical output, the data
// intact after the compress/decompress round trip — every profile is readable by both
// readers, and the profiles name where the program does its work as far as its binary
// allows (redis-server: third_party_redis_test.cc).
//
// What can be named. Debian strips its binaries and ships their symbols apart (-dbgsym
// packages, not installed), so only what a binary exports in .dynsym has a name:
//   - libsqlite3 and python3 export their internal functions: named (sqlite3VdbeExec,
//     _PyEval_EvalFrameDefault);
//   - gzip, xz and sort export none of theirs: their hot code shows as the right module
//     plus an offset (gzip+0x4330, liblzma.so.5+0x15a20), never as a bare address; what
//     is named is the library API they call (lzma_code) and libc (libc6-dbg's symbols).
// Every I/O call is recorded (--io=1), so what each program read and wrote is checked to
// the byte against its input and output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/harness.h"
#include "tests/integration/heap_reports.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/lock_samples.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

std::vector<std::string> launcher_options(const std::string& output_dir) {
  std::vector<std::string> options = every_profiler_all_io();
  options.insert(options.end(), {"-q", "-o", output_dir});
  return options;
}

// `lines` lines of three pseudo-words and a number, the same in every run: text that
// compresses and sorts like text, with enough variety to make both real work.
std::string generated_text(int lines) {
  uint64_t x = 88172645463325252u;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::vector<std::string> words(4000);
  for (std::string& word : words) {
    const int length = 3 + int(next() % 8);
    for (int i = 0; i < length; ++i) word += char('a' + next() % 16);
  }
  std::string text;
  for (int i = 0; i < lines; ++i) {
    for (int w = 0; w < 3; ++w) text += words[next() % words.size()] + ' ';
    text += std::to_string(next() % 1000000000) + '\n';
  }
  return text;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

int64_t file_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return in ? int64_t(in.tellg()) : -1;
}

// For messages about outputs that may be megabytes: sizes and where they first differ.
std::string difference(const std::string& a, const std::string& b) {
  const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " bytes, first difference at byte " +
         std::to_string(mismatch.first - a.begin());
}

struct ProgramRun {
  CommandResult plain;
  CommandResult profiled;
  std::string profiles_dir;
  EveryProfile profiles;
  std::string profile(const std::string& name) const { return profiles_dir + "/" + name; }
};

// Runs `program` plain (or `plain_program`, when the plain run needs other arguments),
// then under every profiler (profiles in DIR/NAME): both runs exit 0 with the same
// stdout, every profile is written and readable, every frame is at least placed in its
// module, and no sample is of the profiler's own threads.
void run_both_ways(const TempDir& dir, const std::string& name, const std::vector<std::string>& program,
                   ProgramRun* run, const CommandOptions& options = {},
                   const std::vector<std::string>& plain_program = {}) {
  ASSERT_TRUE(profiler_built());
  ASSERT_TRUE(is_executable(program[0])) << program[0] << " is not installed (make deps)";
  run->plain = run_command(plain_program.empty() ? program : plain_program, options);
  ASSERT_EQ(run->plain.exit_code(), 0) << run->plain.describe();
  run->profiles_dir = dir / name;
  run->profiled = run_profiled(launcher_options(run->profiles_dir), program, options);
  ASSERT_EQ(run->profiled.exit_code(), 0) << run->profiled.describe();
  EXPECT_TRUE(run->profiled.out == run->plain.out)
      << "the program's output changed under the profiler: " << difference(run->profiled.out, run->plain.out);
  ASSERT_TRUE(read_every_profile(run->profiles_dir, &run->profiles));
  EXPECT_TRUE(no_bare_addresses(run->profiles));
  EXPECT_TRUE(no_profiler_threads(run->profiles_dir));
}

bool any_of_first(const TopTable& table, size_t n, bool (*wanted)(const std::string&)) {
  for (size_t i = 0; i < std::min(n, table.rows.size()); ++i) {
    if (wanted(table.rows[i].name)) return true;
  }
  return false;
}

// Checks `wanted` on the first `n` rows of both readers' tables of `profile`.
void expect_in_first_rows(const ProgramRun& run, const std::string& profile, size_t n,
                          bool (*wanted)(const std::string&), const std::string& what) {
  EXPECT_TRUE(any_of_first(run.profiles.ours.at(profile), n, wanted))
      << what << " in cxxprof top of " << profile << ":\n"
      << first_rows(run.profiles.ours.at(profile), n);
  EXPECT_TRUE(any_of_first(run.profiles.pprof.at(profile), n, wanted))
      << what << " in pprof -top of " << profile << ":\n"
      << first_rows(run.profiles.pprof.at(profile), n);
}

// Bytes of the I/O calls with op in `ops` on a descriptor of `fd_kind` whose path label
// ends with `path_suffix` ("" for any).
double io_bytes(const std::vector<IoSample>& samples, const std::vector<std::string>& ops,
                const std::string& fd_kind, const std::string& path_suffix) {
  double bytes = 0;
  for (const IoSample& sample : samples) {
    const std::string path = sample.label("path");
    if (std::find(ops.begin(), ops.end(), sample.label("op")) == ops.end()) continue;
    if (sample.label("fd_kind") != fd_kind) continue;
    if (path.size() < path_suffix.size() ||
        path.compare(path.size() - path_suffix.size(), path_suffix.size(), path_suffix) != 0) {
      continue;
    }
    bytes += sample.bytes;
  }
  return bytes;
}

// The I/O profile of a program that reads the file `input` and writes everything to its
// stdout (a pipe to the test): every byte read and written is in it, by both readers.
void expect_read_file_wrote_stdout(const ProgramRun& run, const std::string& input,
                                   const std::vector<std::string>& read_ops,
                                   const std::vector<std::string>& write_ops) {
  const std::string input_name = input.substr(input.rfind('/'));
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(run.profile("io.pb.gz"), &samples));
    EXPECT_EQ(io_bytes(samples, read_ops, "file", input_name), double(file_size(input))) << describe(samples);
    EXPECT_EQ(io_bytes(samples, write_ops, "pipe", ""), double(run.profiled.out.size())) << describe(samples);
  }
}

bool is_sqlite_function(const std::string& name) { return name.rfind("sqlite3", 0) == 0; }
bool is_python_eval_loop(const std::string& name) { return name.rfind("_PyEval_EvalFrameDefault", 0) == 0; }
bool is_gzip_code(const std::string& name) { return name.rfind("gzip+0x", 0) == 0; }
bool is_liblzma_code(const std::string& name) { return name.rfind("liblzma.so.5+0x", 0) == 0; }
bool is_string_comparison(const std::string& name) {
  const std::string base = base_name(name);
  return base.find("cmp") != std::string::npos || base.find("coll") != std::string::npos;
}

TEST(ThirdParty, Sqlite3) {
  TempDir dir;
  const char* script =
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value INTEGER);"
      "BEGIN;"
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300000)"
      "  INSERT INTO t SELECT x, printf('name-%d', x*7919 % 300000), x*31 % 1000 FROM c;"
      "COMMIT;"
      "CREATE INDEX t_name ON t(name);"
      "SELECT count(*), sum(value), min(name), max(name) FROM t;"
      "SELECT value, count(*) FROM t GROUP BY value ORDER BY count(*) DESC, value LIMIT 3;";
  CommandOptions options;
  options.set_env = {"SQLITE_TMPDIR=" + dir.path()};  // its sorter's temporary files
  // Each run creates its own database file; the output does not depend on which.
  const std::string database = dir / "profiled.db";
  ProgramRun run;
  ASSERT_NO_FATAL_FAILURE(run_both_ways(dir, "prof", {"/usr/bin/sqlite3", database, script}, &run, options,
                                        {"/usr/bin/sqlite3", dir / "plain.db", script}));

  expect_in_first_rows(run, "cpu.pb.gz", 5, is_sqlite_function, "a sqlite3 function");
  // Every page of the database file was written by libsqlite3 with pwrite, under
  // sqlite3_step (the statement being run).
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(run.profile("io.pb.gz"), &samples));
    std::vector<IoSample> stepped;
    for (const IoSample& sample : samples) {
      if (has_frame(sample.frames, "sqlite3_step")) stepped.push_back(sample);
    }
    EXPECT_GE(io_bytes(stepped, {"pwrite"}, "file", "/profiled.db"), double(file_size(database)))
        << describe(samples);
    EXPECT_GT(file_size(database), 0);
  }
}

// Four Python threads take turns on the GIL: the eval loop is named in the CPU profile,
// and the block profile shows the threads waiting for the GIL inside the eval loop and
// the main thread waiting in join.
TEST(ThirdParty, Python3WithThreads) {
  const char* script =
      "import threading, hashlib\n"
      "def spin(seed, n, out):\n"
      "    total = 0\n"
      "    h = hashlib.sha256()\n"
      "    for i in range(n):\n"
      "        total += (i * seed) % 7\n"
      "        if i % 1000 == 0:\n"
      "            h.update(str(total).encode())\n"
      "    out[seed] = (total, h.hexdigest())\n"
      "out = {}\n"
      "threads = [threading.Thread(target=spin, args=(s, 2_500_000, out)) for s in range(1, 5)]\n"
      "for t in threads: t.start()\n"
      "for t in threads: t.join()\n"
      "for k in sorted(out): print(k, *out[k])\n";
  TempDir dir;
  ProgramRun run;
  // Debian's python3 (not a pyenv or venv shim in PATH): its interpreter functions are exported.
  ASSERT_NO_FATAL_FAILURE(run_both_ways(dir, "prof", {"/usr/bin/python3", "-c", script}, &run));
  expect_in_first_rows(run, "cpu.pb.gz", 10, is_python_eval_loop, "the eval loop");
  for (auto reader : {&our_lock_samples, &pprof_lock_samples}) {
    std::vector<LockSample> samples;
    ASSERT_TRUE(reader(run.profile("block.pb.gz"), &samples));
    EXPECT_GT(lock_totals(samples, "_PyEval_EvalFrameDefault", "cond").contentions, 0) << describe(samples);
    EXPECT_GT(lock_totals(samples, "PyThread_acquire_lock_timed", "").contentions, 0) << describe(samples);
  }
}

TEST(ThirdParty, GzipCompressesAndDecompresses) {
  TempDir dir;
  const std::string input = dir / "input.txt";
  const std::string text = generated_text(120000);
  write_file(input, text);

  ProgramRun compress;
  ASSERT_NO_FATAL_FAILURE(
      run_both_ways(dir, "compress", {"/usr/bin/gzip", "-c", "-n", "-6", input}, &compress));
  // Its own code (deflate) does the work; gzip exports no names (see the top of the file).
  expect_in_first_rows(compress, "cpu.pb.gz", 1, is_gzip_code, "gzip's own code on top");
  expect_read_file_wrote_stdout(compress, input, {"read"}, {"write"});

  const std::string compressed = dir / "input.txt.gz";
  write_file(compressed, compress.profiled.out);
  ProgramRun decompress;
  ASSERT_NO_FATAL_FAILURE(
      run_both_ways(dir, "decompress", {"/usr/bin/gzip", "-d", "-c", compressed}, &decompress));
  EXPECT_TRUE(decompress.profiled.out == text) << difference(decompress.profiled.out, text);
  expect_read_file_wrote_stdout(decompress, compressed, {"read"}, {"write"});
}

TEST(ThirdParty, XzCompressesAndDecompresses) {
  TempDir dir;
  const std::string input = dir / "input.txt";
  const std::string text = generated_text(90000);
  write_file(input, text);

  ProgramRun compress;
  // -T1: one thread, so the output is the same in every run.
  ASSERT_NO_FATAL_FAILURE(
      run_both_ways(dir, "compress", {"/usr/bin/xz", "-c", "-1", "-T1", input}, &compress));
  expect_in_first_rows(compress, "cpu.pb.gz", 1, is_liblzma_code, "liblzma's code on top");
  Share lzma_code;
  ASSERT_TRUE(share_with_frame(
      compress.profile("cpu.pb.gz"), "cpu", [](const std::string& f) { return f == "lzma_code"; },
      &lzma_code));
  EXPECT_GE(lzma_code.ours, 0.5) << "the compression runs under lzma_code";
  EXPECT_GE(lzma_code.pprof, 0.5) << "the compression runs under lzma_code";
  // The encoder's dictionary and match finder (megabytes) are allocated under liblzma's API.
  for (auto totals_of : {&our_function_totals, &pprof_function_totals}) {
    std::map<std::string, int64_t> totals;
    ASSERT_TRUE(totals_of(compress.profile("heap.pb.gz"), "alloc_space", &totals));
    int64_t under_lzma_api = 0;
    for (const auto& [function, bytes] : totals) {
      if (function.rfind("lzma_", 0) == 0) under_lzma_api = std::max(under_lzma_api, bytes);
    }
    EXPECT_GT(under_lzma_api, int64_t(1) << 20);
  }
  expect_read_file_wrote_stdout(compress, input, {"read"}, {"write"});

  const std::string compressed = dir / "input.txt.xz";
  write_file(compressed, compress.profiled.out);
  ProgramRun decompress;
  ASSERT_NO_FATAL_FAILURE(
      run_both_ways(dir, "decompress", {"/usr/bin/xz", "-d", "-c", compressed}, &decompress));
  EXPECT_TRUE(decompress.profiled.out == text) << difference(decompress.profiled.out, text);
  expect_read_file_wrote_stdout(decompress, compressed, {"read"}, {"write"});
}

// sort compares lines with libc's string functions (in C.UTF-8, strcoll is strcmp).
TEST(ThirdParty, Sort) {
  TempDir dir;
  const std::string input = dir / "lines.txt";
  write_file(input, generated_text(300000));
  CommandOptions options;
  options.set_env = {"LC_ALL=C.UTF-8"};
  ProgramRun run;
  ASSERT_NO_FATAL_FAILURE(run_both_ways(dir, "prof", {"/usr/bin/sort", input}, &run, options));
  ASSERT_EQ(run.profiled.out.size(), size_t(file_size(input)));
  expect_in_first_rows(run, "cpu.pb.gz", 5, is_string_comparison, "libc's string comparison");
  // sort reads and writes through stdio.
  expect_read_file_wrote_stdout(run, input, {"read", "fread"}, {"write", "fwrite"});
}

}  // namespace
}  // namespace cxxprof_test
