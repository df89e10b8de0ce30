#include "launcher/alloc_trace_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/alloc_trace_protocol.h"
#include "launcher/alloc_trace_decoder.h"

namespace cxxprof {
namespace {

constexpr const char* kSocketName = "allocfreetrace.sock";

void write_line(int fd, const std::string& text) {
  std::string line = text + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += size_t(n);
  }
}

struct Connection {
  int fd;
  std::unique_ptr<AllocTraceDecoder> decoder;
};

// Reads every message available now; false when the peer has closed the connection.
bool read_available(Connection& connection, std::vector<uint8_t>& buffer) {
  for (;;) {
    ssize_t n = ::recv(connection.fd, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n > 0) {
      // MSG_TRUNC reports the real length of a message too big for the buffer: damaged.
      connection.decoder->on_message(buffer.data(), size_t(n) <= buffer.size() ? size_t(n) : 0);
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

std::string temporary_root() {
  const char* tmp = ::getenv("TMPDIR");
  return tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp";
}

}  // namespace

AllocTraceListener::~AllocTraceListener() { stop(); }

bool AllocTraceListener::start(const std::string& output_dir, const std::string& debugout,
                               std::string* error) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) {
    *error = std::string("cannot create the allocfreetrace socket: ") + std::strerror(errno);
    return false;
  }
  // The output directory first; a private directory when that path does not fit a socket
  // address or is taken (a socket left by an earlier run that was killed).
  if (!bind_socket(output_dir + "/" + kSocketName)) {
    std::string pattern = temporary_root() + "/cxxprof-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      *error = "cannot create a directory for the allocfreetrace socket in " + temporary_root() +
               ": " + std::strerror(errno);
      stop();
      return false;
    }
    private_dir_ = pattern;
    if (!bind_socket(private_dir_ + "/" + kSocketName)) {
      *error = "cannot create the allocfreetrace socket in " + private_dir_ + ": " +
               std::strerror(errno);
      stop();
      return false;
    }
  }
  int wake[2];
  if (::listen(listen_fd_, 64) != 0 || ::pipe2(wake, O_CLOEXEC) != 0) {
    *error = "cannot listen on " + socket_path_ + ": " + std::strerror(errno);
    stop();
    return false;
  }
  wake_read_ = wake[0];
  wake_write_ = wake[1];
  output_fd_ = STDERR_FILENO;
  if (!debugout.empty()) {
    int fd = ::open(debugout.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      output_fd_ = fd;
      own_output_fd_ = true;
    } else {
      // As the library does: the lines still come out, on stderr.
      write_line(STDERR_FILENO, "cxxprof-run: cannot open debugout file " + debugout + ": " +
                                    std::strerror(errno) + "; allocfreetrace lines go to stderr");
    }
  }
  // The thread blocks every signal: the forwarded ones must reach the main thread (the
  // SignalForwarder's rules), and a write to a closed stderr pipe must return EPIPE here
  // rather than kill the launcher while the program runs.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return true;
}

bool AllocTraceListener::bind_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    errno = ENAMETOOLONG;
    return false;
  }
  std::strcpy(address.sun_path, path.c_str());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return false;
  }
  socket_path_ = path;  // ours from now on: stop() removes it
  // Before listen(): nobody can connect until the socket is the user's alone.
  if (::chmod(path.c_str(), 0600) != 0) return false;
  return true;
}

void AllocTraceListener::run() {
  std::vector<uint8_t> buffer(alloctrace::kMaxEventMessage > sizeof(alloctrace::ModuleMessage)
                                  ? alloctrace::kMaxEventMessage
                                  : sizeof(alloctrace::ModuleMessage));
  std::vector<Connection> connections;
  const int output = output_fd_;
  auto close_connection = [](Connection& connection) {
    connection.decoder->finish();
    ::close(connection.fd);
  };
  auto accept_all = [&] {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      connections.push_back(Connection{
          fd, std::make_unique<AllocTraceDecoder>(
                  [output](const std::string& line) { write_line(output, line); })});
    }
  };
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{wake_read_, POLLIN, 0});
    fds.push_back(pollfd{listen_fd_, POLLIN, 0});
    for (const Connection& connection : connections) fds.push_back(pollfd{connection.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // stop(): drain below
    if (fds[1].revents != 0) accept_all();
    for (size_t i = connections.size(); i-- > 0;) {
      if (fds[i + 2].revents == 0) continue;
      if (!read_available(connections[i], buffer)) {
        close_connection(connections[i]);
        connections.erase(connections.begin() + std::ptrdiff_t(i));
      }
    }
  }
  // Everything a process sent before stop() is in its connection's queue already (a send
  // on a Unix socket completes into the receiver's buffer): take it all, then finish.
  // Shutting the reading side first bounds this to what is queued — a descendant that
  // goes on allocating gets EPIPE from now on and prints its lines itself — so a chatty
  // process cannot keep the launcher here.
  accept_all();
  for (Connection& connection : connections) {
    ::shutdown(connection.fd, SHUT_RD);
    read_available(connection, buffer);
    close_connection(connection);
  }
}

void AllocTraceListener::stop() {
  if (thread_.joinable()) {
    char byte = 1;
    while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_read_, &wake_write_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (own_output_fd_) ::close(output_fd_);
  own_output_fd_ = false;
  output_fd_ = -1;
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
  if (!private_dir_.empty()) ::rmdir(private_dir_.c_str());
  socket_path_.clear();
  private_dir_.clear();
}

}  // namespace cxxprof
