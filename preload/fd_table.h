// What each file descriptor is, for the I/O profile's labels: its kind (file, socket,
// pipe, tty, other) and, for a regular file, its path id (preload/io_paths.h).
//
// Learned lazily and cached: the first time a *recorded* I/O call meets a descriptor, one
// fstat (plus TCGETS for character devices, readlink of /proc/self/fd/N for regular
// files) classifies it. Unrecorded calls never look. The interposers of everything that
// creates, duplicates or closes descriptors (open, socket, pipe, dup2, close, fclose, ...)
// only *forget* entries, so a number reused for another object is classified afresh; they
// never write what they believe a descriptor is. That keeps the table right even when a
// vfork child (sharing our memory) rearranges its own descriptors before exec; and a
// vfork child's own classifications, true of its descriptors only, are not cached
// (preload/vfork_child.h).
//
// Bounded: a fixed table of kFdTableSize entries (only touched pages cost memory);
// descriptors beyond it are classified on every recorded call, not cached.
//
// Async-signal-safe: relaxed atomics, fstat, ioctl and readlink only.
#pragma once

#include <cstdint>

#include "common/io_labels.h"
#include "preload/raw_store.h"

namespace cxxprof {

inline constexpr uint32_t kFdTableSize = 1u << 20;

struct FdLabel {
  io::FdKind kind;
  uint32_t path_id;  // io::kNoPath unless kind is kFile and the path is known
};

// The label of `fd` (negative: no descriptor, kOther), classifying it if it is not cached.
// `store` receives the path of a regular file.
FdLabel fd_label(const RawStore& store, int fd);

// `fd` was closed, or now refers to something new.
void fd_forget(int fd);

// Every descriptor in [first, last] was closed (close_range, closefrom).
void fd_forget_range(unsigned first, unsigned last);

}  // namespace cxxprof
