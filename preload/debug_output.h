// Where CXXDEBUG's lines go (cxxprof(7)): stderr, or with debugout=FILE that file, opened
// O_APPEND. Every line is one write(2), so lines of different threads and processes never
// mix within a line, in a terminal, a pipe or the file.
//
// The file's descriptor is one the program does not know about: it may close it (daemons
// close every descriptor at start-up) and reuse its number. Before each line the
// descriptor is checked (fstat) against the device and inode the file was opened with; if
// it no longer names that file, the file is opened again. The old number is then left
// alone: it is the program's now.
//
// Async-signal-safe, no locks, no allocation: lines are written from the service thread
// and from inside the heap interposers.
#pragma once

#include <cstddef>

namespace cxxprof {

// Start-up: `path` empty for stderr. A relative path is made absolute now, so a program
// that changes directory keeps writing to the same file.
void debug_output_init(const char* path);

// Writes `length` bytes of `line`, which ends with '\n'.
void debug_output_line(const char* line, size_t length);

// Descriptors the profiler keeps for itself are moved to this number or above, out of
// the low numbers a program may expect to get from its own open() calls.
inline constexpr int kProfilerFdFloor = 256;

// Moves `fd` to kProfilerFdFloor or above (close-on-exec); returns the descriptor to use.
int move_fd_out_of_the_way(int fd);

}  // namespace cxxprof
