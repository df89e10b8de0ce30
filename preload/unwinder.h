// DWARF CFI stack unwinder for x86-64, used from the SIGPROF handler.
//
// Why our own and not libunwind: DESIGN.md §2.1 forbids a dynamic libunwind in the
// injected library, and Debian's libunwind.a is not position-independent, so it cannot be
// linked into libcxxprof.so. libunwind would also find unwind tables through
// dl_iterate_phdr, which takes the loader lock inside a signal handler (§2.3). This
// unwinder reads .eh_frame_hdr/.eh_frame of modules that the caller located beforehand
// (outside the handler), interprets the CFA program of the one FDE covering each PC, and
// reads stack memory only through a caller-supplied reader, so it never faults. Objects
// loaded after the set was made (dlopen) are located on demand through the set's
// `locate` function (module_tracker.h: glibc's lock-free _dl_find_object).
//
// Async-signal-safe: no locks, no allocation, no syscalls, no global state. Bounded work:
// at most max_depth frames, each a binary search plus one FDE's instructions (bounded).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxxprof::unwind {

// DWARF register numbers for x86-64 (System V psABI, figure 3.36).
enum Register : unsigned {
  kRax = 0, kRdx = 1, kRcx = 2, kRbx = 3, kRsi = 4, kRdi = 5, kRbp = 6, kRsp = 7,
  kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11, kR12 = 12, kR13 = 13, kR14 = 14, kR15 = 15,
  kRip = 16,  // the return-address column
  kRegisterCount = 17
};

struct Registers {
  uint64_t value[kRegisterCount];
  uint32_t known;  // bit r set when value[r] is valid

  bool has(unsigned r) const { return (known >> r) & 1u; }
  void set(unsigned r, uint64_t v) { value[r] = v; known |= 1u << r; }
};

// Reads one 8-byte word of the unwound thread's memory (its stack, or a signal frame).
// Returns false when the address is not known to be readable; the unwinder then stops.
struct MemoryReader {
  bool (*read_word)(void* context, uint64_t address, uint64_t* value);
  void* context;
};

// One loaded ELF object's code and unwind tables, located outside the signal handler.
// All pointers refer to the object's mapped image in this process.
struct CodeModule {
  uint64_t start;   // lowest runtime address of its executable PT_LOAD segments
  uint64_t limit;   // one past the highest
  uint64_t load_bias;
  const uint8_t* eh_frame_hdr;  // PT_GNU_EH_FRAME, or null if the object has none
  uint64_t eh_frame_hdr_size;
  // The readable PT_LOAD segment that holds .eh_frame_hdr and, with every usual linker
  // (GNU ld, gold, lld), .eh_frame: CIEs and FDEs are read only inside [start, limit).
  // Zero when eh_frame_hdr is null. Filled by describe_code_module.
  uint64_t eh_segment_start;
  uint64_t eh_segment_limit;
  // True for an object that can be unloaded (dlopened, not loaded at start-up): the
  // entry may be stale, so the set's `locate` function is asked again each time.
  bool may_unload;
};

// Finds the object that contains pc now and describes it into *module; false if no
// loaded object contains pc. Async-signal-safe.
using LocateFunction = bool (*)(uint64_t pc, CodeModule* module);

// Modules sorted by `start`, non-overlapping. Immutable once published. `locate`, when
// set, answers for every pc outside `modules` and for modules that may have been unloaded.
struct ModuleSet {
  const CodeModule* modules;
  uint32_t count;
  LocateFunction locate = nullptr;
};

enum class StopReason : uint8_t {
  kEndOfStack,   // CFI marked the outermost frame (RA undefined) or RA was 0
  kMaxDepth,     // the pcs buffer is full
  kNoModule,     // a PC outside every known module (JIT code, unmapped, or stale set)
  kNoCfi,        // module known but no FDE covers the PC and no fallback worked
  kBadMemory,    // the reader refused an address
  kBadCfi,       // malformed or unsupported CFI
  kNoProgress,   // the stack pointer did not move up: stopped to avoid a loop
};

struct UnwindResult {
  uint32_t depth;  // number of entries written to pcs
  StopReason stop;
};

// Finds the module containing pc among modules.modules, or null. Binary search.
const CodeModule* find_module(const ModuleSet& modules, uint64_t pc);

// The module containing pc as the unwinder sees it: the set's entry, or what `locate`
// says for a pc outside them or in a module that may have been unloaded (then written to
// *scratch). Null if no loaded object contains pc.
const CodeModule* locate_module(const ModuleSet& modules, uint64_t pc, CodeModule* scratch);

// Unwinds from `registers` (rip and rsp must be known; others if available). pcs[0] is
// registers.rip exactly (an interrupted instruction); pcs[1..] are return addresses of the
// callers, outermost last. CFI lookups use rip itself for frame 0 and pc-1 for callers
// (a return address may be one past the end of its function), except for the frame just
// below a signal trampoline (__restore_rt), which is itself an interrupted instruction.
UnwindResult unwind_stack(const ModuleSet& modules, const Registers& registers,
                          const MemoryReader& memory, uint64_t* pcs, uint32_t max_depth);

// Fills `module` from an object's program headers (as dl_iterate_phdr reports them).
// Only reads them: async-signal-safe while the object stays mapped. Returns false if the
// object has no executable segment.
bool describe_code_module(uint64_t load_bias, const void* program_headers,
                          unsigned program_header_count, CodeModule* module);

}  // namespace cxxprof::unwind
