// One module opened for symbolization with elfutils libdwfl.
//
// Each module gets its own Dwfl session: a process may reuse an address range (dlclose,
// then dlopen of another object), and one Dwfl refuses overlapping modules; separate
// sessions also mean a module no sample touched is never opened at all. Debug
// information is found by the standard libdwfl search: the file itself, then by build-id
// under /usr/lib/debug/.build-id/xx/yyyy.debug, then by .gnu_debuglink in the file's
// directory, its .debug/ subdirectory and /usr/lib/debug/<dir>.
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "symbolizer/plt_names.h"

namespace cxxprof {

class ElfModule {
 public:
  // Opens the ELF file at `path`, placed at `load_bias` (runtime address = ELF virtual
  // address + load_bias, dl_iterate_phdr's dlpi_addr). Null with one line in *error if
  // the file is missing, unreadable or not ELF.
  static std::unique_ptr<ElfModule> open_file(const std::string& path, uint64_t load_bias,
                                              std::string* error);

  // Same for an ELF image held in memory (the vDSO copy of a raw file), named `name`.
  static std::unique_ptr<ElfModule> open_image(std::string_view image, const std::string& name,
                                               uint64_t load_bias, std::string* error);

  ~ElfModule();
  ElfModule(const ElfModule&) = delete;
  ElfModule& operator=(const ElfModule&) = delete;

  Dwfl_Module* module() const { return module_; }

  // The GNU build-id of the opened file (raw bytes), empty if it has none.
  std::string build_id() const;

  // True if DWARF was found (in the file or a separate debug file). Loads it on first use.
  bool has_dwarf();

  // Mangled name of the symbol (.symtab, else .dynsym, else MiniDebugInfo) that contains
  // `address`, or empty.
  std::string symbol_name(uint64_t address) const;

  // The mangled name of the function the PLT stub at `address` jumps to (an ifunc slot:
  // the name of its resolver's symbol, which is the ifunc's), or empty when `address` is
  // in no stub. The caller adds "@plt".
  std::string plt_target(uint64_t address);

 private:
  ElfModule(Dwfl* dwfl, Dwfl_Module* module) : dwfl_(dwfl), module_(module) {}
  static std::unique_ptr<ElfModule> report(const std::string& name, const std::string& path, int fd,
                                           uint64_t load_bias, std::string* error);

  Dwfl* dwfl_;
  Dwfl_Module* module_;
  int dwarf_state_ = -1;  // -1 not looked up yet, 0 none, 1 present
  std::unique_ptr<PltNames> plt_;  // read on first use
};

}  // namespace cxxprof
