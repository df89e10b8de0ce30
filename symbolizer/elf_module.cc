#include "symbolizer/elf_module.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cxxprof {

namespace {

// debuginfo_path null selects libdwfl's default search path ":.debug:/usr/lib/debug".
// find_elf is never consulted: every module is reported with an open descriptor.
const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

std::string dwfl_error() {
  const char* message = dwfl_errmsg(-1);
  return message != nullptr ? message : "libdwfl error";
}

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::unique_ptr<ElfModule> ElfModule::report(const std::string& name, const std::string& path,
                                             int fd, uint64_t load_bias, std::string* error) {
  Dwfl* dwfl = dwfl_begin(&kCallbacks);
  if (dwfl == nullptr) {
    *error = dwfl_error();
    ::close(fd);
    return nullptr;
  }
  dwfl_report_begin(dwfl);
  // add_p_vaddr = true makes `base` the load bias (module bias = base), which is what the
  // raw file records. With false, base would be where the first PT_LOAD starts and the
  // bias base - p_vaddr, wrong for any object whose first segment is not at vaddr 0.
  // ET_EXEC ignores base. On success libdwfl owns fd.
  Dwfl_Module* module = dwfl_report_elf(dwfl, name.c_str(), path.c_str(), fd, load_bias, true);
  if (module == nullptr) {
    *error = path + ": " + dwfl_error();
    ::close(fd);
    dwfl_end(dwfl);
    return nullptr;
  }
  if (dwfl_report_end(dwfl, nullptr, nullptr) != 0) {
    *error = path + ": " + dwfl_error();
    dwfl_end(dwfl);
    return nullptr;
  }
  return std::unique_ptr<ElfModule>(new ElfModule(dwfl, module));
}

std::unique_ptr<ElfModule> ElfModule::open_file(const std::string& path, uint64_t load_bias,
                                                std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  return report(base_name(path), path, fd, load_bias, error);
}

std::unique_ptr<ElfModule> ElfModule::open_image(std::string_view image, const std::string& name,
                                                 uint64_t load_bias, std::string* error) {
  // libdwfl reads modules from descriptors; an anonymous memory file gives the image one
  // without touching the file system.
  int fd = ::memfd_create("cxxprof-elf-image", MFD_CLOEXEC);
  if (fd < 0) {
    *error = name + ": memfd_create: " + std::strerror(errno);
    return nullptr;
  }
  size_t done = 0;
  while (done < image.size()) {
    ssize_t n = ::write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = name + ": writing image: " + std::strerror(n < 0 ? errno : EIO);
      ::close(fd);
      return nullptr;
    }
    done += size_t(n);
  }
  return report(name, name, fd, load_bias, error);
}

ElfModule::~ElfModule() { dwfl_end(dwfl_); }

std::string ElfModule::build_id() const {
  GElf_Addr bias = 0;
  // The build-id is read from the ELF file, which libdwfl loads lazily.
  if (dwfl_module_getelf(module_, &bias) == nullptr) return {};
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  int size = dwfl_module_build_id(module_, &bits, &vaddr);
  if (size <= 0 || bits == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bits), size_t(size));
}

bool ElfModule::has_dwarf() {
  if (dwarf_state_ < 0) {
    Dwarf_Addr bias = 0;
    dwarf_state_ = dwfl_module_getdwarf(module_, &bias) != nullptr ? 1 : 0;
  }
  return dwarf_state_ == 1;
}

std::string ElfModule::symbol_name(uint64_t address) const {
  GElf_Off offset = 0;
  GElf_Sym symbol;
  const char* name =
      dwfl_module_addrinfo(module_, address, &offset, &symbol, nullptr, nullptr, nullptr);
  return name != nullptr ? name : std::string();
}

std::string ElfModule::plt_target(uint64_t address) {
  GElf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(module_, &bias);
  if (elf == nullptr) return {};
  if (plt_ == nullptr) plt_ = std::make_unique<PltNames>(elf);
  const PltNames::Target target = plt_->target(address - bias);
  if (!target.symbol.empty()) return target.symbol;
  if (target.ifunc_resolver != 0) return symbol_name(target.ifunc_resolver + bias);
  return {};
}

}  // namespace cxxprof
