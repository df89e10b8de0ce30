// Describes a module of the running test binary as the injected library would record it
// (a ModuleEntry built from dl_iterate_phdr), so symbolizer tests can symbolize real
// addresses of real code.
#pragma once

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "symbolizer/raw_reader.h"

namespace cxxprof_test {

struct FoundModule {
  bool found = false;
  cxxprof::RawModule module;
};

// The loaded object containing `address`: load bias, PT_LOAD range, build-id, path.
inline cxxprof::RawModule module_containing(const void* address) {
  FoundModule result;
  struct Context {
    uint64_t address;
    FoundModule* result;
  } context{reinterpret_cast<uint64_t>(address), &result};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* ctx = static_cast<Context*>(data);
        uint64_t start = UINT64_MAX, limit = 0, offset = 0;
        std::string build_id;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type == PT_LOAD) {
            uint64_t begin = info->dlpi_addr + ph.p_vaddr;
            if (begin < start) {
              start = begin;
              offset = ph.p_offset & ~uint64_t(4095);
            }
            limit = std::max<uint64_t>(limit, begin + ph.p_memsz);
          } else if (ph.p_type == PT_NOTE) {
            const char* note = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
            const char* end = note + ph.p_memsz;
            while (note + sizeof(ElfW(Nhdr)) <= end) {
              auto* header = reinterpret_cast<const ElfW(Nhdr)*>(note);
              const char* name = note + sizeof(ElfW(Nhdr));
              const char* desc = name + ((header->n_namesz + 3) & ~3u);
              if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 &&
                  std::memcmp(name, "GNU", 4) == 0) {
                build_id.assign(desc, header->n_descsz);
              }
              note = desc + ((header->n_descsz + 3) & ~3u);
            }
          }
        }
        if (ctx->address < start || ctx->address >= limit) return 0;
        cxxprof::RawModule& m = ctx->result->module;
        m.load_bias = info->dlpi_addr;
        m.start = start;
        m.limit = limit;
        m.file_offset = offset;
        m.build_id = build_id;
        if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') {
          char path[PATH_MAX];
          ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
          m.path.assign(path, n > 0 ? size_t(n) : 0);
          m.flags = cxxprof::raw::kModuleMainExecutable;
        } else {
          m.path = info->dlpi_name;
        }
        ctx->result->found = true;
        return 1;
      },
      &context);
  return result.module;
}

}  // namespace cxxprof_test
