// write(2) and its relatives, as I/O profile operations "write", "pwrite", "writev",
// "pwritev" (preload/io_interposer.h). glibc's stdio writes its buffers with an internal
// write that does not come here: buffered output is counted once, by the stdio call
// (preload/interpose_io_stdio_write.cc).
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/io_interposer.h"

namespace cxxprof {
namespace {

using WriteFunction = ssize_t (*)(int, const void*, size_t);
using PwriteFunction = ssize_t (*)(int, const void*, size_t, off_t);
using Pwrite64Function = ssize_t (*)(int, const void*, size_t, off64_t);
using WritevFunction = ssize_t (*)(int, const iovec*, int);
using PwritevFunction = ssize_t (*)(int, const iovec*, int, off_t);
using Pwritev64Function = ssize_t (*)(int, const iovec*, int, off64_t);
using Pwritev2Function = ssize_t (*)(int, const iovec*, int, off_t, int);
using Pwritev64v2Function = ssize_t (*)(int, const iovec*, int, off64_t, int);

CXXPROF_REAL_FUNCTION(real_write, WriteFunction, "write", nullptr);
CXXPROF_REAL_FUNCTION(real_pwrite, PwriteFunction, "pwrite", nullptr);
CXXPROF_REAL_FUNCTION(real_pwrite64, Pwrite64Function, "pwrite64", nullptr);
CXXPROF_REAL_FUNCTION(real_writev, WritevFunction, "writev", nullptr);
CXXPROF_REAL_FUNCTION(real_pwritev, PwritevFunction, "pwritev", nullptr);
CXXPROF_REAL_FUNCTION(real_pwritev64, Pwritev64Function, "pwritev64", nullptr);
CXXPROF_REAL_FUNCTION(real_pwritev2, Pwritev2Function, "pwritev2", nullptr);
CXXPROF_REAL_FUNCTION(real_pwritev64v2, Pwritev64v2Function, "pwritev64v2", nullptr);

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER ssize_t write(int fd, const void* buffer, size_t count) {
  return io_call({io::Op::kWrite, fd, nullptr}, __builtin_return_address(0), "write",
                 [&] { return call_real(real_write, fd, buffer, count); }, transferred);
}

CXXPROF_INTERPOSER ssize_t pwrite(int fd, const void* buffer, size_t count, off_t offset) {
  return io_call({io::Op::kPwrite, fd, nullptr}, __builtin_return_address(0), "pwrite",
                 [&] { return call_real(real_pwrite, fd, buffer, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t pwrite64(int fd, const void* buffer, size_t count, off64_t offset) {
  return io_call({io::Op::kPwrite, fd, nullptr}, __builtin_return_address(0), "pwrite64",
                 [&] { return call_real(real_pwrite64, fd, buffer, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t writev(int fd, const struct iovec* vector, int count) {
  return io_call({io::Op::kWritev, fd, nullptr}, __builtin_return_address(0), "writev",
                 [&] { return call_real(real_writev, fd, vector, count); }, transferred);
}

CXXPROF_INTERPOSER ssize_t pwritev(int fd, const struct iovec* vector, int count,
                                   off_t offset) {
  return io_call({io::Op::kPwritev, fd, nullptr}, __builtin_return_address(0), "pwritev",
                 [&] { return call_real(real_pwritev, fd, vector, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t pwritev64(int fd, const struct iovec* vector, int count,
                                     off64_t offset) {
  return io_call({io::Op::kPwritev, fd, nullptr}, __builtin_return_address(0), "pwritev64",
                 [&] { return call_real(real_pwritev64, fd, vector, count, offset); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t pwritev2(int fd, const struct iovec* vector, int count,
                                    off_t offset, int flags) {
  return io_call({io::Op::kPwritev, fd, nullptr}, __builtin_return_address(0), "pwritev2",
                 [&] { return call_real(real_pwritev2, fd, vector, count, offset, flags); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t pwritev64v2(int fd, const struct iovec* vector, int count,
                                       off64_t offset, int flags) {
  return io_call({io::Op::kPwritev, fd, nullptr}, __builtin_return_address(0), "pwritev64v2",
                 [&] { return call_real(real_pwritev64v2, fd, vector, count, offset, flags); },
                 transferred);
}
