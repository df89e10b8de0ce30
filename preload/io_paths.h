// The I/O profile's file paths: each distinct path is stored once in the raw store's
// io_paths section and named by its entry index (the path id the sample's aux carries,
// common/io_labels.h). The section is bounded; once it is full, further paths get id 0
// and their I/O is labelled "other files" (counted: raw::kIoPathsDropped).
//
// Async-signal-safe and lock-free: entries are claimed by compare-exchange and published
// with a release store; nothing ever waits. Two threads interning the same new path at
// the same instant may both claim an entry; the symbolizer merges equal paths.
#pragma once

#include <cstddef>
#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof {

// The id of `path` (length bytes, need not be NUL-terminated), inserting it if new; 0 if
// the section is full or absent.
uint32_t intern_io_path(const RawStore& store, const char* path, size_t length);

}  // namespace cxxprof
