// File I/O of the profiler's own, made with direct system calls. libcxxprof.so exports
// read, write, open, ... (the I/O profile's interposers), so a plain call to write() from
// inside the library would go through them and show the profiler's own output in the
// program's I/O profile, or mark the service thread as "blocked in I/O". These never do.
//
// Async-signal-safe; errno is preserved by every function here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace cxxprof {

// open(2)/openat(AT_FDCWD); the descriptor or -1.
int raw_open(const char* path, int flags, unsigned mode = 0);
void raw_close(int fd);

// Writes all of text (retrying on EINTR and short writes); false on error.
bool raw_write_all(int fd, const char* text, size_t length);

// Reads up to size-1 bytes of a small file (/proc) and NUL-terminates; length or -1.
ssize_t raw_read_file(const char* path, char* buffer, size_t size);

// The device and inode of an open descriptor (fstat); false if fd is not open.
bool raw_file_identity(int fd, uint64_t* device, uint64_t* inode);

// A CPU-time clock, read with the system call (per-thread clocks of other threads are
// not served by the vDSO anyway). Returns ns, or 0 if the clock cannot be read (the
// thread has exited).
uint64_t raw_clock_ns(int clock_id);

// The CPU-time clock of thread `tid` of this process (the kernel's per-thread
// CPUCLOCK_SCHED encoding: what pthread_getcpuclockid() returns for a pthread_t).
inline int thread_cpu_clock(pid_t tid) { return int((~unsigned(tid) << 3) | 6u); }

}  // namespace cxxprof
