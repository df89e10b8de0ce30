// read(2) and its relatives, as I/O profile operations "read", "pread", "readv",
// "preadv" (preload/io_interposer.h). The _FORTIFY_SOURCE forms (__read_chk, ...) are the
// same operations: a program built with -D_FORTIFY_SOURCE calls them instead, and they
// call glibc's read internally, never our read, so nothing is counted twice.
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/io_interposer.h"

extern "C" {
ssize_t __read_chk(int fd, void* buffer, size_t count, size_t buffer_size);
ssize_t __pread_chk(int fd, void* buffer, size_t count, off_t offset, size_t buffer_size);
ssize_t __pread64_chk(int fd, void* buffer, size_t count, off64_t offset, size_t buffer_size);
}

namespace cxxprof {
namespace {

using ReadFunction = ssize_t (*)(int, void*, size_t);
using ReadChkFunction = ssize_t (*)(int, void*, size_t, size_t);
using PreadFunction = ssize_t (*)(int, void*, size_t, off_t);
using Pread64Function = ssize_t (*)(int, void*, size_t, off64_t);
using PreadChkFunction = ssize_t (*)(int, void*, size_t, off_t, size_t);
using Pread64ChkFunction = ssize_t (*)(int, void*, size_t, off64_t, size_t);
using ReadvFunction = ssize_t (*)(int, const iovec*, int);
using PreadvFunction = ssize_t (*)(int, const iovec*, int, off_t);
using Preadv64Function = ssize_t (*)(int, const iovec*, int, off64_t);
using Preadv2Function = ssize_t (*)(int, const iovec*, int, off_t, int);
using Preadv64v2Function = ssize_t (*)(int, const iovec*, int, off64_t, int);

CXXPROF_REAL_FUNCTION(real_read, ReadFunction, "read", nullptr);
CXXPROF_REAL_FUNCTION(real_read_chk, ReadChkFunction, "__read_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_pread, PreadFunction, "pread", nullptr);
CXXPROF_REAL_FUNCTION(real_pread64, Pread64Function, "pread64", nullptr);
CXXPROF_REAL_FUNCTION(real_pread_chk, PreadChkFunction, "__pread_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_pread64_chk, Pread64ChkFunction, "__pread64_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_readv, ReadvFunction, "readv", nullptr);
CXXPROF_REAL_FUNCTION(real_preadv, PreadvFunction, "preadv", nullptr);
CXXPROF_REAL_FUNCTION(real_preadv64, Preadv64Function, "preadv64", nullptr);
CXXPROF_REAL_FUNCTION(real_preadv2, Preadv2Function, "preadv2", nullptr);
CXXPROF_REAL_FUNCTION(real_preadv64v2, Preadv64v2Function, "preadv64v2", nullptr);

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER ssize_t read(int fd, void* buffer, size_t count) {
  return io_call({io::Op::kRead, fd, nullptr}, __builtin_return_address(0), "read",
                 [&] { return call_real(real_read, fd, buffer, count); }, transferred);
}

CXXPROF_INTERPOSER ssize_t __read_chk(int fd, void* buffer, size_t count, size_t buffer_size) {
  return io_call({io::Op::kRead, fd, nullptr}, __builtin_return_address(0), "read",
                 [&] { return call_real(real_read_chk, fd, buffer, count, buffer_size); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t pread(int fd, void* buffer, size_t count, off_t offset) {
  return io_call({io::Op::kPread, fd, nullptr}, __builtin_return_address(0), "pread",
                 [&] { return call_real(real_pread, fd, buffer, count, offset); }, transferred);
}

CXXPROF_INTERPOSER ssize_t pread64(int fd, void* buffer, size_t count, off64_t offset) {
  return io_call({io::Op::kPread, fd, nullptr}, __builtin_return_address(0), "pread64",
                 [&] { return call_real(real_pread64, fd, buffer, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t __pread_chk(int fd, void* buffer, size_t count, off_t offset,
                                       size_t buffer_size) {
  return io_call({io::Op::kPread, fd, nullptr}, __builtin_return_address(0), "pread",
                 [&] { return call_real(real_pread_chk, fd, buffer, count, offset, buffer_size); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t __pread64_chk(int fd, void* buffer, size_t count, off64_t offset,
                                         size_t buffer_size) {
  return io_call(
      {io::Op::kPread, fd, nullptr}, __builtin_return_address(0), "pread64",
      [&] { return call_real(real_pread64_chk, fd, buffer, count, offset, buffer_size); },
      transferred);
}

CXXPROF_INTERPOSER ssize_t readv(int fd, const struct iovec* vector, int count) {
  return io_call({io::Op::kReadv, fd, nullptr}, __builtin_return_address(0), "readv",
                 [&] { return call_real(real_readv, fd, vector, count); }, transferred);
}

CXXPROF_INTERPOSER ssize_t preadv(int fd, const struct iovec* vector, int count, off_t offset) {
  return io_call({io::Op::kPreadv, fd, nullptr}, __builtin_return_address(0), "preadv",
                 [&] { return call_real(real_preadv, fd, vector, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t preadv64(int fd, const struct iovec* vector, int count,
                                    off64_t offset) {
  return io_call({io::Op::kPreadv, fd, nullptr}, __builtin_return_address(0), "preadv64",
                 [&] { return call_real(real_preadv64, fd, vector, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t preadv2(int fd, const struct iovec* vector, int count, off_t offset,
                                   int flags) {
  return io_call({io::Op::kPreadv, fd, nullptr}, __builtin_return_address(0), "preadv2",
                 [&] { return call_real(real_preadv2, fd, vector, count, offset, flags); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t preadv64v2(int fd, const struct iovec* vector, int count,
                                      off64_t offset, int flags) {
  return io_call({io::Op::kPreadv, fd, nullptr}, __builtin_return_address(0), "preadv64v2",
                 [&] { return call_real(real_preadv64v2, fd, vector, count, offset, flags); },
                 transferred);
}
