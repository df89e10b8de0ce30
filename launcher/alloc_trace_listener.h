// cxxprof-run's end of the allocfreetrace channel (common/alloc_trace_protocol.h): a Unix
// SOCK_SEQPACKET socket that every profiled process connects to, and a thread that reads
// all connections as events arrive and prints each event's line with its stack
// symbolized (AllocTraceDecoder), one write(2) per line, to stderr or to the debugout
// file (appended, like the library's own CXXDEBUG lines).
//
// The socket lives in the output directory (mode 0600: only the user's processes can
// connect), or in a private directory under $TMPDIR when that path is too long for a
// Unix socket address (108 bytes).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace cxxprof {

class AllocTraceListener {
 public:
  AllocTraceListener() = default;
  ~AllocTraceListener();  // stop()
  AllocTraceListener(const AllocTraceListener&) = delete;
  AllocTraceListener& operator=(const AllocTraceListener&) = delete;

  // Creates the socket for `output_dir` and starts the reading thread. `debugout` is the
  // file for the lines, empty for stderr. On failure: false, one line in *error, nothing
  // left behind.
  bool start(const std::string& output_dir, const std::string& debugout, std::string* error);

  // What the program's environment names (common/alloc_trace_protocol.h: kSocketEnv).
  const std::string& socket_path() const { return socket_path_; }

  // Prints everything the processes have sent until now, then stops the thread and
  // removes the socket. Processes still running afterwards find the launcher gone and
  // print their stacks as module+offset themselves. Idempotent.
  void stop();

 private:
  void run();
  // Binds the listening socket to `path`; false (errno set) if it cannot.
  bool bind_socket(const std::string& path);

  std::string socket_path_;
  std::string private_dir_;  // removed by stop() if we made one
  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  int output_fd_ = -1;
  bool own_output_fd_ = false;
  std::thread thread_;
};

}  // namespace cxxprof
