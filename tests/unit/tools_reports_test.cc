// The cxxprof reports: top, collapsed stacks, dump, value formatting, sample index,
// the launcher's summary, and the command line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "symbolizer/file_io.h"
#include "symbolizer/profile_encoder.h"
#include "tools/collapsed.h"
#include "tools/cxxprof_command.h"
#include "tools/dump.h"
#include "tools/sample_index.h"
#include "tools/summary.h"
#include "tools/top.h"
#include "tools/units.h"

namespace cxxprof {
namespace {

using profile::Function;
using profile::Location;
using profile::Profile;
using profile::Sample;
using profile::string_label;

// main -> work -> (inlined) helper, plus a recursive stack and an unsymbolized address.
//   sample A: helper(inlined in work) <- main                 30ms  thread main
//   sample B: work <- main                                    10ms  thread main
//   sample C: rec <- rec <- main                              20ms  thread worker
//   sample D: 0xdead (location without lines) <- main         40ms  thread worker
Profile example_profile() {
  Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'000'000;
  p.duration_nanos = 1'000'000'000;
  p.comments = {"./app"};
  p.functions = {Function{.id = 1, .name = "main", .system_name = "main", .filename = "m.cc"},
                 Function{.id = 2, .name = "work(int)", .system_name = "_Z4worki"},
                 Function{.id = 3, .name = "helper", .system_name = "helper"},
                 Function{.id = 4, .name = "rec", .system_name = "rec"}};
  p.locations = {Location{.id = 1, .address = 0x100, .lines = {{1, 5}}},
                 Location{.id = 2, .address = 0x200, .lines = {{3, 7}, {2, 20}}},
                 Location{.id = 3, .address = 0x210, .lines = {{2, 21}}},
                 Location{.id = 4, .address = 0x300, .lines = {{4, 1}}},
                 Location{.id = 5, .address = 0xdead}};
  p.samples = {Sample{.location_ids = {2, 1},
                      .values = {3, 30'000'000},
                      .labels = {string_label("thread", "main")}},
               Sample{.location_ids = {3, 1},
                      .values = {1, 10'000'000},
                      .labels = {string_label("thread", "main")}},
               Sample{.location_ids = {4, 4, 1},
                      .values = {2, 20'000'000},
                      .labels = {string_label("thread", "worker")}},
               Sample{.location_ids = {5, 1},
                      .values = {4, 40'000'000},
                      .labels = {string_label("thread", "worker")}}};
  return p;
}

const TopRow* find_row(const TopTable& table, const std::string& name) {
  for (const TopRow& row : table.rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

TEST(TopTest, FlatAndCumPerFunction) {
  TopTable table = compute_top(example_profile(), 1, false);
  EXPECT_EQ(table.total, 100'000'000);
  EXPECT_EQ(table.value_type.type, "cpu");
  ASSERT_EQ(table.rows.size(), 5u);
  // Sorted by flat: 0xdead 40, helper 30, rec 20, work 10, main 0.
  EXPECT_EQ(table.rows[0].name, "0xdead");
  EXPECT_EQ(table.rows[1].name, "helper");
  EXPECT_EQ(table.rows[4].name, "main");
  EXPECT_EQ(find_row(table, "helper")->flat, 30'000'000);
  EXPECT_EQ(find_row(table, "work(int)")->flat, 10'000'000);
  EXPECT_EQ(find_row(table, "work(int)")->cum, 40'000'000) << "inlined callee counts in cum";
  EXPECT_EQ(find_row(table, "rec")->cum, 20'000'000) << "recursion counted once";
  EXPECT_EQ(find_row(table, "main")->cum, 100'000'000);
  EXPECT_EQ(find_row(table, "main")->flat, 0);

  TopTable by_cum = compute_top(example_profile(), 0, true);
  EXPECT_EQ(by_cum.rows[0].name, "main");
  EXPECT_EQ(by_cum.rows[0].cum, 10);
}

TEST(TopTest, FormatsLikePprof) {
  std::string text = format_top(compute_top(example_profile(), 1, false), 2);
  EXPECT_EQ(text,
            "Showing nodes accounting for 70ms, 70.00% of 100ms total\n"
            "Showing top 2 nodes out of 5\n"
            "      flat   flat%    sum%        cum    cum%\n"
            "      40ms  40.00%  40.00%       40ms  40.00%  0xdead\n"
            "      30ms  30.00%  70.00%       30ms  30.00%  helper\n");
}

TEST(CollapsedTest, FoldsRootFirstWithInlinedFrames) {
  CollapsedOptions options;
  options.sample_index = 1;
  EXPECT_EQ(format_collapsed(example_profile(), options),
            "main;0xdead 40000000\n"
            "main;rec;rec 20000000\n"
            "main;work(int) 10000000\n"
            "main;work(int);helper 30000000\n");
  options.thread_root = true;
  options.sample_index = 0;
  EXPECT_EQ(format_collapsed(example_profile(), options),
            "main;main;work(int) 1\n"
            "main;main;work(int);helper 3\n"
            "worker;main;0xdead 4\n"
            "worker;main;rec;rec 2\n");
}

TEST(CollapsedTest, SeparatorsInNamesAreReplaced) {
  Profile p = example_profile();
  p.functions[3].name = "odd;name\nhere";
  CollapsedOptions options;
  options.sample_index = 1;
  EXPECT_NE(format_collapsed(p, options).find("main;odd_name_here;odd_name_here 20000000"),
            std::string::npos);
}

TEST(SampleIndexTest, ByNameIndexOrDefault) {
  Profile p = example_profile();
  size_t index = 9;
  std::string error;
  ASSERT_TRUE(resolve_sample_index(p, "", &index, &error));
  EXPECT_EQ(index, 1u);
  ASSERT_TRUE(resolve_sample_index(p, "samples", &index, &error));
  EXPECT_EQ(index, 0u);
  ASSERT_TRUE(resolve_sample_index(p, "1", &index, &error));
  EXPECT_EQ(index, 1u);
  EXPECT_FALSE(resolve_sample_index(p, "2", &index, &error));
  EXPECT_FALSE(resolve_sample_index(p, "alloc_space", &index, &error));
  EXPECT_NE(error.find("samples, cpu"), std::string::npos) << error;
  p.default_sample_type.clear();
  ASSERT_TRUE(resolve_sample_index(p, "", &index, &error));
  EXPECT_EQ(index, 1u) << "pprof: the last sample type";
}

TEST(UnitsTest, ScalesLikePprof) {
  EXPECT_EQ(format_value(0, "nanoseconds"), "0");
  EXPECT_EQ(format_value(999, "nanoseconds"), "999ns");
  EXPECT_EQ(format_value(10'000'000, "nanoseconds"), "10ms");
  EXPECT_EQ(format_value(1'500'000'000, "nanoseconds"), "1.50s");
  EXPECT_EQ(format_value(2'500, "nanoseconds"), "2.50us");
  EXPECT_EQ(format_value(7'200'000'000'000, "nanoseconds"), "2hrs");
  EXPECT_EQ(format_value(1536, "bytes"), "1.50kB");
  EXPECT_EQ(format_value(30 * 1024 * 1024, "bytes"), "30MB");
  EXPECT_EQ(format_value(12345, "count"), "12345");
  EXPECT_EQ(format_value(-10'000'000, "nanoseconds"), "-10ms");
  EXPECT_EQ(format_percent(1, 3), "33.33%");
  EXPECT_EQ(format_percent(5, 0), "0%");
}

TEST(DumpTest, ShowsEverything) {
  Profile p = example_profile();
  p.mappings.push_back(profile::Mapping{.id = 1,
                                        .memory_start = 0x1000,
                                        .memory_limit = 0x2000,
                                        .filename = "/bin/app",
                                        .build_id = "abcd",
                                        .has_functions = true});
  p.locations[0].mapping_id = 1;
  std::string text = format_dump(p);
  for (const char* expected :
       {"Sample types: samples/count cpu/nanoseconds", "Default sample type: cpu",
        "Period: 10000000 cpu/nanoseconds", "Duration: 1s", "  ./app", "Samples: 4",
        "thread=worker", "0x200 helper", "inlined into work(int)", "main m.cc:5",
        "1: 0x1000-0x2000 offset 0x0 /bin/app build-id abcd [ functions ]"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/cxxprof-command-test.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    std::string bytes, error;
    ASSERT_TRUE(profile::encode_profile(example_profile(), &bytes, &error)) << error;
    ASSERT_TRUE(write_new_file(dir_ + "/cpu.pb.gz", bytes, &error)) << error;
    ASSERT_TRUE(write_new_file(dir_ + "/garbage.pb.gz", "\x1f\x8bnot really", &error));
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  int run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return run_cxxprof(args, out_, err_);
  }

  std::string dir_;
  std::ostringstream out_, err_;
};

TEST_F(CommandTest, TopCollapsedDump) {
  ASSERT_EQ(run({"top", "-n", "1", dir_ + "/cpu.pb.gz"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("40ms  40.00%  40.00%       40ms  40.00%  0xdead"), std::string::npos)
      << out_.str();
  ASSERT_EQ(run({"top", "--cum", "--sample_index=samples", dir_ + "/cpu.pb.gz"}), 0);
  EXPECT_NE(out_.str().find("10 100.00%  main"), std::string::npos) << out_.str();
  ASSERT_EQ(run({"collapsed", "--thread", "-sample_index", "0", dir_ + "/cpu.pb.gz"}), 0);
  EXPECT_NE(out_.str().find("worker;main;rec;rec 2\n"), std::string::npos) << out_.str();
  ASSERT_EQ(run({"dump", dir_ + "/cpu.pb.gz"}), 0);
  EXPECT_NE(out_.str().find("Samples: 4"), std::string::npos);
}

TEST_F(CommandTest, UsageErrorsExitTwoWithOneLine) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"top"},
                                             {"top", "--bogus", dir_ + "/cpu.pb.gz"},
                                             {"top", "-n", "zero", dir_ + "/cpu.pb.gz"},
                                             {"top", "-n"},
                                             {"top", "a.pb.gz", "b.pb.gz"},
                                             {"top", "--sample_index=nope", dir_ + "/cpu.pb.gz"},
                                             {"dump", "--cum", dir_ + "/cpu.pb.gz"},
                                             {"symbolize"}}) {
    EXPECT_EQ(run(args), 2) << testing::PrintToString(args);
    std::string err = err_.str();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.rfind("cxxprof", 0), 0u) << err;
  }
}

TEST_F(CommandTest, UnreadableInputExitsOne) {
  EXPECT_EQ(run({"top", dir_ + "/missing.pb.gz"}), 1);
  EXPECT_NE(err_.str().find("missing.pb.gz: No such file"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"dump", dir_ + "/garbage.pb.gz"}), 1);
  EXPECT_NE(err_.str().find("gzip"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"symbolize", dir_ + "/cpu.pb.gz"}), 1);
  EXPECT_NE(err_.str().find("not a cxxprof raw file"), std::string::npos) << err_.str();
}

TEST_F(CommandTest, HelpAndVersion) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_NE(out_.str().find("usage: cxxprof"), std::string::npos);
  EXPECT_EQ(run({"top", "--help"}), 0);
  EXPECT_EQ(run({"--version"}), 0);
  EXPECT_EQ(out_.str().rfind("cxxprof ", 0), 0u);
}

TEST_F(CommandTest, SummaryForTheLauncher) {
  std::string text, error;
  ASSERT_TRUE(summarize_profile(dir_ + "/cpu.pb.gz", 3, &text, &error)) << error;
  EXPECT_NE(text.find("Type: cpu\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Duration: 1s, Total samples = 100ms (10.00%)"), std::string::npos) << text;
  EXPECT_NE(text.find("Showing top 3 nodes out of 5"), std::string::npos) << text;
  EXPECT_FALSE(summarize_profile(dir_ + "/garbage.pb.gz", 3, &text, &error));
  EXPECT_NE(error.find("garbage.pb.gz"), std::string::npos);
}

}  // namespace
}  // namespace cxxprof
