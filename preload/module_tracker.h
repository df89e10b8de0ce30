// Keeps two views of the loaded ELF objects up to date:
//  - the raw store's module table (path, address range, build-id), for the symbolizer;
//  - an immutable unwind::ModuleSet, published by an atomic pointer, for the unwinder.
// Scans use dl_iterate_phdr and so never run in a signal handler. The handler only loads
// the published set, and asks for a rescan (request_module_refresh) when it meets a PC
// outside every known module, e.g. in a library dlopened since the last scan.
#pragma once

#include <cstdint>

#include "preload/raw_store.h"
#include "preload/unwinder.h"

namespace cxxprof {

// Scans the loaded objects if anything was loaded or unloaded since the last scan (or
// `force`). Concurrent callers do not wait: one scans, the others return.
void refresh_modules(const RawStore& store, bool force);

// In a forked child: forgets a scan another thread of the parent had in progress (that
// thread does not exist here), so the child's first refresh records its modules.
void reset_module_tracker_after_fork();

// Signal-safe. Never null after the first refresh; an empty set before.
const unwind::ModuleSet& current_module_set();

// Signal-safe: true if pc lies in libcxxprof.so itself (our frames are never shown).
bool is_profiler_code(uint64_t pc);

// Signal-safe: asks the service thread for a rescan soon.
void request_module_refresh();
// For the service thread: true (and clears the request) if a rescan was asked for.
bool take_module_refresh_request();
// The word the service thread sleeps on (futex) so a request wakes it.
std::atomic<uint32_t>* module_refresh_futex();

}  // namespace cxxprof
