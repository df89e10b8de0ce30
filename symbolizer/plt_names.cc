#include "symbolizer/plt_names.h"

#include <elf.h>
#include <gelf.h>

#include <algorithm>
#include <cstring>

namespace cxxprof {

namespace {

// Little-endian 32-bit value at `bytes`.
int64_t read_i32(const char* bytes) {
  int32_t value;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

}  // namespace

PltNames::PltNames(Elf* elf) {
  GElf_Ehdr header;
  size_t names_index = 0;
  if (elf == nullptr || gelf_getehdr(elf, &header) == nullptr || header.e_machine != EM_X86_64 ||
      elf_getshdrstrndx(elf, &names_index) != 0) {
    return;
  }
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section != nullptr;
       section = elf_nextscn(elf, section)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(section, &shdr) == nullptr) continue;
    const char* name = elf_strptr(elf, names_index, shdr.sh_name);
    if (name == nullptr) continue;
    const bool is_plt = std::strcmp(name, ".plt") == 0 || std::strcmp(name, ".plt.sec") == 0 ||
                        std::strcmp(name, ".plt.got") == 0;
    if (is_plt && shdr.sh_type == SHT_PROGBITS && (shdr.sh_flags & SHF_EXECINSTR) != 0) {
      Elf_Data* data = elf_getdata(section, nullptr);
      if (data == nullptr || data->d_buf == nullptr || data->d_size != shdr.sh_size) continue;
      // ld leaves sh_entsize 0 in some layouts; every x86-64 PLT entry but .plt.got's
      // (8 or 16, and always recorded) is 16 bytes.
      const uint64_t entry_size = shdr.sh_entsize != 0 ? shdr.sh_entsize : 16;
      sections_.push_back(Section{shdr.sh_addr, shdr.sh_size, entry_size,
                                  std::string(static_cast<const char*>(data->d_buf), data->d_size)});
      continue;
    }
    if (shdr.sh_type != SHT_RELA || shdr.sh_entsize == 0) continue;
    const bool lazy = std::strcmp(name, ".rela.plt") == 0;
    Elf_Scn* symbols = elf_getscn(elf, shdr.sh_link);
    GElf_Shdr symbols_header;
    Elf_Data* symbol_data = symbols != nullptr ? elf_getdata(symbols, nullptr) : nullptr;
    if (symbol_data == nullptr || gelf_getshdr(symbols, &symbols_header) == nullptr) continue;
    Elf_Data* relocations = elf_getdata(section, nullptr);
    if (relocations == nullptr) continue;
    const size_t count = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Rela rela;
      if (gelf_getrela(relocations, int(i), &rela) == nullptr) break;
      const uint64_t type = GELF_R_TYPE(rela.r_info);
      Target target;
      if (type == R_X86_64_IRELATIVE) {
        target.ifunc_resolver = uint64_t(rela.r_addend);
      } else if (type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT) {
        GElf_Sym symbol;
        if (gelf_getsym(symbol_data, int(GELF_R_SYM(rela.r_info)), &symbol) != nullptr) {
          const char* symbol_name = elf_strptr(elf, symbols_header.sh_link, symbol.st_name);
          if (symbol_name != nullptr) target.symbol = symbol_name;
        }
      }
      if (lazy) lazy_slots_.push_back(rela.r_offset);
      if (target.found()) by_got_slot_.emplace(rela.r_offset, target);
    }
  }
}

PltNames::Target PltNames::target_of_slot(uint64_t got_slot) const {
  auto it = by_got_slot_.find(got_slot);
  return it != by_got_slot_.end() ? it->second : Target{};
}

PltNames::Target PltNames::target(uint64_t address) const {
  for (const Section& section : sections_) {
    if (address < section.address || address - section.address >= section.size) continue;
    const uint64_t offset = (address - section.address) / section.entry_size * section.entry_size;
    const uint64_t end = std::min<uint64_t>(offset + section.entry_size, section.bytes.size());
    const uint8_t* entry = reinterpret_cast<const uint8_t*>(section.bytes.data()) + offset;
    uint64_t at = 0;
    auto room = [&](uint64_t bytes) { return offset + at + bytes <= end; };
    // The layouts ld writes, and nothing else (the header .plt starts with, push then jmp
    // of the GOT's reserved slots, names nothing):
    //   [endbr64 f3 0f 1e fa] [bnd f2] jmp *disp32(%rip) ff 25 disp32   (.plt, .plt.sec, .plt.got)
    //   endbr64 push imm32 68 imm32 ...                                 (lazy .plt beside .plt.sec)
    if (room(4) && entry[0] == 0xf3 && entry[1] == 0x0f && entry[2] == 0x1e && entry[3] == 0xfa) {
      at = 4;
      if (room(5) && entry[at] == 0x68) {
        const int64_t index = read_i32(reinterpret_cast<const char*>(entry + at + 1));
        if (index >= 0 && uint64_t(index) < lazy_slots_.size()) {
          return target_of_slot(lazy_slots_[size_t(index)]);
        }
        return Target{};
      }
    }
    if (room(1) && entry[at] == 0xf2) ++at;
    if (room(6) && entry[at] == 0xff && entry[at + 1] == 0x25) {
      // The slot is relative to the end of the jmp.
      const int64_t displacement = read_i32(reinterpret_cast<const char*>(entry + at + 2));
      return target_of_slot(section.address + offset + at + 6 + uint64_t(displacement));
    }
    return Target{};
  }
  return Target{};
}

}  // namespace cxxprof
