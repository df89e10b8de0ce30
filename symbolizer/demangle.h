// C++ symbol demangling (Itanium ABI, as g++ and clang++ mangle on Linux).
#pragma once

#include <string>

namespace cxxprof {

// The human-readable form of `symbol` ("ns::Foo::bar(int) const" for "_ZNK2ns3Foo3barEi",
// with clone suffixes such as " [clone .cold]"), or `symbol` itself when it is not a
// mangled C++ name (C functions, main) or cannot be demangled.
std::string demangle(const std::string& symbol);

}  // namespace cxxprof
