// convert_raw_file end to end: a raw file describing this test binary's own code ->
// symbolized cpu/wall .pb.gz files, read back with the decoder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "symbolizer/convert.h"
#include "symbolizer/profile_builder.h"
#include "symbolizer/profile_encoder.h"
#include "tests/unit/raw_image_builder.h"
#include "tests/unit/self_module.h"

namespace converttest {

uint64_t g_sink;

__attribute__((noinline)) int convert_leaf(int x) {
  g_sink += uint64_t(x);
  return int(g_sink);
}

__attribute__((noinline)) uint64_t convert_caller() {
  uint64_t address =
      reinterpret_cast<uint64_t>(__builtin_extract_return_addr(__builtin_return_address(0)));
  asm volatile("" ::: "memory");
  return address;
}

__attribute__((noinline)) uint64_t convert_outer() {
  uint64_t address = convert_caller();
  g_sink += address;  // not a tail call
  return address;
}

}  // namespace converttest

namespace cxxprof {
namespace {

using cxxprof_test::RawImageBuilder;
using raw::SampleKind;

class ConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/cxxprof-convert-test.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    leaf_ = reinterpret_cast<uint64_t>(&converttest::convert_leaf);
    return_address_ = converttest::convert_outer();
    self_ = cxxprof_test::module_containing(reinterpret_cast<void*>(leaf_));
    ASSERT_FALSE(self_.path.empty());
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // Main executable = this binary; threads "main" and an unnamed one; one real stack.
  RawImageBuilder example() {
    RawImageBuilder b;
    b.add_module(self_.path, self_.start, self_.limit, self_.load_bias, self_.build_id,
                 raw::kModuleMainExecutable);
    uint32_t main_thread = b.add_thread(100, "main");
    uint32_t unnamed = b.add_thread(101, "");
    b.add_stack(1, {leaf_, return_address_});
    b.add_sample(SampleKind::kCpu, main_thread, 1, {2, 20'000'000});
    b.add_sample(SampleKind::kCpu, unnamed, 1, {1, 10'000'000});
    b.add_sample(SampleKind::kCpu, main_thread, 0, {1, 10'000'000});
    b.add_sample(SampleKind::kWall, main_thread, 1, {5, 50'000'000});
    b.add_sample(SampleKind::kHeap, main_thread, 1, {1, 4096});
    b.header().counters[raw::kSamplesDroppedTableFull] = 3;
    return b;
  }

  std::string write_raw(const RawImageBuilder& builder, const std::string& name = "4242.cxxraw") {
    std::string path = dir_ + "/" + name;
    std::string bytes = builder.bytes();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
    ::close(fd);
    return path;
  }

  bool convert(const std::string& raw, ConvertResult* result, std::string* error, bool root = true,
               uint64_t fallback_end = 0) {
    ConvertOptions options;
    options.output_dir = dir_;
    options.is_root_process = root;
    options.fallback_end_monotonic_ns = fallback_end;
    return convert_raw_file(raw, options, result, error);
  }

  profile::Profile read(const std::string& name) {
    profile::Profile profile;
    std::string error;
    EXPECT_TRUE(profile::read_profile_file(dir_ + "/" + name, &profile, &error)) << error;
    return profile;
  }

  std::string dir_;
  uint64_t leaf_ = 0;
  uint64_t return_address_ = 0;
  RawModule self_;
};

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ConvertTest, WritesSymbolizedCpuAndWallProfiles) {
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(example()), &result, &error)) << error;
  EXPECT_EQ(result.pid, 4242);
  EXPECT_EQ(result.command_line, "example --flag value");
  EXPECT_TRUE(contains(result.warnings, "3 samples dropped (sample table full)"));
  // The heap profile is written for its samples although the header says it was off.
  EXPECT_FALSE(contains(result.warnings, "not converted"));
  ASSERT_EQ(result.profiles.size(), 3u);
  EXPECT_EQ(result.profiles[2].kind, "heap");
  EXPECT_EQ(result.profiles[0].kind, "cpu");
  EXPECT_EQ(result.profiles[0].path, dir_ + "/cpu.pb.gz");
  EXPECT_EQ(result.profiles[0].sample_count, 3);
  EXPECT_EQ(result.profiles[0].total_value, 40'000'000);
  EXPECT_EQ(result.profiles[1].kind, "wall");

  struct stat status;
  ASSERT_EQ(::stat(result.profiles[0].path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);

  profile::Profile cpu = read("cpu.pb.gz");
  ASSERT_EQ(cpu.sample_types.size(), 2u);
  EXPECT_EQ(cpu.sample_types[0], (profile::ValueType{"samples", "count"}));
  EXPECT_EQ(cpu.sample_types[1], (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(cpu.period_type, (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(cpu.period, 10'000'000);
  EXPECT_EQ(cpu.default_sample_type, "cpu");
  EXPECT_EQ(cpu.time_nanos, 1'700'000'000'000'000'000);
  EXPECT_EQ(cpu.duration_nanos, 2'500'000'000);
  ASSERT_FALSE(cpu.comments.empty());
  EXPECT_EQ(cpu.comments[0], "example --flag value");
  EXPECT_TRUE(contains(cpu.comments, "warning: 3 samples dropped"));

  ASSERT_EQ(cpu.samples.size(), 3u);
  EXPECT_EQ(*cpu.samples[0].string_label("thread"), "main");
  EXPECT_EQ(*cpu.samples[1].string_label("thread"), "101") << "unnamed: the tid";
  EXPECT_EQ(cpu.samples[0].values, (std::vector<int64_t>{2, 20'000'000}));

  profile::ProfileIndex index(cpu);
  ASSERT_EQ(cpu.samples[0].location_ids.size(), 2u);
  const profile::Location* leaf = index.location(cpu.samples[0].location_ids[0]);
  const profile::Location* caller = index.location(cpu.samples[0].location_ids[1]);
  EXPECT_EQ(leaf->address, leaf_) << "the leaf PC exactly";
  EXPECT_EQ(caller->address, return_address_ - 1) << "callers: return address - 1";
  EXPECT_EQ(index.function(leaf->lines[0].function_id)->name, "converttest::convert_leaf");
  EXPECT_EQ(index.function(caller->lines.back().function_id)->name, "converttest::convert_outer");
  EXPECT_GT(caller->lines.back().line, 0);

  const profile::Location* lost = index.location(cpu.samples[2].location_ids[0]);
  EXPECT_EQ(index.function(lost->lines[0].function_id)->name, kNoStackFunction);

  ASSERT_FALSE(cpu.mappings.empty());
  const profile::Mapping& main_mapping = cpu.mappings[0];
  EXPECT_EQ(main_mapping.filename, self_.path);
  EXPECT_EQ(main_mapping.build_id, hex_string(self_.build_id));
  EXPECT_EQ(main_mapping.memory_start, self_.start);
  EXPECT_EQ(main_mapping.memory_limit, self_.limit);
  EXPECT_TRUE(main_mapping.has_functions);
  EXPECT_TRUE(main_mapping.has_filenames);
  EXPECT_TRUE(main_mapping.has_line_numbers);
  EXPECT_TRUE(main_mapping.has_inline_frames);
  EXPECT_EQ(leaf->mapping_id, main_mapping.id);

  profile::Profile wall = read("wall.pb.gz");
  EXPECT_EQ(wall.default_sample_type, "wall");
  EXPECT_EQ(wall.period_type, (profile::ValueType{"wall", "nanoseconds"}));
  ASSERT_EQ(wall.samples.size(), 1u);
  EXPECT_EQ(wall.samples[0].values[1], 50'000'000);
}

TEST_F(ConvertTest, DescendantFilesCarryThePidAndNothingIsOverwritten) {
  std::string raw = write_raw(example());
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(raw, &result, &error, /*root=*/false)) << error;
  ASSERT_EQ(result.profiles.size(), 3u);
  EXPECT_EQ(result.profiles[0].path, dir_ + "/cpu.4242.pb.gz");
  EXPECT_EQ(result.profiles[1].path, dir_ + "/wall.4242.pb.gz");
  EXPECT_EQ(result.profiles[2].path, dir_ + "/heap.4242.pb.gz");

  EXPECT_FALSE(convert(raw, &result, &error, /*root=*/false));
  EXPECT_NE(error.find("File exists"), std::string::npos) << error;
}

TEST_F(ConvertTest, SwitchedOnKindWithoutSamplesStillGetsAFile) {
  RawImageBuilder b;
  b.header().cpu_hz = 0;
  b.header().wall_hz = 50;
  b.header().wall_period_ns = 20'000'000;
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error)) << error;
  ASSERT_EQ(result.profiles.size(), 1u);
  EXPECT_EQ(result.profiles[0].kind, "wall");
  EXPECT_EQ(result.profiles[0].sample_count, 0);
  profile::Profile wall = read("wall.pb.gz");
  EXPECT_TRUE(wall.samples.empty());
  EXPECT_EQ(wall.period, 20'000'000);
}

TEST_F(ConvertTest, ProcessThatDiedUsesTheFallbackEndAndSaysSo) {
  RawImageBuilder b = example();
  b.header().end_monotonic_ns = 0;
  b.header().exited_normally = 0;
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error, true, 8'000'000'000)) << error;
  EXPECT_TRUE(contains(result.warnings, "did not exit normally"));
  EXPECT_EQ(read("cpu.pb.gz").duration_nanos, 3'000'000'000);
}

TEST_F(ConvertTest, ObservedExitAndNameSuffix) {
  RawImageBuilder b = example();
  b.header().exited_normally = 0;
  ConvertOptions options;
  options.output_dir = dir_;
  options.is_root_process = false;
  options.name_suffix = ".2";
  options.exit_observed = true;  // e.g. replaced by exec: it did not die
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert_raw_file(write_raw(b), options, &result, &error)) << error;
  EXPECT_FALSE(contains(result.warnings, "did not exit normally"));
  ASSERT_FALSE(result.profiles.empty());
  EXPECT_EQ(result.profiles[0].path,
            dir_ + "/" + result.profiles[0].kind + "." + std::to_string(result.pid) + ".2.pb.gz");
}

TEST_F(ConvertTest, WithoutAnyEndTimeTheFileTimeBoundsTheDuration) {
  RawImageBuilder b = example();
  b.header().end_monotonic_ns = 0;
  // Started one second before the file was last written.
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  b.header().start_realtime_ns = uint64_t(now.tv_sec - 1) * 1'000'000'000 + uint64_t(now.tv_nsec);
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error)) << error;
  int64_t duration = read("cpu.pb.gz").duration_nanos;
  EXPECT_GE(duration, 900'000'000);
  EXPECT_LE(duration, 60'000'000'000);
}

TEST_F(ConvertTest, UnreadableRawFileIsAnError) {
  ConvertResult result;
  std::string error;
  EXPECT_FALSE(convert(dir_ + "/missing.cxxraw", &result, &error));
  EXPECT_NE(error.find("missing.cxxraw"), std::string::npos) << error;

  RawImageBuilder b = example();
  b.header().magic[0] = 'Z';
  EXPECT_FALSE(convert(write_raw(b), &result, &error));
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
}

TEST_F(ConvertTest, MissingLibraryShowsModuleOffsetAndWarns) {
  RawImageBuilder b;
  b.add_module("/gone/libvanished.so.1", 0x7f0000000000, 0x7f0000100000, 0x7f0000000000);
  b.add_thread(7, "worker");
  b.add_stack(1, {0x7f0000001234, 0x7f0000005679});
  b.add_sample(SampleKind::kCpu, 0, 1, {1, 10'000'000});
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error)) << error;
  EXPECT_TRUE(contains(result.warnings, "/gone/libvanished.so.1"));
  profile::Profile cpu = read("cpu.pb.gz");
  profile::ProfileIndex index(cpu);
  ASSERT_EQ(cpu.samples.size(), 1u);
  const profile::Location* leaf = index.location(cpu.samples[0].location_ids[0]);
  const profile::Location* caller = index.location(cpu.samples[0].location_ids[1]);
  EXPECT_EQ(index.function(leaf->lines[0].function_id)->name, "libvanished.so.1+0x1234");
  EXPECT_EQ(index.function(caller->lines[0].function_id)->name, "libvanished.so.1+0x5678");
  ASSERT_EQ(cpu.mappings.size(), 1u);
  EXPECT_FALSE(cpu.mappings[0].has_functions) << "lets pprof try to symbolize it later";
  EXPECT_TRUE(contains(cpu.comments, "libvanished.so.1"));
}

}  // namespace
}  // namespace cxxprof
