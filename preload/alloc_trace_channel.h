// The injected library's end of the allocfreetrace channel to cxxprof-run
// (common/alloc_trace_protocol.h).
//
// The connection is made lazily, by the first event, and is never trusted blindly: the
// program may close its descriptor (or reuse the number) and a forked child inherits its
// parent's connection. Before each event the descriptor is checked (fstat: same socket
// inode, same process); otherwise a new connection is made, and the module table is sent
// again on it. If the launcher cannot be reached the channel reports failure and the
// caller prints the event itself.
//
// Async-signal-safe, lock-free, allocation-free (events come from inside malloc). The
// only waiting is a blocking send while the launcher's socket buffer is full.
#pragma once

#include <cstddef>
#include <cstdint>

#include "preload/raw_store.h"

namespace cxxprof {

// Start-up: the socket path from the environment, or none. A forked child calls it again
// (its connection is made anew at its first event).
void alloc_trace_channel_init(const char* socket_path);

// True if a launcher named a socket and it has not failed.
bool alloc_trace_channel_usable();

// Sends the event (its line text without the stack, and its return addresses); sends
// the modules it may need first. False if the launcher could not be reached: the channel
// is then unusable from now on (reported once on stderr) and the caller prints the line.
bool alloc_trace_channel_send(const RawStore& store, const char* text, size_t text_size,
                              const uint64_t* pcs, uint32_t depth);

}  // namespace cxxprof
