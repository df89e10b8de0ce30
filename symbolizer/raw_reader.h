// Reads one process's raw data file (common/raw_format.h) into a plain in-memory view.
//
// The file is hostile input: it may be truncated, corrupt, from another version, or
// crafted. Every magic, version, size, offset, count and index is checked before use;
// structural damage is an error (never a crash), while entries that are merely not
// finished (a slot whose `ready` flag is not set) are skipped as the format allows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/raw_format.h"

namespace cxxprof {

struct RawModule {
  uint32_t flags = 0;  // raw::ModuleFlags
  uint64_t load_bias = 0;
  uint64_t start = 0;
  uint64_t limit = 0;
  uint64_t file_offset = 0;
  uint64_t sequence = 0;
  std::string build_id;  // raw bytes
  std::string path;

  bool is_main_executable() const { return flags & raw::kModuleMainExecutable; }
  bool is_vdso() const { return flags & raw::kModuleVdso; }
};

struct RawThread {
  bool ready = false;  // false: slot claimed but never finished (tid/name unknown)
  int32_t tid = 0;
  std::string name;
};

struct RawSample {
  raw::SampleKind kind = raw::SampleKind::kNone;
  uint32_t thread_slot = 0;
  uint32_t stack_id = 0;  // 0: no stack
  uint32_t aux = 0;
  std::array<int64_t, raw::kSampleValues> values{};
};

struct RawData {
  // Header.
  uint32_t version = 0;
  int32_t pid = 0;
  int32_t ppid = 0;
  uint64_t start_realtime_ns = 0;
  uint64_t start_monotonic_ns = 0;
  uint32_t cpu_hz = 0;
  uint32_t wall_hz = 0;
  uint64_t cpu_period_ns = 0;
  uint64_t wall_period_ns = 0;
  uint64_t heap_rate = 0;
  uint64_t mutex_fraction = 0;
  uint64_t block_rate = 0;
  uint64_t io_rate = 0;
  uint64_t end_monotonic_ns = 0;  // 0: the process did not run its exit path
  bool exited_normally = false;
  std::array<uint64_t, raw::kCounterCount> counters{};
  std::string executable;
  std::string command_line;

  // Sections.
  std::vector<RawModule> modules;  // ready entries only, in table order
  std::vector<RawThread> threads;  // indexed by thread slot, up to the claimed count
  std::unordered_map<uint32_t, std::vector<uint64_t>> stacks;  // id -> PCs, leaf first
  std::vector<RawSample> samples;
  std::string vdso_image;  // copy of the vDSO ELF image, empty if none
  uint64_t vdso_address = 0;
  // The I/O profile's file paths by path id (common/io_labels.h); "" where none was stored.
  std::vector<std::string> io_paths;

  // Oddities that are not fatal, for the conversion's warnings.
  uint64_t samples_with_empty_stack_slot = 0;  // sample names a stack slot never filled

  // Of the file itself (0 when parsed from memory): last modification, ns since the epoch.
  int64_t file_mtime_ns = 0;

  // The thread in `slot`, or null if the slot is out of range or was never finished.
  const RawThread* thread(uint32_t slot) const;
};

enum class RawReadScope {
  kHeaderOnly,  // header fields only: enough to learn the pid and settings
  kEverything,
};

// Parses a raw file image held in memory (tests build one with raw::plan_layout()).
bool parse_raw_data(std::span<const uint8_t> bytes, RawReadScope scope, RawData* data,
                    std::string* error);

// Reads the raw file at `path` section by section with pread (the file is sparse and
// mostly zeros: only the used part of each section is read). Errors name the file.
bool read_raw_file(const std::string& path, RawReadScope scope, RawData* data, std::string* error);

}  // namespace cxxprof
