// The output directory DIR: where every process of the run writes its raw data and the
// launcher writes the profiles. DESIGN.md §4: created if missing, never silently reusing
// an earlier run's files.
#pragma once

#include <sys/types.h>

#include <string>

namespace cxxprof {

// "cxxprof.<basename of program>.<pid>" (relative to the current directory).
std::string default_output_directory(const std::string& program, pid_t launcher_pid);

struct OutputDirectory {
  std::string absolute_path;  // what the target gets in CXXPROF_OUTPUT
  bool created = false;       // we made it (so we may remove it again if it stays empty)
};

// Creates `path` (mode 0700; missing parents as mkdir -p does) or checks the existing
// one: it must be a directory, owned by the effective user, writable, and hold no
// profiles of an earlier run (*.pb.gz, *.cxxraw). Returns false with one line in *error.
bool prepare_output_directory(const std::string& path, OutputDirectory* directory,
                              std::string* error);

// True if `name` is a file an earlier run would have left: a profile or raw data.
bool is_profile_file_name(const std::string& name);

// Removes the directory if we created it and nothing was written into it (the program
// could not be started, or wrote no data), so failed runs leave no litter.
void remove_if_created_and_empty(const OutputDirectory& directory);

}  // namespace cxxprof
