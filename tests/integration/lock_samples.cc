#include "tests/integration/lock_samples.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// "0x55a9de072099 (anonymous namespace)::f tests/x.cc:128" or "g x.cc:3" → the function
// name: the address (if any) and a trailing "file:line" dropped.
std::string dump_frame_name(std::string text, bool has_address) {
  if (has_address) {
    const size_t space = text.find(' ');
    text = space == std::string::npos ? text : text.substr(space + 1);
  }
  const size_t space = text.rfind(' ');
  if (space != std::string::npos) {
    const std::string last = text.substr(space + 1);
    const size_t colon = last.rfind(':');
    if (colon != std::string::npos && colon + 1 < last.size() &&
        std::all_of(last.begin() + long(colon) + 1, last.end(), ::isdigit)) {
      text.resize(space);
    }
  }
  return text;
}

// "  1 (1) 103992334 (103.99ms)  thread=x  reason=cond": two values, then labels separated
// by two spaces.
bool parse_dump_values(const std::string& line, LockSample* sample) {
  std::istringstream in(line);
  std::string value, shown;
  double* slots[] = {&sample->contentions, &sample->delay};
  for (double* slot : slots) {
    if (!(in >> value >> shown)) return false;
    char* end = nullptr;
    *slot = std::strtod(value.c_str(), &end);
    if (*end != '\0') return false;
  }
  std::string rest;
  std::getline(in, rest);
  size_t pos = 0;
  while ((pos = rest.find_first_not_of(' ', pos)) != std::string::npos) {
    size_t end = rest.find("  ", pos);
    if (end == std::string::npos) end = rest.size();
    const std::string field = rest.substr(pos, end - pos);
    const size_t equals = field.find('=');
    if (equals == std::string::npos) return false;
    sample->labels[field.substr(0, equals)] = field.substr(equals + 1);
    pos = end;
  }
  return true;
}

std::string key_of(const Trace& trace) {
  std::string key;
  for (const auto& [k, v] : trace.labels) key += k + "=" + v + "\n";
  for (const auto& f : trace.frames) key += f + "\n";
  return key;
}

}  // namespace

std::string LockSample::label(const std::string& key) const {
  const auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

::testing::AssertionResult our_profile_header(const std::string& file, std::string* header) {
  const CommandResult r = run_report_tool({"dump", file});
  if (r.exit_code() != 0) return ::testing::AssertionFailure() << "cxxprof dump failed\n" << r.describe();
  const size_t samples = r.out.find("\nSamples:");
  *header = r.out.substr(0, samples);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult our_lock_samples(const std::string& file, std::vector<LockSample>* samples) {
  const CommandResult r = run_report_tool({"dump", file});
  if (r.exit_code() != 0) return ::testing::AssertionFailure() << "cxxprof dump failed\n" << r.describe();
  samples->clear();
  bool in_samples = false;
  for (const std::string& line : lines_of(r.out)) {
    if (starts_with(line, "Samples:")) {
      in_samples = true;
      continue;
    }
    if (!in_samples) continue;
    if (!starts_with(line, "  ")) break;  // the next section
    if (starts_with(line, "      inlined into ")) {
      if (samples->empty()) return ::testing::AssertionFailure() << "frame before a sample: " << line;
      samples->back().frames.push_back(dump_frame_name(line.substr(19), false) + " (inline)");
    } else if (starts_with(line, "    ")) {
      if (samples->empty()) return ::testing::AssertionFailure() << "frame before a sample: " << line;
      samples->back().frames.push_back(dump_frame_name(line.substr(4), true));
    } else {
      LockSample sample;
      if (!parse_dump_values(line, &sample)) {
        return ::testing::AssertionFailure() << "unexpected dump sample line: '" << line << "'";
      }
      samples->push_back(sample);
    }
  }
  // The dump lists a location's frames innermost first, and locations leaf first: the
  // reverse of all of it is root first (an inlined caller precedes its callee).
  for (LockSample& sample : *samples) std::reverse(sample.frames.begin(), sample.frames.end());
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_lock_samples(const std::string& file, std::vector<LockSample>* samples) {
  std::map<std::string, LockSample> by_key;
  struct Index {
    const char* name;
    const char* unit;
    double LockSample::*value;
  };
  for (const Index& index : {Index{"contentions", "", &LockSample::contentions},
                             Index{"delay", "ns", &LockSample::delay}}) {
    std::vector<std::string> args{"-traces", std::string("-sample_index=") + index.name};
    if (*index.unit != '\0') args.push_back(std::string("-unit=") + index.unit);
    args.push_back(file);
    const CommandResult r = run_go_pprof(args);
    if (r.exit_code() != 0) return ::testing::AssertionFailure() << "go tool pprof -traces failed\n" << r.describe();
    std::vector<Trace> traces;
    std::string error;
    if (!parse_pprof_traces(r.out, &traces, &error)) return ::testing::AssertionFailure() << error << "\n" << r.out;
    for (const Trace& trace : traces) {
      LockSample& sample = by_key[key_of(trace)];
      sample.labels = trace.labels;
      sample.frames = trace.frames;
      sample.*index.value += trace.value;
    }
  }
  samples->clear();
  for (auto& [key, sample] : by_key) samples->push_back(sample);
  return ::testing::AssertionSuccess();
}

LockTotals lock_totals(const std::vector<LockSample>& samples, const std::string& function,
                       const std::string& reason) {
  LockTotals totals;
  for (const LockSample& sample : samples) {
    if (!function.empty() && !has_frame(sample.frames, function)) continue;
    if (!reason.empty() && sample.label("reason") != reason) continue;
    totals.contentions += sample.contentions;
    totals.delay += sample.delay;
    ++totals.samples;
  }
  return totals;
}

std::string describe(const std::vector<LockSample>& samples) {
  std::string out;
  for (const LockSample& sample : samples) {
    for (const auto& [key, value] : sample.labels) out += key + "=" + value + " ";
    out += "contentions=" + std::to_string(int64_t(sample.contentions)) +
           " delay=" + std::to_string(int64_t(sample.delay)) + " | " + folded(sample.frames) + "\n";
  }
  return out;
}

}  // namespace cxxprof_test
