// What symbolizing one code address yields: the chain of source frames at that address
// (inlined calls expanded) and how much symbolic information was found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cxxprof {

struct SourceFrame {
  std::string name;         // demangled; a placeholder (module+0x1f0, 0x7f..) if unknown
  std::string system_name;  // mangled, or the same as name
  std::string file;         // source file, empty if unknown
  int64_t line = 0;         // line in `file`, 0 if unknown
  int64_t start_line = 0;   // the function's declaration line, 0 if unknown
};

struct SymbolizedAddress {
  int module = -1;  // index into ElfSymbolizer::modules(), -1: in no known module
  // Innermost first: frames[0] is the function the instruction belongs to after
  // inlining; the last is the out-of-line function. Never empty.
  std::vector<SourceFrame> frames;
  bool has_function = false;     // name came from a symbol table or debug info
  bool has_file = false;         // some frame has a source file
  bool has_line = false;         // some frame has a line number
  bool has_inline_info = false;  // debug info was present, so inline frames were looked for
};

}  // namespace cxxprof
