// The function names profiles show, in the form `go tool pprof` shows C++ functions it
// demangles itself by default: no parameter lists, no template arguments, no return type
// ("std::_Hashtable::_M_find_before_node", not two hundred characters of template
// arguments). The full mangled name stays in the profile as Function.system_name, so
// nothing is lost: `c++filt` or pprof's -symbolize=demangle=full view recovers it.
#pragma once

#include <string>
#include <string_view>

namespace cxxprof {

// Simplifies a demangled C++ name; names that are not C++ (C functions, placeholders like
// "libfoo.so+0x10") come back unchanged.
std::string simplify_function_name(std::string_view demangled);

}  // namespace cxxprof
