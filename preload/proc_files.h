// Allocation-free access to /proc for the injected library: opendir/fopen allocate
// through the program's malloc, which we may be interposing, so these use open/read and
// the getdents64 syscall on stack buffers. Not for signal handlers (they are, in fact,
// async-signal-safe, but slow); for the constructor and the service thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace cxxprof {

// Reads up to size-1 bytes of a file and NUL-terminates; returns the length or -1.
ssize_t read_text_file(const char* path, char* buffer, size_t size);

// Calls visit(tid, context) for every thread of this process (/proc/self/task). Returns
// the number of threads seen, or -1 if the directory cannot be read.
int for_each_thread(void (*visit)(pid_t tid, void* context), void* context);

// Parses the next whitespace-separated token of `*cursor` as a number in `base` (10 or 16,
// "0x" accepted for 16, leading '-' accepted for 10). Advances the cursor.
bool next_number(const char** cursor, int base, int64_t* value);

}  // namespace cxxprof
