// Flushing to storage and moving data between descriptors inside the kernel, as I/O
// profile operations: fsync and fdatasync (time), sendfile, splice and copy_file_range
// (bytes moved). Of the two descriptors of a transfer the sample carries the source
// (the file served by sendfile, copied by copy_file_range), except for splice (below).
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "preload/io_interposer.h"

namespace cxxprof {
namespace {

CXXPROF_REAL_FUNCTION(real_fsync, int (*)(int), "fsync", nullptr);
CXXPROF_REAL_FUNCTION(real_fdatasync, int (*)(int), "fdatasync", nullptr);
CXXPROF_REAL_FUNCTION(real_sendfile, ssize_t (*)(int, int, off_t*, size_t), "sendfile",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_sendfile64, ssize_t (*)(int, int, off64_t*, size_t), "sendfile64",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_splice,
                      ssize_t (*)(int, off64_t*, int, off64_t*, size_t, unsigned int), "splice",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_copy_file_range,
                      ssize_t (*)(int, off64_t*, int, off64_t*, size_t, unsigned int),
                      "copy_file_range", nullptr);

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER int fsync(int fd) {
  return io_call({io::Op::kFsync, fd, nullptr}, __builtin_return_address(0), "fsync",
                 [&] { return call_real(real_fsync, fd); }, no_bytes);
}

CXXPROF_INTERPOSER int fdatasync(int fd) {
  return io_call({io::Op::kFdatasync, fd, nullptr}, __builtin_return_address(0), "fdatasync",
                 [&] { return call_real(real_fdatasync, fd); }, no_bytes);
}

CXXPROF_INTERPOSER ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) noexcept {
  return io_call({io::Op::kSendfile, in_fd, nullptr}, __builtin_return_address(0), "sendfile",
                 [&] { return call_real(real_sendfile, out_fd, in_fd, offset, count); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t sendfile64(int out_fd, int in_fd, off64_t* offset,
                                      size_t count) noexcept {
  return io_call({io::Op::kSendfile, in_fd, nullptr}, __builtin_return_address(0), "sendfile64",
                 [&] { return call_real(real_sendfile64, out_fd, in_fd, offset, count); },
                 transferred);
}

// At least one side of a splice is a pipe; the sample is about the other one (the file or
// socket the data comes from or goes to). Which is which is looked up only if the call is
// recorded (preload/fd_table.h caches it).
CXXPROF_INTERPOSER ssize_t splice(int in_fd, off64_t* in_offset, int out_fd, off64_t* out_offset,
                                  size_t length, unsigned int flags) {
  return io_call(
      {io::Op::kSplice, in_fd, nullptr, out_fd}, __builtin_return_address(0), "splice",
      [&] { return call_real(real_splice, in_fd, in_offset, out_fd, out_offset, length, flags); },
      transferred);
}

CXXPROF_INTERPOSER ssize_t copy_file_range(int in_fd, off64_t* in_offset, int out_fd,
                                           off64_t* out_offset, size_t length,
                                           unsigned int flags) {
  return io_call({io::Op::kCopyFileRange, in_fd, nullptr}, __builtin_return_address(0),
                 "copy_file_range",
                 [&] {
                   return call_real(real_copy_file_range, in_fd, in_offset, out_fd, out_offset,
                                    length, flags);
                 },
                 transferred);
}
