// Debian's redis-server under every profiler at once (issue 7), driven by redis-benchmark
// on a loopback port: the benchmark completes, the server answers a scripted session
// exactly as redis does, shuts down cleanly, and every profile is readable by both
// readers and names redis's own functions (redis-server exports them in .dynsym): the
// event loop and the request path in the CPU profile, socket reads of requests in the
// I/O profile. (The I/O profile's details are redis_io_test.cc's subject.)
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/all_profilers.h"
#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/loopback.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

using namespace std::chrono_literals;

constexpr int kRequestsPerTest = 4000;
const char* const kBenchmarkTests[] = {"SET", "GET", "INCR", "LPUSH", "LPOP"};

// Commands and the replies redis gives them (redis-cli prints them raw when its stdout
// is not a terminal).
const std::vector<std::pair<std::vector<std::string>, std::string>> kSession = {
    {{"FLUSHALL"}, "OK\n"},
    {{"SET", "greeting", "hello world"}, "OK\n"},
    {{"GET", "greeting"}, "hello world\n"},
    {{"RPUSH", "list", "a", "b", "c"}, "3\n"},
    {{"LRANGE", "list", "0", "-1"}, "a\nb\nc\n"},
    {{"INCRBY", "counter", "41"}, "41\n"},
    {{"INCR", "counter"}, "42\n"},
    {{"DBSIZE"}, "3\n"},
};

bool is_request_path(const std::string& name) {
  for (const char* function : {"readQueryFromClient", "processCommand", "call", "writeToClient",
                               "_writeToClient", "handleClientsWithPendingWrites"}) {
    if (name == function) return true;
  }
  return false;
}

TEST(ThirdPartyRedis, ServesABenchmarkAndAnswersCorrectlyUnderEveryProfiler) {
  ASSERT_TRUE(profiler_built());
  for (const char* tool : {"/usr/bin/redis-server", "/usr/bin/redis-benchmark", "/usr/bin/redis-cli"}) {
    ASSERT_TRUE(is_executable(tool)) << tool << " is not installed (make deps)";
  }
  TempDir dir;
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  const std::string port_text = std::to_string(port);

  std::vector<std::string> server{launcher_path()};
  const std::vector<std::string>& profilers = every_profiler_all_io();
  server.insert(server.end(), profilers.begin(), profilers.end());
  server.insert(server.end(),
                {"-o", dir / "prof", "--", "/usr/bin/redis-server", "--port", port_text, "--bind",
                 "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path()});
  Process running(server, within(50s));
  ASSERT_TRUE(running.wait_for_stdout("Ready to accept connections", 20s)) << running.wait().describe();

  const CommandResult benchmark = run_command(
      {"/usr/bin/redis-benchmark", "-h", "127.0.0.1", "-p", port_text, "-n", std::to_string(kRequestsPerTest),
       "-c", "4", "-t", "set,get,incr,lpush,lpop", "-q", "--csv"},
      within(25s));
  EXPECT_EQ(benchmark.exit_code(), 0) << benchmark.describe();
  for (const char* test : kBenchmarkTests) {
    EXPECT_NE(benchmark.out.find('"' + std::string(test) + '"'), std::string::npos) << benchmark.describe();
  }
  for (const auto& [command, reply] : kSession) {
    std::vector<std::string> argv{"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", port_text};
    argv.insert(argv.end(), command.begin(), command.end());
    const CommandResult r = run_command(argv, within(10s));
    EXPECT_EQ(r.exit_code(), 0) << r.describe();
    EXPECT_EQ(r.out, reply) << r.describe();
  }
  const CommandResult shutdown = run_command(
      {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", port_text, "shutdown", "nosave"}, within(10s));
  const CommandResult profiled = running.wait();
  ASSERT_EQ(profiled.exit_code(), 0) << shutdown.describe() << profiled.describe();

  const std::string profiles = dir / "prof";
  EveryProfile tables;
  ASSERT_TRUE(read_every_profile(profiles, &tables));
  EXPECT_TRUE(no_bare_addresses(tables));
  EXPECT_TRUE(no_profiler_threads(profiles));
  // The server's main thread does nearly all its CPU work inside the event loop, and some
  // of it on the path of a request.
  Share event_loop, request_path;
  ASSERT_TRUE(share_with_frame(
      profiles + "/cpu.pb.gz", "cpu", [](const std::string& f) { return f == "aeMain"; }, &event_loop));
  ASSERT_TRUE(share_with_frame(profiles + "/cpu.pb.gz", "cpu", is_request_path, &request_path));
  EXPECT_GE(event_loop.ours, 0.5) << first_rows(tables.ours.at("cpu.pb.gz"), 20);
  EXPECT_GE(event_loop.pprof, 0.5) << first_rows(tables.pprof.at("cpu.pb.gz"), 20);
  EXPECT_GT(request_path.ours, 0) << first_rows(tables.ours.at("cpu.pb.gz"), 20);
  EXPECT_GT(request_path.pprof, 0) << first_rows(tables.pprof.at("cpu.pb.gz"), 20);
  // Every request was read from its socket at least once, under readQueryFromClient.
  const double requests = double(kRequestsPerTest) * double(std::size(kBenchmarkTests));
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(profiles + "/io.pb.gz", &samples));
    EXPECT_GE(io_totals(samples, "readQueryFromClient", "read").calls_by_fd_kind["socket"], requests)
        << describe(samples);
  }
}

}  // namespace
}  // namespace cxxprof_test
