// The per-process raw store: DIR/<pid>.cxxraw mapped MAP_SHARED (DESIGN.md §2.7). Every
// profiler in the injected library writes its aggregates here and nowhere else, so the
// launcher can read them whatever way the process ends.
//
// Signal safety: create() and close() are for the constructor, fork child and exit paths
// only. Everything else (accessors, counters) is async-signal-safe: plain loads and atomics
// on the mapping, which is never unmapped once published.
#pragma once

#include <cstdint>

#include "common/raw_format.h"

namespace cxxprof {

struct Config;

class RawStore {
 public:
  // Creates DIR/<pid>.cxxraw (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), sizes and maps it, writes
  // the header. The descriptor is closed at once: a program that closes every descriptor
  // cannot take the mapping away from us. Returns false (and writes one diagnostic line)
  // on failure; the profiler then stays off.
  // With `directory` null, the store lives in anonymous memory instead (in_memory()):
  // for a process that records no profile but runs CXXDEBUG diagnostics, whose module
  // table and stack capture need a store. Nothing reads it from outside.
  bool create(const char* directory, const Config& config);
  bool in_memory() const { return in_memory_; }

  bool ready() const { return header_ != nullptr; }
  raw::Header* header() const { return header_; }

  raw::ModuleEntry* modules() const { return section<raw::ModuleEntry>(header_->modules); }
  raw::ThreadEntry* threads() const { return section<raw::ThreadEntry>(header_->threads); }
  std::atomic<uint64_t>* stack_slots() const {
    return section<std::atomic<uint64_t>>(header_->stack_slots);
  }
  uint64_t* frame_pool() const { return section<uint64_t>(header_->frame_pool); }
  raw::SampleSlot* samples() const { return section<raw::SampleSlot>(header_->samples); }
  uint8_t* vdso() const { return section<uint8_t>(header_->vdso); }
  raw::IoPathEntry* io_paths() const { return section<raw::IoPathEntry>(header_->io_paths); }

  void count(raw::Counter counter, uint64_t n = 1) const {
    header_->counters[counter].fetch_add(n, std::memory_order_relaxed);
  }

  // Marks a normal exit: end time and the exited flag. Idempotent.
  void mark_exit() const;

  // Forgets the mapping without unmapping it (a forked child must not write into its
  // parent's file, and unmapping could race with a signal handler of this thread).
  void abandon() { header_ = nullptr; }

 private:
  template <typename T>
  T* section(const raw::Section& s) const {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(header_) + s.offset);
  }

  raw::Header* header_ = nullptr;
  bool in_memory_ = false;
};

// Monotonic and realtime clocks in ns; async-signal-safe (vDSO or syscall).
uint64_t monotonic_ns();
uint64_t realtime_ns();

}  // namespace cxxprof
