#include "launcher/summary_report.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "tools/units.h"

namespace cxxprof {
namespace {

constexpr size_t kTopFunctions = 10;
// Descendants get the top functions only for the few with most samples, and one line
// each up to a limit: a `make -j` run can have hundreds of processes, and a summary
// that scrolls off the screen is no summary.
constexpr size_t kDetailedDescendants = 3;
constexpr size_t kListedDescendants = 20;
constexpr size_t kCommandLineWidth = 70;

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string shorten(const std::string& text, size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 3) + "...";
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

std::string plural(int64_t n, const char* singular, const char* plural_form) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural_form);
}

int64_t sample_total(const ProcessOutcome& outcome) {
  int64_t total = 0;
  for (const WrittenProfile& profile : outcome.result.profiles) total += profile.sample_count;
  return total;
}

// A process image replaced by exec (typically a shell's copy between fork and exec)
// only matters if it did measurable work; its files are there either way.
bool worth_listing(const ProcessOutcome& outcome) {
  return !outcome.raw.superseded || !outcome.converted || sample_total(outcome) > 0;
}

std::string process_heading(const ProcessOutcome& outcome) {
  std::string heading = "process " + std::to_string(outcome.raw.pid);
  if (outcome.raw.superseded) heading += " before exec";
  else if (outcome.is_root) heading += " (the program)";
  if (!outcome.result.command_line.empty()) {
    heading += ": " + shorten(outcome.result.command_line, kCommandLineWidth);
  }
  return heading;
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

class Formatter {
 public:
  Formatter(const RunReport& run, const SummarizeFunction& summarize)
      : run_(run), summarize_(summarize) {}

  std::string profile_path(const WrittenProfile& profile) const {
    return run_.display_dir + "/" + base_name(profile.path);
  }

  void profile_line(const WrittenProfile& profile, bool detailed) {
    std::string line = "  " + base_name(profile.path) + ": ";
    if (profile.sample_count == 0) {
      out_ += line + "no samples\n";
      return;
    }
    // sample_count counts pprof Sample entries, i.e. distinct stacks (and labels), not
    // timer ticks: say so, and lead with the total that means something.
    std::string total = describe_total(profile.kind, profile.total_value);
    if (!total.empty()) line += total + ", ";
    line += plural(profile.sample_count, "distinct stack", "distinct stacks");
    out_ += line + "\n";
    if (!detailed) return;
    std::string text;
    std::string error;
    if (summarize_ && summarize_(profile.path, kTopFunctions, &text, &error)) {
      out_ += indent(text, "    ");
    } else if (summarize_) {
      out_ += "    (no summary: " + error + ")\n";
    }
    out_ += "    go tool pprof -http=: " + shell_quote(profile_path(profile)) + "\n";
  }

  void process(const ProcessOutcome& outcome, bool detailed) {
    std::string heading = process_heading(outcome);
    if (outcome.still_running) heading += " [still running: profiled up to now]";
    out_ += heading + "\n";
    if (!outcome.converted) {
      out_ += "  not converted: " + outcome.error + "\n";
      return;
    }
    for (const WrittenProfile& profile : outcome.result.profiles) profile_line(profile, detailed);
    // An image replaced by exec never runs its exit path, so the converter's warnings
    // about that (and the like) say nothing the heading does not.
    if (outcome.raw.superseded) return;
    for (const std::string& warning : outcome.result.warnings) out_ += "  warning: " + warning + "\n";
  }

  std::string take() { return std::move(out_); }
  void add(const std::string& line) { out_ += line + "\n"; }

 private:
  const RunReport& run_;
  const SummarizeFunction& summarize_;
  std::string out_;
};

std::string problems_only(const RunReport& run, const std::vector<ProcessOutcome>& outcomes) {
  std::string out;
  for (const ProcessOutcome& outcome : outcomes) {
    if (outcome.converted) continue;
    out += "cxxprof-run: cannot convert " + run.display_dir + "/" + base_name(outcome.raw.path) +
           ": " + outcome.error + "\n";
  }
  return out;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  bool plain = !text.empty();
  for (char c : text) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("_-./:=+,@%").find(c) != std::string_view::npos;
    if (!safe) plain = false;
  }
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string describe_total(const std::string& kind, int64_t total_value) {
  if (total_value <= 0) return std::string();
  double seconds = double(total_value) / 1e9;
  if (kind == "cpu") return fixed(seconds, 2) + " s of CPU";
  if (kind == "wall") return fixed(seconds, 2) + " s of thread time";
  if (kind == "mutex" || kind == "block") return fixed(seconds, 3) + " s of delay";
  if (kind == "io") return format_value(total_value, "nanoseconds") + " in I/O calls";
  if (kind == "heap" || kind == "heap_peak") {
    const std::string what = kind == "heap" ? " in use at exit" : " in use at the peak";
    double bytes = double(total_value);
    if (bytes >= 1024.0 * 1024 * 1024) return fixed(bytes / (1024.0 * 1024 * 1024), 2) + " GiB" + what;
    if (bytes >= 1024.0 * 1024) return fixed(bytes / (1024.0 * 1024), 2) + " MiB" + what;
    if (bytes >= 1024.0) return fixed(bytes / 1024.0, 1) + " KiB" + what;
    return std::to_string(total_value) + " bytes" + what;
  }
  return std::string();
}

std::string format_summary(const RunReport& run, const std::vector<ProcessOutcome>& outcomes,
                           const SummarizeFunction& summarize, bool quiet) {
  if (quiet) return problems_only(run, outcomes);
  Formatter out(run, summarize);
  out.add("cxxprof-run: " + run.program + " " + run.end + " after " +
          fixed(run.elapsed_seconds, 2) + " s");
  if (outcomes.empty()) {
    out.add(run.statically_linked
                ? "cxxprof-run: no profile data (the program is statically linked)"
                : "cxxprof-run: no profile data was written (setuid programs and programs "
                  "that clear LD_PRELOAD cannot be profiled)");
    return out.take();
  }
  out.add("cxxprof-run: profiles in " + run.display_dir + "/");

  // The program first, then the other processes (and the images the program's process
  // ran before exec) with the most samples in detail.
  std::vector<const ProcessOutcome*> descendants;
  for (const ProcessOutcome& outcome : outcomes) {
    if (outcome.is_root && !outcome.raw.superseded) out.process(outcome, true);
    else if (worth_listing(outcome)) descendants.push_back(&outcome);
  }
  std::stable_sort(descendants.begin(), descendants.end(),
                   [](const ProcessOutcome* a, const ProcessOutcome* b) {
                     return sample_total(*a) > sample_total(*b);
                   });
  size_t listed = std::min(descendants.size(), kListedDescendants);
  for (size_t i = 0; i < listed; ++i) out.process(*descendants[i], i < kDetailedDescendants);
  if (descendants.size() > listed) {
    out.add("... and " + plural(int64_t(descendants.size() - listed), "more process",
                                "more processes") +
            " (ls " + shell_quote(run.display_dir) + ")");
  }
  bool any_kept = false;
  for (const ProcessOutcome& outcome : outcomes) any_kept = any_kept || outcome.raw_kept;
  if (any_kept) {
    out.add("raw data kept in " + run.display_dir + "/*.cxxraw (cxxprof symbolize converts it)");
  }
  return out.take();
}

}  // namespace cxxprof
