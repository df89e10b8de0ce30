// Socket I/O as I/O profile operations: recv, recvfrom, recvmsg, recvmmsg, send, sendto,
// sendmsg, sendmmsg (bytes moved), accept and connect (time only). accept's new
// descriptor, like every new descriptor, makes the descriptor table forget what it knew
// about that number (preload/fd_table.h).
#include <sys/socket.h>
#include <sys/types.h>

#include "preload/fd_table.h"
#include "preload/io_interposer.h"

extern "C" {
ssize_t __recv_chk(int fd, void* buffer, size_t length, size_t buffer_size, int flags);
ssize_t __recvfrom_chk(int fd, void* buffer, size_t length, size_t buffer_size, int flags,
                       sockaddr* address, socklen_t* address_length);
}

namespace cxxprof {
namespace {

CXXPROF_REAL_FUNCTION(real_recv, ssize_t (*)(int, void*, size_t, int), "recv", nullptr);
CXXPROF_REAL_FUNCTION(real_recv_chk, ssize_t (*)(int, void*, size_t, size_t, int),
                      "__recv_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_recvfrom,
                      ssize_t (*)(int, void*, size_t, int, sockaddr*, socklen_t*), "recvfrom",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_recvfrom_chk,
                      ssize_t (*)(int, void*, size_t, size_t, int, sockaddr*, socklen_t*),
                      "__recvfrom_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_recvmsg, ssize_t (*)(int, msghdr*, int), "recvmsg", nullptr);
CXXPROF_REAL_FUNCTION(real_recvmmsg, int (*)(int, mmsghdr*, unsigned, int, timespec*),
                      "recvmmsg", nullptr);
CXXPROF_REAL_FUNCTION(real_send, ssize_t (*)(int, const void*, size_t, int), "send", nullptr);
CXXPROF_REAL_FUNCTION(real_sendto,
                      ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t),
                      "sendto", nullptr);
CXXPROF_REAL_FUNCTION(real_sendmsg, ssize_t (*)(int, const msghdr*, int), "sendmsg", nullptr);
CXXPROF_REAL_FUNCTION(real_sendmmsg, int (*)(int, mmsghdr*, unsigned, int), "sendmmsg",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_accept, int (*)(int, sockaddr*, socklen_t*), "accept", nullptr);
CXXPROF_REAL_FUNCTION(real_accept4, int (*)(int, sockaddr*, socklen_t*, int), "accept4",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_connect, int (*)(int, const sockaddr*, socklen_t), "connect",
                      nullptr);

// recvmmsg/sendmmsg return how many messages went through; the bytes are in each one.
int64_t message_bytes(const mmsghdr* messages, int count) {
  int64_t total = 0;
  for (int i = 0; i < count; ++i) total += messages[i].msg_len;
  return total;
}

// A new descriptor from accept: whatever the table knew about its number is stale.
int forget_new(int fd) {
  if (fd >= 0) fd_forget(fd);
  return fd;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER ssize_t recv(int fd, void* buffer, size_t length, int flags) {
  return io_call({io::Op::kRecv, fd, nullptr}, __builtin_return_address(0), "recv",
                 [&] { return call_real(real_recv, fd, buffer, length, flags); }, transferred);
}

CXXPROF_INTERPOSER ssize_t __recv_chk(int fd, void* buffer, size_t length, size_t buffer_size,
                                      int flags) {
  return io_call({io::Op::kRecv, fd, nullptr}, __builtin_return_address(0), "recv",
                 [&] { return call_real(real_recv_chk, fd, buffer, length, buffer_size, flags); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t recvfrom(int fd, void* buffer, size_t length, int flags,
                                    sockaddr* address, socklen_t* address_length) {
  return io_call(
      {io::Op::kRecvfrom, fd, nullptr}, __builtin_return_address(0), "recvfrom",
      [&] { return call_real(real_recvfrom, fd, buffer, length, flags, address, address_length); },
      transferred);
}

CXXPROF_INTERPOSER ssize_t __recvfrom_chk(int fd, void* buffer, size_t length,
                                          size_t buffer_size, int flags, sockaddr* address,
                                          socklen_t* address_length) {
  return io_call({io::Op::kRecvfrom, fd, nullptr}, __builtin_return_address(0), "recvfrom",
                 [&] {
                   return call_real(real_recvfrom_chk, fd, buffer, length, buffer_size, flags,
                                    address, address_length);
                 },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t recvmsg(int fd, msghdr* message, int flags) {
  return io_call({io::Op::kRecvmsg, fd, nullptr}, __builtin_return_address(0), "recvmsg",
                 [&] { return call_real(real_recvmsg, fd, message, flags); }, transferred);
}

CXXPROF_INTERPOSER int recvmmsg(int fd, mmsghdr* messages, unsigned int count, int flags,
                                timespec* timeout) {
  return io_call({io::Op::kRecvmmsg, fd, nullptr}, __builtin_return_address(0), "recvmmsg",
                 [&] { return call_real(real_recvmmsg, fd, messages, count, flags, timeout); },
                 [&](int received) { return message_bytes(messages, received); });
}

CXXPROF_INTERPOSER ssize_t send(int fd, const void* buffer, size_t length, int flags) {
  return io_call({io::Op::kSend, fd, nullptr}, __builtin_return_address(0), "send",
                 [&] { return call_real(real_send, fd, buffer, length, flags); }, transferred);
}

CXXPROF_INTERPOSER ssize_t sendto(int fd, const void* buffer, size_t length, int flags,
                                  const sockaddr* address, socklen_t address_length) {
  return io_call(
      {io::Op::kSendto, fd, nullptr}, __builtin_return_address(0), "sendto",
      [&] { return call_real(real_sendto, fd, buffer, length, flags, address, address_length); },
      transferred);
}

CXXPROF_INTERPOSER ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  return io_call({io::Op::kSendmsg, fd, nullptr}, __builtin_return_address(0), "sendmsg",
                 [&] { return call_real(real_sendmsg, fd, message, flags); }, transferred);
}

CXXPROF_INTERPOSER int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  return io_call({io::Op::kSendmmsg, fd, nullptr}, __builtin_return_address(0), "sendmmsg",
                 [&] { return call_real(real_sendmmsg, fd, messages, count, flags); },
                 [&](int sent) { return message_bytes(messages, sent); });
}

CXXPROF_INTERPOSER int accept(int fd, sockaddr* address, socklen_t* address_length) {
  return io_call({io::Op::kAccept, fd, nullptr}, __builtin_return_address(0), "accept",
                 [&] { return forget_new(call_real(real_accept, fd, address, address_length)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int accept4(int fd, sockaddr* address, socklen_t* address_length,
                               int flags) {
  return io_call(
      {io::Op::kAccept, fd, nullptr}, __builtin_return_address(0), "accept4",
      [&] { return forget_new(call_real(real_accept4, fd, address, address_length, flags)); },
      no_bytes);
}

CXXPROF_INTERPOSER int connect(int fd, const sockaddr* address, socklen_t address_length) {
  return io_call({io::Op::kConnect, fd, nullptr}, __builtin_return_address(0), "connect",
                 [&] { return call_real(real_connect, fd, address, address_length); }, no_bytes);
}
