// Source frames of one address from DWARF, inlined calls expanded (elfutils libdw).
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "symbolizer/dwarf_names.h"
#include "symbolizer/symbolized_address.h"

namespace cxxprof {

// One per module; caches function names by DIE (building a qualified name walks the
// compile unit, and the same functions come up for many addresses).
class DwarfFrames {
 public:
  explicit DwarfFrames(Dwfl_Module* module) : module_(module) {}

  // The frames at `address` (a run-time address inside the module), innermost first:
  // the function the code was inlined from, with the line the line table gives for
  // `address`; then each function it was inlined into, with the call site's file:line
  // (DW_AT_call_file, DW_AT_call_line); last the out-of-line function. Empty if no
  // compile unit covers `address`. A frame whose function has no name in DWARF gets an
  // empty name (the caller fills it from the symbol table).
  std::vector<SourceFrame> frames(uint64_t address);

 private:
  const DwarfFunctionName& function_name(Dwarf_Die* die);

  Dwfl_Module* module_;
  std::unordered_map<const void*, DwarfFunctionName> names_;  // by DIE address in memory
};

}  // namespace cxxprof
