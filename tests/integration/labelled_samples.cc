#include "tests/integration/labelled_samples.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "tests/integration/report_parsers.h"
#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

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

// One dump sample line: "  1 (1) 4426 (4.43us)  thread=x  op=fclose": `count` values,
// each followed by its shown form, then labels separated by two spaces ("path" values
// may hold single spaces).
bool parse_dump_values(const std::string& line, size_t count, DumpedSample* sample) {
  std::istringstream in(line);
  std::string value, shown;
  for (size_t i = 0; i < count; ++i) {
    if (!(in >> value >> shown)) return false;
    char* end = nullptr;
    sample->values.push_back(std::strtod(value.c_str(), &end));
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

std::string LabelledSample::label(const std::string& key) const {
  const auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

::testing::AssertionResult our_dumped_samples(const std::string& file, size_t value_count,
                                              std::vector<DumpedSample>* samples) {
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
    if (starts_with(line, "    ") && samples->empty()) {
      return ::testing::AssertionFailure() << "frame before a sample: " << line;
    }
    if (starts_with(line, "      inlined into ")) {
      samples->back().frames.push_back(dump_frame_name(line.substr(19), false) + " (inline)");
    } else if (starts_with(line, "    ")) {
      samples->back().frames.push_back(dump_frame_name(line.substr(4), true));
    } else {
      DumpedSample sample;
      if (!parse_dump_values(line, value_count, &sample)) {
        return ::testing::AssertionFailure() << "unexpected dump sample line: '" << line << "'";
      }
      samples->push_back(sample);
    }
  }
  // The dump lists a location's frames innermost first, and locations leaf first: the
  // reverse of all of it is root first (an inlined caller precedes its callee).
  for (DumpedSample& sample : *samples) std::reverse(sample.frames.begin(), sample.frames.end());
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_dumped_samples(const std::string& file,
                                                const std::vector<SampleIndex>& indexes,
                                                std::vector<DumpedSample>* samples) {
  std::map<std::string, DumpedSample> by_key;
  for (size_t i = 0; i < indexes.size(); ++i) {
    std::vector<std::string> args{"-traces", std::string("-sample_index=") + indexes[i].name};
    if (*indexes[i].unit != '\0') args.push_back(std::string("-unit=") + indexes[i].unit);
    args.push_back(file);
    const CommandResult r = run_go_pprof(args);
    if (r.exit_code() != 0) {
      return ::testing::AssertionFailure() << "go tool pprof -traces failed\n" << r.describe();
    }
    std::vector<Trace> traces;
    std::string error;
    if (!parse_pprof_traces(r.out, &traces, &error)) {
      return ::testing::AssertionFailure() << error << "\n" << r.out;
    }
    for (const Trace& trace : traces) {
      DumpedSample& sample = by_key[key_of(trace)];
      sample.labels = trace.labels;
      sample.frames = trace.frames;
      sample.values.resize(indexes.size());
      sample.values[i] += trace.value;
    }
  }
  samples->clear();
  for (auto& [key, sample] : by_key) samples->push_back(sample);
  return ::testing::AssertionSuccess();
}

}  // namespace cxxprof_test
