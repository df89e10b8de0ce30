// Objects loaded after the module scan are located on demand (preload/module_tracker.h):
// the unwinder sees a dlopened library without a rescan, and no longer sees it once it is
// unloaded.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "common/config.h"
#include "preload/module_tracker.h"
#include "preload/raw_store.h"
#include "preload/unwinder.h"
#include "tests/unit/temp_store.h"

namespace cxxprof {
namespace {

using cxxprof_test::TempStoreDir;

std::string plugin_path() {
  const char* build = std::getenv("CXXPROF_BUILD_DIR");
  return std::string(build != nullptr ? build : "build") + "/fixtures/libhot_plugin.so";
}

class ModuleTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config_init(&config);
    ASSERT_TRUE(scratch_.create_store(&store_, config));
    refresh_modules(store_, true);
  }

  TempStoreDir scratch_{"modules"};
  RawStore store_;
};

TEST_F(ModuleTrackerTest, LibraryLoadedAfterTheScanIsLocatedWithItsUnwindTables) {
  ASSERT_EQ(dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr)
      << "the plugin must not be loaded before the scan";
  void* plugin = dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(plugin, nullptr) << dlerror();
  const auto pc = reinterpret_cast<uint64_t>(dlsym(plugin, "plugin_burn"));
  ASSERT_NE(pc, 0u);

  const unwind::ModuleSet& set = current_module_set();
  EXPECT_EQ(unwind::find_module(set, pc), nullptr) << "the scanned set predates the dlopen";
  unwind::CodeModule scratch;
  const unwind::CodeModule* module = unwind::locate_module(set, pc, &scratch);
  ASSERT_EQ(module, &scratch);
  EXPECT_LE(module->start, pc);
  EXPECT_LT(pc, module->limit);
  EXPECT_TRUE(module->may_unload);
  ASSERT_NE(module->eh_frame_hdr, nullptr);
  EXPECT_LE(module->eh_segment_start, reinterpret_cast<uint64_t>(module->eh_frame_hdr));

  // A later scan lists it, still as one that may be unloaded.
  refresh_modules(store_, false);
  const unwind::CodeModule* scanned = unwind::find_module(current_module_set(), pc);
  ASSERT_NE(scanned, nullptr);
  EXPECT_TRUE(scanned->may_unload);
  EXPECT_EQ(scanned->start, module->start);

  ASSERT_EQ(dlclose(plugin), 0);
  if (dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_NOLOAD) != nullptr) {
    GTEST_SKIP() << "the loader kept the plugin mapped";
  }
  // Unloaded: the stale entry of the scan is not trusted.
  EXPECT_EQ(unwind::locate_module(current_module_set(), pc, &scratch), nullptr);
}

TEST_F(ModuleTrackerTest, ObjectsLoadedAtStartupComeFromTheScan) {
  const auto pc = reinterpret_cast<uint64_t>(&getenv);  // libc
  const unwind::CodeModule* module = unwind::find_module(current_module_set(), pc);
  ASSERT_NE(module, nullptr);
  EXPECT_FALSE(module->may_unload);
  unwind::CodeModule scratch;
  EXPECT_EQ(unwind::locate_module(current_module_set(), pc, &scratch), module);
}

TEST_F(ModuleTrackerTest, AddressesOutsideEveryObjectAreNotLocated) {
  int on_stack = 0;
  void* on_heap = std::malloc(64);
  unwind::CodeModule scratch;
  EXPECT_FALSE(locate_loaded_module(reinterpret_cast<uint64_t>(&on_stack), &scratch));
  EXPECT_FALSE(locate_loaded_module(reinterpret_cast<uint64_t>(on_heap), &scratch));
  EXPECT_FALSE(locate_loaded_module(16, &scratch));
  std::free(on_heap);
}

}  // namespace
}  // namespace cxxprof
