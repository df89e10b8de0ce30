// The environment the profiled program starts with: the launcher's own, plus LD_PRELOAD
// and the CXXPROF_* variables that make the injected library reproduce the launcher's
// Config (config_from_environment in the target reads exactly what config_env_value
// wrote here). CXXDEBUG and everything else pass through untouched.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/config.h"

namespace cxxprof {

// LD_PRELOAD with `library` first, then the entries of `existing` (which may be null;
// ld.so separates entries by spaces or colons). An entry naming `library` itself is
// dropped so a nested run does not list it twice.
std::string prepend_to_ld_preload(const std::string& library, const char* existing);

// `parent` is a list of "NAME=value" strings (environ). Returns the child's list: every
// option variable of the table set from `config` (or removed if the option is off and
// needs none), CXXPROF_OUTPUT = `output_dir`, CXXPROF_LAUNCHER = `launcher_pid`,
// LD_PRELOAD prepended with `library`. CXXPROF_ROOT_PID is removed: only the child knows
// its pid, see EnvironmentBlock.
std::vector<std::string> build_child_environment(const std::vector<std::string>& parent,
                                                 const Config& config,
                                                 const std::string& library,
                                                 const std::string& output_dir,
                                                 pid_t launcher_pid);

// The process's environment as "NAME=value" strings.
std::vector<std::string> current_environment();

// An envp array ready for execve, with room for CXXPROF_ROOT_PID=<pid>, which the child
// fills in between fork and exec. Built before fork: the child may not allocate (the
// parent's allocator state is not guaranteed consistent after fork).
class EnvironmentBlock {
 public:
  explicit EnvironmentBlock(std::vector<std::string> entries);
  EnvironmentBlock(const EnvironmentBlock&) = delete;
  EnvironmentBlock& operator=(const EnvironmentBlock&) = delete;

  // Writes CXXPROF_ROOT_PID=<pid> into the reserved entry. Async-signal-safe: no
  // allocation, no locks; meant for the forked child.
  void set_root_pid(pid_t pid);

  char* const* envp() const { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
  char root_pid_entry_[64];
};

}  // namespace cxxprof
