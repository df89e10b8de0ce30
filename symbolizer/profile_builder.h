// Raw samples of one kind + symbolizer -> the profile model (DESIGN.md §3 conventions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symbolizer/elf_symbolizer.h"
#include "symbolizer/profile_kinds.h"
#include "symbolizer/profile_model.h"
#include "symbolizer/raw_reader.h"

namespace cxxprof {

// Per-process facts every profile of the process carries.
struct ProfileContext {
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  std::vector<std::string> comments;  // the command line first, then warnings
};

// Name of the synthetic function a sample gets when its stack was not recorded (frame
// pool full), so its value is still counted and visible.
inline constexpr const char* kNoStackFunction = "[no stack recorded]";

// Builds the `kind` profile from data.samples of that kind. Every sample gets a string
// label `thread` (the thread's name, else its tid, "unknown" if the thread slot was never
// filled in). Locations are one per distinct symbolized address, each with its inline
// frames as Lines; mappings are the modules that locations fall in, the main executable
// always first; mapping has_* flags say what symbolization found.
profile::Profile build_profile(const ProfileKind& kind, const RawData& data,
                               const ProfileContext& context, ElfSymbolizer* symbolizer);

}  // namespace cxxprof
