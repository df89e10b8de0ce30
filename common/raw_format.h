// The raw-data format between the injected library (writer) and the launcher/symbolizer
// (reader). Defined once, here; both halves include it.
//
// One file per profiled process image, DIR/<pid>.cxxraw (DIR/<pid>.<n>.cxxraw for the n-th
// later image of the same pid: a forked child that called exec), created O_EXCL|O_NOFOLLOW
// mode 0600,
// sized with ftruncate (sparse) and mapped MAP_SHARED by the writer. Everything the writer
// aggregates lives in the mapping, so the data survives _exit, abort, crashes and SIGKILL:
// the kernel writes the dirty pages back whatever happens to the process.
//
// Layout: a Header at offset 0, then sections located by Header::*_section (offsets and
// capacities are in the header, so a reader never assumes them). The reader must treat
// every field as hostile: check the magic, version, sizes, offsets, and bounds of every
// index before use.
//
// Signal safety (writer side): every structure here is updated with lock-free atomics only
// (claim a slot with compare-exchange, publish with a release store). Nothing is ever
// moved or freed, so a reader of a half-written file sees, at worst, a slot whose `ready`
// flag is not yet set; it skips it.
//
// This header is freestanding: no libstdc++ runtime, usable from the preload library.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cxxprof::raw {

inline constexpr char kMagic[8] = {'C', 'X', 'X', 'P', 'R', 'A', 'W', '1'};
// 2: heap size labels bucketed (common/heap_size_label.h).
// 3: counter kWallTicksLate. 4: counter kWallTicks.
inline constexpr uint32_t kVersion = 4;
inline constexpr const char* kFileSuffix = ".cxxraw";

// The profiles one process can produce. Values fit in 4 bits (see SampleKey).
enum class SampleKind : uint8_t {
  kNone = 0,
  kCpu = 1,    // values[0] = samples, values[1] = cpu ns
  kWall = 2,   // values[0] = samples, values[1] = wall ns
  kHeap = 3,   // values: alloc objects, alloc bytes, inuse objects, inuse bytes (sampled,
               // unscaled); aux = object size label (common/heap_size_label.h)
  kMutex = 4,  // reserved for the mutex profile
  kBlock = 5,  // reserved for the block profile
  kIo = 6,     // reserved for the I/O profile
  kHeapPeak = 7,  // values: inuse objects, inuse bytes at the heap's peak (preload/heap_peak.h)
};
inline constexpr unsigned kSampleKindCount = 8;

// Why a stack is shorter than the real one. Counted in Header::counters.
enum Counter : uint32_t {
  kSamplesRecorded = 0,        // samples added to the sample table
  kSamplesDroppedTableFull,    // sample table had no free slot: sample lost
  kStacksDroppedPoolFull,      // frame pool or stack table full: sample kept without stack
  kStacksTruncatedDepth,       // unwinding stopped at kMaxStackDepth
  kStacksTruncatedUnwind,      // unwinding stopped early (no CFI, bad memory, unknown module)
  kSamplesInProfiler,          // tick landed inside the profiler itself: leaf only
  kThreadsTableFull,           // thread table full: thread folded into slot 0
  kModulesTableFull,           // module table full: later modules unknown (module+offset lost)
  kTimerCreateFailed,          // timer_create failed for a thread (that thread not CPU-profiled)
  kTimerOverruns,              // expirations merged by the kernel (already added to values)
  kWallThreadsSkipped,         // wall ticks whose thread could not be sampled
  kThreadsBlockedSigprof,      // threads that blocked SIGPROF: not sampled meanwhile
  kIoPathsDropped,             // file descriptors whose path did not fit the io_paths section
  kLockWaitsUntracked,         // lock waits not charged to a release (contention table full)
  kHeapSamplesUntracked,       // sampled allocations not tracked as live (table full): no inuse
  kHeapStaleAllocations,       // sampled allocations released without a free we saw
  kWallTicksLate,              // wall ticks more than 1.5 periods after the previous one
  kWallTicks,                  // wall ticks taken
  kCounterCount
};

inline constexpr unsigned kMaxStackDepth = 128;
inline constexpr unsigned kModulePathSize = 512;
inline constexpr unsigned kBuildIdMaxSize = 32;
inline constexpr unsigned kThreadNameSize = 16;  // as the kernel's TASK_COMM_LEN
inline constexpr unsigned kCommandLineSize = 4096;

struct Section {
  uint64_t offset;      // from the start of the file
  uint64_t capacity;    // number of entries
  uint64_t entry_size;  // bytes per entry, so a reader can check the layout
};

// Header, at offset 0. Fields written once at start-up are plain; fields that change
// while the process runs are atomics.
struct Header {
  char magic[8];
  uint32_t version;
  uint32_t header_size;  // sizeof(Header) of the writer
  uint64_t file_size;

  int32_t pid;
  int32_t ppid;
  uint64_t start_realtime_ns;   // CLOCK_REALTIME at start-up (pprof time_nanos)
  uint64_t start_monotonic_ns;  // CLOCK_MONOTONIC at start-up

  // Configuration echoed by the writer, so the reader knows periods and rates.
  uint32_t cpu_hz;   // 0 = CPU profile off
  uint32_t wall_hz;  // 0 = wall profile off
  uint64_t cpu_period_ns;
  uint64_t wall_period_ns;
  uint64_t heap_rate;
  uint64_t mutex_fraction;
  uint64_t block_rate;
  uint64_t io_rate;

  std::atomic<uint64_t> end_monotonic_ns;  // set at normal exit; 0 if the process died
  std::atomic<uint32_t> exited_normally;   // 1 once the exit path ran
  uint32_t reserved0;

  std::atomic<uint64_t> counters[kCounterCount];

  Section modules;      // ModuleEntry[capacity]
  Section threads;      // ThreadEntry[capacity]
  Section stack_slots;  // std::atomic<uint64_t>[capacity], power of two
  Section frame_pool;   // uint64_t words[capacity]
  Section samples;      // SampleSlot[capacity], power of two
  Section vdso;         // raw bytes of the vDSO image (entry_size 1)

  std::atomic<uint32_t> module_count;  // entries claimed (check ModuleEntry::ready)
  std::atomic<uint32_t> thread_count;  // entries claimed (check ThreadEntry::ready)
  std::atomic<uint64_t> frame_pool_used;  // words claimed
  uint64_t vdso_size;                     // bytes of the vDSO copied into the vdso section
  uint64_t vdso_address;                  // where the vDSO was mapped in the process

  char executable[kModulePathSize];     // /proc/self/exe at start-up
  char command_line[kCommandLineSize];  // argv joined by spaces (truncated if longer)

  // Paths of the regular files the I/O profile labels (IoPathEntry[capacity]; entry 0 is
  // never used: path id 0 means "no path"). Capacity 0: the writer kept no paths.
  Section io_paths;
};

enum ModuleFlags : uint32_t {
  kModuleMainExecutable = 1u << 0,
  kModuleVdso = 1u << 1,
};

// One loaded ELF object (from dl_iterate_phdr). Entries are only appended: an object that
// was dlclosed keeps its entry, so samples taken while it was loaded still symbolize.
// `sequence` increases with each scan so a reader can prefer the newest entry for an
// address range that was reused.
struct ModuleEntry {
  std::atomic<uint32_t> ready;  // 1 once every other field is written
  uint32_t flags;               // ModuleFlags
  uint64_t load_bias;           // dlpi_addr: runtime address = ELF vaddr + load_bias
  uint64_t start;               // lowest runtime address of its PT_LOAD segments
  uint64_t limit;               // one past the highest
  uint64_t file_offset;         // p_offset of the lowest PT_LOAD, page-aligned down
  uint64_t sequence;
  uint32_t build_id_size;
  uint8_t build_id[kBuildIdMaxSize];
  char path[kModulePathSize];  // as the loader reported it, made absolute when possible
};

struct ThreadEntry {
  std::atomic<uint32_t> ready;
  int32_t tid;
  char name[kThreadNameSize];  // NUL-terminated; empty if unnamed
};

// One file path of the I/O profile (common/io_labels.h: the path id is the entry's index).
// Claimed by compare-exchange on `hash` (0 = free), published by `ready`. A path longer
// than the entry keeps its end, after "...": the file name is the telling part.
inline constexpr unsigned kIoPathSize = 496;
struct IoPathEntry {
  std::atomic<uint64_t> hash;   // of the full path; never 0 once claimed
  std::atomic<uint32_t> ready;  // 1 once length and path are written
  uint32_t length;              // bytes of `path` used (no NUL needed)
  char path[kIoPathSize];
};
static_assert(sizeof(IoPathEntry) == 512);

// Stack table slot value: 0 = empty, else (pool_offset << 8) | depth, where the stack is
// frame_pool[pool_offset] = hash, frame_pool[pool_offset + 1 ...] = depth frames, leaf
// first. Frame 0 is the exact PC of the leaf; frames 1.. are return addresses (the
// symbolizer subtracts 1 to land inside the call instruction). The stack id is the slot
// index. Id 0 is never used for a real stack: an empty stack means "no stack".
inline constexpr uint64_t pack_stack_slot(uint64_t pool_offset, uint64_t depth) {
  return (pool_offset << 8) | (depth & 0xff);
}
inline constexpr uint64_t stack_slot_offset(uint64_t v) { return v >> 8; }
inline constexpr uint64_t stack_slot_depth(uint64_t v) { return v & 0xff; }

// Sample key: [kind:4][thread slot:16][stack id:24][aux:20]. Key 0 = empty slot (a real
// key always has kind != 0). `aux` is profile-specific (0 for cpu/wall).
inline constexpr uint64_t make_sample_key(SampleKind kind, uint64_t thread_slot,
                                          uint64_t stack_id, uint64_t aux) {
  return (uint64_t(kind) << 60) | ((thread_slot & 0xffff) << 44) |
         ((stack_id & 0xffffff) << 20) | (aux & 0xfffff);
}
inline constexpr SampleKind sample_key_kind(uint64_t k) { return SampleKind(k >> 60); }
inline constexpr uint64_t sample_key_thread(uint64_t k) { return (k >> 44) & 0xffff; }
inline constexpr uint64_t sample_key_stack(uint64_t k) { return (k >> 20) & 0xffffff; }
inline constexpr uint64_t sample_key_aux(uint64_t k) { return k & 0xfffff; }
inline constexpr uint64_t kMaxThreadSlots = 1u << 16;
inline constexpr uint64_t kMaxStackSlots = 1u << 24;

inline constexpr unsigned kSampleValues = 4;
struct SampleSlot {
  std::atomic<uint64_t> key;
  std::atomic<int64_t> values[kSampleValues];
};

// Default capacities. The file is sparse: only touched pages cost memory or disk.
inline constexpr uint64_t kDefaultModuleCapacity = 2048;
inline constexpr uint64_t kDefaultThreadCapacity = 1u << 15;
inline constexpr uint64_t kDefaultStackSlots = 1u << 18;
inline constexpr uint64_t kDefaultFramePoolWords = 1u << 22;  // 32 MiB of frames
inline constexpr uint64_t kDefaultSampleSlots = 1u << 18;
inline constexpr uint64_t kDefaultVdsoCapacity = 64 * 1024;
inline constexpr uint64_t kDefaultIoPathCapacity = 2048;  // io::kMaxPathIds

struct Capacities {
  uint64_t modules = kDefaultModuleCapacity;
  uint64_t threads = kDefaultThreadCapacity;
  uint64_t stack_slots = kDefaultStackSlots;
  uint64_t frame_pool_words = kDefaultFramePoolWords;
  uint64_t sample_slots = kDefaultSampleSlots;
  uint64_t vdso_bytes = kDefaultVdsoCapacity;
  uint64_t io_paths = kDefaultIoPathCapacity;
};

// Fills the section descriptors of `header` for `capacities` and returns the file size.
// The writer calls it once; a reader never calls it (it reads the sections it finds).
inline uint64_t plan_layout(Header* header, const Capacities& capacities) {
  uint64_t offset = (sizeof(Header) + 4095) & ~uint64_t(4095);
  auto place = [&offset](Section* section, uint64_t capacity, uint64_t entry_size) {
    section->offset = offset;
    section->capacity = capacity;
    section->entry_size = entry_size;
    offset = (offset + capacity * entry_size + 4095) & ~uint64_t(4095);
  };
  place(&header->modules, capacities.modules, sizeof(ModuleEntry));
  place(&header->threads, capacities.threads, sizeof(ThreadEntry));
  place(&header->stack_slots, capacities.stack_slots, sizeof(uint64_t));
  place(&header->frame_pool, capacities.frame_pool_words, sizeof(uint64_t));
  place(&header->samples, capacities.sample_slots, sizeof(SampleSlot));
  place(&header->vdso, capacities.vdso_bytes, 1);
  place(&header->io_paths, capacities.io_paths, sizeof(IoPathEntry));
  header->file_size = offset;
  return offset;
}

static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint64_t>) == 8);

}  // namespace cxxprof::raw
