// Warnings the symbolizer derives from a raw file's counters (symbolizer/raw_warnings.h)
// that need more than one counter to say.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "symbolizer/raw_reader.h"
#include "symbolizer/raw_warnings.h"
#include "tests/unit/raw_image_builder.h"

namespace cxxprof {
namespace {

using cxxprof_test::RawImageBuilder;

std::vector<std::string> warnings_with(uint64_t wall_ticks, uint64_t late_ticks) {
  RawImageBuilder builder;
  builder.header().counters[raw::kWallTicks] = wall_ticks;
  builder.header().counters[raw::kWallTicksLate] = late_ticks;
  const std::string bytes = builder.bytes();
  RawData data;
  std::string error;
  EXPECT_TRUE(parse_raw_data({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                             RawReadScope::kHeaderOnly, &data, &error))
      << error;
  std::vector<std::string> late;
  for (const std::string& warning : raw_data_warnings(data, true)) {
    if (warning.find("ticks came late") != std::string::npos) late.push_back(warning);
  }
  return late;
}

// A late tick costs resolution, not time: the odd one on a busy machine is not worth a
// warning; one in a hundred or more is, with both numbers.
TEST(RawWarnings, LateWallTicksAreReportedFromOnePercentWithTheirShare) {
  EXPECT_TRUE(warnings_with(1000, 0).empty());
  EXPECT_TRUE(warnings_with(1000, 9).empty());
  const std::vector<std::string> at_one_percent = warnings_with(1000, 10);
  ASSERT_EQ(at_one_percent.size(), 1u);
  EXPECT_EQ(at_one_percent[0].rfind("10 of 1000 wall-clock ticks came late", 0), 0u) << at_one_percent[0];
  EXPECT_NE(at_one_percent[0].find("totals stay right"), std::string::npos);
  EXPECT_EQ(warnings_with(14, 14).size(), 1u);
}

}  // namespace
}  // namespace cxxprof
