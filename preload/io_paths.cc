#include "preload/io_paths.h"

#include "common/io_labels.h"

namespace cxxprof {
namespace {

// Probing this many entries without finding the path or a free one means "full": bounded
// cost per call even when the section is nearly full.
constexpr uint64_t kMaxProbes = 64;

uint64_t hash_path(const char* path, size_t length) {
  uint64_t h = 0xcbf29ce484222325u;  // FNV-1a
  for (size_t i = 0; i < length; ++i) {
    h ^= uint8_t(path[i]);
    h *= 0x100000001b3u;
  }
  return h == 0 ? 1 : h;  // 0 marks a free entry
}

// What an entry holds for `path`: the whole path, or "..." and its last bytes.
struct StoredForm {
  const char* head;  // "..." or ""
  size_t head_length;
  const char* tail;
  size_t tail_length;
};

StoredForm stored_form(const char* path, size_t length) {
  if (length <= raw::kIoPathSize) return {"", 0, path, length};
  const size_t keep = raw::kIoPathSize - 3;
  return {"...", 3, path + (length - keep), keep};
}

bool entry_holds(const raw::IoPathEntry& entry, const StoredForm& form) {
  if (entry.length != form.head_length + form.tail_length) return false;
  for (size_t i = 0; i < form.head_length; ++i) {
    if (entry.path[i] != form.head[i]) return false;
  }
  for (size_t i = 0; i < form.tail_length; ++i) {
    if (entry.path[form.head_length + i] != form.tail[i]) return false;
  }
  return true;
}

void fill_entry(raw::IoPathEntry& entry, const StoredForm& form) {
  for (size_t i = 0; i < form.head_length; ++i) entry.path[i] = form.head[i];
  for (size_t i = 0; i < form.tail_length; ++i) entry.path[form.head_length + i] = form.tail[i];
  entry.length = uint32_t(form.head_length + form.tail_length);
  entry.ready.store(1, std::memory_order_release);
}

}  // namespace

uint32_t intern_io_path(const RawStore& store, const char* path, size_t length) {
  const uint64_t capacity = store.header()->io_paths.capacity;
  // Entry 0 is never used (id 0 = no path), and ids must fit their bits in aux.
  const uint64_t usable = (capacity < io::kMaxPathIds ? capacity : io::kMaxPathIds) - 1;
  if (capacity < 2 || length == 0) return io::kNoPath;
  raw::IoPathEntry* entries = store.io_paths();
  const uint64_t hash = hash_path(path, length);
  const StoredForm form = stored_form(path, length);
  for (uint64_t probe = 0; probe < kMaxProbes && probe < usable; ++probe) {
    const uint64_t index = 1 + (hash + probe) % usable;
    raw::IoPathEntry& entry = entries[index];
    uint64_t seen = entry.hash.load(std::memory_order_acquire);
    if (seen == 0) {
      if (entry.hash.compare_exchange_strong(seen, hash, std::memory_order_acq_rel)) {
        fill_entry(entry, form);
        return uint32_t(index);
      }
      // Another thread claimed it first: `seen` now holds its hash; look at it below.
    }
    // An entry being filled by another thread (ready not yet set) is passed over rather
    // than waited for: at worst the same path gets a second entry.
    if (seen == hash && entry.ready.load(std::memory_order_acquire) != 0 &&
        entry_holds(entry, form)) {
      return uint32_t(index);
    }
  }
  store.count(raw::kIoPathsDropped);
  return io::kNoPath;
}

}  // namespace cxxprof
