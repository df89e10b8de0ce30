// Unwinding through tests/fixtures/libnounwind.so, built without asynchronous unwind
// tables: the program calls into the library, which calls back into the program. The
// stacks must show the callers on both sides of the library, down to main.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/reports.h"
#include "tests/integration/stack_queries.h"

namespace cxxprof_test {
namespace {

const std::vector<std::string> kToLibrary = {"main", "drive_through_lib", "nounwind_outer", "nounwind_hot"};
const std::vector<std::string> kToCallback = {"main", "drive_through_lib", "nounwind_outer", "nounwind_hot",
                                              "program_callback"};

// Checks every stack whose leaf is in the library or in the callback; counts them.
template <typename Sample>
void check_stacks(const std::vector<Sample>& samples, int* in_library, int* in_callback) {
  for (const auto& s : samples) {
    if (leaf_is(s.frames, "nounwind_hot")) {
      ++*in_library;
      EXPECT_TRUE(ends_with_chain(s.frames, kToLibrary)) << folded(s.frames);
    } else if (leaf_is(s.frames, "program_callback")) {
      ++*in_callback;
      EXPECT_TRUE(ends_with_chain(s.frames, kToCallback)) << folded(s.frames);
    }
  }
}

TEST(UnwindThroughLibrary, CallersOnBothSidesOfTheLibrary) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r = run_profiled({"--cpu", "-o", dir / "prof"}, {fixture_path("unwind_through_lib")});
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  ASSERT_NE(r.out.find("calls="), std::string::npos) << r.describe();
  const std::string profile = dir / "prof/cpu.pb.gz";

  std::vector<Stack> stacks;
  ASSERT_TRUE(our_collapsed(profile, "cpu", false, &stacks));
  int in_library = 0;
  int in_callback = 0;
  check_stacks(stacks, &in_library, &in_callback);
  // Half of the CPU is in each (see the fixture): both kinds of stack must be there.
  EXPECT_GT(in_library, 0) << "no sample with nounwind_hot as the leaf";
  EXPECT_GT(in_callback, 0) << "no sample with program_callback as the leaf";

  std::vector<Trace> traces;
  ASSERT_TRUE(pprof_traces(profile, "cpu", &traces));
  int pprof_library = 0;
  int pprof_callback = 0;
  check_stacks(traces, &pprof_library, &pprof_callback);
  EXPECT_GT(pprof_library, 0);
  EXPECT_GT(pprof_callback, 0);
}

}  // namespace
}  // namespace cxxprof_test
