// The raw file reader on well-formed, unfinished and hostile input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <span>

#include "symbolizer/raw_reader.h"
#include "tests/unit/raw_image_builder.h"

namespace cxxprof {
namespace {

using cxxprof_test::RawImageBuilder;
using raw::SampleKind;

std::span<const uint8_t> as_span(const std::string& bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

bool parse(const std::string& bytes, RawData* data, std::string* error) {
  return parse_raw_data(as_span(bytes), RawReadScope::kEverything, data, error);
}

// A small but complete image: two modules (one unfinished), two threads, three stacks,
// cpu and wall samples, a vDSO copy, some counters.
RawImageBuilder example_image() {
  RawImageBuilder b;
  b.add_module("/bin/example", 0x400000, 0x500000, 0, "\x01\x02\xab", raw::kModuleMainExecutable);
  b.add_module("/lib/libc.so.6", 0x7f0000000000, 0x7f0000200000, 0x7f0000000000);
  b.add_module("/lib/unfinished.so", 0x7f1000000000, 0x7f1000001000, 0x7f1000000000).ready = 0;
  uint32_t main_thread = b.add_thread(100, "main");
  uint32_t worker = b.add_thread(101, "");
  b.add_stack(1, {0x401000, 0x402000, 0x7f0000001000});
  b.add_stack(2, {0x403000});
  b.add_stack(3, {});
  b.add_sample(SampleKind::kCpu, main_thread, 1, {3, 30'000'000});
  b.add_sample(SampleKind::kCpu, worker, 2, {1, 10'000'000});
  b.add_sample(SampleKind::kWall, worker, 1, {2, 20'000'000}, 7);
  b.add_sample(SampleKind::kCpu, worker, 0, {1, 10'000'000});
  b.header().counters[raw::kSamplesDroppedTableFull] = 5;
  b.set_vdso(
      "\x7f"
      "ELF-not-really",
      0x7fff0000);
  return b;
}

TEST(RawReaderTest, DecodesEverySection) {
  std::string error;
  RawData data;
  ASSERT_TRUE(parse(example_image().bytes(), &data, &error)) << error;

  EXPECT_EQ(data.version, raw::kVersion);
  EXPECT_EQ(data.pid, 4242);
  EXPECT_EQ(data.ppid, 1);
  EXPECT_EQ(data.start_realtime_ns, 1'700'000'000'000'000'000ull);
  EXPECT_EQ(data.start_monotonic_ns, 5'000'000'000ull);
  EXPECT_EQ(data.end_monotonic_ns, 7'500'000'000ull);
  EXPECT_TRUE(data.exited_normally);
  EXPECT_EQ(data.cpu_hz, 100u);
  EXPECT_EQ(data.cpu_period_ns, 10'000'000u);
  EXPECT_EQ(data.counters[raw::kSamplesDroppedTableFull], 5u);
  EXPECT_EQ(data.executable, "/bin/example");
  EXPECT_EQ(data.command_line, "example --flag value");

  ASSERT_EQ(data.modules.size(), 2u) << "the unfinished module is skipped";
  EXPECT_EQ(data.modules[0].path, "/bin/example");
  EXPECT_TRUE(data.modules[0].is_main_executable());
  EXPECT_EQ(data.modules[0].build_id, std::string("\x01\x02\xab"));
  EXPECT_EQ(data.modules[1].start, 0x7f0000000000u);
  EXPECT_EQ(data.modules[1].limit, 0x7f0000200000u);
  EXPECT_EQ(data.modules[1].load_bias, 0x7f0000000000u);

  ASSERT_EQ(data.threads.size(), 2u);
  ASSERT_NE(data.thread(0), nullptr);
  EXPECT_EQ(data.thread(0)->name, "main");
  EXPECT_EQ(data.thread(1)->tid, 101);
  EXPECT_EQ(data.thread(1)->name, "");
  EXPECT_EQ(data.thread(5), nullptr);

  ASSERT_EQ(data.samples.size(), 4u);
  EXPECT_EQ(data.samples[0].kind, SampleKind::kCpu);
  EXPECT_EQ(data.samples[0].thread_slot, 0u);
  EXPECT_EQ(data.samples[0].stack_id, 1u);
  EXPECT_EQ(data.samples[0].values[0], 3);
  EXPECT_EQ(data.samples[0].values[1], 30'000'000);
  EXPECT_EQ(data.samples[2].kind, SampleKind::kWall);
  EXPECT_EQ(data.samples[2].aux, 7u);
  EXPECT_EQ(data.samples[3].stack_id, 0u);

  ASSERT_EQ(data.stacks.count(1), 1u);
  EXPECT_EQ(data.stacks.at(1), (std::vector<uint64_t>{0x401000, 0x402000, 0x7f0000001000}));
  EXPECT_EQ(data.stacks.at(2), (std::vector<uint64_t>{0x403000}));
  EXPECT_EQ(data.stacks.count(3), 0u) << "only stacks that samples use are decoded";

  EXPECT_EQ(data.vdso_image,
            "\x7f"
            "ELF-not-really");
  EXPECT_EQ(data.vdso_address, 0x7fff0000u);
  EXPECT_EQ(data.samples_with_empty_stack_slot, 0u);
}

TEST(RawReaderTest, HeaderOnlyScopeSkipsSections) {
  RawImageBuilder b = example_image();
  b.header().samples.offset = ~uint64_t(0);  // would fail a full read
  RawData data;
  std::string error;
  ASSERT_TRUE(parse_raw_data(as_span(b.bytes()), RawReadScope::kHeaderOnly, &data, &error))
      << error;
  EXPECT_EQ(data.pid, 4242);
  EXPECT_TRUE(data.samples.empty());
}

TEST(RawReaderTest, SampleOnUnfilledStackSlotKeepsItsValueWithoutStack) {
  RawImageBuilder b;
  b.add_thread(1, "t");
  b.add_sample(SampleKind::kCpu, 0, 9, {1, 10});
  RawData data;
  std::string error;
  ASSERT_TRUE(parse(b.bytes(), &data, &error)) << error;
  ASSERT_EQ(data.samples.size(), 1u);
  EXPECT_EQ(data.samples[0].stack_id, 0u);
  EXPECT_EQ(data.samples_with_empty_stack_slot, 1u);
}

// Each hostile input must be rejected with a message containing `expected`.
void expect_rejected(const std::string& bytes, const std::string& expected) {
  RawData data;
  std::string error;
  EXPECT_FALSE(parse(bytes, &data, &error));
  EXPECT_NE(error.find(expected), std::string::npos) << "error: " << error;
}

TEST(RawReaderTest, RejectsBadMagicVersionAndHeaderSize) {
  std::string bytes = example_image().bytes();
  std::string bad = bytes;
  bad[0] = 'X';
  expect_rejected(bad, "bad magic");

  RawImageBuilder v = example_image();
  v.header().version = 99;
  expect_rejected(v.bytes(), "unsupported raw format version 99");

  RawImageBuilder h = example_image();
  h.header().header_size = 16;
  expect_rejected(h.bytes(), "bad header size");

  expect_rejected("", "not a cxxprof raw file");
  expect_rejected("CXXPRAW1", "not a cxxprof raw file");
}

TEST(RawReaderTest, RejectsTruncatedFiles) {
  std::string bytes = example_image().bytes();
  expect_rejected(bytes.substr(0, sizeof(raw::Header) / 2), "truncated");
  // Header intact, sections cut off.
  expect_rejected(bytes.substr(0, sizeof(raw::Header) + 100), "outside the file");
  expect_rejected(bytes.substr(0, bytes.size() - 1), "outside the file");
}

TEST(RawReaderTest, RejectsSectionsOutsideTheFile) {
  RawImageBuilder a = example_image();
  a.header().frame_pool.offset = a.header().file_size + 4096;
  expect_rejected(a.bytes(), "frame pool section");

  RawImageBuilder b = example_image();
  b.header().samples.capacity = uint64_t(1) << 27;  // fits the limit, not the file
  expect_rejected(b.bytes(), "samples section");

  RawImageBuilder c = example_image();
  c.header().threads.capacity = ~uint64_t(0);  // would overflow capacity * entry_size
  expect_rejected(c.bytes(), "threads section: capacity");

  RawImageBuilder d = example_image();
  d.header().modules.entry_size = 8;
  expect_rejected(d.bytes(), "modules section: entry size 8");

  RawImageBuilder e = example_image();
  e.header().modules.offset = 0;  // overlapping the header
  expect_rejected(e.bytes(), "modules section");

  RawImageBuilder f = example_image();
  f.header().vdso_size = f.header().vdso.capacity + 1;
  expect_rejected(f.bytes(), "vDSO size");
}

TEST(RawReaderTest, RejectsStacksPastThePool) {
  RawImageBuilder a = example_image();
  a.header().frame_pool_used = 3;  // stack 1 needs words 1..4
  expect_rejected(a.bytes(), "outside the used frame pool");

  RawImageBuilder b;
  b.add_thread(1, "t");
  b.add_stack(1, {0x1000});
  b.set_stack_slot(1, raw::pack_stack_slot(1, 255));  // deeper than kMaxStackDepth
  b.add_sample(SampleKind::kCpu, 0, 1, {1, 1});
  expect_rejected(b.bytes(), "outside the used frame pool");

  RawImageBuilder c;
  c.add_thread(1, "t");
  c.add_stack(1, {0x1000});
  c.set_stack_slot(1, raw::pack_stack_slot(uint64_t(1) << 40, 1));  // offset far past the end
  c.add_sample(SampleKind::kCpu, 0, 1, {1, 1});
  expect_rejected(c.bytes(), "outside the used frame pool");
}

TEST(RawReaderTest, RejectsBadSampleKeys) {
  RawImageBuilder kind;
  kind.add_thread(1, "t");
  kind.add_sample(SampleKind(9), 0, 0, {1});
  expect_rejected(kind.bytes(), "unknown sample kind 9");

  RawImageBuilder thread;
  thread.add_sample(SampleKind::kCpu, 20, 0, {1});  // capacity is 16
  expect_rejected(thread.bytes(), "thread slot 20 out of range");

  RawImageBuilder stack;
  stack.add_thread(1, "t");
  stack.add_sample(SampleKind::kCpu, 0, 100, {1});  // capacity is 64
  expect_rejected(stack.bytes(), "stack id 100 out of range");
}

TEST(RawReaderTest, CorruptModuleEntryIsRejected) {
  RawImageBuilder b;
  b.add_module("/lib/x.so", 0x2000, 0x1000, 0);  // limit below start
  expect_rejected(b.bytes(), "module entry 0 is corrupt");

  RawImageBuilder c;
  c.add_module("/lib/x.so", 0x1000, 0x2000, 0).build_id_size = 1000;
  expect_rejected(c.bytes(), "module entry 0 is corrupt");
}

TEST(RawReaderTest, UnterminatedStringsStayInTheirFields) {
  RawImageBuilder b = example_image();
  std::memset(b.header().command_line, 'x', sizeof(b.header().command_line));
  raw::ModuleEntry& module = b.add_module("", 0x1000, 0x2000, 0);
  std::memset(module.path, 'p', sizeof(module.path));
  RawData data;
  std::string error;
  ASSERT_TRUE(parse(b.bytes(), &data, &error)) << error;
  EXPECT_EQ(data.command_line.size(), raw::kCommandLineSize);
  EXPECT_EQ(data.modules.back().path.size(), raw::kModulePathSize);
}

// Random damage anywhere in the header or the sections must give an error or a
// consistent result, never a crash or a sanitizer report.
TEST(RawReaderTest, SurvivesRandomCorruption) {
  const std::string pristine = example_image().bytes();
  std::mt19937_64 random(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = pristine;
    int flips = 1 + int(random() % 8);
    for (int i = 0; i < flips; ++i) {
      // Mostly the header, where every offset and count lives.
      size_t limit = (random() % 4 == 0) ? bytes.size() : sizeof(raw::Header);
      bytes[random() % limit] = char(random());
    }
    if (random() % 10 == 0) bytes.resize(random() % bytes.size());
    RawData data;
    std::string error;
    if (parse(bytes, &data, &error)) {
      for (const RawSample& sample : data.samples) {
        if (sample.stack_id != 0) {
          EXPECT_EQ(data.stacks.count(sample.stack_id), 1u);
        }
      }
    } else {
      EXPECT_FALSE(error.empty());
    }
  }
}

TEST(RawReaderTest, ReadsFilesAndNamesThemInErrors) {
  char dir_template[] = "/tmp/cxxprof-raw-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string path = dir + "/4242.cxxraw";
  std::string bytes = example_image().bytes();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  ::close(fd);

  RawData data;
  std::string error;
  ASSERT_TRUE(read_raw_file(path, RawReadScope::kEverything, &data, &error)) << error;
  EXPECT_EQ(data.samples.size(), 4u);
  EXPECT_EQ(data.stacks.at(1).size(), 3u);
  EXPECT_GT(data.file_mtime_ns, 0);

  ASSERT_EQ(::truncate(path.c_str(), 100), 0);
  EXPECT_FALSE(read_raw_file(path, RawReadScope::kEverything, &data, &error));
  EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;

  EXPECT_FALSE(read_raw_file(dir + "/missing.cxxraw", RawReadScope::kEverything, &data, &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  EXPECT_FALSE(read_raw_file(dir, RawReadScope::kEverything, &data, &error));

  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace cxxprof
