// Where libcxxprof.so is. The launcher finds it relative to its own executable, so a
// build tree and an installed tree (make install PREFIX=...) both work without
// configuration, and no library of another installation is picked up by accident.
#pragma once

#include <string>
#include <vector>

namespace cxxprof {

inline constexpr const char* kLibraryOverrideEnv = "CXXPROF_LIBRARY";
inline constexpr const char* kLibraryName = "libcxxprof.so";

// The places looked at, in order, for a launcher at `executable`:
// <bindir>/../lib/libcxxprof.so (the build tree), <bindir>/../lib/cxxprof/libcxxprof.so
// (installed).
std::vector<std::string> library_candidates(const std::string& executable);

// Finds the library: `override_path` (CXXPROF_LIBRARY) if non-null and non-empty, else
// the first readable candidate for `executable`. The result is absolute and free of
// symlinks. Because LD_PRELOAD splits on spaces and colons, a path containing either is
// refused. Returns false with one line in *error.
bool locate_library(const std::string& executable, const char* override_path,
                    std::string* library, std::string* error);

// The launcher's own executable (/proc/self/exe), or "" if it cannot be read.
std::string own_executable();

}  // namespace cxxprof
