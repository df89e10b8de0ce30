// Keeps two views of the loaded ELF objects:
//  - the raw store's module table (path, address range, build-id), for the symbolizer;
//  - an immutable unwind::ModuleSet, published by an atomic pointer, for the unwinder.
// The set is made by a scan (dl_iterate_phdr, never in a signal handler) when profiling
// starts. Objects loaded later (dlopen, or glibc's own loads: NSS, gconv, libgcc_s) are
// found when a stack first reaches them, by the set's locate function: glibc's
// _dl_find_object, which is lock-free and async-signal-safe (it exists for unwinders).
// It also records such an object in the store's module table at that moment, so its code
// is named even if it is unloaded later or the process is killed. Objects dlopened
// (rather than loaded at start-up) may be unloaded: the unwinder re-locates them on
// every lookup instead of trusting a scanned entry that may be stale.
//
// So no thread has to watch for dlopen/dlclose, and nothing here waits for the loader
// lock except the scans themselves (at start, in a forked child, at exit).
#pragma once

#include <cstdint>

#include "preload/raw_store.h"
#include "preload/unwinder.h"

namespace cxxprof {

// Records every loaded object in `store` and publishes a new module set, if anything was
// loaded or unloaded since the last scan (or `force`). Concurrent callers do not wait: one
// scans, the others return. The first scan of the process decides which objects were
// loaded at start-up (they are never unloaded).
void refresh_modules(const RawStore& store, bool force);

// In a forked child: forgets a scan another thread of the parent had in progress (that
// thread does not exist here), so the child's first refresh records its modules.
void reset_module_tracker_after_fork();

// Signal-safe. Never null after the first refresh; an empty set (with locate) before.
const unwind::ModuleSet& current_module_set();

// Signal-safe: the object containing pc now, from the loader (_dl_find_object), recorded
// in the active store's module table if it is not there yet. The published set's
// `locate` function.
bool locate_loaded_module(uint64_t pc, unwind::CodeModule* module);

// Signal-safe: true if pc lies in libcxxprof.so itself (our frames are never shown).
bool is_profiler_code(uint64_t pc);

}  // namespace cxxprof
