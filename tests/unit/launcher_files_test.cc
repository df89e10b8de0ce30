// The files cxxprof-run checks before starting anything: the output directory, the
// profiler library and the program itself.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "launcher/library_locator.h"
#include "launcher/output_directory.h"
#include "launcher/program_locator.h"
#include "tests/unit/launcher_test_support.h"

namespace cxxprof {
namespace {

using testing_support::exists;
using testing_support::TemporaryDirectory;
using testing_support::write_file;

mode_t mode_of(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(LauncherOutputDirectory, DefaultName) {
  EXPECT_EQ(default_output_directory("./build/myapp", 1234), "cxxprof.myapp.1234");
  EXPECT_EQ(default_output_directory("ls", 7), "cxxprof.ls.7");
  EXPECT_EQ(default_output_directory("/usr/bin/python3/", 7), "cxxprof.python3.7");
  EXPECT_EQ(default_output_directory("/", 7), "cxxprof.program.7");
}

TEST(LauncherOutputDirectory, CreatedPrivateWithParents) {
  TemporaryDirectory base;
  mode_t old_umask = ::umask(0277);  // a umask that would leave the directory unwritable
  OutputDirectory directory;
  std::string error;
  bool ok = prepare_output_directory(base / "a/b/profiles/", &directory, &error);
  ::umask(old_umask);
  ASSERT_TRUE(ok) << error;
  EXPECT_TRUE(directory.created);
  EXPECT_EQ(directory.absolute_path, base / "a/b/profiles");
  EXPECT_EQ(mode_of(directory.absolute_path), 0700u);
  remove_if_created_and_empty(directory);
  EXPECT_FALSE(exists(base / "a/b/profiles"));
  EXPECT_TRUE(exists(base / "a/b"));
}

TEST(LauncherOutputDirectory, RelativePathBecomesAbsolute) {
  TemporaryDirectory base;
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(base.path().c_str()), 0);
  OutputDirectory directory;
  std::string error;
  bool ok = prepare_output_directory("rel", &directory, &error);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(ok) << error;
  char real_base[4096];
  ASSERT_NE(::realpath(base.path().c_str(), real_base), nullptr);
  EXPECT_EQ(directory.absolute_path, std::string(real_base) + "/rel");
}

TEST(LauncherOutputDirectory, ExistingEmptyOrUnrelatedFilesIsFine) {
  TemporaryDirectory base;
  ASSERT_TRUE(write_file(base / "notes.txt", "keep me"));
  ASSERT_TRUE(write_file(base / "cpu.pb", "not a profile name"));
  OutputDirectory directory;
  std::string error;
  ASSERT_TRUE(prepare_output_directory(base.path(), &directory, &error)) << error;
  EXPECT_FALSE(directory.created);
  remove_if_created_and_empty(directory);
  EXPECT_TRUE(exists(base.path())) << "never remove a directory we did not create";
}

TEST(LauncherOutputDirectory, EarlierProfilesAreNeverOverwritten) {
  for (const char* name : {"cpu.pb.gz", "wall.1234.pb.gz", "1234.cxxraw", "99.1.cxxraw"}) {
    TemporaryDirectory base;
    ASSERT_TRUE(write_file(base / name, ""));
    OutputDirectory directory;
    std::string error;
    EXPECT_FALSE(prepare_output_directory(base.path(), &directory, &error)) << name;
    EXPECT_EQ(error, base.path() + " already holds profiles of an earlier run; choose another -o");
  }
}

TEST(LauncherOutputDirectory, NotADirectoryOrNotCreatable) {
  TemporaryDirectory base;
  ASSERT_TRUE(write_file(base / "file", ""));
  OutputDirectory directory;
  std::string error;
  EXPECT_FALSE(prepare_output_directory(base / "file", &directory, &error));
  EXPECT_EQ(error, base / "file" + " exists and is not a directory");
  EXPECT_FALSE(prepare_output_directory(base / "file/sub", &directory, &error));
  EXPECT_EQ(error, "cannot create " + base / "file/sub" + ": Not a directory");
  EXPECT_FALSE(prepare_output_directory("", &directory, &error));
}

TEST(LauncherOutputDirectory, NotWritable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  TemporaryDirectory base;
  ASSERT_EQ(::mkdir((base / "ro").c_str(), 0500), 0);
  OutputDirectory directory;
  std::string error;
  EXPECT_FALSE(prepare_output_directory(base / "ro", &directory, &error));
  EXPECT_EQ(error, base / "ro" + " is not writable: Permission denied");
  EXPECT_FALSE(prepare_output_directory(base / "ro/sub", &directory, &error));
  EXPECT_EQ(error, "cannot create " + base / "ro/sub" + ": Permission denied");
}

TEST(LauncherOutputDirectory, AnotherUsersDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  TemporaryDirectory base;
  std::string theirs = base / "theirs";
  ASSERT_EQ(::mkdir(theirs.c_str(), 0777), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  OutputDirectory directory;
  std::string error;
  EXPECT_FALSE(prepare_output_directory(theirs, &directory, &error));
  EXPECT_EQ(error, theirs + " belongs to another user (uid 65534); choose another -o");
}

TEST(LauncherOutputDirectory, ProfileFileNames) {
  EXPECT_TRUE(is_profile_file_name("cpu.pb.gz"));
  EXPECT_TRUE(is_profile_file_name("x.cxxraw"));
  EXPECT_FALSE(is_profile_file_name("cpu.pb"));
  EXPECT_FALSE(is_profile_file_name("README"));
}

TEST(LauncherLibraryLocator, BuildTreeThenInstalledTree) {
  TemporaryDirectory root;
  ASSERT_EQ(::mkdir((root / "bin").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root / "lib").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root / "lib/cxxprof").c_str(), 0755), 0);
  std::string launcher = root / "bin/cxxprof-run";
  EXPECT_EQ(library_candidates(launcher),
            (std::vector<std::string>{root / "bin/../lib/libcxxprof.so",
                                      root / "bin/../lib/cxxprof/libcxxprof.so"}));
  char real_root[4096];
  ASSERT_NE(::realpath(root.path().c_str(), real_root), nullptr);
  std::string library, error;
  EXPECT_FALSE(locate_library(launcher, nullptr, &library, &error));
  EXPECT_EQ(error, "cannot find libcxxprof.so (looked for " + root / "bin/../lib/libcxxprof.so" +
                       " and " + root / "bin/../lib/cxxprof/libcxxprof.so" +
                       "); set CXXPROF_LIBRARY");

  ASSERT_TRUE(write_file(root / "lib/cxxprof/libcxxprof.so", "installed"));
  ASSERT_TRUE(locate_library(launcher, nullptr, &library, &error)) << error;
  EXPECT_EQ(library, std::string(real_root) + "/lib/cxxprof/libcxxprof.so");

  ASSERT_TRUE(write_file(root / "lib/libcxxprof.so", "build tree"));
  ASSERT_TRUE(locate_library(launcher, "", &library, &error)) << error;
  EXPECT_EQ(library, std::string(real_root) + "/lib/libcxxprof.so") << "the build tree wins";
}

TEST(LauncherLibraryLocator, OverrideIsMadeAbsolute) {
  TemporaryDirectory root;
  ASSERT_TRUE(write_file(root / "custom.so", "x"));
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(root.path().c_str()), 0);
  std::string library, error;
  bool ok = locate_library("/nowhere/bin/cxxprof-run", "./custom.so", &library, &error);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(ok) << error;
  char real_root[4096];
  ASSERT_NE(::realpath(root.path().c_str(), real_root), nullptr);
  EXPECT_EQ(library, std::string(real_root) + "/custom.so");

  EXPECT_FALSE(locate_library("/nowhere/bin/x", (root / "missing.so").c_str(), &library, &error));
  EXPECT_EQ(error, "CXXPROF_LIBRARY=" + root / "missing.so" + ": not a readable file");
}

TEST(LauncherLibraryLocator, PathsLdPreloadCannotExpressAreRefused) {
  TemporaryDirectory root;
  ASSERT_EQ(::mkdir((root / "with space").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(root / "with space/libcxxprof.so", "x"));
  std::string library, error;
  EXPECT_FALSE(locate_library("/x/bin/y", (root / "with space/libcxxprof.so").c_str(), &library,
                              &error));
  EXPECT_NE(error.find("contains a colon or white space"), std::string::npos) << error;
}

TEST(LauncherLibraryLocator, OwnExecutable) {
  std::string self = own_executable();
  EXPECT_FALSE(self.empty());
  EXPECT_EQ(self[0], '/');
}

TEST(LauncherProgramLocator, SearchesPathLikeExecvp) {
  TemporaryDirectory root;
  ASSERT_EQ(::mkdir((root / "a").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root / "b").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(root / "a/tool", "#!/bin/sh\n", 0644));  // not executable: skipped
  ASSERT_TRUE(write_file(root / "b/tool", "#!/bin/sh\n", 0755));
  ASSERT_EQ(::mkdir((root / "a/dironly").c_str(), 0755), 0);
  std::string path = root / "a" + ":" + root / "b";
  std::string resolved, error;
  ASSERT_TRUE(resolve_program("tool", path.c_str(), &resolved, &error)) << error;
  EXPECT_EQ(resolved, root / "b/tool");

  EXPECT_FALSE(resolve_program("nosuch", path.c_str(), &resolved, &error));
  EXPECT_EQ(error, "nosuch: command not found");
  EXPECT_FALSE(resolve_program("dironly", path.c_str(), &resolved, &error));
  EXPECT_EQ(error, "dironly: Permission denied (not executable)");
  EXPECT_TRUE(resolve_program("sh", nullptr, &resolved, &error)) << "default PATH: " << error;
  EXPECT_FALSE(resolve_program("", path.c_str(), &resolved, &error));
}

TEST(LauncherProgramLocator, EmptyPathElementIsTheCurrentDirectory) {
  TemporaryDirectory root;
  ASSERT_TRUE(write_file(root / "here", "#!/bin/sh\n", 0755));
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(root.path().c_str()), 0);
  std::string resolved, error;
  bool ok = resolve_program("here", "/nonexistent:", &resolved, &error);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(resolved, "./here");
}

TEST(LauncherProgramLocator, NamesWithASlashAreNotSearched) {
  TemporaryDirectory root;
  ASSERT_TRUE(write_file(root / "prog", "#!/bin/sh\n", 0755));
  ASSERT_TRUE(write_file(root / "data", "", 0644));
  std::string resolved, error;
  ASSERT_TRUE(resolve_program(root / "prog", "/bin", &resolved, &error)) << error;
  EXPECT_EQ(resolved, root / "prog");
  EXPECT_FALSE(resolve_program(root / "nope", "/bin", &resolved, &error));
  EXPECT_EQ(error, root / "nope" + ": No such file or directory");
  EXPECT_FALSE(resolve_program(root.path(), "/bin", &resolved, &error));
  EXPECT_EQ(error, root.path() + ": is a directory");
  // Even for root, X_OK needs an execute bit.
  EXPECT_FALSE(resolve_program(root / "data", "/bin", &resolved, &error));
  EXPECT_EQ(error, root / "data" + ": Permission denied (not executable)");
}

TEST(LauncherProgramLocator, StaticBinaryDetection) {
  EXPECT_FALSE(is_statically_linked_elf("/bin/sh")) << "dynamic";
  TemporaryDirectory root;
  ASSERT_TRUE(write_file(root / "script", "#!/bin/sh\nexit 0\n", 0755));
  EXPECT_FALSE(is_statically_linked_elf(root / "script"));
  EXPECT_FALSE(is_statically_linked_elf(root / "missing"));
  // A minimal static ELF: the header of an executable with one PT_LOAD and no PT_INTERP.
  std::string image(64 + 56, '\0');
  const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(ident, ident + sizeof(ident), image.begin());
  auto put16 = [&image](size_t at, uint16_t v) { image[at] = char(v & 0xff); image[at + 1] = char(v >> 8); };
  put16(16, 2);        // e_type = ET_EXEC
  put16(18, 62);       // e_machine = x86-64
  image[32] = 64;      // e_phoff = 64
  put16(52, 64);       // e_ehsize
  put16(54, 56);       // e_phentsize
  put16(56, 1);        // e_phnum
  image[64] = 1;       // p_type = PT_LOAD
  ASSERT_TRUE(write_file(root / "static", image, 0755));
  EXPECT_TRUE(is_statically_linked_elf(root / "static"));
  image[64] = 3;       // p_type = PT_INTERP
  ASSERT_TRUE(write_file(root / "dynamic", image, 0755));
  EXPECT_FALSE(is_statically_linked_elf(root / "dynamic"));
}

}  // namespace
}  // namespace cxxprof
