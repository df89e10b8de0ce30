#include "tools/cxxprof_command.h"

#include "common/text.h"
#include "common/version.h"
#include "symbolizer/profile_encoder.h"
#include "tools/collapsed.h"
#include "tools/command_args.h"
#include "tools/dump.h"
#include "tools/sample_index.h"
#include "tools/symbolize_command.h"
#include "tools/top.h"

namespace cxxprof {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;
constexpr int kExitUsage = 2;
constexpr size_t kDefaultTopRows = 20;

constexpr const char* kUsage =
    "usage: cxxprof COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Reports on pprof profiles (.pb.gz) written by cxxprof-run, and converts raw data.\n"
    "\n"
    "Commands:\n"
    "  top [-n N] [--sample_index=NAME|INDEX] [--cum] PROFILE\n"
    "        the N functions (default 20) with the highest flat value, or cumulative\n"
    "        value with --cum, as `go tool pprof -top` prints them\n"
    "  collapsed [--sample_index=NAME|INDEX] [--thread] PROFILE\n"
    "        folded stacks \"root;caller;leaf VALUE\" for flamegraph.pl, speedscope,\n"
    "        inferno; --thread puts the thread name first\n"
    "  dump PROFILE\n"
    "        everything in the profile: sample types, period, time, comments,\n"
    "        each sample with labels and symbolized stack, mappings\n"
    "  symbolize [-o DIR] RAW...\n"
    "        convert raw data files (PID.cxxraw) into symbolized profiles in DIR\n"
    "        (default: next to each file); $CXXPROF_ROOT_PID, else the first file,\n"
    "        names the root process, whose files are KIND.pb.gz (others KIND.PID.pb.gz)\n"
    "\n"
    "--sample_index selects the value shown: a sample type name (cpu, samples, ...)\n"
    "or its 0-based index; default: the profile's default sample type.\n"
    "\n"
    "Options:\n"
    "  -h, --help     this text\n"
    "  --version      print the version\n"
    "\n"
    "Exit status: 0 ok, 1 unreadable or corrupt input, 2 bad usage.\n";

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  err << "cxxprof" << (command.empty() ? "" : " " + command) << ": " << message
      << " (see cxxprof --help)\n";
  return kExitUsage;
}

// Reads the one PROFILE argument of a report command and resolves --sample_index.
int load_profile(const std::string& command, const std::vector<std::string>& positional,
                 const std::string& sample_spec, std::ostream& err, profile::Profile* profile,
                 size_t* sample_index) {
  if (positional.size() != 1) {
    return usage_error(err, command,
                       positional.empty() ? "missing PROFILE" : "expects exactly one PROFILE");
  }
  std::string error;
  if (!profile::read_profile_file(positional[0], profile, &error)) {
    err << "cxxprof: " << error << "\n";
    return kExitBadInput;
  }
  if (!resolve_sample_index(*profile, sample_spec, sample_index, &error)) {
    return usage_error(err, command, error);
  }
  return kExitOk;
}

int run_top(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string rows_text, sample_spec;
  bool rows_given = false, by_cum = false;
  std::vector<std::string> positional;
  std::string error;
  if (!parse_flags(args,
                   {{{"-n", "--nodecount", "-nodecount"}, true, &rows_text, &rows_given},
                    {{"--sample_index", "-sample_index"}, true, &sample_spec, nullptr},
                    {{"--cum", "-cum"}, false, nullptr, &by_cum}},
                   &positional, &error)) {
    return usage_error(err, "top", error);
  }
  uint64_t rows = kDefaultTopRows;
  if (rows_given && (!parse_u64(rows_text.c_str(), &rows) || rows == 0)) {
    return usage_error(err, "top", "-n wants a positive number, got \"" + rows_text + "\"");
  }
  profile::Profile profile;
  size_t sample_index = 0;
  if (int status = load_profile("top", positional, sample_spec, err, &profile, &sample_index)) {
    return status;
  }
  out << format_top(compute_top(profile, sample_index, by_cum), size_t(rows));
  return kExitOk;
}

int run_collapsed(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string sample_spec;
  CollapsedOptions options;
  std::vector<std::string> positional;
  std::string error;
  if (!parse_flags(args,
                   {{{"--sample_index", "-sample_index"}, true, &sample_spec, nullptr},
                    {{"--thread", "-thread"}, false, nullptr, &options.thread_root}},
                   &positional, &error)) {
    return usage_error(err, "collapsed", error);
  }
  profile::Profile profile;
  if (int status = load_profile("collapsed", positional, sample_spec, err, &profile,
                                &options.sample_index)) {
    return status;
  }
  out << format_collapsed(profile, options);
  return kExitOk;
}

int run_dump(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> positional;
  std::string error;
  if (!parse_flags(args, {}, &positional, &error)) return usage_error(err, "dump", error);
  profile::Profile profile;
  size_t unused = 0;
  if (int status = load_profile("dump", positional, "", err, &profile, &unused)) return status;
  out << format_dump(profile);
  return kExitOk;
}

int run_symbolize_command(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
  std::string output_dir;
  std::vector<std::string> positional;
  std::string error;
  if (!parse_flags(args, {{{"-o", "--output"}, true, &output_dir, nullptr}}, &positional, &error)) {
    return usage_error(err, "symbolize", error);
  }
  if (positional.empty()) return usage_error(err, "symbolize", "missing RAW file");
  return run_symbolize(positional, output_dir, out, err);
}

}  // namespace

int run_cxxprof(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usage_error(err, "", "missing command");
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (command == "--version" || command == "version") {
    out << "cxxprof " << kVersion << "\n";
    return kExitOk;
  }
  for (const std::string& arg : rest) {
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return kExitOk;
    }
  }
  if (command == "top") return run_top(rest, out, err);
  if (command == "collapsed") return run_collapsed(rest, out, err);
  if (command == "dump") return run_dump(rest, out, err);
  if (command == "symbolize") return run_symbolize_command(rest, out, err);
  return usage_error(err, "", "unknown command \"" + command + "\"");
}

}  // namespace cxxprof
