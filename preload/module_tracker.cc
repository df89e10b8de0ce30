#include "preload/module_tracker.h"

#include <climits>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/profiler_state.h"

namespace cxxprof {
namespace {

constexpr uint32_t kMaxObjects = 4096;

const unwind::ModuleSet kEmptySet{nullptr, 0, &locate_loaded_module};
std::atomic<const unwind::ModuleSet*> g_module_set{&kEmptySet};
std::atomic<bool> g_scanning{false};
// Orders module entries: scans and objects located later alike (raw_format.h: a reader
// prefers the newest entry for an address).
std::atomic<uint64_t> g_sequence{0};
unsigned long long g_last_adds = ~0ull;
unsigned long long g_last_subs = ~0ull;
std::atomic<uint64_t> g_self_start{0};
std::atomic<uint64_t> g_self_limit{0};

// The objects of the process's first scan (loaded at start-up: never unloaded), by the
// start of their code. Later scans mark every other object may_unload. Inherited by a
// forked child, which has the same start-up objects.
constexpr uint32_t kMaxStartupObjects = 1024;
uint64_t g_startup_code[kMaxStartupObjects];
uint32_t g_startup_count = 0;
bool g_startup_known = false;

bool loaded_at_startup(uint64_t code_start) {
  for (uint32_t i = 0; i < g_startup_count; ++i) {
    if (g_startup_code[i] == code_start) return true;
  }
  return false;
}

// Scratch space for one scan, in memory of our own (no malloc: the program's allocator may
// be interposed by us later, and this runs from the exit path too).
struct ScanScratch {
  unwind::CodeModule code[kMaxObjects];
  uint32_t count;
};

void* map_pages(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

uint32_t read_build_id(const dl_phdr_info* info, uint8_t* out) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const char* name = p + sizeof(ElfW(Nhdr));
      const char* desc = name + ((note->n_namesz + 3) & ~3u);
      const char* next = desc + ((note->n_descsz + 3) & ~3u);
      if (next > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        uint32_t size = note->n_descsz;
        if (size > raw::kBuildIdMaxSize) size = raw::kBuildIdMaxSize;
        std::memcpy(out, desc, size);
        return size;
      }
      p = next;
    }
  }
  return 0;
}

void address_range(const dl_phdr_info* info, uint64_t* start, uint64_t* limit,
                   uint64_t* file_offset) {
  uint64_t low = ~uint64_t(0), high = 0, offset = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_vaddr < low) {
      low = ph.p_vaddr;
      offset = ph.p_offset;
    }
    if (ph.p_vaddr + ph.p_memsz > high) high = ph.p_vaddr + ph.p_memsz;
  }
  if (high == 0) low = 0;
  const uint64_t page = 4096;
  *start = info->dlpi_addr + (low & ~(page - 1));
  *limit = info->dlpi_addr + high;
  *file_offset = offset & ~(page - 1);
}

bool is_vdso(const dl_phdr_info* info) {
  unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
  if (vdso == 0) return false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && info->dlpi_addr + ph.p_vaddr <= vdso &&
        vdso < info->dlpi_addr + ph.p_vaddr + ph.p_memsz) {
      return true;
    }
  }
  return false;
}

void copy_vdso(const RawStore& store, uint64_t start, uint64_t limit) {
  raw::Header* header = store.header();
  if (header->vdso_size != 0 || limit <= start) return;
  uint64_t size = limit - start;
  if (size > header->vdso.capacity) return;
  std::memcpy(store.vdso(), reinterpret_cast<const void*>(start), size);
  header->vdso_address = start;
  header->vdso_size = size;
}

// Appends a raw ModuleEntry unless an identical one (same range, bias and path) exists.
// Async-signal-safe (note_located_object calls it from the SIGPROF handler): reads of
// the object's headers, getcwd (a system call when given a buffer), the lock-free table.
void record_module(const RawStore& store, const dl_phdr_info* info, uint64_t sequence) {
  uint64_t start, limit, file_offset;
  address_range(info, &start, &limit, &file_offset);
  if (limit <= start) return;
  raw::Header* header = store.header();
  char path[raw::kModulePathSize];
  uint32_t flags = 0;
  const char* name = info->dlpi_name ? info->dlpi_name : "";
  if (is_vdso(info)) {
    flags |= raw::kModuleVdso;
    std::strcpy(path, "[vdso]");
    copy_vdso(store, start, limit);
  } else if (name[0] == '\0') {
    flags |= raw::kModuleMainExecutable;
    std::strncpy(path, header->executable, sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
  } else if (name[0] != '/') {
    // A relative name (LD_LIBRARY_PATH=. or dlopen("./x.so")) is relative to the cwd now.
    char cwd[raw::kModulePathSize];
    if (getcwd(cwd, sizeof(cwd)) == nullptr) cwd[0] = '\0';
    size_t n = std::strlen(cwd);
    std::strncpy(path, cwd, sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    if (n + 1 < sizeof(path)) {
      path[n] = '/';
      std::strncpy(path + n + 1, name, sizeof(path) - n - 2);
      path[sizeof(path) - 1] = '\0';
    }
  } else {
    std::strncpy(path, name, sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
  }
  uint32_t count = header->module_count.load(std::memory_order_acquire);
  if (count > header->modules.capacity) count = uint32_t(header->modules.capacity);
  for (uint32_t i = 0; i < count; ++i) {
    const raw::ModuleEntry& e = store.modules()[i];
    if (e.ready.load(std::memory_order_acquire) && e.start == start && e.limit == limit &&
        e.load_bias == info->dlpi_addr && std::strcmp(e.path, path) == 0) {
      return;
    }
  }
  uint32_t index = header->module_count.fetch_add(1, std::memory_order_acq_rel);
  if (index >= header->modules.capacity) {
    store.count(raw::kModulesTableFull);
    return;
  }
  raw::ModuleEntry& entry = store.modules()[index];
  entry.flags = flags;
  entry.load_bias = info->dlpi_addr;
  entry.start = start;
  entry.limit = limit;
  entry.file_offset = file_offset;
  entry.sequence = sequence;
  entry.build_id_size = read_build_id(info, entry.build_id);
  std::memcpy(entry.path, path, sizeof(entry.path));
  entry.ready.store(1, std::memory_order_release);
}

// Objects note_located_object recorded already, so a stack that passes through a
// dlopened object searches the store's module table once, not on every sample: a small
// direct-mapped cache of tags (code start, link map, profiler generation: a forked
// child's new store starts empty).
constexpr uint32_t kNotedCacheSize = 64;
std::atomic<uint64_t> g_noted[kNotedCacheSize];

void note_located_object(const RawStore& store, const link_map* map,
                         const ElfW(Phdr)* program_headers, unsigned count, uint64_t code_start) {
  const uint64_t generation = profiler().generation.load(std::memory_order_relaxed);
  uint64_t tag = (code_start ^ reinterpret_cast<uint64_t>(map) * 0x9e3779b97f4a7c15u) +
                 generation * 0xc2b2ae3d27d4eb4fu;
  if (tag == 0) tag = 1;
  std::atomic<uint64_t>& noted = g_noted[(tag >> 32) % kNotedCacheSize];
  if (noted.load(std::memory_order_relaxed) == tag) return;
  dl_phdr_info info{};
  info.dlpi_addr = map->l_addr;
  info.dlpi_name = map->l_name;
  info.dlpi_phdr = program_headers;
  info.dlpi_phnum = ElfW(Half)(count);
  record_module(store, &info, g_sequence.fetch_add(1, std::memory_order_relaxed) + 1);
  noted.store(tag, std::memory_order_relaxed);
}

struct ScanContext {
  const RawStore* store;
  ScanScratch* scratch;
  uint64_t sequence;
};

int scan_object(dl_phdr_info* info, size_t, void* data) {
  auto* context = static_cast<ScanContext*>(data);
  record_module(*context->store, info, context->sequence);
  ScanScratch* scratch = context->scratch;
  if (scratch->count < kMaxObjects &&
      unwind::describe_code_module(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum,
                                   &scratch->code[scratch->count])) {
    unwind::CodeModule& m = scratch->code[scratch->count];
    if (!g_startup_known) {
      if (g_startup_count < kMaxStartupObjects) g_startup_code[g_startup_count++] = m.start;
    } else {
      m.may_unload = !loaded_at_startup(m.start);
    }
    uint64_t self = reinterpret_cast<uint64_t>(&scan_object);
    // Only libcxxprof.so is "profiler code". When the core is linked into a program (unit
    // tests, benchmarks) the main executable is the program's own code.
    bool shared_object = info->dlpi_name != nullptr && info->dlpi_name[0] != '\0';
    if (shared_object && m.start <= self && self < m.limit) {
      g_self_start.store(m.start, std::memory_order_relaxed);
      g_self_limit.store(m.limit, std::memory_order_relaxed);
    }
    ++scratch->count;
  }
  return 0;
}

int read_counters(dl_phdr_info* info, size_t size, void* data) {
  auto* counters = static_cast<unsigned long long*>(data);
  if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
    counters[0] = info->dlpi_adds;
    counters[1] = info->dlpi_subs;
  }
  return 1;  // the counters are the same in every entry: stop after the first
}

void publish(const ScanScratch& scratch) {
  size_t bytes = sizeof(unwind::ModuleSet) + scratch.count * sizeof(unwind::CodeModule);
  void* memory = map_pages(bytes);
  if (memory == nullptr) return;
  auto* set = static_cast<unwind::ModuleSet*>(memory);
  auto* modules = reinterpret_cast<unwind::CodeModule*>(set + 1);
  // Insertion sort by start: a few dozen objects, and no library sort to rely on here.
  uint32_t n = 0;
  for (uint32_t i = 0; i < scratch.count; ++i) {
    uint32_t j = n++;
    while (j > 0 && modules[j - 1].start > scratch.code[i].start) {
      modules[j] = modules[j - 1];
      --j;
    }
    modules[j] = scratch.code[i];
  }
  set->modules = modules;
  set->count = n;
  set->locate = &locate_loaded_module;
  // Older sets are never freed: a signal handler in another thread may still be reading
  // one. Rescans happen only when objects are loaded or unloaded, so this stays small.
  g_module_set.store(set, std::memory_order_release);
}

}  // namespace

void refresh_modules(const RawStore& store, bool force) {
  if (!store.ready()) return;
  bool expected = false;
  if (!g_scanning.compare_exchange_strong(expected, true, std::memory_order_acquire)) return;
  unsigned long long counters[2] = {0, 0};
  dl_iterate_phdr(&read_counters, counters);
  if (force || counters[0] != g_last_adds || counters[1] != g_last_subs) {
    static ScanScratch* scratch = static_cast<ScanScratch*>(map_pages(sizeof(ScanScratch)));
    if (scratch != nullptr) {
      scratch->count = 0;
      ScanContext context{&store, scratch, g_sequence.fetch_add(1, std::memory_order_relaxed) + 1};
      dl_iterate_phdr(&scan_object, &context);
      g_startup_known = true;
      publish(*scratch);
      g_last_adds = counters[0];
      g_last_subs = counters[1];
    }
  }
  g_scanning.store(false, std::memory_order_release);
}

void reset_module_tracker_after_fork() {
  g_scanning.store(false, std::memory_order_release);
}

const unwind::ModuleSet& current_module_set() {
  return *g_module_set.load(std::memory_order_acquire);
}

bool is_profiler_code(uint64_t pc) {
  return pc >= g_self_start.load(std::memory_order_relaxed) &&
         pc < g_self_limit.load(std::memory_order_relaxed);
}

bool locate_loaded_module(uint64_t pc, unwind::CodeModule* module) {
  dl_find_object found;
  if (_dl_find_object(reinterpret_cast<void*>(pc), &found) != 0) return false;
  // The program headers: the loader maps an object's first page (ELF header included) at
  // the start of its mapping, as every linker lays objects out. Anything else is refused.
  const auto map_start = reinterpret_cast<uint64_t>(found.dlfo_map_start);
  const auto map_end = reinterpret_cast<uint64_t>(found.dlfo_map_end);
  if (map_end < map_start || map_end - map_start < sizeof(ElfW(Ehdr))) return false;
  const auto* header = reinterpret_cast<const ElfW(Ehdr)*>(map_start);
  if (std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_phentsize != sizeof(ElfW(Phdr)) || header->e_phoff > map_end - map_start ||
      uint64_t(header->e_phnum) * sizeof(ElfW(Phdr)) > map_end - map_start - header->e_phoff) {
    return false;
  }
  const auto* program_headers = reinterpret_cast<const ElfW(Phdr)*>(map_start + header->e_phoff);
  const link_map* map = found.dlfo_link_map;
  if (!unwind::describe_code_module(map->l_addr, program_headers, header->e_phnum, module) ||
      pc < module->start || pc >= module->limit) {
    return false;
  }
  module->may_unload = true;
  if (const RawStore* store = active_store()) {
    note_located_object(*store, map, program_headers, header->e_phnum, module->start);
  }
  return true;
}

}  // namespace cxxprof
