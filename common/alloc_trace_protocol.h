// CXXDEBUG=allocfreetrace under cxxprof-run: the messages from the injected library to
// the launcher, which symbolizes every event's stack as it arrives (cxxprof(7)).
//
// The channel: the launcher listens on a Unix SOCK_SEQPACKET socket and names it in
// kAllocTraceSocketEnv. Each process (each image after exec, each forked child) connects
// once, lazily, and sends one message per send(2): message boundaries are kept, messages
// of one connection arrive in order, and a blocking send holds the program back while the
// launcher catches up (allocfreetrace is a debugging mode: no event is dropped). Sent
// with MSG_NOSIGNAL: a launcher that has gone away costs an error, never a SIGPIPE.
//
// Two messages:
//  - ModuleMessage: entry `index` of the process's module table (raw store), sent once
//    per connection and in index order, before or after the events that need it;
//  - EventMessage: the event's line without its stack (the library formats it), the
//    stack as return addresses, and `modules_needed`: the event's PCs lie in modules
//    [0, modules_needed). Another thread may still be sending a module the event needs,
//    so the launcher holds such an event back until the module has arrived; events of
//    different threads are concurrent anyway and have no order to keep.
//
// Fixed layouts of plain integers, written and read on the same machine. Freestanding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/raw_format.h"

namespace cxxprof::alloctrace {

// The socket's path, set by the launcher in the program's environment.
inline constexpr const char* kSocketEnv = "CXXPROF_ALLOCFREETRACE_SOCKET";

inline constexpr uint32_t kModuleMagic = 0x4d415443;  // "CTAM"
inline constexpr uint32_t kEventMagic = 0x45415443;   // "CTAE"

struct ModuleMessage {
  uint32_t magic;  // kModuleMagic
  uint32_t index;  // in the process's module table
  uint32_t flags;  // raw::ModuleFlags
  uint32_t build_id_size;
  uint64_t load_bias;
  uint64_t start;
  uint64_t limit;
  uint64_t file_offset;
  uint64_t sequence;
  uint8_t build_id[raw::kBuildIdMaxSize];
  char path[raw::kModulePathSize];  // NUL-terminated
};

inline constexpr uint32_t kMaxEventText = 512;

struct EventHeader {
  uint32_t magic;           // kEventMagic
  uint32_t modules_needed;  // see above
  uint32_t depth;           // return addresses that follow, leaf first
  uint32_t text_size;       // bytes of line text after the addresses (no NUL, no newline)
};

// The largest event message: header, addresses, text.
inline constexpr size_t kMaxEventMessage =
    sizeof(EventHeader) + raw::kMaxStackDepth * sizeof(uint64_t) + kMaxEventText;

}  // namespace cxxprof::alloctrace
