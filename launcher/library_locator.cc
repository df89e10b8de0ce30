#include "launcher/library_locator.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cxxprof {
namespace {

bool is_readable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), R_OK) == 0;
}

bool make_absolute(const std::string& path, std::string* absolute, std::string* error) {
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) {
    *error = "cannot resolve " + path + ": " + std::strerror(errno);
    return false;
  }
  *absolute = buffer;
  if (absolute->find_first_of(": \t\n") != std::string::npos) {
    *error = "the profiler library path '" + *absolute +
             "' contains a colon or white space, which LD_PRELOAD cannot express; "
             "install cxxprof elsewhere or set CXXPROF_LIBRARY";
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> library_candidates(const std::string& executable) {
  size_t slash = executable.rfind('/');
  std::string bindir = slash == std::string::npos ? "." : executable.substr(0, slash);
  if (bindir.empty()) bindir = "/";
  return {bindir + "/../lib/" + kLibraryName, bindir + "/../lib/cxxprof/" + kLibraryName};
}

bool locate_library(const std::string& executable, const char* override_path,
                    std::string* library, std::string* error) {
  if (override_path != nullptr && override_path[0] != '\0') {
    if (!is_readable_file(override_path)) {
      *error = std::string(kLibraryOverrideEnv) + "=" + override_path +
               ": not a readable file";
      return false;
    }
    return make_absolute(override_path, library, error);
  }
  std::vector<std::string> candidates = library_candidates(executable);
  for (const std::string& candidate : candidates) {
    if (is_readable_file(candidate)) return make_absolute(candidate, library, error);
  }
  *error = std::string("cannot find ") + kLibraryName + " (looked for " + candidates[0] +
           " and " + candidates[1] + "); set " + kLibraryOverrideEnv;
  return false;
}

std::string own_executable() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return std::string();
  return std::string(buffer, size_t(n));
}

}  // namespace cxxprof
