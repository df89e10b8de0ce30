// Names for the stubs of an x86-64 module's procedure linkage table, which no symbol
// table covers: a sample taken while a thread passes through one would otherwise read
// `prog+0x2030`. Like objdump and perf, a stub is named after the function it jumps to,
// `malloc@plt`.
//
// A stub is found by its section (.plt, .plt.sec, .plt.got) and its entry size. Its
// target is the relocation of the GOT slot its `jmp *slot(%rip)` reads (JUMP_SLOT or
// GLOB_DAT, naming a dynamic symbol); a lazy .plt entry without that jump (the IBT layout,
// whose jumps are in .plt.sec) is matched by the .rela.plt index it pushes. An
// IRELATIVE slot (an ifunc called inside its own library, as libc calls memcpy) names no
// symbol, only its resolver's address: the caller names that address.
#pragma once

#include <libelf.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cxxprof {

class PltNames {
 public:
  // Reads the PLT sections and dynamic relocations of `elf`. An object without them (or
  // not x86-64) names nothing.
  explicit PltNames(Elf* elf);

  struct Target {
    std::string symbol;         // mangled name of a dynamic symbol, or empty
    uint64_t ifunc_resolver = 0;  // ELF address of an IRELATIVE slot's resolver, or 0
    bool found() const { return !symbol.empty() || ifunc_resolver != 0; }
  };

  // What the stub containing ELF virtual address `address` calls; !found() if `address`
  // is in no stub (or in the lazy-binding header .plt starts with).
  Target target(uint64_t address) const;

 private:
  struct Section {
    uint64_t address;
    uint64_t size;
    uint64_t entry_size;
    std::string bytes;
  };
  Target target_of_slot(uint64_t got_slot) const;

  std::vector<Section> sections_;
  std::map<uint64_t, Target> by_got_slot_;
  std::vector<uint64_t> lazy_slots_;  // .rela.plt's slots, in order (the pushed index)
};

}  // namespace cxxprof
