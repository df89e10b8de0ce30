// Model <-> profile.proto <-> gzip, checked through libprotobuf's own parser.
#include <gtest/gtest.h>

#include "proto/profile.pb.h"
#include "symbolizer/gzip.h"
#include "symbolizer/profile_encoder.h"
#include "symbolizer/utf8.h"

namespace cxxprof::profile {
namespace {

namespace pb = perftools::profiles;

Profile example_profile() {
  Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'000'000;
  p.time_nanos = 1'700'000'000'123'456'789;
  p.duration_nanos = 2'500'000'000;
  p.comments = {"./app --flag", "warning: 3 samples dropped"};
  p.drop_frames = "^malloc$";
  p.mappings.push_back(Mapping{.id = 1,
                               .memory_start = 0x400000,
                               .memory_limit = 0x500000,
                               .file_offset = 0x1000,
                               .filename = "/bin/app",
                               .build_id = "0123abcd",
                               .has_functions = true,
                               .has_filenames = true,
                               .has_line_numbers = true,
                               .has_inline_frames = true});
  p.mappings.push_back(
      Mapping{.id = 2, .memory_start = 0x7f00, .memory_limit = 0x8f00, .filename = "[vdso]"});
  p.functions.push_back(Function{.id = 1,
                                 .name = "ns::f(int)",
                                 .system_name = "_ZN2ns1fEi",
                                 .filename = "f.cc",
                                 .start_line = 3});
  p.functions.push_back(Function{
      .id = 2, .name = "main", .system_name = "main", .filename = "main.cc", .start_line = 10});
  p.locations.push_back(
      Location{.id = 1, .mapping_id = 1, .address = 0x401234, .lines = {{1, 5}, {2, 12}}});
  p.locations.push_back(
      Location{.id = 2, .mapping_id = 2, .address = 0x7f10, .lines = {{2, 14}}, .is_folded = true});
  p.samples.push_back(
      Sample{.location_ids = {1, 2},
             .values = {3, 30'000'000},
             .labels = {string_label("thread", "main"), numeric_label("bytes", 4096, "bytes")}});
  p.samples.push_back(Sample{.location_ids = {2},
                             .values = {1, 10'000'000},
                             .labels = {string_label("thread", "worker")}});
  return p;
}

TEST(ProfileEncoderTest, RoundTripsThroughGzipAndProtobuf) {
  Profile original = example_profile();
  std::string gz, error;
  ASSERT_TRUE(encode_profile(original, &gz, &error)) << error;
  EXPECT_TRUE(is_gzip(gz));
  Profile decoded;
  ASSERT_TRUE(decode_profile(gz, &decoded, &error)) << error;
  EXPECT_EQ(decoded, original);
}

TEST(ProfileEncoderTest, WritesPprofWireLayout) {
  std::string bytes, error;
  ASSERT_TRUE(serialize_profile(example_profile(), &bytes, &error)) << error;
  pb::Profile message;
  ASSERT_TRUE(message.ParseFromString(bytes));
  ASSERT_GT(message.string_table_size(), 0);
  EXPECT_EQ(message.string_table(0), "");
  // Every string once.
  std::set<std::string> unique(message.string_table().begin(), message.string_table().end());
  EXPECT_EQ(unique.size(), size_t(message.string_table_size()));
  auto str = [&](int64_t index) { return message.string_table(int(index)); };

  ASSERT_EQ(message.sample_type_size(), 2);
  EXPECT_EQ(str(message.sample_type(1).type()), "cpu");
  EXPECT_EQ(str(message.sample_type(1).unit()), "nanoseconds");
  EXPECT_EQ(str(message.default_sample_type()), "cpu");
  EXPECT_EQ(str(message.period_type().type()), "cpu");
  EXPECT_EQ(message.period(), 10'000'000);
  EXPECT_EQ(message.duration_nanos(), 2'500'000'000);
  ASSERT_EQ(message.comment_size(), 2);
  EXPECT_EQ(str(message.comment(0)), "./app --flag");
  ASSERT_EQ(message.sample_size(), 2);
  EXPECT_EQ(message.sample(0).location_id(1), 2u);
  EXPECT_EQ(message.sample(0).value(1), 30'000'000);
  ASSERT_EQ(message.sample(0).label_size(), 2);
  EXPECT_EQ(str(message.sample(0).label(0).key()), "thread");
  EXPECT_EQ(str(message.sample(0).label(0).str()), "main");
  EXPECT_EQ(message.sample(0).label(1).num(), 4096);
  EXPECT_EQ(str(message.sample(0).label(1).num_unit()), "bytes");
  EXPECT_EQ(str(message.mapping(0).build_id()), "0123abcd");
  EXPECT_TRUE(message.mapping(0).has_inline_frames());
  EXPECT_EQ(message.location(0).line_size(), 2);
  EXPECT_EQ(str(message.function(0).system_name()), "_ZN2ns1fEi");
}

// The field numbers are what every pprof consumer relies on.
TEST(ProfileEncoderTest, FieldNumbersMatchPprof) {
  auto number = [](const google::protobuf::Descriptor* d, const char* field) {
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(field);
    return f == nullptr ? -1 : f->number();
  };
  const auto* profile = pb::Profile::descriptor();
  const char* profile_fields[] = {
      "sample_type",  "sample",      "mapping",     "location",           "function",
      "string_table", "drop_frames", "keep_frames", "time_nanos",         "duration_nanos",
      "period_type",  "period",      "comment",     "default_sample_type"};
  for (int i = 0; i < 14; ++i) EXPECT_EQ(number(profile, profile_fields[i]), i + 1);
  EXPECT_EQ(number(pb::Sample::descriptor(), "location_id"), 1);
  EXPECT_EQ(number(pb::Sample::descriptor(), "label"), 3);
  EXPECT_TRUE(pb::Sample::descriptor()->FindFieldByName("location_id")->is_packed());
  EXPECT_EQ(number(pb::Label::descriptor(), "num_unit"), 4);
  EXPECT_EQ(number(pb::Mapping::descriptor(), "has_inline_frames"), 10);
  EXPECT_EQ(number(pb::Location::descriptor(), "is_folded"), 5);
  EXPECT_EQ(number(pb::Line::descriptor(), "line"), 2);
  EXPECT_EQ(number(pb::Function::descriptor(), "start_line"), 5);
}

TEST(ProfileEncoderTest, DecodesPlainProtobuf) {
  std::string bytes, error;
  ASSERT_TRUE(serialize_profile(example_profile(), &bytes, &error)) << error;
  Profile decoded;
  ASSERT_TRUE(decode_profile(bytes, &decoded, &error)) << error;
  EXPECT_EQ(decoded, example_profile());
}

TEST(ProfileEncoderTest, RefusesToWriteInvalidProfiles) {
  Profile p = example_profile();
  p.samples[0].values.pop_back();
  std::string bytes, error;
  EXPECT_FALSE(encode_profile(p, &bytes, &error));
  EXPECT_EQ(error, "invalid profile: sample 0 has 1 values, want 2");
}

TEST(ProfileEncoderTest, ClearErrorsForBadInput) {
  Profile p;
  std::string error;
  EXPECT_FALSE(decode_profile("", &p, &error));
  EXPECT_EQ(error, "empty profile");

  EXPECT_FALSE(decode_profile("hello, this is not a profile\n", &p, &error));
  EXPECT_NE(error.find("not a profile"), std::string::npos) << error;

  std::string gz;
  ASSERT_TRUE(encode_profile(example_profile(), &gz, &error));
  EXPECT_FALSE(decode_profile(gz.substr(0, gz.size() / 2), &p, &error));
  EXPECT_EQ(error, "truncated gzip data");

  std::string corrupt = gz;
  for (size_t i = 12; i < corrupt.size() - 8; i += 7) corrupt[i] = char(corrupt[i] ^ 0x5a);
  EXPECT_FALSE(decode_profile(corrupt, &p, &error));
  EXPECT_FALSE(error.empty());

  std::string not_proto;
  ASSERT_TRUE(gzip_compress(std::string(100, '\xff'), &not_proto, &error));
  EXPECT_FALSE(decode_profile(not_proto, &p, &error));
  EXPECT_NE(error.find("corrupt profile"), std::string::npos) << error;
}

TEST(ProfileEncoderTest, RejectsStringIndexOutOfRange) {
  pb::Profile message;
  message.add_string_table("");
  message.add_string_table("samples");
  pb::ValueType* type = message.add_sample_type();
  type->set_type(1);
  type->set_unit(42);
  std::string bytes = message.SerializeAsString();
  Profile p;
  std::string error;
  EXPECT_FALSE(decode_profile(bytes, &p, &error));
  EXPECT_EQ(error, "corrupt profile: string index 42 out of range");
}

TEST(ProfileEncoderTest, ReadsInvalidUtf8AndWritesValidUtf8) {
  Profile p = example_profile();
  p.functions[0].name = "bad\xff name";
  std::string bytes, error;
  ASSERT_TRUE(serialize_profile(p, &bytes, &error)) << error;
  Profile decoded;
  ASSERT_TRUE(decode_profile(bytes, &decoded, &error)) << error;
  EXPECT_EQ(decoded.functions[0].name, "bad\xef\xbf\xbd name");

  // A foreign producer's invalid UTF-8 still decodes (string_table is `bytes`).
  pb::Profile message;
  ASSERT_TRUE(message.ParseFromString(bytes));
  message.set_string_table(int(message.sample_type(0).type()), "s\xc3");
  ASSERT_TRUE(decode_profile(message.SerializeAsString(), &decoded, &error)) << error;
  EXPECT_EQ(decoded.sample_types[0].type, "s\xc3");
}

TEST(Utf8Test, RepairsOnlyBrokenSequences) {
  EXPECT_EQ(to_valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(to_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
  EXPECT_EQ(to_valid_utf8("\xc3"), "\xef\xbf\xbd");                                  // truncated
  EXPECT_EQ(to_valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST(GzipTest, RoundTripsLargeAndConcatenatedData) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += std::to_string(i * 7919 % 1000) + ",";
  std::string gz, out, error;
  ASSERT_TRUE(gzip_compress(data, &gz, &error)) << error;
  EXPECT_LT(gz.size(), data.size());
  ASSERT_TRUE(gzip_decompress(gz, &out, &error)) << error;
  EXPECT_EQ(out, data);

  std::string second;
  ASSERT_TRUE(gzip_compress("tail", &second, &error));
  ASSERT_TRUE(gzip_decompress(gz + second, &out, &error)) << error;
  EXPECT_EQ(out, data + "tail");

  ASSERT_TRUE(gzip_compress("", &gz, &error));
  ASSERT_TRUE(gzip_decompress(gz, &out, &error)) << error;
  EXPECT_EQ(out, "");
}

TEST(GzipTest, BoundsOutputAndRejectsNonGzip) {
  std::string gz, out, error;
  ASSERT_TRUE(gzip_compress(std::string(1 << 20, 'a'), &gz, &error));
  EXPECT_FALSE(gzip_decompress(gz, &out, &error, 1000));
  EXPECT_NE(error.find("larger than 1000 bytes"), std::string::npos) << error;
  EXPECT_FALSE(gzip_decompress("plain", &out, &error));
  EXPECT_EQ(error, "not gzip data");
}

}  // namespace
}  // namespace cxxprof::profile
