// Minimal option parsing for cxxprof's subcommands: flags with or without a value,
// given as `-n 5`, `-n=5`, `--sample_index cpu` or `--sample_index=cpu` (pprof spells
// its flags with one dash, so both spellings are listed where it matters).
#pragma once

#include <string>
#include <vector>

namespace cxxprof {

struct FlagSpec {
  std::vector<std::string> names;  // with dashes: {"-n"}, {"--cum", "-cum"}
  bool takes_value = false;
  std::string* value = nullptr;  // set when takes_value
  bool* present = nullptr;       // set to true when the flag is given
};

// Splits `args` into flags (per `flags`) and positional arguments; "--" ends the flags.
// Returns false with one line in *error for an unknown flag or a missing value.
bool parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags,
                 std::vector<std::string>* positional, std::string* error);

}  // namespace cxxprof
