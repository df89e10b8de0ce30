// <stdio.h> for the stdio interposers, which must be included before any other header of
// theirs. When optimizing, glibc's <stdio.h> defines getchar, putchar, vprintf and getline
// inline (__USE_EXTERN_INLINES); the interposers define those very functions, so they
// take the plain declarations only.
//
// What stdio calls count (DESIGN.md §3, common/io_labels.h): the bytes the program hands
// to the stream or takes from it, in the call that does so, and the call's whole time,
// whether it only copied into the buffer or also made glibc read or write. glibc's own
// read(2)/write(2) underneath use internal entry points, not our interposers, so nothing
// is counted twice; fflush and fclose add their time but no bytes (those were counted
// when they were buffered).
#pragma once

#include <features.h>
#undef __USE_EXTERN_INLINES
#include <stdio.h>

#include <cstring>

#include "preload/io_interposer.h"

namespace cxxprof {

// Result conventions of stdio calls, as bytes moved.
inline int64_t character_moved(int result) { return result == EOF ? 0 : 1; }
inline int64_t formatted_bytes(int result) { return result > 0 ? result : 0; }

}  // namespace cxxprof
