#include "symbolizer/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace cxxprof {

std::string demangle(const std::string& symbol) {
  // Only _Z names: __cxa_demangle also "demangles" plain words as type names ("f" ->
  // "float"), which would turn a C function called f into nonsense.
  if (symbol.size() < 3 || symbol[0] != '_' || symbol[1] != 'Z') return symbol;
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> text(
      abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || text == nullptr) return symbol;
  return text.get();
}

}  // namespace cxxprof
