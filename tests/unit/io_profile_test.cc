// The I/O profile on the host side: the raw reader's io_paths section (hostile input),
// labels from aux (op, fd_kind, path), the bound on distinct path labels, the io row of
// the profile kinds, and the summary's top files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/io_labels.h"
#include "symbolizer/io_profile.h"
#include "symbolizer/profile_kinds.h"
#include "symbolizer/raw_reader.h"
#include "symbolizer/raw_warnings.h"
#include "tests/unit/raw_image_builder.h"
#include "tools/file_summary.h"

namespace cxxprof {
namespace {

using cxxprof_test::RawImageBuilder;
using raw::SampleKind;

RawData parse(const RawImageBuilder& builder) {
  const std::string bytes = builder.bytes();
  RawData data;
  std::string error;
  EXPECT_TRUE(parse_raw_data({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                             RawReadScope::kEverything, &data, &error))
      << error;
  return data;
}

uint32_t file_aux(io::Op op, uint32_t path_id) { return io::pack_aux(op, io::FdKind::kFile, path_id); }

std::string label(const profile::Sample& sample, const std::string& key) {
  const std::string* value = sample.string_label(key);
  return value == nullptr ? "(none)" : *value;
}

TEST(IoLabels, AuxRoundTripsEveryField) {
  for (unsigned op = 0; op < unsigned(io::Op::kCount); ++op) {
    for (unsigned kind = 0; kind < unsigned(io::FdKind::kCount); ++kind) {
      for (uint32_t path : {0u, 1u, 1234u, io::kMaxPathIds - 1}) {
        const uint32_t aux = io::pack_aux(io::Op(op), io::FdKind(kind), path);
        EXPECT_EQ(io::aux_op(aux), io::Op(op));
        EXPECT_EQ(io::aux_fd_kind(aux), io::FdKind(kind));
        EXPECT_EQ(io::aux_path_id(aux), path);
        EXPECT_LT(aux, 1u << 20);
      }
    }
  }
  EXPECT_STREQ(io::op_name(io::Op::kCopyFileRange), "copy_file_range");
  EXPECT_STREQ(io::op_name(io::Op::kEpollWait), "epoll_wait");
  EXPECT_STREQ(io::op_name(io::Op(63)), "unknown");
  EXPECT_STREQ(io::fd_kind_name(io::FdKind::kTty), "tty");
}

TEST(IoRawReader, ReadsPublishedPathsAndSkipsUnfinishedOnes) {
  RawImageBuilder b;
  b.add_io_path(1, "/var/lib/app/data.db");
  b.add_io_path(3, std::string(raw::kIoPathSize, 'x'));
  RawData data = parse(b);
  ASSERT_EQ(data.io_paths.size(), 16u);
  EXPECT_EQ(data.io_paths[1], "/var/lib/app/data.db");
  EXPECT_EQ(data.io_paths[2], "");
  EXPECT_EQ(data.io_paths[3], std::string(raw::kIoPathSize, 'x'));
}

TEST(IoRawReader, CorruptPathLengthIsAnError) {
  RawImageBuilder b;
  b.add_io_path(2, "/tmp/x");
  std::string bytes = b.bytes();
  const uint64_t entry = b.header().io_paths.offset + 2 * sizeof(raw::IoPathEntry);
  const uint32_t huge = raw::kIoPathSize + 1;
  std::memcpy(&bytes[entry + offsetof(raw::IoPathEntry, length)], &huge, sizeof(huge));
  RawData data;
  std::string error;
  EXPECT_FALSE(parse_raw_data({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                              RawReadScope::kEverything, &data, &error));
  EXPECT_NE(error.find("io path entry 2"), std::string::npos) << error;
}

TEST(IoRawReader, SectionOutsideTheFileIsAnErrorAndAbsentSectionIsFine) {
  RawImageBuilder b;
  b.header().io_paths.offset = b.header().file_size;  // capacity 16 past the end
  std::string bytes = b.bytes();
  RawData data;
  std::string error;
  EXPECT_FALSE(parse_raw_data({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                              RawReadScope::kEverything, &data, &error));
  EXPECT_NE(error.find("io paths section"), std::string::npos) << error;

  RawImageBuilder without;
  without.header().io_paths = raw::Section{0, 0, 0};
  EXPECT_TRUE(parse(without).io_paths.empty());
}

TEST(IoRawReader, DroppedPathsAreReportedAsAWarning) {
  RawImageBuilder b;
  b.header().counters[raw::kIoPathsDropped] = 12;
  bool found = false;
  for (const std::string& warning : raw_data_warnings(parse(b), true)) {
    if (warning.rfind("12 files whose path did not fit", 0) == 0) found = true;
  }
  EXPECT_TRUE(found);
}

TEST(IoPathLabels, KeepsTheTopFilesByBytesAndByTimeAndFoldsTheRest) {
  RawImageBuilder b;
  const uint32_t thread = b.add_thread(7, "main");
  for (uint32_t id = 1; id <= 6; ++id) b.add_io_path(id, "/f" + std::to_string(id));
  // /f1, /f2: most bytes; /f3, /f4: most time; /f5, /f6: neither.
  b.add_sample(SampleKind::kIo, thread, 0, {1, 9000, 10}, file_aux(io::Op::kRead, 1));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 8000, 10}, file_aux(io::Op::kRead, 2));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 10, 9000}, file_aux(io::Op::kFsync, 3));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 10, 8000}, file_aux(io::Op::kWrite, 4));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 5, 5}, file_aux(io::Op::kWrite, 5));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 5, 5}, file_aux(io::Op::kWrite, 6));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 5, 5}, file_aux(io::Op::kWrite, io::kNoPath));
  const auto labels = io_path_labels(parse(b), 4);
  EXPECT_EQ(labels.at(1), "/f1");
  EXPECT_EQ(labels.at(2), "/f2");
  EXPECT_EQ(labels.at(3), "/f3");
  EXPECT_EQ(labels.at(4), "/f4");
  EXPECT_EQ(labels.at(5), "other files");
  EXPECT_EQ(labels.at(6), "other files");
  EXPECT_EQ(labels.at(io::kNoPath), "other files");
}

TEST(IoPathLabels, OnePathStoredTwiceIsOneLabel) {
  RawImageBuilder b;
  const uint32_t thread = b.add_thread(7, "main");
  b.add_io_path(1, "/same");
  b.add_io_path(2, "/same");
  b.add_io_path(3, "/other");
  b.add_sample(SampleKind::kIo, thread, 0, {1, 100, 1}, file_aux(io::Op::kRead, 1));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 100, 1}, file_aux(io::Op::kRead, 2));
  b.add_sample(SampleKind::kIo, thread, 0, {1, 150, 1}, file_aux(io::Op::kRead, 3));
  // With room for one label by bytes, "/same" (200 bytes over two ids) wins.
  const auto labels = io_path_labels(parse(b), 2);
  EXPECT_EQ(labels.at(1), "/same");
  EXPECT_EQ(labels.at(2), "/same");
}

TEST(IoProfileKind, LabelsEverySampleAndOnlyFilesGetAPath) {
  const ProfileKind* kind = find_profile_kind(SampleKind::kIo);
  ASSERT_NE(kind, nullptr);
  EXPECT_STREQ(kind->name, "io");
  ASSERT_EQ(kind->sample_types.size(), 3u);
  EXPECT_EQ(kind->sample_types[0].type, "calls");
  EXPECT_EQ(kind->sample_types[0].unit, "count");
  EXPECT_EQ(kind->sample_types[1].unit, "bytes");
  EXPECT_EQ(kind->sample_types[2].type, "time");
  EXPECT_EQ(kind->sample_types[2].unit, "nanoseconds");
  EXPECT_STREQ(kind->default_sample_type, "time");

  RawImageBuilder b;
  b.header().io_rate = 100000;
  const uint32_t thread = b.add_thread(7, "main");
  b.add_io_path(5, "/data/log");
  b.add_sample(SampleKind::kIo, thread, 0, {1, 10, 100}, file_aux(io::Op::kPwrite, 5));
  b.add_sample(SampleKind::kIo, thread, 0, {2, 20, 200},
               io::pack_aux(io::Op::kRecv, io::FdKind::kSocket, io::kNoPath));
  RawData data = parse(b);
  EXPECT_TRUE(kind->switched_on(data));
  EXPECT_EQ(kind->period(data), 100000);
  ASSERT_NE(kind->make_aux_labeller, nullptr);
  const AuxLabeller labeller = kind->make_aux_labeller(data);
  profile::Sample file, socket;
  labeller(data.samples[0].aux, &file);
  labeller(data.samples[1].aux, &socket);
  EXPECT_EQ(label(file, "op"), "pwrite");
  EXPECT_EQ(label(file, "fd_kind"), "file");
  EXPECT_EQ(label(file, "path"), "/data/log");
  EXPECT_EQ(label(socket, "op"), "recv");
  EXPECT_EQ(label(socket, "fd_kind"), "socket");
  EXPECT_EQ(label(socket, "path"), "(none)");
}

TEST(FileSummary, TopFilesByBytesAndByTime) {
  profile::Profile p;
  p.sample_types = {{"calls", "count"}, {"bytes", "bytes"}, {"time", "nanoseconds"}};
  auto add = [&](const std::string& path, int64_t bytes, int64_t time) {
    profile::Sample s;
    s.values = {1, bytes, time};
    if (!path.empty()) s.labels.push_back(profile::string_label("path", path));
    p.samples.push_back(s);
  };
  add("/big", 3 * 1024 * 1024, 1000);
  add("/slow", 1024, 2'000'000'000);
  add("/big", 1024 * 1024, 0);
  add("", 999999999, 999999999);  // a socket: no path, not a file
  const std::string text = format_top_files(p, 5);
  const size_t bytes = text.find("Top files by bytes:\n");
  const size_t time = text.find("Top files by time:\n");
  ASSERT_NE(bytes, std::string::npos) << text;
  ASSERT_NE(time, std::string::npos) << text;
  EXPECT_LT(text.find("/big", bytes), text.find("/slow", bytes)) << text;
  EXPECT_NE(text.find("4MB"), std::string::npos) << text;
  EXPECT_LT(text.find("/slow", time), text.find("/big", time)) << text;
  EXPECT_NE(text.find("2s"), std::string::npos) << text;

  profile::Profile cpu;
  cpu.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  EXPECT_EQ(format_top_files(cpu, 5), "");
}

}  // namespace
}  // namespace cxxprof
