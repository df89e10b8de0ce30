// Builds a raw data file image (common/raw_format.h) in memory, laid out by
// raw::plan_layout() exactly as the injected library lays out its file, for the
// symbolizer's reader and conversion tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/raw_format.h"

namespace cxxprof_test {

class RawImageBuilder {
 public:
  explicit RawImageBuilder(const cxxprof::raw::Capacities& capacities = small_capacities()) {
    cxxprof::raw::Header plan{};
    uint64_t size = cxxprof::raw::plan_layout(&plan, capacities);
    // uint64_t storage keeps every entry 8-byte aligned, as the writer's mapping is.
    storage_.assign((size + 7) / 8, 0);
    header_ = new (storage_.data()) cxxprof::raw::Header{};
    header_->modules = plan.modules;
    header_->threads = plan.threads;
    header_->stack_slots = plan.stack_slots;
    header_->frame_pool = plan.frame_pool;
    header_->samples = plan.samples;
    header_->vdso = plan.vdso;
    header_->io_paths = plan.io_paths;
    header_->file_size = size;
    std::memcpy(header_->magic, cxxprof::raw::kMagic, sizeof(header_->magic));
    header_->version = cxxprof::raw::kVersion;
    header_->header_size = sizeof(cxxprof::raw::Header);
    header_->pid = 4242;
    header_->ppid = 1;
    header_->start_realtime_ns = 1'700'000'000'000'000'000ull;
    header_->start_monotonic_ns = 5'000'000'000ull;
    header_->end_monotonic_ns = 7'500'000'000ull;
    header_->exited_normally = 1;
    header_->cpu_hz = 100;
    header_->cpu_period_ns = 10'000'000;
    header_->frame_pool_used = 1;  // word 0 stays unused: offset 0 would pack like "empty"
    std::strcpy(header_->executable, "/bin/example");
    std::strcpy(header_->command_line, "example --flag value");
  }

  static cxxprof::raw::Capacities small_capacities() {
    cxxprof::raw::Capacities c;
    c.modules = 8;
    c.threads = 16;
    c.stack_slots = 64;
    c.frame_pool_words = 1024;
    c.sample_slots = 64;
    c.vdso_bytes = 8192;
    c.io_paths = 16;
    return c;
  }

  cxxprof::raw::Header& header() { return *header_; }

  cxxprof::raw::ModuleEntry& add_module(const std::string& path, uint64_t start, uint64_t limit,
                                        uint64_t load_bias, const std::string& build_id = "",
                                        uint32_t flags = 0) {
    uint32_t index = header_->module_count++;
    auto* entry = new (at(header_->modules.offset + index * sizeof(cxxprof::raw::ModuleEntry)))
        cxxprof::raw::ModuleEntry{};
    entry->flags = flags;
    entry->load_bias = load_bias;
    entry->start = start;
    entry->limit = limit;
    entry->sequence = index;
    entry->build_id_size = uint32_t(build_id.size());
    std::memcpy(entry->build_id, build_id.data(), build_id.size());
    std::strncpy(entry->path, path.c_str(), sizeof(entry->path) - 1);
    entry->ready = 1;
    return *entry;
  }

  // Returns the thread slot.
  uint32_t add_thread(int32_t tid, const std::string& name) {
    uint32_t index = header_->thread_count++;
    auto* entry = new (at(header_->threads.offset + index * sizeof(cxxprof::raw::ThreadEntry)))
        cxxprof::raw::ThreadEntry{};
    entry->tid = tid;
    std::strncpy(entry->name, name.c_str(), sizeof(entry->name) - 1);
    entry->ready = 1;
    return index;
  }

  // Stores `pcs` (leaf first) in the frame pool and in stack slot `id`.
  void add_stack(uint32_t id, const std::vector<uint64_t>& pcs) {
    uint64_t offset = header_->frame_pool_used;
    uint64_t* pool = words(header_->frame_pool.offset);
    pool[offset] = 0x5eed;  // the hash word
    for (size_t i = 0; i < pcs.size(); ++i) pool[offset + 1 + i] = pcs[i];
    header_->frame_pool_used = offset + 1 + pcs.size();
    words(header_->stack_slots.offset)[id] = cxxprof::raw::pack_stack_slot(offset, pcs.size());
  }

  // Overwrites a stack slot's packed value, to forge damaged tables.
  void set_stack_slot(uint32_t id, uint64_t value) {
    words(header_->stack_slots.offset)[id] = value;
  }

  void add_sample(cxxprof::raw::SampleKind kind, uint32_t thread, uint32_t stack,
                  std::vector<int64_t> values, uint32_t aux = 0) {
    auto* slot = new (at(header_->samples.offset + next_sample_ * sizeof(cxxprof::raw::SampleSlot)))
        cxxprof::raw::SampleSlot{};
    for (size_t i = 0; i < values.size(); ++i) slot->values[i] = values[i];
    slot->key = cxxprof::raw::make_sample_key(kind, thread, stack, aux);
    next_sample_ += 3;  // spread out, as a hash table would
  }

  void set_vdso(const std::string& image, uint64_t address) {
    std::memcpy(at(header_->vdso.offset), image.data(), image.size());
    header_->vdso_size = image.size();
    header_->vdso_address = address;
  }

  // Stores an I/O profile path as entry `id` of the io_paths section.
  void add_io_path(uint32_t id, const std::string& path) {
    auto* entry = new (at(header_->io_paths.offset + id * sizeof(cxxprof::raw::IoPathEntry)))
        cxxprof::raw::IoPathEntry{};
    entry->hash = 1;
    entry->length = uint32_t(path.size());
    std::memcpy(entry->path, path.data(), path.size());
    entry->ready = 1;
  }

  std::string bytes() const {
    return std::string(reinterpret_cast<const char*>(storage_.data()), header_->file_size);
  }

 private:
  void* at(uint64_t offset) { return reinterpret_cast<uint8_t*>(storage_.data()) + offset; }
  uint64_t* words(uint64_t offset) { return static_cast<uint64_t*>(at(offset)); }

  std::vector<uint64_t> storage_;
  cxxprof::raw::Header* header_;
  uint64_t next_sample_ = 1;
};

}  // namespace cxxprof_test
