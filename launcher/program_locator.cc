#include "launcher/program_locator.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cxxprof {
namespace {

// 0 if execve would accept `path` as far as we can tell, else the errno it would give.
int check_executable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (::access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

std::string describe(const std::string& name, int error_number) {
  if (error_number == EISDIR) return name + ": is a directory";
  if (error_number == EACCES) return name + ": Permission denied (not executable)";
  return name + ": " + std::strerror(error_number);
}

std::string default_search_path() {
  size_t size = ::confstr(_CS_PATH, nullptr, 0);
  if (size == 0) return "/bin:/usr/bin";
  std::string path(size, '\0');
  ::confstr(_CS_PATH, path.data(), size);
  path.resize(size - 1);
  return path;
}

template <typename Ehdr, typename Phdr>
bool has_no_interpreter(int fd) {
  Ehdr header;
  if (::pread(fd, &header, sizeof(header), 0) != ssize_t(sizeof(header))) return false;
  if (header.e_phentsize != sizeof(Phdr) || header.e_phnum == 0) return false;
  // Relocatable objects and core files are not programs; leave them to execve.
  if (header.e_type != ET_EXEC && header.e_type != ET_DYN) return false;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr phdr;
    off_t offset = off_t(header.e_phoff + uint64_t(i) * sizeof(Phdr));
    if (::pread(fd, &phdr, sizeof(phdr), offset) != ssize_t(sizeof(phdr))) return false;
    if (phdr.p_type == PT_INTERP) return false;
  }
  return true;
}

}  // namespace

bool resolve_program(const std::string& name, const char* path_variable, std::string* resolved,
                     std::string* error) {
  if (name.empty()) {
    *error = "the program name is empty";
    return false;
  }
  if (name.find('/') != std::string::npos) {
    int error_number = check_executable(name);
    if (error_number != 0) {
      *error = describe(name, error_number);
      return false;
    }
    *resolved = name;
    return true;
  }
  std::string search = path_variable != nullptr ? path_variable : default_search_path();
  // As execvp: remember that a match existed but could not be executed, and keep looking.
  int first_denied = 0;
  size_t start = 0;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string directory = search.substr(start, end - start);
    if (directory.empty()) directory = ".";  // an empty PATH element is the current directory
    std::string candidate = directory + "/" + name;
    int error_number = check_executable(candidate);
    if (error_number == 0) {
      *resolved = candidate;
      return true;
    }
    if ((error_number == EACCES || error_number == EISDIR) && first_denied == 0) {
      first_denied = EACCES;
    }
    start = end + 1;
  }
  *error = first_denied != 0 ? describe(name, first_denied) : name + ": command not found";
  return false;
}

bool runs_in_secure_mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  return ((st.st_mode & S_ISUID) && st.st_uid != ::getuid()) ||
         ((st.st_mode & S_ISGID) && st.st_gid != ::getgid());
}

bool is_statically_linked_elf(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char ident[EI_NIDENT];
  bool is_static = false;
  if (::pread(fd, ident, sizeof(ident), 0) == ssize_t(sizeof(ident)) &&
      std::memcmp(ident, ELFMAG, SELFMAG) == 0) {
    if (ident[EI_CLASS] == ELFCLASS64) is_static = has_no_interpreter<Elf64_Ehdr, Elf64_Phdr>(fd);
    if (ident[EI_CLASS] == ELFCLASS32) is_static = has_no_interpreter<Elf32_Ehdr, Elf32_Phdr>(fd);
  }
  ::close(fd);
  return is_static;
}

}  // namespace cxxprof
