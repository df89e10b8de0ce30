#include "symbolizer/raw_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>

#include "symbolizer/byte_source.h"

namespace cxxprof {

using raw::Header;
using raw::ModuleEntry;
using raw::SampleSlot;
using raw::Section;
using raw::ThreadEntry;

namespace {

// Fields are copied out of the byte image with memcpy at their offsetof: no object of the
// writer's types (which hold atomics) is ever materialized from untrusted bytes.
template <typename T>
T load(const uint8_t* base, size_t offset) {
  T value;
  std::memcpy(&value, base + offset, sizeof(T));
  return value;
}

std::string bounded_string(const uint8_t* bytes, size_t capacity) {
  const char* text = reinterpret_cast<const char*>(bytes);
  return std::string(text, strnlen(text, capacity));
}

struct CheckedSection {
  uint64_t offset = 0;
  uint64_t capacity = 0;
  uint64_t entry_size = 0;
};

// Validates one section descriptor against the expected entry size, a sanity limit on
// its capacity, and the real file size.
bool check_section(const uint8_t* header, size_t field_offset, const char* name,
                   uint64_t expected_entry_size, uint64_t max_capacity, uint64_t header_size,
                   uint64_t file_size, CheckedSection* out, std::string* error) {
  out->offset = load<uint64_t>(header, field_offset + offsetof(Section, offset));
  out->capacity = load<uint64_t>(header, field_offset + offsetof(Section, capacity));
  out->entry_size = load<uint64_t>(header, field_offset + offsetof(Section, entry_size));
  std::string prefix = std::string(name) + " section: ";
  if (out->entry_size != expected_entry_size) {
    *error = prefix + "entry size " + std::to_string(out->entry_size) + ", expected " +
             std::to_string(expected_entry_size);
    return false;
  }
  if (out->capacity > max_capacity) {
    *error = prefix + "capacity " + std::to_string(out->capacity) + " too large";
    return false;
  }
  uint64_t bytes = out->capacity * out->entry_size;  // no overflow: both are bounded
  if (out->offset < header_size || out->offset > file_size || bytes > file_size - out->offset) {
    *error = prefix + "offset " + std::to_string(out->offset) + " + " + std::to_string(bytes) +
             " bytes lies outside the file (" + std::to_string(file_size) + " bytes)";
    return false;
  }
  return true;
}

// The io_paths section may be absent (capacity 0: a writer that kept no paths); when
// present it is checked like every other.
bool check_io_paths_section(const uint8_t* h, uint64_t header_size, uint64_t file_size,
                            CheckedSection* out, std::string* error) {
  const size_t field = offsetof(Header, io_paths);
  if (load<uint64_t>(h, field + offsetof(Section, capacity)) == 0) {
    *out = CheckedSection{};
    return true;
  }
  return check_section(h, field, "io paths", sizeof(raw::IoPathEntry), 1u << 16, header_size,
                       file_size, out, error);
}

struct Sections {
  CheckedSection modules, threads, stack_slots, frame_pool, samples, vdso, io_paths;
};

bool check_sections(const uint8_t* h, uint64_t header_size, uint64_t file_size, Sections* s,
                    std::string* error) {
  return check_section(h, offsetof(Header, modules), "modules", sizeof(ModuleEntry), 1u << 20,
                       header_size, file_size, &s->modules, error) &&
         check_section(h, offsetof(Header, threads), "threads", sizeof(ThreadEntry),
                       raw::kMaxThreadSlots, header_size, file_size, &s->threads, error) &&
         check_section(h, offsetof(Header, stack_slots), "stack table", sizeof(uint64_t),
                       raw::kMaxStackSlots, header_size, file_size, &s->stack_slots, error) &&
         check_section(h, offsetof(Header, frame_pool), "frame pool", sizeof(uint64_t),
                       uint64_t(1) << 32, header_size, file_size, &s->frame_pool, error) &&
         check_section(h, offsetof(Header, samples), "samples", sizeof(SampleSlot), 1u << 28,
                       header_size, file_size, &s->samples, error) &&
         check_section(h, offsetof(Header, vdso), "vdso", 1, 1u << 26, header_size, file_size,
                       &s->vdso, error) &&
         check_io_paths_section(h, header_size, file_size, &s->io_paths, error);
}

void read_header_fields(const uint8_t* h, RawData* data) {
  data->version = load<uint32_t>(h, offsetof(Header, version));
  data->pid = load<int32_t>(h, offsetof(Header, pid));
  data->ppid = load<int32_t>(h, offsetof(Header, ppid));
  data->start_realtime_ns = load<uint64_t>(h, offsetof(Header, start_realtime_ns));
  data->start_monotonic_ns = load<uint64_t>(h, offsetof(Header, start_monotonic_ns));
  data->cpu_hz = load<uint32_t>(h, offsetof(Header, cpu_hz));
  data->wall_hz = load<uint32_t>(h, offsetof(Header, wall_hz));
  data->cpu_period_ns = load<uint64_t>(h, offsetof(Header, cpu_period_ns));
  data->wall_period_ns = load<uint64_t>(h, offsetof(Header, wall_period_ns));
  data->heap_rate = load<uint64_t>(h, offsetof(Header, heap_rate));
  data->mutex_fraction = load<uint64_t>(h, offsetof(Header, mutex_fraction));
  data->block_rate = load<uint64_t>(h, offsetof(Header, block_rate));
  data->io_rate = load<uint64_t>(h, offsetof(Header, io_rate));
  data->end_monotonic_ns = load<uint64_t>(h, offsetof(Header, end_monotonic_ns));
  data->exited_normally = load<uint32_t>(h, offsetof(Header, exited_normally)) != 0;
  for (unsigned i = 0; i < raw::kCounterCount; ++i) {
    data->counters[i] = load<uint64_t>(h, offsetof(Header, counters) + i * sizeof(uint64_t));
  }
  data->vdso_address = load<uint64_t>(h, offsetof(Header, vdso_address));
  data->executable = bounded_string(h + offsetof(Header, executable), raw::kModulePathSize);
  data->command_line = bounded_string(h + offsetof(Header, command_line), raw::kCommandLineSize);
}

bool read_modules(ByteSource* source, const CheckedSection& section, uint64_t claimed,
                  RawData* data, std::string* error) {
  uint64_t count = std::min(claimed, section.capacity);
  std::vector<uint8_t> bytes;
  if (!source->read(section.offset, count * sizeof(ModuleEntry), &bytes, error)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* e = bytes.data() + i * sizeof(ModuleEntry);
    if (load<uint32_t>(e, offsetof(ModuleEntry, ready)) == 0) continue;
    RawModule module;
    module.flags = load<uint32_t>(e, offsetof(ModuleEntry, flags));
    module.load_bias = load<uint64_t>(e, offsetof(ModuleEntry, load_bias));
    module.start = load<uint64_t>(e, offsetof(ModuleEntry, start));
    module.limit = load<uint64_t>(e, offsetof(ModuleEntry, limit));
    module.file_offset = load<uint64_t>(e, offsetof(ModuleEntry, file_offset));
    module.sequence = load<uint64_t>(e, offsetof(ModuleEntry, sequence));
    uint32_t build_id_size = load<uint32_t>(e, offsetof(ModuleEntry, build_id_size));
    if (build_id_size > raw::kBuildIdMaxSize || module.start >= module.limit) {
      *error = "module entry " + std::to_string(i) + " is corrupt";
      return false;
    }
    module.build_id.assign(reinterpret_cast<const char*>(e + offsetof(ModuleEntry, build_id)),
                           build_id_size);
    module.path = bounded_string(e + offsetof(ModuleEntry, path), raw::kModulePathSize);
    data->modules.push_back(std::move(module));
  }
  return true;
}

bool read_threads(ByteSource* source, const CheckedSection& section, uint64_t claimed,
                  RawData* data, std::string* error) {
  uint64_t count = std::min(claimed, section.capacity);
  std::vector<uint8_t> bytes;
  if (!source->read(section.offset, count * sizeof(ThreadEntry), &bytes, error)) return false;
  data->threads.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* e = bytes.data() + i * sizeof(ThreadEntry);
    RawThread& thread = data->threads[i];
    thread.ready = load<uint32_t>(e, offsetof(ThreadEntry, ready)) != 0;
    if (!thread.ready) continue;
    thread.tid = load<int32_t>(e, offsetof(ThreadEntry, tid));
    thread.name = bounded_string(e + offsetof(ThreadEntry, name), raw::kThreadNameSize);
  }
  return true;
}

// The I/O profile's paths; entries never published (`ready` unset) stay "".
bool read_io_paths(ByteSource* source, const CheckedSection& section, RawData* data,
                   std::string* error) {
  if (section.capacity == 0) return true;
  std::vector<uint8_t> bytes;
  if (!source->read(section.offset, section.capacity * sizeof(raw::IoPathEntry), &bytes, error)) {
    return false;
  }
  data->io_paths.assign(section.capacity, std::string());
  for (uint64_t i = 0; i < section.capacity; ++i) {
    const uint8_t* e = bytes.data() + i * sizeof(raw::IoPathEntry);
    if (load<uint32_t>(e, offsetof(raw::IoPathEntry, ready)) == 0) continue;
    const uint32_t length = load<uint32_t>(e, offsetof(raw::IoPathEntry, length));
    if (length > raw::kIoPathSize) {
      *error = "io path entry " + std::to_string(i) + " is corrupt (length " +
               std::to_string(length) + ")";
      return false;
    }
    data->io_paths[i].assign(reinterpret_cast<const char*>(e + offsetof(raw::IoPathEntry, path)),
                             length);
  }
  return true;
}

// Decodes the samples, and the stacks they refer to, from the sample table, stack table
// and frame pool. The sample table is read in chunks: it is the largest section.
bool read_samples(ByteSource* source, const Sections& s, uint64_t pool_claimed, RawData* data,
                  std::string* error) {
  std::vector<uint8_t> slots;
  if (!source->read(s.stack_slots.offset, s.stack_slots.capacity * sizeof(uint64_t), &slots,
                    error)) {
    return false;
  }
  uint64_t pool_words = std::min(pool_claimed, s.frame_pool.capacity);
  std::vector<uint8_t> pool;
  if (!source->read(s.frame_pool.offset, pool_words * sizeof(uint64_t), &pool, error)) {
    return false;
  }

  // Resolves stack `id` into data->stacks; false (with *error) if it points outside the pool.
  auto decode_stack = [&](uint32_t id, bool* empty) -> bool {
    *empty = false;
    if (data->stacks.contains(id)) return true;
    uint64_t value = load<uint64_t>(slots.data(), size_t(id) * sizeof(uint64_t));
    if (value == 0) {
      *empty = true;
      return true;
    }
    uint64_t offset = raw::stack_slot_offset(value);
    uint64_t depth = raw::stack_slot_depth(value);
    if (depth > raw::kMaxStackDepth || offset >= pool_words || depth + 1 > pool_words - offset) {
      *error = "stack " + std::to_string(id) + " (pool offset " + std::to_string(offset) +
               ", depth " + std::to_string(depth) + ") lies outside the used frame pool (" +
               std::to_string(pool_words) + " words)";
      return false;
    }
    std::vector<uint64_t>& pcs = data->stacks[id];
    pcs.resize(depth);
    if (depth > 0) std::memcpy(pcs.data(), pool.data() + (offset + 1) * 8, depth * 8);
    return true;
  };

  constexpr uint64_t kChunkSlots = 1 << 16;
  std::vector<uint8_t> chunk;
  for (uint64_t first = 0; first < s.samples.capacity; first += kChunkSlots) {
    uint64_t count = std::min(kChunkSlots, s.samples.capacity - first);
    if (!source->read(s.samples.offset + first * sizeof(SampleSlot), count * sizeof(SampleSlot),
                      &chunk, error)) {
      return false;
    }
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t* e = chunk.data() + i * sizeof(SampleSlot);
      uint64_t key = load<uint64_t>(e, offsetof(SampleSlot, key));
      if (key == 0) continue;
      std::string where = "sample slot " + std::to_string(first + i) + ": ";
      RawSample sample;
      sample.kind = raw::sample_key_kind(key);
      if (sample.kind == raw::SampleKind::kNone || unsigned(sample.kind) >= raw::kSampleKindCount) {
        *error = where + "unknown sample kind " + std::to_string(unsigned(sample.kind));
        return false;
      }
      sample.thread_slot = uint32_t(raw::sample_key_thread(key));
      sample.stack_id = uint32_t(raw::sample_key_stack(key));
      sample.aux = uint32_t(raw::sample_key_aux(key));
      if (sample.thread_slot >= s.threads.capacity) {
        *error = where + "thread slot " + std::to_string(sample.thread_slot) + " out of range";
        return false;
      }
      if (sample.stack_id != 0) {
        if (sample.stack_id >= s.stack_slots.capacity) {
          *error = where + "stack id " + std::to_string(sample.stack_id) + " out of range";
          return false;
        }
        bool empty = false;
        if (!decode_stack(sample.stack_id, &empty)) return false;
        if (empty) {
          ++data->samples_with_empty_stack_slot;
          sample.stack_id = 0;
        }
      }
      for (unsigned v = 0; v < raw::kSampleValues; ++v) {
        sample.values[v] = load<int64_t>(e, offsetof(SampleSlot, values) + v * sizeof(int64_t));
      }
      data->samples.push_back(sample);
    }
  }
  return true;
}

bool parse(ByteSource* source, RawReadScope scope, RawData* data, std::string* error) {
  *data = RawData{};
  const uint64_t file_size = source->size();
  std::vector<uint8_t> header;
  if (file_size < sizeof(raw::kMagic) + 8) {
    *error = "not a cxxprof raw file (" + std::to_string(file_size) + " bytes)";
    return false;
  }
  if (!source->read(0, std::min<uint64_t>(file_size, sizeof(Header)), &header, error)) {
    return false;
  }
  if (std::memcmp(header.data(), raw::kMagic, sizeof(raw::kMagic)) != 0) {
    *error = "not a cxxprof raw file (bad magic)";
    return false;
  }
  uint32_t version = load<uint32_t>(header.data(), offsetof(Header, version));
  if (version != raw::kVersion) {
    *error = "unsupported raw format version " + std::to_string(version) +
             " (this cxxprof reads version " + std::to_string(raw::kVersion) + ")";
    return false;
  }
  uint32_t header_size = load<uint32_t>(header.data(), offsetof(Header, header_size));
  if (header_size < sizeof(Header)) {
    *error = "bad header size " + std::to_string(header_size);
    return false;
  }
  if (file_size < header_size) {
    *error = "truncated raw file (" + std::to_string(file_size) + " bytes, header alone is " +
             std::to_string(header_size) + ")";
    return false;
  }
  const uint8_t* h = header.data();
  read_header_fields(h, data);
  if (scope == RawReadScope::kHeaderOnly) return true;

  Sections sections;
  if (!check_sections(h, header_size, file_size, &sections, error)) return false;
  uint64_t vdso_size = load<uint64_t>(h, offsetof(Header, vdso_size));
  if (vdso_size > sections.vdso.capacity) {
    *error = "vDSO size " + std::to_string(vdso_size) + " exceeds its section";
    return false;
  }
  std::vector<uint8_t> vdso;
  if (!source->read(sections.vdso.offset, vdso_size, &vdso, error)) return false;
  data->vdso_image.assign(vdso.begin(), vdso.end());

  return read_modules(source, sections.modules, load<uint32_t>(h, offsetof(Header, module_count)),
                      data, error) &&
         read_threads(source, sections.threads, load<uint32_t>(h, offsetof(Header, thread_count)),
                      data, error) &&
         read_samples(source, sections, load<uint64_t>(h, offsetof(Header, frame_pool_used)), data,
                      error) &&
         read_io_paths(source, sections.io_paths, data, error);
}

// Sections are bounded by the file size, but a crafted sparse file can still declare
// gigabytes of used frame pool: running out of memory is an error, not a crash.
bool parse_guarded(ByteSource* source, RawReadScope scope, RawData* data, std::string* error) {
  try {
    return parse(source, scope, data, error);
  } catch (const std::bad_alloc&) {
    *data = RawData{};
    *error = "raw file declares more data than fits in memory";
    return false;
  }
}

}  // namespace

const RawThread* RawData::thread(uint32_t slot) const {
  if (slot >= threads.size() || !threads[slot].ready) return nullptr;
  return &threads[slot];
}

bool parse_raw_data(std::span<const uint8_t> bytes, RawReadScope scope, RawData* data,
                    std::string* error) {
  MemorySource source(bytes);
  return parse_guarded(&source, scope, data, error);
}

bool read_raw_file(const std::string& path, RawReadScope scope, RawData* data, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat status;
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    *error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  FileSource source(fd, uint64_t(status.st_size));
  bool ok = parse_guarded(&source, scope, data, error);
  ::close(fd);
  if (!ok) {
    *error = path + ": " + *error;
    return false;
  }
  data->file_mtime_ns = int64_t(status.st_mtim.tv_sec) * 1000000000 + status.st_mtim.tv_nsec;
  return true;
}

}  // namespace cxxprof
