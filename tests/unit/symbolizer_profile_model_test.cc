// validate(): the checks a profile passes before it is written.
#include <gtest/gtest.h>

#include "symbolizer/profile_model.h"

namespace cxxprof::profile {
namespace {

Profile valid_profile() {
  Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.mappings.push_back(Mapping{.id = 1, .memory_start = 0x1000, .memory_limit = 0x2000});
  p.functions.push_back(Function{.id = 1, .name = "f", .system_name = "_Z1fv"});
  p.functions.push_back(Function{.id = 2, .name = "g", .system_name = "g"});
  p.locations.push_back(
      Location{.id = 1, .mapping_id = 1, .address = 0x1100, .lines = {{1, 10}, {2, 20}}});
  p.locations.push_back(Location{.id = 2, .mapping_id = 0, .address = 0x9999, .lines = {}});
  p.samples.push_back(Sample{
      .location_ids = {1, 2}, .values = {1, 10}, .labels = {string_label("thread", "main")}});
  return p;
}

std::string problem(const Profile& p) {
  std::string error;
  EXPECT_FALSE(validate(p, &error));
  return error;
}

TEST(ProfileModelTest, ValidProfilePasses) {
  std::string error;
  EXPECT_TRUE(validate(valid_profile(), &error)) << error;
}

TEST(ProfileModelTest, NeedsSampleTypesAndMatchingValueCounts) {
  Profile p = valid_profile();
  p.sample_types.clear();
  p.default_sample_type.clear();
  EXPECT_EQ(problem(p), "profile has no sample types");

  p = valid_profile();
  p.samples[0].values = {1};
  EXPECT_EQ(problem(p), "sample 0 has 1 values, want 2");

  p = valid_profile();
  p.default_sample_type = "wall";
  EXPECT_NE(problem(p).find("default sample type \"wall\""), std::string::npos);
}

TEST(ProfileModelTest, IdsMustBeNonZeroAndUnique) {
  Profile p = valid_profile();
  p.mappings[0].id = 0;
  EXPECT_EQ(problem(p), "mapping with id 0");

  p = valid_profile();
  p.locations[1].id = 1;
  EXPECT_EQ(problem(p), "duplicate location id 1");

  p = valid_profile();
  p.functions[1].id = 1;
  EXPECT_EQ(problem(p), "duplicate function id 1");
}

TEST(ProfileModelTest, ReferencesMustResolve) {
  Profile p = valid_profile();
  p.samples[0].location_ids.push_back(7);
  EXPECT_EQ(problem(p), "sample 0 refers to unknown location 7");

  p = valid_profile();
  p.locations[0].mapping_id = 3;
  EXPECT_EQ(problem(p), "location 1 refers to unknown mapping 3");

  p = valid_profile();
  p.locations[0].lines.push_back({9, 1});
  EXPECT_EQ(problem(p), "location 1 refers to unknown function 9");

  p = valid_profile();
  p.samples[0].labels.push_back(string_label("", "x"));
  EXPECT_EQ(problem(p), "sample 0 has a label with an empty key");
}

TEST(ProfileModelTest, IndexLooksUpById) {
  Profile p = valid_profile();
  ProfileIndex index(p);
  ASSERT_NE(index.location(2), nullptr);
  EXPECT_EQ(index.location(2)->address, 0x9999u);
  EXPECT_EQ(index.function(1)->name, "f");
  EXPECT_EQ(index.mapping(1)->memory_start, 0x1000u);
  EXPECT_EQ(index.mapping(0), nullptr);
  EXPECT_EQ(index.location(3), nullptr);
  EXPECT_EQ(*p.samples[0].string_label("thread"), "main");
  EXPECT_EQ(p.samples[0].string_label("op"), nullptr);
}

}  // namespace
}  // namespace cxxprof::profile
