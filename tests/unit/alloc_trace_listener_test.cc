// launcher/alloc_trace_listener: the launcher's end of allocfreetrace's channel, driven
// by a client that speaks the protocol as the library does.
#include "launcher/alloc_trace_listener.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/alloc_trace_protocol.h"

namespace cxxprof {
namespace {

class ScratchDir {
 public:
  ScratchDir() {
    char name[] = "/tmp/cxxprof-listener-test.XXXXXX";
    path_ = mkdtemp(name) != nullptr ? name : "";
  }
  ~ScratchDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void send_event(int fd, const std::string& text) {
  alloctrace::EventHeader header{alloctrace::kEventMagic, 0, 0, uint32_t(text.size())};
  std::string message(reinterpret_cast<const char*>(&header), sizeof(header));
  message += text;
  ASSERT_EQ(send(fd, message.data(), message.size(), MSG_NOSIGNAL), ssize_t(message.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AllocTraceListenerTest, PrintsEveryEventSentBeforeStopAndCleansUp) {
  ScratchDir dir;
  const std::string out = dir.path() + "/debug.txt";
  AllocTraceListener listener;
  std::string error;
  ASSERT_TRUE(listener.start(dir.path(), out, &error)) << error;
  const std::string socket_path = listener.socket_path();
  EXPECT_EQ(socket_path, dir.path() + "/allocfreetrace.sock");
  struct stat st {};
  ASSERT_EQ(stat(socket_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // only the user's own processes may connect

  // Two processes; the second still connected at stop(), as a lingering descendant is.
  int first = connect_to(socket_path);
  int second = connect_to(socket_path);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  send_event(first, "ALLOC 1ms: one");
  send_event(second, "ALLOC 2ms: two");
  send_event(first, "FREE 3ms: three");
  close(first);
  listener.stop();  // everything sent so far is printed before it returns
  const std::string text = read_file(out);
  EXPECT_NE(text.find("ALLOC 1ms: one stack: (none)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ALLOC 2ms: two stack: (none)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("FREE 3ms: three stack: (none)\n"), std::string::npos) << text;
  EXPECT_LT(text.find("one"), text.find("three"));  // one connection's order is kept
  EXPECT_NE(stat(socket_path.c_str(), &st), 0) << "the socket was not removed";
  // The launcher is gone: a late send fails (no SIGPIPE: MSG_NOSIGNAL), the library then
  // prints the event itself.
  std::string late(sizeof(alloctrace::EventHeader), '\0');
  EXPECT_LT(send(second, late.data(), late.size(), MSG_NOSIGNAL), 0);
  close(second);
}

TEST(AllocTraceListenerTest, ALongOutputDirectoryGetsASocketElsewhere) {
  ScratchDir dir;
  // sun_path holds 108 bytes: this directory is too deep for a socket.
  std::string deep = dir.path();
  while (deep.size() < 150) deep += "/nested-directory";
  ASSERT_EQ(std::system(("mkdir -p '" + deep + "'").c_str()), 0);
  AllocTraceListener listener;
  std::string error;
  ASSERT_TRUE(listener.start(deep, "", &error)) << error;
  const std::string socket_path = listener.socket_path();
  EXPECT_LT(socket_path.size(), sizeof(sockaddr_un{}.sun_path));
  int client = connect_to(socket_path);
  EXPECT_GE(client, 0);
  if (client >= 0) close(client);
  const std::string private_dir = socket_path.substr(0, socket_path.rfind('/'));
  listener.stop();
  struct stat st {};
  EXPECT_NE(stat(socket_path.c_str(), &st), 0);
  EXPECT_NE(stat(private_dir.c_str(), &st), 0) << "the private directory was left behind";
}

TEST(AllocTraceListenerTest, AStaleSocketOfAKilledRunIsNotReusedOrRemoved) {
  ScratchDir dir;
  const std::string stale = dir.path() + "/allocfreetrace.sock";
  // A socket file left behind (bound, never removed).
  int old = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, stale.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(bind(old, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  close(old);
  AllocTraceListener listener;
  std::string error;
  ASSERT_TRUE(listener.start(dir.path(), "", &error)) << error;
  EXPECT_NE(listener.socket_path(), stale);
  listener.stop();
  struct stat st {};
  EXPECT_EQ(stat(stale.c_str(), &st), 0) << "not ours to remove";
}

}  // namespace
}  // namespace cxxprof
