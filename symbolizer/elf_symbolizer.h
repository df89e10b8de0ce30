// Address -> source frames for one process, from the modules its raw file lists.
//
// Names come from DWARF when present (inlined calls expanded, demangled, mangled name
// kept as system_name), else from the ELF symbol tables (.symtab, .dynsym,
// MiniDebugInfo), else a placeholder that still says where the code was:
// `libfoo.so+0x1f0` (module basename + ELF virtual address) for a module whose file is
// missing or has no symbol there, `0x7f12...` for an address in no known module. An
// address is never dropped. Each distinct address is resolved once.
//
// Callers pass the address to look up: the exact PC for a stack's leaf, the return
// address minus one for callers (symbolize_stack_frame does this).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolizer/module_map.h"
#include "symbolizer/raw_reader.h"
#include "symbolizer/symbolized_address.h"

namespace cxxprof {

class ElfModule;

class ElfSymbolizer {
 public:
  // `vdso_image` is the copy of the vDSO the raw file holds, mapped at `vdso_address`
  // in the process: the vDSO module (ModuleEntry flag kModuleVdso, or a synthetic one
  // when the table has none) is symbolized from it, since no file holds it.
  ElfSymbolizer(std::vector<RawModule> modules, std::string vdso_image, uint64_t vdso_address);
  ~ElfSymbolizer();
  ElfSymbolizer(const ElfSymbolizer&) = delete;
  ElfSymbolizer& operator=(const ElfSymbolizer&) = delete;

  // The modules, including a synthetic vDSO entry if one was added.
  const std::vector<RawModule>& modules() const { return modules_; }

  // Frames for `address` (already adjusted: see the header comment). Cached; the
  // reference stays valid for the symbolizer's lifetime.
  const SymbolizedAddress& symbolize(uint64_t address);

  // Problems found so far, one line each, each reported once: modules that could not be
  // opened, binaries whose build-id differs from the one recorded at run time.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct ModuleState;
  ModuleState& open_module(int index);
  SymbolizedAddress resolve(uint64_t address);

  std::vector<RawModule> modules_;
  std::string vdso_image_;
  std::unique_ptr<ModuleMap> module_map_;
  std::vector<std::unique_ptr<ModuleState>> states_;  // per module, opened lazily
  std::unordered_map<uint64_t, SymbolizedAddress> cache_;
  std::vector<std::string> warnings_;
};

// The address to symbolize for frame `index` of a stack (leaf first): the leaf's PC is
// an interrupted instruction and is used as is; a caller's is a return address, which
// may already belong to the next line or function, so one is subtracted to land inside
// the call instruction.
inline uint64_t symbolization_address(uint64_t pc, size_t index) {
  return index == 0 || pc == 0 ? pc : pc - 1;
}

// Lower-case hex of raw bytes (build-ids).
std::string hex_string(const std::string& bytes);

}  // namespace cxxprof
