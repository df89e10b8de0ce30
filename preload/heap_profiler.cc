#include "preload/heap_profiler.h"

#include <cerrno>
#include <malloc.h>
#include <time.h>

#include "common/heap_size_label.h"
#include "common/raw_format.h"
#include "common/text.h"
#include "preload/heap_in_use.h"
#include "preload/heap_peak.h"
#include "preload/heap_sampling.h"
#include "preload/heap_site_cache.h"
#include "preload/heap_site_table.h"
#include "preload/heap_stack_cache.h"
#include "preload/heap_statistics.h"
#include "preload/profiler_state.h"
#include "preload/reentry_guard.h"
#include "preload/sample_table.h"
#include "preload/startup_hooks.h"
#include "preload/thread_state.h"

namespace cxxprof::heap {

__thread ThreadHeapState t_heap __attribute__((tls_model("initial-exec")));
std::atomic<bool> g_every_free_slow{false};

void set_every_free_slow(bool value) {
  if (g_every_free_slow.load(std::memory_order_relaxed) == value) return;
  // seq_cst, as choose_free_route's route store and re-read: each side writes one
  // variable and then reads the other, which only a total order makes safe.
  g_every_free_slow.store(value, std::memory_order_seq_cst);
  if (every_free_slow_changed != nullptr) every_free_slow_changed();
}

namespace {

// With the heap profile off, each thread still looks at the settings once per MiB it
// allocates, so that gctrace/allocfreetrace switched on later are noticed.
constexpr uint64_t kRecheckBytes = uint64_t(1) << 20;
// How long a thread's cached thread slot is trusted before its name is read again (a
// prctl per sample would cost more than the rest of the sample at RATE=1).
constexpr uint64_t kSlotRecheckNs = 4'000'000;
// Samples between two looks at the clock: few at a sampling rate (so that a rename is
// noticed within a few MiB of allocation), more at RATE=1, where even a vDSO clock read
// every 16 allocations showed (1% of a malloc storm).
constexpr uint32_t kSlotClockSamples = 16;
constexpr uint32_t kSlotClockSamplesEvery = 256;
// Live sampled allocations the table is sized for: as many as 64 GiB of live heap holds
// at the rate, within [2^14, 2^20] (16 bytes each: at most 16 MiB at RATE=1).
constexpr uint64_t kTrackedHeapBytes = uint64_t(64) << 30;
constexpr uint64_t kMinLiveCapacity = uint64_t(1) << 14;
constexpr uint64_t kMaxLiveCapacity = uint64_t(1) << 20;
constexpr uint32_t kSiteCapacity = uint32_t(1) << 17;

std::atomic<uint64_t> g_rate{0};  // 0: heap profile off, or not started yet
std::atomic<uint32_t> g_rate_generation{0};
std::atomic<bool> g_tables_ready{false};
// The filter is kept unless every allocation is sampled (RATE=1): see g_every_free_slow.
std::atomic<bool> g_filter_in_use{true};
const RawStore* g_store = nullptr;
raw::SampleSlot* g_samples = nullptr;  // g_store's sample table, looked up once
const raw::Header* g_tables_header = nullptr;  // the store the tables' sites belong to
LiveTable g_live;
SiteTable g_sites;

uint64_t coarse_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// The interposed functions leave errno as the real ones set it (DESIGN.md §2): the slow
// paths make system calls (prctl, mmap via the stack table...) that may change it.
// errno's address is kept per thread: __errno_location is a call into libc, twice per
// pair at RATE=1 otherwise.
class ErrnoKeeper {
 public:
  explicit ErrnoKeeper(ThreadHeapState& thread) : location_(errno_location(thread)), saved_(*location_) {}
  ~ErrnoKeeper() { *location_ = saved_; }

 private:
  static int* errno_location(ThreadHeapState& thread) {
    if (__builtin_expect(thread.errno_location == nullptr, 0)) thread.errno_location = &errno;
    return thread.errno_location;
  }
  int* location_;
  int saved_;
};

// What a sampled allocation of `size` bytes stands for: expected_bytes, without the
// floating point when every allocation is sampled.
int64_t stands_for(uint64_t size, uint64_t rate) {
  return rate <= 1 ? int64_t(size) : expected_bytes(size, rate);
}

// The store samples go to, if it is still the one the tables were made for: a forked
// child abandons its parent's store and creates its own before the start hook resets
// the tables, whose sites point into the parent's file meanwhile.
const RawStore* recording_store() {
  const RawStore* store = g_store;
  if (store == nullptr || !store->ready()) return nullptr;
  return store->header() == g_tables_header ? store : nullptr;
}

uint32_t thread_slot_for_sample(const RawStore& store, uint64_t rate) {
  ThreadHeapState& thread = t_heap;
  const uint32_t generation = profiler().generation.load(std::memory_order_relaxed);
  const uint32_t per_clock = rate <= 1 ? kSlotClockSamplesEvery : kSlotClockSamples;
  if (thread.slot_generation == generation + 1 && ++thread.samples_since_clock < per_clock) {
    return thread.slot;
  }
  thread.samples_since_clock = 0;
  const uint64_t now = coarse_ns();
  if (thread.slot_generation != generation + 1 || now - thread.slot_checked_ns >= kSlotRecheckNs) {
    thread.slot = current_thread_slot(store, generation);
    thread.slot_generation = generation + 1;
    thread.slot_checked_ns = now;
  }
  return thread.slot;
}

// Takes back what a tracked allocation added to the in-use figures.
void release_tracked(const LiveAllocation& allocation) {
  if (recording_store() != nullptr) add_in_use(g_samples + allocation.slot, -1, -int64_t(allocation.size));
  peak_on_free(stands_for(allocation.size, g_rate.load(std::memory_order_relaxed)));
}

// Puts a sampled allocation into the live table (and the filter). False if the table is
// full. The in-use figures are the caller's.
__attribute__((always_inline)) inline bool insert_live(const RawStore& store, uintptr_t address,
                                                      const LiveAllocation& allocation) {
  LiveAllocation stale;
  switch (g_live.insert(address, allocation, &stale)) {
    case InsertResult::kFull:
      return false;
    case InsertResult::kReplacedStale:
      // The block that had this address was released behind our back (a free we do not
      // interpose): it is gone, and the filter counter it held now belongs to this one.
      store.count(raw::kHeapStaleAllocations);
      release_tracked(stale);
      return true;
    case InsertResult::kInserted:
      if (g_filter_in_use.load(std::memory_order_relaxed)) filter_add(reinterpret_cast<void*>(address));
      return true;
  }
  return false;
}

// Bumped whenever the site table is reset: the threads' site caches then miss.
std::atomic<uint32_t> g_site_generation{0};

void record_sample(const RawStore& store, void* pointer, size_t size, uint64_t rate) {
  ThreadHeapState& thread = t_heap;
  const uintptr_t address = reinterpret_cast<uintptr_t>(pointer);
  const uint64_t aux = heap_label::encode(size);
  // The live table's line and the sample slot are wanted last, after the unwind: start
  // loading them. The slot is a guess: this size's slot in the family of the thread's
  // last sample (the same call site, most of the time).
  g_live.prefetch(address);
  const SiteCacheEntry& guess = t_site_cache[site_cache_index((thread.last_family << 20) | aux)];
  if (guess.generation != 0) __builtin_prefetch(g_samples + guess.slot, 1);
  const uint32_t stack = current_heap_stack_id(store);
  const uint64_t key =
      raw::make_sample_key(raw::SampleKind::kHeap, thread_slot_for_sample(store, rate), stack, aux);
  thread.last_family = key >> 20;
  const uint32_t slot_index =
      cached_sample_slot(g_sites, store, key, g_site_generation.load(std::memory_order_relaxed));
  if (slot_index == kNoSlot) {
    // No site: the site table or the sample table is full (the site lookup counts
    // nothing). Here a full sample table counts the lost sample, once; else the sample
    // counts as an allocation, not as in use.
    raw::SampleSlot* fallback = find_sample_slot(store, key);
    if (fallback == nullptr) return;
    store.count(raw::kHeapSamplesUntracked);
    fallback->values[0].fetch_add(1, std::memory_order_relaxed);
    fallback->values[1].fetch_add(int64_t(size), std::memory_order_relaxed);
    return;
  }
  raw::SampleSlot* slot = g_samples + slot_index;
  const int64_t bytes = int64_t(size);
  if (raw::sample_key_thread(key) != 0) {
    // Only this thread allocates under its own thread slot (frees of other threads touch
    // the in-use values only): no locked add needed for the alloc figures.
    slot->values[0].store(slot->values[0].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    slot->values[1].store(slot->values[1].load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
  } else {  // slot 0 is shared by the threads the thread table had no room for
    slot->values[0].fetch_add(1, std::memory_order_relaxed);
    slot->values[1].fetch_add(bytes, std::memory_order_relaxed);
  }
  const bool tracked = size <= LiveTable::kMaxSize && slot_index <= LiveTable::kMaxSlot &&
                       insert_live(store, address, {size, slot_index});
  if (!tracked) {
    store.count(raw::kHeapSamplesUntracked);
    return;
  }
  add_in_use(slot, 1, bytes);
  peak_on_allocation(store, g_sites, stands_for(size, rate));
}

// The thread's sampling decision for an allocation of `size` bytes, `consumed` bytes
// (this one included) after `remaining` was last armed. Returns true to sample it.
bool due_for_sample(ThreadHeapState& thread, uint64_t rate, size_t size, uint64_t consumed) {
  if (rate == 1) return true;
  const uint32_t generation = g_rate_generation.load(std::memory_order_relaxed);
  if (thread.rate_generation != generation) {
    // First look since sampling started (or restarted): only this allocation counts
    // against a fresh draw, so the first one is sampled with the right probability.
    thread.rate_generation = generation;
    thread.until_sample = next_sample_interval(rate);
    consumed = size;
  }
  // Sizes beyond 2^62 (failed requests) count as 2^62: still past any draw.
  const int64_t counted = consumed > (uint64_t(1) << 62) ? int64_t(1) << 62 : int64_t(consumed);
  thread.until_sample -= counted;
  if (thread.until_sample >= 0) return false;
  thread.until_sample = next_sample_interval(rate);
  return true;
}

void rearm(ThreadHeapState& thread, uint64_t rate, bool observe) {
  uint64_t next = kRecheckBytes;
  if (observe || rate == 1) {
    next = 0;  // every allocation comes here
  } else if (rate > 1) {
    next = uint64_t(thread.until_sample);
  }
  thread.armed = next;
  thread.remaining = next;
}

}  // namespace

void allocation_slow_path(void* pointer, size_t size, const char* function) {
  ThreadHeapState& thread = t_heap;
  ErrnoKeeper errno_keeper(thread);
  ReentryGuard guard;
  // Inside the profiler (or a signal handler that interrupted it): not the program's
  // allocation to sample. remaining stays below the size; the outermost call re-arms it.
  if (!guard.outermost()) return;
  const uint64_t consumed = (thread.armed - thread.remaining) + size;
  const bool observe = heap_tracking_wanted();
  const uint64_t rate = g_rate.load(std::memory_order_acquire);
  const bool every_free = observe || rate == 1;
  set_every_free_slow(every_free);
  if (observe && pointer != nullptr) note_allocation(function, pointer, size);
  if (rate != 0 && due_for_sample(thread, rate, size, consumed) && pointer != nullptr) {
    const RawStore* store = recording_store();
    if (store != nullptr && g_tables_ready.load(std::memory_order_acquire)) {
      record_sample(*store, pointer, size, rate);
    }
  }
  rearm(thread, rate, observe);
}

void free_slow_path(void* pointer, const char* function) {
  if (pointer == nullptr) return;
  ReentryGuard guard;
  if (!guard.outermost()) return;
  if (heap_tracking_wanted()) {
    // The observer writes (CXXDEBUG allocfreetrace): errno is the program's to keep. The
    // rest of this path makes no system call.
    ErrnoKeeper errno_keeper(t_heap);
    note_free(function, pointer, malloc_usable_size(pointer));
  }
  if (!g_tables_ready.load(std::memory_order_acquire)) return;
  const bool filtered = g_filter_in_use.load(std::memory_order_relaxed);
  if (filtered && !filter_may_contain(pointer)) return;
  LiveAllocation allocation;
  if (!g_live.remove(reinterpret_cast<uintptr_t>(pointer), &allocation)) return;  // false positive
  if (filtered) filter_remove(pointer);
  release_tracked(allocation);
}

void realloc_release_slow_path(void* old_pointer, ReallocTicket* ticket) {
  ErrnoKeeper errno_keeper(t_heap);
  ReentryGuard guard;
  if (!guard.outermost()) return;
  if (heap_tracking_wanted()) {
    ticket->observed = true;
    ticket->usable_size = malloc_usable_size(old_pointer);
  }
  if (!g_tables_ready.load(std::memory_order_acquire)) return;
  const bool filtered = g_filter_in_use.load(std::memory_order_relaxed);
  if (filtered && !filter_may_contain(old_pointer)) return;
  if (g_live.remove(reinterpret_cast<uintptr_t>(old_pointer), &ticket->allocation)) {
    if (filtered) filter_remove(old_pointer);
    ticket->tracked = true;
  }
}

void after_realloc_slow_path(void* old_pointer, const ReallocTicket& ticket, void* result,
                             size_t size, const char* function) {
  {
    ErrnoKeeper errno_keeper(t_heap);
    ReentryGuard guard;
    const bool failed = result == nullptr && size != 0;
    if (failed) {
      // The old block is still the program's: back into the table, its figures (never
      // taken back) unchanged.
      const RawStore* store = recording_store();
      if (ticket.tracked &&
          (store == nullptr ||
           !insert_live(*store, reinterpret_cast<uintptr_t>(old_pointer), ticket.allocation))) {
        release_tracked(ticket.allocation);  // cannot track it again: count it as freed
      }
      return;
    }
    if (ticket.observed && guard.outermost()) note_free(function, old_pointer, ticket.usable_size);
    if (ticket.tracked) release_tracked(ticket.allocation);
  }
  on_allocation(result, size, function);
}

uint64_t live_capacity_for_rate(uint64_t rate) {
  const uint64_t wanted = rate <= 1 ? kMaxLiveCapacity : kTrackedHeapBytes / rate;
  if (wanted < kMinLiveCapacity) return kMinLiveCapacity;
  return wanted > kMaxLiveCapacity ? kMaxLiveCapacity : wanted;
}

uint32_t site_capacity_for_rate(uint64_t) { return kSiteCapacity; }

bool start_heap_profile_for(const RawStore& store, uint64_t rate) {
  g_rate.store(0, std::memory_order_release);  // nothing new is sampled while this runs
  detect_in_use_pair_cas();
  if (!g_live.ready() && !g_live.init(live_capacity_for_rate(rate))) {
    write_diagnostic("heap profile: cannot map the live allocation table; heap profile off");
    return false;
  }
  if (!g_sites.ready() && !g_sites.init(site_capacity_for_rate(rate))) {
    write_diagnostic("heap profile: cannot map the allocation site table; heap profile off");
    return false;
  }
  // A forked child starts from nothing: the parent's entries name the parent's stacks
  // and threads, in a store the child does not write.
  g_live.reset(LiveTable::granule_shift_for_rate(rate));
  g_sites.reset();
  g_site_generation.fetch_add(1, std::memory_order_relaxed);
  filter_clear();
  peak_reset(rate);
  g_filter_in_use.store(rate != 1, std::memory_order_relaxed);
  set_every_free_slow(rate == 1 || heap_tracking_wanted());
  g_store = &store;
  // The samples before the header, which release_tracked checks (a signal handler's free
  // on this thread, in a forked child, must not write through the parent's samples).
  g_samples = store.samples();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_tables_header = store.header();
  g_tables_ready.store(true, std::memory_order_release);
  g_rate_generation.fetch_add(1, std::memory_order_relaxed);
  g_rate.store(rate, std::memory_order_release);
  // The calling thread looks at the new settings at its next allocation.
  t_heap.armed = 0;
  t_heap.remaining = 0;
  return true;
}

uint64_t heap_profile_mapped_bytes() {
  return g_live.mapped_bytes() + g_sites.mapped_bytes() + filter_bytes();
}

namespace {

void start_heap_profile(const RawStore& store) {
  set_every_free_slow(heap_tracking_wanted());
  const uint64_t rate = store.header()->heap_rate;
  if (rate == 0) {
    g_rate.store(0, std::memory_order_release);
    // This thread (the constructor's) allocated before CXXDEBUG's observer was set and is
    // armed for a MiB: gctrace/allocfreetrace must see its very next allocation.
    if (heap_tracking_wanted()) t_heap.armed = t_heap.remaining = 0;
    return;
  }
  start_heap_profile_for(store, rate);
}

}  // namespace

CXXPROF_ON_START(start_heap_profile);

}  // namespace cxxprof::heap
