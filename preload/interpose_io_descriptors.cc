// Everything that creates, duplicates or closes a descriptor: open (and its variants),
// creat, socket, socketpair, pipe, dup, fcntl(F_DUPFD*), close, close_range, closefrom.
// None of them is an I/O profile operation; they keep the descriptor table honest: a
// number that now names something new, or nothing, is forgotten, and the next recorded
// call on it classifies it afresh (preload/fd_table.h). open and close can block (a FIFO
// waiting for its other end, an NFS flush), so they mark the thread's activity like the
// I/O calls do.
//
// errno and results pass through untouched; forgetting is one relaxed store.
#include <fcntl.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload/fd_table.h"
#include "preload/io_interposer.h"

extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);
}

namespace cxxprof {
namespace {

CXXPROF_REAL_FUNCTION(real_open, int (*)(const char*, int, ...), "open", nullptr);
CXXPROF_REAL_FUNCTION(real_open64, int (*)(const char*, int, ...), "open64", nullptr);
CXXPROF_REAL_FUNCTION(real_open_2, int (*)(const char*, int), "__open_2", nullptr);
CXXPROF_REAL_FUNCTION(real_open64_2, int (*)(const char*, int), "__open64_2", nullptr);
CXXPROF_REAL_FUNCTION(real_openat, int (*)(int, const char*, int, ...), "openat", nullptr);
CXXPROF_REAL_FUNCTION(real_openat64, int (*)(int, const char*, int, ...), "openat64", nullptr);
CXXPROF_REAL_FUNCTION(real_openat_2, int (*)(int, const char*, int), "__openat_2", nullptr);
CXXPROF_REAL_FUNCTION(real_openat64_2, int (*)(int, const char*, int), "__openat64_2",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_creat, int (*)(const char*, mode_t), "creat", nullptr);
CXXPROF_REAL_FUNCTION(real_creat64, int (*)(const char*, mode_t), "creat64", nullptr);
CXXPROF_REAL_FUNCTION(real_socket, int (*)(int, int, int), "socket", nullptr);
CXXPROF_REAL_FUNCTION(real_socketpair, int (*)(int, int, int, int*), "socketpair", nullptr);
CXXPROF_REAL_FUNCTION(real_pipe, int (*)(int*), "pipe", nullptr);
CXXPROF_REAL_FUNCTION(real_pipe2, int (*)(int*, int), "pipe2", nullptr);
CXXPROF_REAL_FUNCTION(real_dup, int (*)(int), "dup", nullptr);
CXXPROF_REAL_FUNCTION(real_dup2, int (*)(int, int), "dup2", nullptr);
CXXPROF_REAL_FUNCTION(real_dup3, int (*)(int, int, int), "dup3", nullptr);
CXXPROF_REAL_FUNCTION(real_fcntl, int (*)(int, int, ...), "fcntl", nullptr);
CXXPROF_REAL_FUNCTION(real_fcntl64, int (*)(int, int, ...), "fcntl64", nullptr);
CXXPROF_REAL_FUNCTION(real_close, int (*)(int), "close", nullptr);
CXXPROF_REAL_FUNCTION(real_close_range, int (*)(unsigned, unsigned, int), "close_range",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_closefrom, void (*)(int), "closefrom", nullptr);

// A descriptor a call returned: its number names something new.
int forget_new(int fd) {
  if (fd >= 0) fd_forget(fd);
  return fd;
}

int forget_pair(int result, const int* fds) {
  if (result == 0) {
    fd_forget(fds[0]);
    fd_forget(fds[1]);
  }
  return result;
}

// The optional mode argument of open/openat: present only when the flags create a file.
mode_t mode_argument(int flags, va_list arguments) {
  return __OPEN_NEEDS_MODE(flags) ? mode_t(va_arg(arguments, int)) : 0;
}

// fcntl's optional third argument is an int or a pointer, or absent; glibc's own fcntl
// reads it as a pointer-sized value, and so do we, to pass it on unchanged.
int fcntl_forward(RealFunction<int (*)(int, int, ...)>& real, int fd, int command,
                  void* argument) {
  const int result = call_real(real, fd, command, argument);
  if (command == F_DUPFD || command == F_DUPFD_CLOEXEC) forget_new(result);
  return result;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER int open(const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "open",
                 [&] { return forget_new(call_real(real_open, path, flags, mode)); }, no_bytes);
}

CXXPROF_INTERPOSER int open64(const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "open64",
                 [&] { return forget_new(call_real(real_open64, path, flags, mode)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int __open_2(const char* path, int flags) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "open",
                 [&] { return forget_new(call_real(real_open_2, path, flags)); }, no_bytes);
}

CXXPROF_INTERPOSER int __open64_2(const char* path, int flags) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "open64",
                 [&] { return forget_new(call_real(real_open64_2, path, flags)); }, no_bytes);
}

CXXPROF_INTERPOSER int openat(int dirfd, const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "openat",
                 [&] { return forget_new(call_real(real_openat, dirfd, path, flags, mode)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int openat64(int dirfd, const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "openat64",
                 [&] { return forget_new(call_real(real_openat64, dirfd, path, flags, mode)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int __openat_2(int dirfd, const char* path, int flags) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "openat",
                 [&] { return forget_new(call_real(real_openat_2, dirfd, path, flags)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int __openat64_2(int dirfd, const char* path, int flags) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "openat64",
                 [&] { return forget_new(call_real(real_openat64_2, dirfd, path, flags)); },
                 no_bytes);
}

CXXPROF_INTERPOSER int creat(const char* path, mode_t mode) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "creat",
                 [&] { return forget_new(call_real(real_creat, path, mode)); }, no_bytes);
}

CXXPROF_INTERPOSER int creat64(const char* path, mode_t mode) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "creat64",
                 [&] { return forget_new(call_real(real_creat64, path, mode)); }, no_bytes);
}

CXXPROF_INTERPOSER int socket(int domain, int type, int protocol) noexcept {
  return forget_new(call_real(real_socket, domain, type, protocol));
}

CXXPROF_INTERPOSER int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  return forget_pair(call_real(real_socketpair, domain, type, protocol, fds), fds);
}

CXXPROF_INTERPOSER int pipe(int fds[2]) noexcept {
  return forget_pair(call_real(real_pipe, fds), fds);
}

CXXPROF_INTERPOSER int pipe2(int fds[2], int flags) noexcept {
  return forget_pair(call_real(real_pipe2, fds, flags), fds);
}

CXXPROF_INTERPOSER int dup(int fd) noexcept { return forget_new(call_real(real_dup, fd)); }

CXXPROF_INTERPOSER int dup2(int fd, int new_fd) noexcept {
  return forget_new(call_real(real_dup2, fd, new_fd));
}

CXXPROF_INTERPOSER int dup3(int fd, int new_fd, int flags) noexcept {
  return forget_new(call_real(real_dup3, fd, new_fd, flags));
}

CXXPROF_INTERPOSER int fcntl(int fd, int command, ...) {
  va_list arguments;
  va_start(arguments, command);
  void* argument = va_arg(arguments, void*);
  va_end(arguments);
  return fcntl_forward(real_fcntl, fd, command, argument);
}

CXXPROF_INTERPOSER int fcntl64(int fd, int command, ...) {
  va_list arguments;
  va_start(arguments, command);
  void* argument = va_arg(arguments, void*);
  va_end(arguments);
  return fcntl_forward(real_fcntl64, fd, command, argument);
}

// Forgotten after the close (the number is free only then), whatever close returned: on
// Linux the descriptor is gone even when close reports EINTR or EIO.
CXXPROF_INTERPOSER int close(int fd) {
  return io_call({io::Op::kNone, fd, nullptr}, nullptr, "close",
                 [&] {
                   const int result = call_real(real_close, fd);
                   fd_forget(fd);
                   return result;
                 },
                 no_bytes);
}

CXXPROF_INTERPOSER int close_range(unsigned int first, unsigned int last, int flags) noexcept {
  const int result = call_real(real_close_range, first, last, flags);
  if (result == 0 && (flags & CLOSE_RANGE_CLOEXEC) == 0) fd_forget_range(first, last);
  return result;
}

CXXPROF_INTERPOSER void closefrom(int first) noexcept {
  RealFunction<void (*)(int)>& real = real_closefrom;
  if (auto function = real.get(); function != nullptr) function(first);
  if (first >= 0) fd_forget_range(unsigned(first), ~0u);
}
