#include "tests/unit/unwinder_support.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace cxxprof::unwind::testing {
namespace {

int add_module(dl_phdr_info* info, size_t, void* data) {
  auto* modules = static_cast<std::vector<CodeModule>*>(data);
  CodeModule module;
  if (describe_code_module(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum, &module)) {
    modules->push_back(module);
  }
  return 0;
}

// Reads other frames' stack words, which AddressSanitizer would call redzones.
__attribute__((no_sanitize("address"))) bool read_word(void* context, uint64_t address,
                                                       uint64_t* value) {
  const auto* ranges = static_cast<const AddressRanges*>(context);
  for (int i = 0; i < ranges->count; ++i) {
    if (address >= ranges->low[i] && address <= ranges->high[i] - 8) {
      __builtin_memcpy(value, reinterpret_cast<const void*>(address), 8);
      return true;
    }
  }
  return false;
}

// The executable's own symbol table and section headers, read once from /proc/self/exe.
struct OwnElf {
  std::string image;
  uint64_t bias = 0;
  struct Symbol {
    uint64_t start, end;
    std::string name;
  };
  std::vector<Symbol> functions;  // sorted by start

  OwnElf() {
    std::ifstream file("/proc/self/exe", std::ios::binary);
    image.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    dl_iterate_phdr([](dl_phdr_info* info, size_t, void* data) {
      *static_cast<uint64_t*>(data) = info->dlpi_addr;
      return 1;  // the first object is the executable
    }, &bias);
    for (int i = 0; i < section_count(); ++i) {
      const Elf64_Shdr& s = section(i);
      if (s.sh_type != SHT_SYMTAB) continue;
      const Elf64_Shdr& strings = section(static_cast<int>(s.sh_link));
      const auto* syms = reinterpret_cast<const Elf64_Sym*>(image.data() + s.sh_offset);
      for (uint64_t k = 0; k < s.sh_size / sizeof(Elf64_Sym); ++k) {
        if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC || syms[k].st_value == 0) continue;
        functions.push_back({syms[k].st_value + bias, syms[k].st_value + bias + syms[k].st_size,
                             image.data() + strings.sh_offset + syms[k].st_name});
      }
    }
    // Several names for one address (GCC's "f.localalias"): keep the plain one.
    auto plain = [](const Symbol& s) { return s.name.find('.') == std::string::npos; };
    std::sort(functions.begin(), functions.end(), [&](const Symbol& a, const Symbol& b) {
      return a.start != b.start ? a.start < b.start : plain(a) > plain(b);
    });
    functions.erase(std::unique(functions.begin(), functions.end(),
                                [](const Symbol& a, const Symbol& b) { return a.start == b.start; }),
                    functions.end());
  }
  const Elf64_Ehdr& header() const { return *reinterpret_cast<const Elf64_Ehdr*>(image.data()); }
  int section_count() const { return image.size() < sizeof(Elf64_Ehdr) ? 0 : header().e_shnum; }
  const Elf64_Shdr& section(int i) const {
    return reinterpret_cast<const Elf64_Shdr*>(image.data() + header().e_shoff)[i];
  }
  std::string lookup(uint64_t pc) const {
    auto it = std::upper_bound(functions.begin(), functions.end(), pc,
                               [](uint64_t p, const Symbol& s) { return p < s.start; });
    while (it != functions.begin()) {
      --it;
      if (pc < it->end) return it->name;
      if (it->end != it->start) break;
    }
    return "";
  }
};

const OwnElf& own_elf() {
  static const OwnElf elf;
  return elf;
}

}  // namespace

LoadedModules::LoadedModules() {
  dl_iterate_phdr(&add_module, &modules_);
  std::sort(modules_.begin(), modules_.end(),
            [](const CodeModule& a, const CodeModule& b) { return a.start < b.start; });
}

MemoryReader AddressRanges::reader() { return MemoryReader{&read_word, this}; }

void current_thread_stack(uint64_t* low, uint64_t* high) {
  pthread_attr_t attr;
  pthread_getattr_np(pthread_self(), &attr);
  void* base;
  size_t size;
  pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  *low = reinterpret_cast<uint64_t>(base);
  *high = *low + size;
}

Registers registers_from_ucontext(const ucontext_t* context) {
  const greg_t* g = context->uc_mcontext.gregs;
  Registers r{};
  r.set(kRax, g[REG_RAX]);
  r.set(kRdx, g[REG_RDX]);
  r.set(kRcx, g[REG_RCX]);
  r.set(kRbx, g[REG_RBX]);
  r.set(kRsi, g[REG_RSI]);
  r.set(kRdi, g[REG_RDI]);
  r.set(kRbp, g[REG_RBP]);
  r.set(kRsp, g[REG_RSP]);
  r.set(kR8, g[REG_R8]);
  r.set(kR9, g[REG_R9]);
  r.set(kR10, g[REG_R10]);
  r.set(kR11, g[REG_R11]);
  r.set(kR12, g[REG_R12]);
  r.set(kR13, g[REG_R13]);
  r.set(kR14, g[REG_R14]);
  r.set(kR15, g[REG_R15]);
  r.set(kRip, g[REG_RIP]);
  return r;
}

std::string function_name(uint64_t pc) {
  std::string name = own_elf().lookup(pc);
  if (!name.empty()) return name;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_sname != nullptr) {
    return info.dli_sname;
  }
  return "";
}

std::string object_path(uint64_t pc) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_fname != nullptr) {
    return info.dli_fname;
  }
  return "";
}

bool find_own_section(const char* name, uint64_t* address, uint64_t* size) {
  const OwnElf& elf = own_elf();
  if (elf.section_count() == 0) return false;
  const Elf64_Shdr& names = elf.section(elf.header().e_shstrndx);
  for (int i = 0; i < elf.section_count(); ++i) {
    const Elf64_Shdr& s = elf.section(i);
    if (std::strcmp(elf.image.data() + names.sh_offset + s.sh_name, name) == 0) {
      *address = s.sh_addr + elf.bias;
      *size = s.sh_size;
      return true;
    }
  }
  return false;
}

std::string describe_stack(const uint64_t* pcs, uint32_t depth) {
  std::ostringstream out;
  for (uint32_t i = 0; i < depth; ++i) {
    std::string name = function_name(pcs[i]);
    out << "  #" << i << " 0x" << std::hex << pcs[i] << std::dec << " "
        << (name.empty() ? "?" : name) << " (" << object_path(pcs[i]) << ")\n";
  }
  return out.str();
}

const char* stop_reason_name(StopReason reason) {
  static const char* const kNames[] = {"end of stack", "max depth", "no module", "no CFI",
                                       "bad memory",   "bad CFI",   "no progress"};
  const auto index = static_cast<unsigned>(reason);
  return index < sizeof(kNames) / sizeof(kNames[0]) ? kNames[index] : "?";
}

ScopedHandler::ScopedHandler(int signal, void (*handler)(int, siginfo_t*, void*), int flags)
    : signal_(signal) {
  struct sigaction action {};
  action.sa_sigaction = handler;
  action.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, &old_);
}

ScopedHandler::~ScopedHandler() { sigaction(signal_, &old_, nullptr); }

uint64_t ScopedHandler::restorer() const {
  struct sigaction current {};
  sigaction(signal_, nullptr, &current);
  return reinterpret_cast<uint64_t>(current.sa_restorer);
}

}  // namespace cxxprof::unwind::testing
