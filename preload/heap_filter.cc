#include "preload/heap_filter.h"

#include <csignal>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cxxprof::heap {

// Page-aligned so filter_clear can hand whole pages back to the kernel.
alignas(4096) std::atomic<uint64_t> g_filter_words[kFilterWords];

namespace {

alignas(4096) std::atomic<uint8_t> g_counters[kFilterSize];

constexpr uint8_t kStuck = 255;
constexpr uint64_t kVersionStep = uint64_t(1) << kFilterBitsPerWord;

// Pinned pointers, re-applied by filter_clear. Slots are claimed with fetch_add and
// written once; 0 = claimed, not written yet.
std::atomic<uintptr_t> g_pinned[kMaxPinned];
std::atomic<uint32_t> g_pinned_count{0};
// Set by the first filter_add: until then the filter holds pins only.
std::atomic<bool> g_has_entries{false};

std::atomic<uint64_t>& word_of(uint32_t index) { return g_filter_words[index / kFilterBitsPerWord]; }
uint64_t bit_of(uint32_t index) { return uint64_t(1) << (index % kFilterBitsPerWord); }

// After the counter changed, and always with a new version: a remover that saw the
// counter at 0 before it must fail its CAS (heap_filter.h).
void set_bit(uint32_t index) {
  std::atomic<uint64_t>& word = word_of(index);
  uint64_t current = word.load(std::memory_order_seq_cst);
  while (!word.compare_exchange_weak(current, (current | bit_of(index)) + kVersionStep)) {
  }
}

void stick(uint32_t index) {
  g_counters[index].store(kStuck, std::memory_order_seq_cst);
  set_bit(index);
}

}  // namespace

void filter_add(const void* pointer) {
  const uint32_t index = filter_index(reinterpret_cast<uintptr_t>(pointer));
  std::atomic<uint8_t>& counter = g_counters[index];
  uint8_t value = counter.load(std::memory_order_seq_cst);
  while (value != kStuck && !counter.compare_exchange_weak(value, uint8_t(value + 1))) {
  }
  set_bit(index);
  if (!g_has_entries.load(std::memory_order_relaxed)) g_has_entries.store(true, std::memory_order_relaxed);
}

bool filter_pin(const void* pointer) {
  const uint32_t slot = g_pinned_count.fetch_add(1, std::memory_order_relaxed);
  if (slot >= kMaxPinned) return false;
  g_pinned[slot].store(reinterpret_cast<uintptr_t>(pointer), std::memory_order_release);
  stick(filter_index(reinterpret_cast<uintptr_t>(pointer)));
  return true;
}

void filter_remove(const void* pointer) {
  const uint32_t index = filter_index(reinterpret_cast<uintptr_t>(pointer));
  std::atomic<uint8_t>& counter = g_counters[index];
  uint8_t value = counter.load(std::memory_order_seq_cst);
  // Every removal matches an earlier add of the same counter, so it never goes below 0;
  // a stuck counter stays stuck.
  while (value != kStuck && value != 0 && !counter.compare_exchange_weak(value, uint8_t(value - 1))) {
  }
  if (value != 1) return;  // not the removal that brought it to 0
  std::atomic<uint64_t>& word = word_of(index);
  for (;;) {
    const uint64_t current = word.load(std::memory_order_seq_cst);  // the word first,
    if ((current & bit_of(index)) == 0) return;
    if (counter.load(std::memory_order_seq_cst) != 0) return;  // then the counter
    uint64_t expected = current;
    if (word.compare_exchange_strong(expected, (current & ~bit_of(index)) + kVersionStep)) return;
  }
}

void filter_clear() {
  // The pins keep the bootstrap arena's blocks away from the real free, and free no
  // longer checks the arena itself: they may not vanish even for a moment while anyone
  // could free. At the first start there is nothing else to clear (a thread a library
  // started before us may be freeing), so nothing is touched. After a fork there are the
  // parent's entries; the child's one thread is this one, and with its signals blocked
  // no handler frees between the wipe and the pins' return. The raw syscall, not
  // sigprocmask: that one is interposed (it counts threads blocking SIGPROF).
  if (!g_has_entries.load(std::memory_order_relaxed)) return;
  sigset_t all, previous;
  sigfillset(&all);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, sizeof(uint64_t));
  // Private anonymous memory (.bss): MADV_DONTNEED gives back zero pages, without
  // touching (and so making resident) the pages that were never used.
  if (madvise(g_filter_words, sizeof(g_filter_words), MADV_DONTNEED) != 0) {
    for (auto& word : g_filter_words) word.store(0, std::memory_order_relaxed);
  }
  if (madvise(g_counters, sizeof(g_counters), MADV_DONTNEED) != 0) {
    for (auto& counter : g_counters) counter.store(0, std::memory_order_relaxed);
  }
  uint32_t pinned = g_pinned_count.load(std::memory_order_acquire);
  if (pinned > kMaxPinned) pinned = kMaxPinned;
  for (uint32_t i = 0; i < pinned; ++i) {
    const uintptr_t address = g_pinned[i].load(std::memory_order_acquire);
    if (address != 0) stick(filter_index(address));
  }
  g_has_entries.store(false, std::memory_order_relaxed);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, nullptr, sizeof(uint64_t));
}

uint64_t filter_bytes() { return sizeof(g_filter_words) + sizeof(g_counters) + sizeof(g_pinned); }

}  // namespace cxxprof::heap
