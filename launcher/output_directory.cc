#include "launcher/output_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cxxprof {
namespace {

bool ends_with(const std::string& text, const char* suffix) {
  size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

// mkdir -p: parents get the usual 0777 (less the umask, but always u+wx), the directory
// itself 0700, because profiles reveal what a program does and raw files contain its
// addresses.
// Sets *created if the last component was made here.
bool make_directories(const std::string& given, bool* created, std::string* error) {
  *created = false;
  std::string path = given;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t position = 0;
  while (position != std::string::npos) {
    position = path.find('/', position + 1);
    std::string prefix = path.substr(0, position);
    bool last = position == std::string::npos;
    if (prefix.empty() || (!last && prefix.back() == '/')) continue;
    if (::mkdir(prefix.c_str(), last ? 0700 : 0777) == 0) {
      if (last) {
        *created = true;
      } else {
        // As mkdir -p: a parent stays usable (u+wx) whatever the umask.
        struct stat st;
        if (::stat(prefix.c_str(), &st) == 0 && (st.st_mode & 0300) != 0300) {
          ::chmod(prefix.c_str(), (st.st_mode & 07777) | 0300);
        }
      }
      continue;
    }
    if (errno == EEXIST) continue;
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool holds_profiles(const std::string& path, std::string* error) {
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return true;
  }
  bool found = false;
  while (struct dirent* entry = ::readdir(directory)) {
    if (is_profile_file_name(entry->d_name)) {
      found = true;
      break;
    }
  }
  ::closedir(directory);
  if (found) *error = path + " already holds profiles of an earlier run; choose another -o";
  return found;
}

}  // namespace

std::string default_output_directory(const std::string& program, pid_t launcher_pid) {
  std::string name = program;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  size_t slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name.empty() || name == "." || name == ".." || name == "/") name = "program";
  return "cxxprof." + name + "." + std::to_string(launcher_pid);
}

bool is_profile_file_name(const std::string& name) {
  return ends_with(name, ".pb.gz") || ends_with(name, ".cxxraw");
}

bool prepare_output_directory(const std::string& path, OutputDirectory* directory,
                              std::string* error) {
  *directory = OutputDirectory{};
  if (path.empty()) {
    *error = "the output directory name is empty";
    return false;
  }
  bool created = false;
  if (!make_directories(path, &created, error)) return false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *error = "cannot use " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = path + " exists and is not a directory";
    return false;
  }
  // Someone else's directory (say, one planted in /tmp under our default name) must not
  // receive our profiles, nor be trusted not to change under us.
  if (st.st_uid != ::geteuid()) {
    *error = path + " belongs to another user (uid " + std::to_string(st.st_uid) +
             "); choose another -o";
    return false;
  }
  if (created) {
    // mkdir applied the umask; a umask like 0277 would leave us unable to write.
    ::chmod(path.c_str(), 0700);
  } else if (::faccessat(AT_FDCWD, path.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    *error = path + " is not writable: " + std::strerror(errno);
    return false;
  }
  if (!created && holds_profiles(path, error)) return false;
  char absolute[PATH_MAX];
  if (::realpath(path.c_str(), absolute) == nullptr) {
    *error = "cannot resolve " + path + ": " + std::strerror(errno);
    return false;
  }
  directory->absolute_path = absolute;
  directory->created = created;
  return true;
}

void remove_if_created_and_empty(const OutputDirectory& directory) {
  // rmdir fails on a non-empty directory, which is exactly the condition we want.
  if (directory.created && !directory.absolute_path.empty()) {
    ::rmdir(directory.absolute_path.c_str());
  }
}

}  // namespace cxxprof
