// Function names from DWARF DIEs.
#pragma once

#include <elfutils/libdw.h>

#include <string>

namespace cxxprof {

struct DwarfFunctionName {
  std::string name;         // demangled linkage name, else the qualified DW_AT_name
  std::string system_name;  // the linkage (mangled) name, else the same as name
};

// The name of a function DIE (subprogram, inlined subroutine, or its abstract origin).
// A mangled C++ linkage name (DW_AT_linkage_name, following abstract origins and
// specifications) is demangled. GCC omits the linkage name of functions that were only
// ever inlined; those get their DW_AT_name qualified with the enclosing namespaces and
// classes ("std::thread::_Invoker<...>::_M_invoke<0>"), as a demangled name reads minus
// the parameter list. A linkage name that is not mangled C++ is an asm label (glibc emits
// abort as "__GI_abort"): the source name is `name`, the label `system_name`. Empty name
// if the DIE has no name at all.
DwarfFunctionName dwarf_function_name(Dwarf_Die* die);

}  // namespace cxxprof
