// Debian's redis-server under cxxprof-run --io=1, driven by redis-benchmark on a loopback
// port and stopped with redis-cli shutdown: it behaves as without the profiler (serves
// every request, exits 0), and its I/O profile names its network paths: socket reads
// under readQueryFromClient, socket writes under writeToClient, accepts under
// acceptTcpHandler, the event loop's epoll_wait under aeMain. Loopback only, a few
// thousand requests, well inside the harness timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/io_samples.h"
#include "tests/integration/loopback.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

using namespace std::chrono_literals;

// Calls of `op` on sockets from stacks through `function`.
double socket_calls(const std::vector<IoSample>& samples, const std::string& function,
                    const std::string& op) {
  IoTotals totals = io_totals(samples, function, op);
  return totals.calls_by_fd_kind["socket"];
}

TEST(RedisIo, NetworkReadAndWritePathsByName) {
  ASSERT_TRUE(profiler_built());
  for (const char* tool : {"/usr/bin/redis-server", "/usr/bin/redis-benchmark", "/usr/bin/redis-cli"}) {
    ASSERT_TRUE(is_executable(tool)) << tool << " is not installed (make deps)";
  }
  TempDir dir;
  const int port = free_loopback_port();
  ASSERT_GT(port, 0);
  const std::string port_text = std::to_string(port);

  Process server({launcher_path(), "--io=1", "-o", dir / "prof", "--", "/usr/bin/redis-server", "--port",
                  port_text, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                  dir.path()},
                 within(50s));
  ASSERT_TRUE(server.wait_for_stdout("Ready to accept connections", 20s)) << server.wait().describe();

  const CommandResult benchmark = run_command({"/usr/bin/redis-benchmark", "-h", "127.0.0.1", "-p", port_text,
                                               "-n", "2000", "-c", "4", "-t", "set,get", "-q", "--csv"},
                                              within(20s));
  EXPECT_EQ(benchmark.exit_code(), 0) << benchmark.describe();
  EXPECT_NE(benchmark.out.find("\"SET\""), std::string::npos) << benchmark.describe();
  EXPECT_NE(benchmark.out.find("\"GET\""), std::string::npos) << benchmark.describe();
  const CommandResult shutdown = run_command({"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", port_text,
                                              "shutdown", "nosave"},
                                             within(10s));
  const CommandResult profiled = server.wait();
  ASSERT_EQ(profiled.exit_code(), 0) << shutdown.describe() << profiled.describe();

  const std::string profile = dir / "prof/io.pb.gz";
  for (auto reader : {&our_io_samples, &pprof_io_samples}) {
    std::vector<IoSample> samples;
    ASSERT_TRUE(reader(profile, &samples));
    // 2 x 2000 requests: each read by the server and answered at least once.
    EXPECT_GE(socket_calls(samples, "readQueryFromClient", "read"), 4000) << describe(samples);
    EXPECT_GE(socket_calls(samples, "writeToClient", "write") +
                  socket_calls(samples, "writeToClient", "writev"),
              4000)
        << describe(samples);
    EXPECT_GE(socket_calls(samples, "acceptTcpHandler", "accept"), 4) << describe(samples);
    EXPECT_GT(io_totals(samples, "aeMain", "epoll_wait").calls, 0) << describe(samples);
  }
}

}  // namespace
}  // namespace cxxprof_test
