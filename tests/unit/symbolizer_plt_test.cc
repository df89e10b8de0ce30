// PLT stubs are named after the function they jump to, "malloc@plt", as objdump names
// them: every stub objdump lists in this test binary and in libc, whose .plt also holds
// IRELATIVE slots (ifuncs libc calls itself: objdump's "*ABS*+0x9f550@plt"), which we
// name after the ifunc.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>

#include "symbolizer/elf_symbolizer.h"
#include "tests/unit/self_module.h"

// A function of this binary, to find its module by.
__attribute__((noinline)) void symbolizer_plt_marker() { asm volatile(""); }

namespace cxxprof {
namespace {

using cxxprof_test::module_containing;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// objdump's labels in the PLT sections of `path`: ELF address -> label ("free@plt",
// "*ABS*+0x9f550@plt", or the header's "X@plt-0x10").
std::map<uint64_t, std::string> objdump_plt_labels(const std::string& path) {
  std::map<uint64_t, std::string> labels;
  const std::string command =
      "objdump -d --no-show-raw-insn -j .plt -j .plt.sec -j .plt.got '" + path + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return labels;
  const std::regex label(R"(^([0-9a-f]+) <(.+)>:$)");
  char line[4096];
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    std::smatch match;
    if (std::regex_match(text, match, label)) labels[std::stoull(match[1], nullptr, 16)] = match[2];
  }
  pclose(pipe);
  return labels;
}

// Symbolizes the middle of every stub of the module holding `code`; returns how many
// stubs objdump listed. IRELATIVE stubs must get a function's name, never objdump's
// "*ABS*" or a placeholder; `ifunc_stubs` counts them.
int expect_stubs_named_as_objdump_names_them(const void* code, int* ifunc_stubs) {
  const RawModule module = module_containing(code);
  const std::map<uint64_t, std::string> labels = objdump_plt_labels(module.path);
  ElfSymbolizer symbolizer({module}, "", 0);
  int stubs = 0;
  *ifunc_stubs = 0;
  for (const auto& [address, label] : labels) {
    const SymbolizedAddress& result = symbolizer.symbolize(module.load_bias + address + 2);
    EXPECT_EQ(result.frames.size(), 1u) << label;
    const SourceFrame& frame = result.frames.front();
    if (!ends_with(label, "@plt")) {  // the lazy-binding header: no function's stub
      EXPECT_FALSE(ends_with(frame.name, "@plt")) << label << " named " << frame.name;
      continue;
    }
    ++stubs;
    EXPECT_TRUE(result.has_function) << label;
    if (label.rfind("*ABS*", 0) == 0) {
      ++*ifunc_stubs;
      EXPECT_TRUE(ends_with(frame.system_name, "@plt")) << label << " named " << frame.system_name;
      EXPECT_GT(frame.system_name.size(), 4u) << label;
      EXPECT_EQ(frame.system_name.find('+'), std::string::npos) << label << " named " << frame.system_name;
      EXPECT_EQ(frame.system_name.find("*ABS*"), std::string::npos) << label;
    } else {
      EXPECT_EQ(frame.system_name, label);
    }
  }
  return stubs;
}

TEST(PltNamesTest, EveryStubOfThisProgram) {
  int ifunc_stubs = 0;
  const int stubs =
      expect_stubs_named_as_objdump_names_them(reinterpret_cast<const void*>(&symbolizer_plt_marker), &ifunc_stubs);
  EXPECT_GE(stubs, 20) << "objdump listed too few stubs to tell anything";
}

TEST(PltNamesTest, EveryStubOfLibcIfuncsIncluded) {
  void (*function)() = &abort;
  int ifunc_stubs = 0;
  const int stubs = expect_stubs_named_as_objdump_names_them(reinterpret_cast<const void*>(function), &ifunc_stubs);
  EXPECT_GE(stubs, 20);
  EXPECT_GE(ifunc_stubs, 5) << "libc's .plt should hold IRELATIVE slots (memcpy, strlen...)";
}

// A C++ symbol's stub reads as the function does elsewhere in a profile: demangled,
// without parameters, then "@plt".
TEST(PltNamesTest, CxxStubsAreDemangled) {
  const RawModule module = module_containing(reinterpret_cast<const void*>(&symbolizer_plt_marker));
  ElfSymbolizer symbolizer({module}, "", 0);
  int checked = 0;
  for (const auto& [address, label] : objdump_plt_labels(module.path)) {
    if (label != "_Znwm@plt") continue;
    const SourceFrame& frame = symbolizer.symbolize(module.load_bias + address).frames.front();
    EXPECT_EQ(frame.name, "operator new@plt");
    EXPECT_EQ(frame.system_name, "_Znwm@plt");
    ++checked;
  }
  EXPECT_EQ(checked, 1) << "this binary calls operator new(unsigned long) through its PLT";
}

}  // namespace
}  // namespace cxxprof
