// The I/O profile of tests/fixtures/io_truth at --io=1, where every call is recorded:
// calls and bytes per function and operation equal what the fixture counted call by call,
// labels (op, fd_kind, path, thread) are right, and buffered stdio output is seen under
// the function that wrote it, once (glibc's own write(2)s underneath are not counted
// again). Checked with our reader and with go tool pprof.
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

// One line of the fixture's truth and where its calls must show up.
struct Expectation {
  const char* phase;     // the fixture's phase=...
  const char* op;        // op label (and the fixture's op=...)
  const char* function;  // the function the calls are made from
  const char* fd_kind;
  const char* thread;    // thread label; "" for the main thread (named after the program)
};

const Expectation kExpectations[] = {
    {"file_write", "write", "file_write_phase", "file", ""},
    {"file_write", "fsync", "file_write_phase", "file", ""},
    {"file_read", "read", "file_read_phase", "file", ""},
    {"file_pread", "pread", "file_pread_phase", "file", ""},
    {"stdio_write", "fwrite", "stdio_write_phase", "file", ""},
    {"stdio_write", "fprintf", "stdio_write_phase", "file", ""},
    {"stdio_write", "fputs", "stdio_write_phase", "file", ""},
    {"stdio_write", "fclose", "stdio_write_phase", "file", ""},
    {"stdio_read", "fgets", "stdio_read_phase", "file", ""},
    {"stdio_read", "getline", "stdio_read_phase", "file", ""},
    {"stdio_read", "fread", "stdio_read_phase", "file", ""},
    {"pipe", "write", "pipe_write_side", "pipe", "pipe-writer"},
    {"pipe", "read", "pipe_read_side", "pipe", ""},
    {"socket", "connect", "socket_client_side", "socket", ""},
    {"socket", "send", "socket_client_side", "socket", ""},
    {"socket", "accept", "socket_server_side", "socket", "socket-server"},
    {"socket", "recv", "socket_server_side", "socket", "socket-server"},
};

class IoTruthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    if (!profiler_built()) return;
    run_ = std::make_unique<CommandResult>(
        run_profiled({"--io=1", "-o", *dir_ / "prof"}, {fixture_path("io_truth"), dir_->path()}));
  }
  static void TearDownTestSuite() {
    run_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(profiler_built());
    ASSERT_EQ(run_->exit_code(), 0) << run_->describe();
  }

  static std::string profile() { return *dir_ / "prof/io.pb.gz"; }

  // Every expectation against one reader's samples.
  static void check_truth(const std::vector<IoSample>& samples, const std::string& reader) {
    for (const Expectation& e : kExpectations) {
      SCOPED_TRACE(reader + ": phase=" + e.phase + " op=" + e.op);
      const auto fields = fixture_fields(run_->out, std::string("phase=") + e.phase + " op=" + e.op + " ");
      int64_t calls = 0, bytes = 0;
      ASSERT_TRUE(fixture_int(fields, "calls", &calls) && fixture_int(fields, "bytes", &bytes))
          << "no truth line\n" << run_->out;
      IoTotals totals = io_totals(samples, e.function, e.op);
      EXPECT_EQ(totals.calls, double(calls)) << describe(samples);
      EXPECT_EQ(totals.bytes, double(bytes)) << describe(samples);
      EXPECT_GT(totals.time, 0);
      EXPECT_EQ(totals.calls_by_fd_kind[e.fd_kind], totals.calls) << describe(samples);
      const std::string thread = *e.thread != '\0' ? e.thread : "io_truth";
      EXPECT_EQ(totals.calls_by_thread[thread], totals.calls) << describe(samples);
      const auto path = fields.find("path");
      if (path != fields.end()) {
        EXPECT_EQ(totals.calls_by_path[real_path(path->second)], totals.calls) << describe(samples);
      } else {
        EXPECT_EQ(totals.calls_by_path[""], totals.calls) << "only files have a path label";
      }
    }
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<CommandResult> run_;
};

std::unique_ptr<TempDir> IoTruthTest::dir_;
std::unique_ptr<CommandResult> IoTruthTest::run_;

TEST_F(IoTruthTest, EveryCallAndByteWithItsLabelsOurReader) {
  std::vector<IoSample> samples;
  ASSERT_TRUE(our_io_samples(profile(), &samples));
  check_truth(samples, "cxxprof dump");
}

TEST_F(IoTruthTest, EveryCallAndByteWithItsLabelsGoPprof) {
  std::vector<IoSample> samples;
  ASSERT_TRUE(pprof_io_samples(profile(), &samples));
  check_truth(samples, "go tool pprof");
}

// Buffered output is counted once, by the stdio call: glibc's own write(2) of the buffer
// never reaches the write interposer, so no write samples exist on the stdio file at all.
TEST_F(IoTruthTest, StdioBufferFlushesAreNotCountedAgain) {
  std::vector<IoSample> samples;
  ASSERT_TRUE(our_io_samples(profile(), &samples));
  const std::string records = real_path(*dir_ / "records.txt");
  for (const IoSample& sample : samples) {
    if (sample.label("path") != records) continue;
    const std::string op = sample.label("op");
    EXPECT_NE(op, "write") << describe(samples);
    EXPECT_NE(op, "read") << describe(samples);
  }
  EXPECT_EQ(io_totals(samples, "stdio_write_phase", "write").calls, 0);
  EXPECT_EQ(io_totals(samples, "stdio_read_phase", "read").calls, 0);
}

TEST_F(IoTruthTest, ProfileDescribesItself) {
  const CommandResult r = run_go_pprof({"-raw", profile()});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  EXPECT_NE(r.out.find("calls/count bytes/bytes time/nanoseconds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PeriodType: time nanoseconds"), std::string::npos) << r.out;
  std::map<std::string, double> ops;
  ASSERT_TRUE(pprof_tags(profile(), "op", &ops));
  EXPECT_TRUE(ops.contains("fwrite") && ops.contains("recv") && ops.contains("pread")) << r.out;
}

TEST_F(IoTruthTest, SummaryListsTopFilesByBytesAndTime) {
  const std::string data = real_path(*dir_ / "data.bin");
  const size_t by_bytes = run_->err.find("Top files by bytes:");
  const size_t by_time = run_->err.find("Top files by time:");
  ASSERT_NE(by_bytes, std::string::npos) << run_->err;
  ASSERT_NE(by_time, std::string::npos) << run_->err;
  // data.bin moved far more bytes than anything else: it leads the first list.
  const size_t first_line = run_->err.find('\n', by_bytes) + 1;
  const std::string line = run_->err.substr(first_line, run_->err.find('\n', first_line) - first_line);
  EXPECT_NE(line.find(data), std::string::npos) << run_->err;
  EXPECT_NE(run_->err.find(data, by_time), std::string::npos) << run_->err;
}

}  // namespace
}  // namespace cxxprof_test
