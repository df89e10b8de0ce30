// Isolation of the injected library (DESIGN.md §2.1): it depends on libc, libm and the
// loader only, and exports exactly the version script's global list — the cxxprof_* API
// and the libc functions it interposes. Whatever else it exported would be interposed
// over the target's own copy of that symbol.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

const std::set<std::string> kAllowedLibraries = {"linux-vdso.so.1", "libc.so.6", "libm.so.6",
                                                 "ld-linux-x86-64.so.2"};

std::string file_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Defined dynamic symbols: "ADDRESS TYPE NAME[@VERSION]" → NAME. Version-node symbols
// (type A, e.g. "CXXPROF_1") name a version, not code or data, and are skipped.
std::set<std::string> defined_dynamic_symbols(const std::string& library, std::string* error) {
  const CommandResult r = run_command({"nm", "-D", "--defined-only", library});
  std::set<std::string> symbols;
  if (r.exit_code() != 0) {
    *error = r.describe();
    return symbols;
  }
  for (const auto& line : lines_of(r.out)) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (!(fields >> address >> type >> name) || type == "A") continue;
    symbols.insert(name.substr(0, name.find('@')));
  }
  return symbols;
}

// The names (or glob patterns) in the "global:" parts of a version script.
std::vector<std::string> version_script_globals(const std::string& script) {
  std::string text;
  for (size_t i = 0; i < script.size(); ++i) {  // drop /* */ and # comments
    if (script.compare(i, 2, "/*") == 0) {
      const size_t end = script.find("*/", i + 2);
      i = end == std::string::npos ? script.size() : end + 1;
    } else if (script[i] == '#') {
      const size_t end = script.find('\n', i);
      i = end == std::string::npos ? script.size() : end;
    } else {
      text += script[i];
    }
  }
  std::vector<std::string> globals;
  bool in_global = false;
  std::string token;
  auto flush = [&] {
    if (in_global && !token.empty()) globals.push_back(token);
    token.clear();
  };
  for (char c : text) {
    if (c == ';' || c == '{' || c == '}' || isspace(static_cast<unsigned char>(c))) {
      flush();
      if (c == '}') in_global = false;
      continue;
    }
    if (c == ':') {
      in_global = token == "global";
      if (token != "global" && token != "local") in_global = false;
      token.clear();
      continue;
    }
    token += c;
  }
  flush();
  return globals;
}

bool matches_any(const std::string& name, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

std::string libc_path() {
  const CommandResult r = run_command({"gcc", "-print-file-name=libc.so.6"});
  std::string path = r.out.substr(0, r.out.find('\n'));
  return path.find('/') == std::string::npos ? "/lib/x86_64-linux-gnu/libc.so.6" : path;
}

TEST(Isolation, DependsOnlyOnLibcLibmAndTheLoader) {
  ASSERT_TRUE(preload_library_built());
  const CommandResult needed = run_command({"readelf", "-d", preload_library_path()});
  ASSERT_EQ(needed.exit_code(), 0) << needed.describe();
  for (const auto& line : lines_of(needed.out)) {
    const size_t open = line.find("(NEEDED)");
    if (open == std::string::npos) continue;
    const size_t lb = line.find('[');
    const size_t rb = line.find(']');
    ASSERT_TRUE(lb != std::string::npos && rb > lb) << line;
    EXPECT_TRUE(kAllowedLibraries.count(line.substr(lb + 1, rb - lb - 1))) << "NEEDED " << line;
  }

  const CommandResult ldd = run_command({"ldd", preload_library_path()});
  ASSERT_EQ(ldd.exit_code(), 0) << ldd.describe();
  int libraries = 0;
  for (const auto& line : lines_of(ldd.out)) {
    std::istringstream fields(line);
    std::string name;
    if (!(fields >> name)) continue;
    ++libraries;
    EXPECT_TRUE(kAllowedLibraries.count(file_name(name))) << "ldd: " << line;
  }
  EXPECT_GT(libraries, 0) << ldd.describe();
}

TEST(Isolation, ExportsExactlyTheVersionScriptGlobals) {
  ASSERT_TRUE(preload_library_built());
  // The script the library was linked with: preload/exports.map plus preload/*.exports.
  const std::string script = read_text_file(build_path("gen/exports.map"));
  ASSERT_FALSE(script.empty()) << build_path("gen/exports.map") << " missing (make all)";
  const std::vector<std::string> globals = version_script_globals(script);
  ASSERT_FALSE(globals.empty()) << "no global: names in the version script";

  std::string error;
  const std::set<std::string> exported = defined_dynamic_symbols(preload_library_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  for (const auto& name : exported) {
    EXPECT_TRUE(matches_any(name, globals)) << "exported but not in exports.map: " << name;
  }
  for (const auto& global : globals) {
    if (global.find_first_of("*?[") != std::string::npos) continue;  // a pattern need not match
    EXPECT_TRUE(exported.count(global)) << "in exports.map but not exported: " << global;
  }
}

// Every export is our API or a function libc itself exports (an interposer): nothing of
// libstdc++, libunwind, zlib or our internals leaks out.
TEST(Isolation, ExportsAreOurApiOrLibcFunctions) {
  ASSERT_TRUE(preload_library_built());
  std::string error;
  const std::set<std::string> exported = defined_dynamic_symbols(preload_library_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  const std::set<std::string> libc = defined_dynamic_symbols(libc_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_TRUE(libc.count("malloc")) << "could not read libc's exports from " << libc_path();
  EXPECT_TRUE(exported.count("pthread_create")) << "pthread_create is not interposed";
  for (const auto& name : exported) {
    EXPECT_TRUE(name.rfind("cxxprof_", 0) == 0 || libc.count(name))
        << name << " is neither cxxprof_* nor a libc function";
  }
}

}  // namespace
}  // namespace cxxprof_test
