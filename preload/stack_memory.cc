#include "preload/stack_memory.h"

#include <cerrno>
#include <cstring>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace cxxprof {
namespace {

bool read_bounded(void* context, uint64_t address, uint64_t* value) {
  const auto* range = static_cast<const BoundedStackReader*>(context);
  if (address < range->low || address > range->high - sizeof(uint64_t)) return false;
  std::memcpy(value, reinterpret_cast<const void*>(address), sizeof(uint64_t));
  return true;
}

bool read_checked(void*, uint64_t address, uint64_t* value) {
  if (address < 4096) return false;
  int saved_errno = errno;
  iovec local{value, sizeof(uint64_t)};
  iovec remote{reinterpret_cast<void*>(address), sizeof(uint64_t)};
  // The raw syscall: the glibc wrapper is fine too, but this keeps the path obvious.
  long n = syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0);
  errno = saved_errno;
  return n == long(sizeof(uint64_t));
}

}  // namespace

unwind::MemoryReader bounded_memory_reader(BoundedStackReader* range) {
  return unwind::MemoryReader{&read_bounded, range};
}

unwind::MemoryReader checked_memory_reader() {
  return unwind::MemoryReader{&read_checked, nullptr};
}

}  // namespace cxxprof
