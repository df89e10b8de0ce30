// CXXDEBUG=gctrace=1 on tests/fixtures/heap_growth (a heap growing to ~20 MiB in known
// blocks and shrinking back) and CXXDEBUG=allocfreetrace=1 on tests/fixtures/alloc_free
// (four calls in four known functions), under cxxprof-run and with LD_PRELOAD alone.
//
// Both read what the heap interposers (issue 3) report through heap_statistics.h.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/integration/debug_lines.h"
#include "tests/integration/fixture_output.h"
#include "tests/integration/harness.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

constexpr int64_t kFirstStep = 1 << 20;  // preload/heap_trace.h
constexpr int64_t kBlock = 65521;         // tests/fixtures/heap_growth.cc

struct Live {
  int64_t before = -1;
  int64_t after = -1;
};

Live live_of(const DebugLine& line) {
  Live live;
  const std::string& text = line.field("live");
  size_t arrow = text.find("->");
  if (arrow == std::string::npos) return live;
  live.before = std::stoll(text.substr(0, arrow));
  live.after = std::stoll(text.substr(arrow + 2));
  return live;
}

class GcTraceTest : public ::testing::TestWithParam<Injection> {};

TEST_P(GcTraceTest, ALineAtEachDoublingAndHalvingAndOneAtExit) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r =
      run_with_cxxdebug(GetParam(), "gctrace=1", {fixture_path("heap_growth")}, dir);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  const auto truth = fixture_fields(r.out, "blocks=");
  int64_t mallocs = 0, frees = 0, allocated_bytes = 0;
  ASSERT_TRUE(fixture_int(truth, "mallocs", &mallocs) && fixture_int(truth, "frees", &frees) &&
              fixture_int(truth, "allocated_bytes", &allocated_bytes))
      << r.describe();

  const std::vector<DebugLine> lines = debug_lines(r.err, "HEAP");
  ASSERT_FALSE(lines.empty()) << r.describe();
  int grows = 0, shrinks = 0;
  int64_t previous_after = 0, allocated_sum = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const DebugLine& line = lines[i];
    SCOPED_TRACE(line.text);
    EXPECT_EQ(line.number("n"), int64_t(i + 1));
    const Live live = live_of(line);
    ASSERT_GE(live.before, 0);
    EXPECT_EQ(live.before, previous_after);  // each line starts where the last one ended
    previous_after = live.after;
    allocated_sum += line.number("allocated");
    EXPECT_GT(line.number("rss"), 0);
    const std::string& event = line.field("event");
    if (i + 1 == lines.size()) {
      EXPECT_EQ(event, "exit");
      continue;
    }
    // The line is written by the very allocation or free that crosses the step: past it
    // by less than the fixture's block (plus a little of libc's own) at most.
    if (event == "grow") {
      ++grows;
      const int64_t step = std::max(2 * live.before, kFirstStep);
      EXPECT_GE(live.after, step);
      EXPECT_LT(live.after, step + 2 * kBlock);
    } else {
      ASSERT_EQ(event, "shrink");
      ++shrinks;
      EXPECT_LT(live.after, live.before / 2);
      EXPECT_GT(live.after, live.before / 2 - 2 * kBlock);
    }
  }
  // ~20 MiB: steps at about 1, 2, 4, 8, 16 MiB up and 8, 4, 2, 1, 0.5 MiB down.
  EXPECT_EQ(grows, 5) << r.err;
  EXPECT_EQ(shrinks, 5) << r.err;
  // Exact counts: at least the fixture's own calls (libc allocates a little too).
  const DebugLine& exit_line = lines.back();
  EXPECT_GE(exit_line.number("allocs"), mallocs) << exit_line.text;
  EXPECT_GE(exit_line.number("frees"), frees) << exit_line.text;
  EXPECT_GE(allocated_sum, allocated_bytes);
  EXPECT_LT(live_of(exit_line).after, kFirstStep) << exit_line.text;
}

INSTANTIATE_TEST_SUITE_P(Injections, GcTraceTest,
                         ::testing::Values(Injection::kLauncher, Injection::kPreloadAlone),
                         [](const ::testing::TestParamInfo<Injection>& info) {
                           return injection_name(info.param);
                         });

// The fixture's functions; a stack's first frame among them is the one that called.
const char* const kFixtureFunctions[] = {"make_record", "drop_record", "make_node", "drop_node",
                                         "main"};

class AllocFreeTraceTest : public ::testing::TestWithParam<Injection> {
 protected:
  // The function of `frame`: its name (under the launcher) or, for MODULE+OFFSET, what
  // addr2line says the fixture has there. "" if it is not the fixture's.
  static std::string fixture_function(const std::string& frame) {
    if (GetParam() == Injection::kLauncher) {
      for (const char* name : kFixtureFunctions) {
        if (frame.rfind(std::string(name) + " (alloc_free.cc:", 0) == 0) return name;
      }
      return "";
    }
    const std::string prefix = "alloc_free+";
    if (frame.rfind(prefix, 0) != 0) return "";
    const CommandResult a2l =
        run_command({"addr2line", "-f", "-e", fixture_path("alloc_free"), frame.substr(prefix.size())});
    std::string name = a2l.out.substr(0, a2l.out.find('\n'));
    name = name.substr(0, name.find('('));  // "make_record()" without -C: "_Z11make_recordv"
    for (const char* known : kFixtureFunctions) {
      if (name.find(known) != std::string::npos) return known;
    }
    return "other:" + name;
  }

  static std::string first_fixture_function(const DebugLine& line) {
    for (const std::string& frame : line.stack) {
      std::string function = fixture_function(frame);
      if (!function.empty()) return function;
    }
    return "";
  }

  static const DebugLine* find(const std::vector<DebugLine>& lines, const std::string& kind,
                               const std::string& pointer) {
    for (const DebugLine& line : lines) {
      if (line.kind == kind && line.field("ptr") == pointer) return &line;
    }
    return nullptr;
  }
};

TEST_P(AllocFreeTraceTest, NamesTheAllocatingAndFreeingFunctions) {
  ASSERT_TRUE(profiler_built());
  TempDir dir;
  const CommandResult r =
      run_with_cxxdebug(GetParam(), "allocfreetrace=1", {fixture_path("alloc_free")}, dir);
  ASSERT_EQ(r.exit_code(), 0) << r.describe();
  const auto truth = fixture_fields(r.out, "record=");
  ASSERT_FALSE(truth.empty()) << r.describe();
  const std::string record = truth.at("record"), node = truth.at("node");

  std::vector<DebugLine> lines;
  for (const DebugLine& line : debug_lines(r.err)) {
    if (line.kind == "ALLOC" || line.kind == "FREE") lines.push_back(line);
  }
  const DebugLine* record_alloc = find(lines, "ALLOC", record);
  const DebugLine* record_free = find(lines, "FREE", record);
  const DebugLine* node_alloc = find(lines, "ALLOC", node);
  const DebugLine* node_free = find(lines, "FREE", node);
  ASSERT_TRUE(record_alloc && record_free && node_alloc && node_free) << r.err;

  EXPECT_EQ(record_alloc->field("fn"), "malloc") << record_alloc->text;
  EXPECT_EQ(record_alloc->number("size"), 4099) << record_alloc->text;
  EXPECT_EQ(record_free->field("fn"), "free") << record_free->text;
  EXPECT_EQ(node_alloc->number("size"), 48) << node_alloc->text;
  for (const DebugLine* line : {record_alloc, record_free, node_alloc, node_free}) {
    EXPECT_EQ(line->field("thread"), "alloc_free") << line->text;
    EXPECT_GT(line->number("tid"), 0) << line->text;
  }
  // The innermost frame of the program's own code is the function that called; main
  // called it. (Frames before it may be the C++ runtime's operator new/delete.)
  EXPECT_EQ(first_fixture_function(*record_alloc), "make_record") << record_alloc->text;
  EXPECT_EQ(first_fixture_function(*record_free), "drop_record") << record_free->text;
  EXPECT_EQ(first_fixture_function(*node_alloc), "make_node") << node_alloc->text;
  EXPECT_EQ(first_fixture_function(*node_free), "drop_node") << node_free->text;
  ASSERT_GE(record_alloc->stack.size(), 2u) << record_alloc->text;
  EXPECT_EQ(fixture_function(record_alloc->stack[0]), "make_record") << record_alloc->text;
  EXPECT_EQ(fixture_function(record_alloc->stack[1]), "main") << record_alloc->text;
  // In program order: one thread's events arrive in the order they happened.
  EXPECT_LT(record_alloc, node_alloc);
  EXPECT_LT(node_alloc, node_free);
  EXPECT_LT(node_free, record_free);

  size_t hints = 0;
  const std::string hint = "run under cxxprof-run for function names";
  for (size_t at = r.err.find(hint); at != std::string::npos; at = r.err.find(hint, at + 1)) ++hints;
  if (GetParam() == Injection::kLauncher) {
    EXPECT_EQ(hints, 0u) << r.err;  // the launcher named every function
  } else {
    EXPECT_EQ(hints, 1u) << r.err;  // once, before the first line
  }
}

INSTANTIATE_TEST_SUITE_P(Injections, AllocFreeTraceTest,
                         ::testing::Values(Injection::kLauncher, Injection::kPreloadAlone),
                         [](const ::testing::TestParamInfo<Injection>& info) {
                           return injection_name(info.param);
                         });

}  // namespace
}  // namespace cxxprof_test
