// ElfSymbolizer on real code: functions of this test binary (built -O2 -g), stripped
// copies of it, libc, the vDSO, a library linked at a non-zero base, and modules whose
// file is gone.
#include <dlfcn.h>
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "symbolizer/elf_module.h"
#include "symbolizer/elf_symbolizer.h"
#include "tests/unit/self_module.h"

namespace symtest {

uint64_t g_sink;

constexpr int kLeafLine = __LINE__ + 1;
__attribute__((noinline)) int leaf_function(int x) {
  g_sink += uint64_t(x);
  return int(g_sink);
}

__attribute__((noinline)) uint64_t capture_return_address() {
  uint64_t address =
      reinterpret_cast<uint64_t>(__builtin_extract_return_addr(__builtin_return_address(0)));
  asm volatile("" ::: "memory");
  return address;
}

constexpr int kInlinedCallLine = __LINE__ + 2;
__attribute__((always_inline)) inline void inlined_helper(uint64_t* out) {
  *out = capture_return_address();
  g_sink += *out;  // work after the call, so it is not a tail call
}

constexpr int kOuterCallLine = __LINE__ + 2;
__attribute__((noinline)) void outer_function(uint64_t* out) {
  inlined_helper(out);
  asm volatile("" ::: "memory");
}

}  // namespace symtest

namespace cxxprof {
namespace {

using cxxprof_test::module_containing;

constexpr const char* kThisFile = "symbolizer_elf_test.cc";

uint64_t address_of(int (*function)(int)) { return reinterpret_cast<uint64_t>(function); }

std::string hex(uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A scratch directory removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/cxxprof-elf-test.XXXXXX";
    path_ = mkdtemp(name) != nullptr ? name : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

std::string first_line_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return {};
  char line[4096];
  if (std::fgets(line, sizeof(line), pipe.get()) == nullptr) return {};
  std::string text = line;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

TEST(ElfSymbolizerTest, LeafFunctionWithDemangledNameFileAndLine) {
  RawModule self = module_containing(reinterpret_cast<void*>(&symtest::leaf_function));
  ASSERT_FALSE(self.path.empty());
  ElfSymbolizer symbolizer({self}, "", 0);
  const SymbolizedAddress& result = symbolizer.symbolize(address_of(&symtest::leaf_function));
  EXPECT_EQ(result.module, 0);
  ASSERT_EQ(result.frames.size(), 1u);
  const SourceFrame& frame = result.frames[0];
  EXPECT_EQ(frame.name, "symtest::leaf_function");
  EXPECT_EQ(frame.system_name, "_ZN7symtest13leaf_functionEi");
  EXPECT_TRUE(ends_with(frame.file, kThisFile)) << frame.file;
  // The entry address maps to the declarator's line or, after prologue scheduling, the
  // first statement's.
  EXPECT_GE(frame.line, symtest::kLeafLine);
  EXPECT_LE(frame.line, symtest::kLeafLine + 1);
  EXPECT_EQ(frame.start_line, symtest::kLeafLine);
  EXPECT_TRUE(result.has_function);
  EXPECT_TRUE(result.has_file);
  EXPECT_TRUE(result.has_line);
  EXPECT_TRUE(result.has_inline_info);
  EXPECT_TRUE(symbolizer.warnings().empty()) << symbolizer.warnings()[0];
  // Cached: the same entry comes back.
  EXPECT_EQ(&symbolizer.symbolize(address_of(&symtest::leaf_function)), &result);
}

TEST(ElfSymbolizerTest, InlinedFramesInnermostFirstWithCallSites) {
  uint64_t return_address = 0;
  symtest::outer_function(&return_address);
  RawModule self = module_containing(reinterpret_cast<void*>(return_address));
  ElfSymbolizer symbolizer({self}, "", 0);
  // As a caller frame: the return address minus one, inside the call instruction.
  const SymbolizedAddress& result = symbolizer.symbolize(symbolization_address(return_address, 1));
  ASSERT_EQ(result.frames.size(), 2u);
  // With or without a parameter list: GCC emits a linkage name for an inline function
  // only in some cases; without one the name is qualified from the DWARF scopes.
  EXPECT_EQ(result.frames[0].name.rfind("symtest::inlined_helper", 0), 0u) << result.frames[0].name;
  EXPECT_EQ(result.frames[0].line, symtest::kInlinedCallLine);
  EXPECT_TRUE(ends_with(result.frames[0].file, kThisFile)) << result.frames[0].file;
  EXPECT_EQ(result.frames[1].name, "symtest::outer_function");
  EXPECT_EQ(result.frames[1].system_name, "_ZN7symtest14outer_functionEPm");
  EXPECT_EQ(result.frames[1].line, symtest::kOuterCallLine);
  EXPECT_TRUE(result.has_inline_info);
}

TEST(ElfSymbolizerTest, StrippedCopiesFallBackToSymbolsThenModuleOffset) {
  TempDir dir;
  RawModule self = module_containing(reinterpret_cast<void*>(&symtest::leaf_function));
  std::string no_debug = dir.path() + "/no_debug", no_symbols = dir.path() + "/no_symbols";
  ASSERT_TRUE(run("objcopy --strip-debug '" + self.path + "' " + no_debug));
  ASSERT_TRUE(run("objcopy --strip-all '" + self.path + "' " + no_symbols));
  const uint64_t leaf = address_of(&symtest::leaf_function);

  RawModule a = self;
  a.path = no_debug;
  ElfSymbolizer with_symtab({a}, "", 0);
  const SymbolizedAddress& named = with_symtab.symbolize(leaf);
  ASSERT_EQ(named.frames.size(), 1u);
  EXPECT_EQ(named.frames[0].name, "symtest::leaf_function");
  EXPECT_EQ(named.frames[0].system_name, "_ZN7symtest13leaf_functionEi");
  EXPECT_EQ(named.frames[0].file, "");
  EXPECT_TRUE(named.has_function);
  EXPECT_FALSE(named.has_file);
  EXPECT_FALSE(named.has_inline_info);

  RawModule b = self;
  b.path = no_symbols;
  ElfSymbolizer bare({b}, "", 0);
  const SymbolizedAddress& offset = bare.symbolize(leaf);
  ASSERT_EQ(offset.frames.size(), 1u);
  EXPECT_EQ(offset.frames[0].name, "no_symbols+" + hex(leaf - self.load_bias));
  EXPECT_FALSE(offset.has_function);
  EXPECT_EQ(offset.module, 0);
}

TEST(ElfSymbolizerTest, MissingModuleAndUnknownAddressAreNeverDropped) {
  RawModule gone;
  gone.path = "/nonexistent/dir/libgone.so";
  gone.load_bias = 0x10000;
  gone.start = 0x10000;
  gone.limit = 0x20000;
  ElfSymbolizer symbolizer({gone}, "", 0);
  const SymbolizedAddress& in_gone = symbolizer.symbolize(0x10010);
  ASSERT_EQ(in_gone.frames.size(), 1u);
  EXPECT_EQ(in_gone.frames[0].name, "libgone.so+0x10");
  EXPECT_EQ(in_gone.module, 0);
  EXPECT_FALSE(in_gone.has_function);
  ASSERT_EQ(symbolizer.warnings().size(), 1u);
  EXPECT_NE(symbolizer.warnings()[0].find("/nonexistent/dir/libgone.so: No such file"),
            std::string::npos)
      << symbolizer.warnings()[0];
  symbolizer.symbolize(0x10020);
  EXPECT_EQ(symbolizer.warnings().size(), 1u) << "one warning per module";

  const SymbolizedAddress& nowhere = symbolizer.symbolize(0x42);
  EXPECT_EQ(nowhere.module, -1);
  ASSERT_EQ(nowhere.frames.size(), 1u);
  EXPECT_EQ(nowhere.frames[0].name, "0x42");
}

TEST(ElfSymbolizerTest, BuildIdMismatchWarnsButStillSymbolizes) {
  RawModule self = module_containing(reinterpret_cast<void*>(&symtest::leaf_function));
  ASSERT_FALSE(self.build_id.empty()) << "test binary has no build-id";
  self.build_id[0] = char(self.build_id[0] ^ 0xff);
  ElfSymbolizer symbolizer({self}, "", 0);
  EXPECT_EQ(symbolizer.symbolize(address_of(&symtest::leaf_function)).frames[0].name,
            "symtest::leaf_function");
  ASSERT_EQ(symbolizer.warnings().size(), 1u);
  EXPECT_NE(symbolizer.warnings()[0].find("binary changed since the run"), std::string::npos);
}

TEST(ElfSymbolizerTest, SharedLibraryFunctionFromLibc) {
  void (*function)() = &abort;
  RawModule libc = module_containing(reinterpret_cast<void*>(function));
  ASSERT_NE(libc.path.find("libc.so"), std::string::npos) << libc.path;
  ElfSymbolizer symbolizer({libc}, "", 0);
  const SymbolizedAddress& result = symbolizer.symbolize(reinterpret_cast<uint64_t>(function));
  // Named as in the source even where glibc's DWARF gives the asm label __GI_abort.
  EXPECT_EQ(result.frames.back().name, "abort");
  EXPECT_TRUE(result.has_function);
}

// The vDSO exists in no file: it is symbolized from the copy the raw file carries.
TEST(ElfSymbolizerTest, VdsoFromItsInMemoryCopy) {
  auto base = reinterpret_cast<const uint8_t*>(getauxval(AT_SYSINFO_EHDR));
  void* handle = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
  void* symbol = handle != nullptr ? dlsym(handle, "__vdso_clock_gettime") : nullptr;
  if (base == nullptr || symbol == nullptr) GTEST_SKIP() << "no vDSO with __vdso_clock_gettime";
  auto* elf = reinterpret_cast<const Elf64_Ehdr*>(base);
  // The vDSO image carries its section headers at the end.
  std::string image(reinterpret_cast<const char*>(base),
                    elf->e_shoff + elf->e_shnum * elf->e_shentsize);
  auto* phdrs = reinterpret_cast<const Elf64_Phdr*>(base + elf->e_phoff);
  uint64_t first_vaddr = 0;
  for (int i = 0; i < elf->e_phnum; ++i) {
    if (phdrs[i].p_type == PT_LOAD) {
      first_vaddr = phdrs[i].p_vaddr;
      break;
    }
  }
  const uint64_t address = reinterpret_cast<uint64_t>(symbol);
  const uint64_t mapped = reinterpret_cast<uint64_t>(base);

  RawModule vdso;
  vdso.flags = raw::kModuleVdso;
  vdso.path = "linux-vdso.so.1";
  vdso.load_bias = mapped - first_vaddr;
  vdso.start = mapped;
  vdso.limit = mapped + image.size();
  ElfSymbolizer from_entry({vdso}, image, mapped);
  EXPECT_NE(from_entry.symbolize(address).frames[0].name.find("clock_gettime"), std::string::npos);
  EXPECT_TRUE(from_entry.symbolize(address).has_function);

  // No module entry for it: a synthetic one from the header's vDSO address.
  ElfSymbolizer synthetic({}, image, mapped);
  ASSERT_EQ(synthetic.modules().size(), 1u);
  EXPECT_TRUE(synthetic.modules()[0].is_vdso());
  EXPECT_NE(synthetic.symbolize(address).frames[0].name.find("clock_gettime"), std::string::npos);
}

// An ELF shared object whose first PT_LOAD is not at virtual address 0: the load bias
// recorded at run time must still be applied as a bias (dwfl_report_elf add_p_vaddr).
TEST(ElfSymbolizerTest, LoadBiasIsABiasForNonZeroBaseObjects) {
  TempDir dir;
  std::string source = dir.path() + "/probe.cc", library = dir.path() + "/libprobe.so";
  FILE* file = std::fopen(source.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(
      "int probe_function(int x) { return x * 3 + 1; }\n"
      "int other_function(int x) { return x * 5 + 2; }\n",
      file);
  std::fclose(file);
  if (!run("g++ -O2 -g -fPIC -shared -Wl,-Ttext-segment=0x10000000 -o " + library + " " + source)) {
    GTEST_SKIP() << "g++ cannot build the probe library";
  }
  std::string line = first_line_of("nm " + library + " | grep ' T _Z14probe_functioni'");
  ASSERT_FALSE(line.empty());
  const uint64_t vaddr = std::strtoull(line.c_str(), nullptr, 16);
  ASSERT_GE(vaddr, 0x10000000u);

  RawModule probe;
  probe.path = library;
  probe.load_bias = 0x7f0000000000;
  probe.start = probe.load_bias + 0x10000000;
  probe.limit = probe.start + 0x100000;
  ElfSymbolizer symbolizer({probe}, "", 0);
  const SymbolizedAddress& result = symbolizer.symbolize(probe.load_bias + vaddr);
  ASSERT_EQ(result.frames.size(), 1u);
  EXPECT_EQ(result.frames[0].name, "probe_function");
  EXPECT_EQ(result.frames[0].line, 1);
}

TEST(ModuleMapTest, NewestModuleWinsForAReusedRange) {
  std::vector<RawModule> modules(4);
  modules[0].start = 0x1000, modules[0].limit = 0x9000, modules[0].sequence = 1;
  modules[1].start = 0x2000, modules[1].limit = 0x3000, modules[1].sequence = 5;
  modules[2].start = 0x2000, modules[2].limit = 0x3000, modules[2].sequence = 9;
  modules[3].start = 0xa000, modules[3].limit = 0xb000, modules[3].sequence = 2;
  ModuleMap map(modules);
  EXPECT_EQ(map.find(0x0fff), -1);
  EXPECT_EQ(map.find(0x1000), 0);
  EXPECT_EQ(map.find(0x2500), 2);
  EXPECT_EQ(map.find(0x8fff), 0);
  EXPECT_EQ(map.find(0x9000), -1);
  EXPECT_EQ(map.find(0xa800), 3);
  EXPECT_EQ(map.find(0xb000), -1);
}

TEST(ElfModuleTest, RejectsFilesThatAreNotElf) {
  TempDir dir;
  std::string path = dir.path() + "/text.so";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("not an ELF file\n", file);
  std::fclose(file);
  std::string error;
  EXPECT_EQ(ElfModule::open_file(path, 0, &error), nullptr);
  EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;
  EXPECT_EQ(ElfModule::open_image("junk", "[vdso]", 0, &error), nullptr);
}

}  // namespace
}  // namespace cxxprof
