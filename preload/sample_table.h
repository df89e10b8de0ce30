// Aggregates samples in the raw store: one slot per sample key (kind, thread, stack, aux),
// values added atomically. Lock-free, async-signal-safe, bounded probing.
//
// Where a key lives. The table is large (megabytes of a file-backed mapping) and most
// of it is never used; every page a key lands on costs a page fault the first time (on
// a disk file: a block allocation) and a TLB entry while it is in use. Keys that differ
// only in aux — the heap profile's object sizes, the I/O profile's labels — come in
// families from one stack and thread, often hundreds. So the probe for a key starts at
// its family's home (a hash of kind, thread and stack) plus a small offset from aux
// (sample_probe_start): a family shares a window of kAuxWindow slots (a few pages), not
// hundreds of pages. If that cluster's run of occupied slots is too long, the probe goes
// on at places scattered by hashes of the whole key (double hashing), so a crowded
// window does not make a key fail while the table has room. Readers scan every slot:
// positions are this file's business.
//
// Heap keys (kind kHeap) look for slots whose in-use pair (values[2..3]) is 16-byte
// aligned, so that one 16-byte compare-and-swap can change both (preload/heap_in_use.h);
// only when none of those is left on their paths do they take any slot. The rule is the
// key's, whoever asks, so each key still has one slot.
#pragma once

#include <cstdint>

#include "preload/mix64.h"
#include "preload/raw_store.h"

namespace cxxprof {

// Slots a family of keys (same kind, thread, stack) spreads over: aux values below it
// take consecutive slots, so the small sizes most programs allocate sit side by side.
inline constexpr uint64_t kAuxWindow = 1024;


// The offset of `key` in its family's window, from its aux. Larger aux values fold
// their higher bits in, so 1024, 2048, 4096... spread out.
inline uint64_t sample_aux_offset(uint64_t key) {
  const uint64_t aux = key & 0xfffff;  // raw::sample_key_aux
  return (aux ^ (aux >> 10) ^ (aux >> 20)) & (kAuxWindow - 1);
}

// Where the probe for `key` starts (before masking): its family's home plus its aux
// offset. Also used by the heap profile's site index (preload/heap_site_table.h).
inline uint64_t sample_probe_start(uint64_t key) {
  return mix64(key >> 20) + sample_aux_offset(key);
}

// Where the probe goes on once the clustered run is too long: the whole key hashed, in
// steps of an odd stride from another hash (so that it jumps over runs of occupied
// slots, which clustering makes long).
inline uint64_t sample_probe_fallback(uint64_t key) { return mix64(key); }
inline uint64_t sample_probe_stride(uint64_t key) {
  // The high half: of two keys that differ in aux only, the low bits after mixing can
  // agree, and a stride of 1 (mod the table) is linear probing again.
  return (mix64(key ^ 0x5851f42d4c957f2du) >> 32) | 1;
}

// Adds values[0..count) to the slot of `key`, creating it if new. Returns false (and
// counts the loss) if no slot could be found.
bool add_sample(const RawStore& store, uint64_t key, const int64_t* values, unsigned count);

// The slot of `key`, created if new; null (the loss counted) if no slot could be found.
// For a writer that adds to one key very often (the heap profile at RATE=1): it keeps the
// slot and adds to its values itself (relaxed fetch_add), skipping the probe and the
// shared kSamplesRecorded counter, which counts add_sample calls only. `count_loss`
// false: a caller that knows the loss was counted already (a second try for one sample).
raw::SampleSlot* find_sample_slot(const RawStore& store, uint64_t key, bool count_loss = true);

}  // namespace cxxprof
