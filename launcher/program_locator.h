// Finding PROGRAM before anything is started, so that a typo costs one clear line and no
// output directory, and inspecting it for the one case the profiler cannot handle.
#pragma once

#include <string>

namespace cxxprof {

// Resolves `name` the way execvp(3) does: a name containing '/' is used as it is, any
// other name is searched in `path_variable` (PATH; an empty element means the current
// directory; if PATH is unset, pass nullptr for the confstr(_CS_PATH) default). Returns
// false with one line in *error ("NAME: command not found", "NAME: Permission denied", ...).
// Unlike execvp, a file that is not executable is never handed to a shell.
bool resolve_program(const std::string& name, const char* path_variable, std::string* resolved,
                     std::string* error);

// True if `path` is an ELF file without a PT_INTERP segment (static, or static-pie): the
// dynamic loader never runs for it, so LD_PRELOAD has no effect. False for scripts (their
// interpreter is what runs and gets profiled), dynamic executables and unreadable files.
bool is_statically_linked_elf(const std::string& path);

// True if exec'ing `path` as the current user switches the loader to secure mode (a
// set-user-ID or set-group-ID program we are not already running as): the loader then
// ignores LD_PRELOAD, so the program would run unprofiled.
bool runs_in_secure_mode(const std::string& path);

}  // namespace cxxprof
