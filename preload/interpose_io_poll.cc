// Waiting for descriptors, as I/O profile operations "poll" (poll, ppoll), "select"
// (select, pselect) and "epoll_wait" (epoll_wait, epoll_pwait, epoll_pwait2): calls and
// time, no bytes. Where an event loop spends its idle time shows here, under the loop.
// The descriptor labelled is the epoll instance, the single descriptor of a one-entry
// poll, or none ("other") for a wait on several.
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload/io_interposer.h"

extern "C" {
int __poll_chk(pollfd* fds, nfds_t count, int timeout, size_t fds_size);
int __ppoll_chk(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask,
                size_t fds_size);
}

namespace cxxprof {
namespace {

CXXPROF_REAL_FUNCTION(real_poll, int (*)(pollfd*, nfds_t, int), "poll", nullptr);
CXXPROF_REAL_FUNCTION(real_poll_chk, int (*)(pollfd*, nfds_t, int, size_t), "__poll_chk",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_ppoll, int (*)(pollfd*, nfds_t, const timespec*, const sigset_t*),
                      "ppoll", nullptr);
CXXPROF_REAL_FUNCTION(real_ppoll_chk,
                      int (*)(pollfd*, nfds_t, const timespec*, const sigset_t*, size_t),
                      "__ppoll_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_select, int (*)(int, fd_set*, fd_set*, fd_set*, timeval*), "select",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_pselect,
                      int (*)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*),
                      "pselect", nullptr);
CXXPROF_REAL_FUNCTION(real_epoll_wait, int (*)(int, epoll_event*, int, int), "epoll_wait",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_epoll_pwait, int (*)(int, epoll_event*, int, int, const sigset_t*),
                      "epoll_pwait", nullptr);
CXXPROF_REAL_FUNCTION(real_epoll_pwait2,
                      int (*)(int, epoll_event*, int, const timespec*, const sigset_t*),
                      "epoll_pwait2", nullptr);

int polled_fd(const pollfd* fds, nfds_t count) { return count == 1 ? fds[0].fd : -1; }

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER int poll(pollfd* fds, nfds_t count, int timeout) {
  return io_call({io::Op::kPoll, polled_fd(fds, count), nullptr}, __builtin_return_address(0),
                 "poll", [&] { return call_real(real_poll, fds, count, timeout); }, no_bytes);
}

CXXPROF_INTERPOSER int __poll_chk(pollfd* fds, nfds_t count, int timeout, size_t fds_size) {
  return io_call({io::Op::kPoll, polled_fd(fds, count), nullptr}, __builtin_return_address(0),
                 "poll", [&] { return call_real(real_poll_chk, fds, count, timeout, fds_size); },
                 no_bytes);
}

CXXPROF_INTERPOSER int ppoll(pollfd* fds, nfds_t count, const timespec* timeout,
                             const sigset_t* mask) {
  return io_call({io::Op::kPoll, polled_fd(fds, count), nullptr}, __builtin_return_address(0),
                 "ppoll", [&] { return call_real(real_ppoll, fds, count, timeout, mask); },
                 no_bytes);
}

CXXPROF_INTERPOSER int __ppoll_chk(pollfd* fds, nfds_t count, const timespec* timeout,
                                   const sigset_t* mask, size_t fds_size) {
  return io_call(
      {io::Op::kPoll, polled_fd(fds, count), nullptr}, __builtin_return_address(0), "ppoll",
      [&] { return call_real(real_ppoll_chk, fds, count, timeout, mask, fds_size); }, no_bytes);
}

CXXPROF_INTERPOSER int select(int count, fd_set* readable, fd_set* writable, fd_set* errors,
                              timeval* timeout) {
  return io_call(
      {io::Op::kSelect, -1, nullptr}, __builtin_return_address(0), "select",
      [&] { return call_real(real_select, count, readable, writable, errors, timeout); },
      no_bytes);
}

CXXPROF_INTERPOSER int pselect(int count, fd_set* readable, fd_set* writable, fd_set* errors,
                               const timespec* timeout, const sigset_t* mask) {
  return io_call(
      {io::Op::kSelect, -1, nullptr}, __builtin_return_address(0), "pselect",
      [&] { return call_real(real_pselect, count, readable, writable, errors, timeout, mask); },
      no_bytes);
}

CXXPROF_INTERPOSER int epoll_wait(int epfd, epoll_event* events, int max_events, int timeout) {
  return io_call({io::Op::kEpollWait, epfd, nullptr}, __builtin_return_address(0), "epoll_wait",
                 [&] { return call_real(real_epoll_wait, epfd, events, max_events, timeout); },
                 no_bytes);
}

CXXPROF_INTERPOSER int epoll_pwait(int epfd, epoll_event* events, int max_events, int timeout,
                                   const sigset_t* mask) {
  return io_call(
      {io::Op::kEpollWait, epfd, nullptr}, __builtin_return_address(0), "epoll_pwait",
      [&] { return call_real(real_epoll_pwait, epfd, events, max_events, timeout, mask); },
      no_bytes);
}

CXXPROF_INTERPOSER int epoll_pwait2(int epfd, epoll_event* events, int max_events,
                                    const timespec* timeout, const sigset_t* mask) {
  return io_call(
      {io::Op::kEpollWait, epfd, nullptr}, __builtin_return_address(0), "epoll_pwait2",
      [&] { return call_real(real_epoll_pwait2, epfd, events, max_events, timeout, mask); },
      no_bytes);
}
