#include "tests/integration/io_samples.h"

#include <algorithm>
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

// "  0x55a9de072099 (anonymous namespace)::f tests/x.cc:128" or "      inlined into g x.cc:3"
// → the function name (a trailing "file:line" dropped).
std::string dump_frame_name(const std::string& text) {
  std::string name = text;
  const size_t space = name.rfind(' ');
  if (space != std::string::npos) {
    const std::string last = name.substr(space + 1);
    const size_t colon = last.rfind(':');
    if (colon != std::string::npos && colon + 1 < last.size() &&
        std::all_of(last.begin() + long(colon) + 1, last.end(), ::isdigit)) {
      name.resize(space);
    }
  }
  return name;
}

// One dump sample line: "  1 (1) 0 (0) 4426 (4.43us)  thread=x  op=fclose  fd_kind=file".
bool parse_dump_values(const std::string& line, IoSample* sample) {
  std::istringstream in(line);
  std::string value, shown;
  double* slots[] = {&sample->calls, &sample->bytes, &sample->time};
  for (double* slot : slots) {
    if (!(in >> value >> shown)) return false;
    char* end = nullptr;
    *slot = std::strtod(value.c_str(), &end);
    if (*end != '\0') return false;
  }
  std::string rest;
  std::getline(in, rest);
  // Labels are separated by two spaces ("path" values may hold single spaces).
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

std::string IoSample::label(const std::string& key) const {
  const auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

::testing::AssertionResult our_io_samples(const std::string& file, std::vector<IoSample>* samples) {
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
      samples->back().frames.push_back(dump_frame_name(line.substr(19)) + " (inline)");
    } else if (starts_with(line, "    ")) {
      if (samples->empty()) return ::testing::AssertionFailure() << "frame before a sample: " << line;
      const std::string text = line.substr(4);
      const size_t space = text.find(' ');
      const std::string name = space == std::string::npos ? text : text.substr(space + 1);
      samples->back().frames.push_back(dump_frame_name(name));
    } else {
      IoSample sample;
      if (!parse_dump_values(line, &sample)) {
        return ::testing::AssertionFailure() << "unexpected dump sample line: '" << line << "'";
      }
      samples->push_back(sample);
    }
  }
  // The dump lists a location's frames innermost first, and locations leaf first: the
  // reverse of all of it is root first (an inlined caller precedes its callee).
  for (IoSample& sample : *samples) std::reverse(sample.frames.begin(), sample.frames.end());
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult pprof_io_samples(const std::string& file, std::vector<IoSample>* samples) {
  std::map<std::string, IoSample> by_key;
  struct Index {
    const char* name;
    const char* unit;
    double IoSample::*value;
  };
  for (const Index& index : {Index{"calls", "", &IoSample::calls}, Index{"bytes", "B", &IoSample::bytes},
                             Index{"time", "ns", &IoSample::time}}) {
    std::vector<std::string> args{"-traces", std::string("-sample_index=") + index.name};
    if (*index.unit != '\0') args.push_back(std::string("-unit=") + index.unit);
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
      IoSample& sample = by_key[key_of(trace)];
      sample.labels = trace.labels;
      sample.frames = trace.frames;
      sample.*index.value += trace.value;
    }
  }
  samples->clear();
  for (auto& [key, sample] : by_key) samples->push_back(sample);
  return ::testing::AssertionSuccess();
}

IoTotals io_totals(const std::vector<IoSample>& samples, const std::string& function,
                   const std::string& op) {
  IoTotals totals;
  for (const IoSample& sample : samples) {
    if (!has_frame(sample.frames, function)) continue;
    if (!op.empty() && sample.label("op") != op) continue;
    totals.calls += sample.calls;
    totals.bytes += sample.bytes;
    totals.time += sample.time;
    ++totals.samples;
    totals.calls_by_fd_kind[sample.label("fd_kind")] += sample.calls;
    totals.calls_by_path[sample.label("path")] += sample.calls;
    totals.calls_by_thread[sample.label("thread")] += sample.calls;
  }
  return totals;
}

std::string describe(const std::vector<IoSample>& samples) {
  std::string out;
  for (const IoSample& sample : samples) {
    for (const auto& [key, value] : sample.labels) out += key + "=" + value + " ";
    out += "calls=" + std::to_string(int64_t(sample.calls)) +
           " bytes=" + std::to_string(int64_t(sample.bytes)) + " | " + folded(sample.frames) + "\n";
  }
  return out;
}

}  // namespace cxxprof_test
