// The mutex and block profiles as the symbolizer writes them (symbolizer/profile_kinds.cc):
// Go's shape (contentions/count and delay/nanoseconds, delay the default, period type
// contentions/count with period 1), the block profile's `reason` label from the sample's
// aux, a file even without samples when the profile was on, and the contention table's
// overflow counter as a warning.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "common/block_reasons.h"
#include "symbolizer/convert.h"
#include "symbolizer/profile_encoder.h"
#include "symbolizer/profile_kinds.h"
#include "tests/unit/raw_image_builder.h"
#include "tests/unit/self_module.h"

namespace locktest {
__attribute__((noinline)) int lock_leaf(int x) { return x + 1; }
}  // namespace locktest

namespace cxxprof {
namespace {

using cxxprof_test::RawImageBuilder;
using raw::SampleKind;

TEST(LockProfileKinds, MutexAndBlockHaveGosShape) {
  for (SampleKind kind : {SampleKind::kMutex, SampleKind::kBlock}) {
    const ProfileKind* row = find_profile_kind(kind);
    ASSERT_NE(row, nullptr) << sample_kind_name(kind);
    EXPECT_STREQ(row->name, sample_kind_name(kind));
    ASSERT_EQ(row->sample_types.size(), 2u);
    EXPECT_EQ(row->sample_types[0], (profile::ValueType{"contentions", "count"}));
    EXPECT_EQ(row->sample_types[1], (profile::ValueType{"delay", "nanoseconds"}));
    EXPECT_EQ(row->period_type, (profile::ValueType{"contentions", "count"}));
    EXPECT_STREQ(row->default_sample_type, "delay");
  }
  EXPECT_EQ(find_profile_kind(SampleKind::kMutex)->add_aux_labels, nullptr);
}

TEST(LockProfileKinds, BlockReasonLabels) {
  const ProfileKind* block = find_profile_kind(SampleKind::kBlock);
  ASSERT_NE(block, nullptr);
  ASSERT_NE(block->add_aux_labels, nullptr);
  const std::map<uint32_t, std::string> expected = {
      {block::kReasonMutex, "mutex"}, {block::kReasonRwlock, "rwlock"}, {block::kReasonCond, "cond"},
      {block::kReasonSem, "sem"},     {block::kReasonJoin, "join"},     {block::kReasonBarrier, "barrier"},
      {block::kReasonSleep, "sleep"}, {0, "unknown"},                  {99, "unknown"},
  };
  for (const auto& [aux, name] : expected) {
    profile::Sample sample;
    block->add_aux_labels(aux, &sample);
    ASSERT_NE(sample.string_label("reason"), nullptr) << aux;
    EXPECT_EQ(*sample.string_label("reason"), name) << aux;
  }
}

class LockProfileConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/cxxprof-lock-convert.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    leaf_ = reinterpret_cast<uint64_t>(&locktest::lock_leaf);
    self_ = cxxprof_test::module_containing(reinterpret_cast<void*>(leaf_));
    ASSERT_FALSE(self_.path.empty());
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  std::string write_raw(const RawImageBuilder& builder) {
    const std::string path = dir_ + "/77.cxxraw";
    const std::string bytes = builder.bytes();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
    ::close(fd);
    return path;
  }

  bool convert(const std::string& raw, ConvertResult* result, std::string* error) {
    ConvertOptions options;
    options.output_dir = dir_;
    options.is_root_process = true;
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
  RawModule self_;
};

TEST_F(LockProfileConvertTest, WritesBothProfilesWithReasons) {
  RawImageBuilder b;
  b.header().mutex_fraction = 1;
  b.header().block_rate = 1;
  b.header().counters[raw::kLockWaitsUntracked] = 5;
  b.add_module(self_.path, self_.start, self_.limit, self_.load_bias, self_.build_id,
               raw::kModuleMainExecutable);
  const uint32_t holder = b.add_thread(10, "holder");
  const uint32_t waiter = b.add_thread(11, "waiter");
  b.add_stack(1, {leaf_});
  b.add_sample(SampleKind::kMutex, holder, 1, {3, 3'000'000});
  b.add_sample(SampleKind::kBlock, waiter, 1, {2, 2'500'000}, block::kReasonMutex);
  b.add_sample(SampleKind::kBlock, waiter, 1, {1, 40'000'000}, block::kReasonSleep);
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error)) << error;
  bool warned = false;
  for (const std::string& line : result.warnings) {
    warned |= line.find("5 lock waits not charged") != std::string::npos;
  }
  EXPECT_TRUE(warned);

  const profile::Profile mutex = read("mutex.pb.gz");
  EXPECT_EQ(mutex.period, 1);
  EXPECT_EQ(mutex.default_sample_type, "delay");
  ASSERT_EQ(mutex.samples.size(), 1u);
  EXPECT_EQ(mutex.samples[0].values, (std::vector<int64_t>{3, 3'000'000}));
  EXPECT_EQ(*mutex.samples[0].string_label("thread"), "holder");
  EXPECT_EQ(mutex.samples[0].string_label("reason"), nullptr);

  const profile::Profile block = read("block.pb.gz");
  ASSERT_EQ(block.samples.size(), 2u);
  std::map<std::string, int64_t> delay_by_reason;
  for (const profile::Sample& sample : block.samples) {
    ASSERT_NE(sample.string_label("reason"), nullptr);
    EXPECT_EQ(*sample.string_label("thread"), "waiter");
    delay_by_reason[*sample.string_label("reason")] += sample.values[1];
  }
  EXPECT_EQ(delay_by_reason["mutex"], 2'500'000);
  EXPECT_EQ(delay_by_reason["sleep"], 40'000'000);
}

TEST_F(LockProfileConvertTest, SwitchedOnWithoutSamplesStillWritesTheFiles) {
  RawImageBuilder b;
  b.header().mutex_fraction = 10;
  b.header().block_rate = 1000;
  b.add_module(self_.path, self_.start, self_.limit, self_.load_bias, self_.build_id,
               raw::kModuleMainExecutable);
  ConvertResult result;
  std::string error;
  ASSERT_TRUE(convert(write_raw(b), &result, &error)) << error;
  std::map<std::string, int64_t> samples;
  for (const WrittenProfile& written : result.profiles) samples[written.kind] = written.sample_count;
  ASSERT_EQ(samples.count("mutex"), 1u);
  ASSERT_EQ(samples.count("block"), 1u);
  EXPECT_EQ(samples["mutex"], 0);
  EXPECT_EQ(samples["block"], 0);
  EXPECT_TRUE(read("mutex.pb.gz").samples.empty());
}

}  // namespace
}  // namespace cxxprof
