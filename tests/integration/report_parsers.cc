#include "tests/integration/report_parsers.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace cxxprof_test {
namespace {

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Splits off the first `count` whitespace-separated fields; the rest (which may hold
// spaces, as C++ names do) goes to *rest.
bool take_fields(const std::string& line, size_t count, std::vector<std::string>* fields, std::string* rest) {
  size_t pos = 0;
  fields->clear();
  for (size_t i = 0; i < count; ++i) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string::npos) return false;
    const size_t end = line.find_first_of(" \t", pos);
    fields->push_back(line.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    pos = end == std::string::npos ? line.size() : end;
  }
  *rest = trim(line.substr(pos));
  return true;
}

// Index of the bracket opening the group that ends at s[close], or npos.
size_t matching_open(const std::string& s, size_t close, char open_char, char close_char) {
  int depth = 0;
  for (size_t i = close + 1; i-- > 0;) {
    if (s[i] == close_char) ++depth;
    if (s[i] == open_char && --depth == 0) return i;
  }
  return std::string::npos;
}

}  // namespace

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool parse_quantity(const std::string& text, double* value) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double number = strtod(begin, &end);
  if (end == begin) return false;
  static const std::map<std::string, double> kUnits = {
      {"", 1},       {"ns", 1},       {"us", 1e3},      {"µs", 1e3},    {"ms", 1e6},
      {"s", 1e9},    {"min", 60e9},   {"hrs", 3600e9},  {"B", 1},       {"kB", 1024.0},
      {"MB", 1048576.0}, {"GB", 1073741824.0}};
  const auto unit = kUnits.find(end);
  if (unit == kUnits.end()) return false;
  *value = number * unit->second;
  return true;
}

bool parse_top(const std::string& text, TopTable* table, std::string* error) {
  *table = TopTable{};
  bool in_table = false;
  for (const std::string& line : lines_of(text)) {
    if (!in_table) {
      const size_t of = line.find("% of ");
      const size_t total_word = line.rfind(" total");
      if (line.find("accounting for") != std::string::npos && of != std::string::npos &&
          total_word != std::string::npos && total_word > of) {
        parse_quantity(trim(line.substr(of + 5, total_word - of - 5)), &table->total);
      }
      in_table = line.find("flat%") != std::string::npos && line.find("cum%") != std::string::npos;
      continue;
    }
    if (trim(line).empty()) break;
    std::vector<std::string> f;
    TopRow row;
    if (!take_fields(line, 5, &f, &row.name) || row.name.empty() || !parse_quantity(f[0], &row.flat) ||
        !parse_quantity(f[3], &row.cum) || !ends_with(f[1], "%") || !ends_with(f[4], "%")) {
      *error = "unexpected top row: '" + line + "'";
      return false;
    }
    table->rows.push_back(row);
  }
  if (!in_table) {
    *error = "no 'flat flat% sum% cum cum%' header in the report";
    return false;
  }
  return true;
}

bool parse_collapsed(const std::string& text, bool thread_first, std::vector<Stack>* stacks,
                     std::string* error) {
  stacks->clear();
  for (const std::string& raw : lines_of(text)) {
    const std::string line = trim(raw);
    if (line.empty()) continue;
    const size_t space = line.rfind(' ');
    char* end = nullptr;
    Stack stack;
    if (space != std::string::npos) stack.value = strtoll(line.c_str() + space + 1, &end, 10);
    if (space == std::string::npos || end == nullptr || *end != '\0' || end == line.c_str() + space + 1) {
      *error = "folded line without a trailing value: '" + line + "'";
      return false;
    }
    std::istringstream frames(line.substr(0, space));
    for (std::string frame; std::getline(frames, frame, ';');) stack.frames.push_back(frame);
    if (thread_first) {
      if (stack.frames.empty()) {
        *error = "folded line without a thread: '" + line + "'";
        return false;
      }
      stack.thread = stack.frames.front();
      stack.frames.erase(stack.frames.begin());
    }
    stacks->push_back(std::move(stack));
  }
  return true;
}

bool parse_pprof_traces(const std::string& text, std::vector<Trace>* traces, std::string* error) {
  traces->clear();
  bool in_block = false;
  bool have_value = false;
  Trace current;
  auto finish = [&] {
    if (in_block && have_value) {
      std::reverse(current.frames.begin(), current.frames.end());
      traces->push_back(current);
    }
    current = Trace{};
    have_value = false;
  };
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("-----------+", 0) == 0) {
      finish();
      in_block = true;
      continue;
    }
    const std::string t = trim(line);
    if (!in_block || t.empty()) continue;
    if (have_value) {
      current.frames.push_back(t);
      continue;
    }
    // Before the value line come the labels, "key:  value".
    std::vector<std::string> f;
    std::string rest;
    take_fields(t, 1, &f, &rest);
    if (ends_with(f[0], ":")) {
      current.labels[f[0].substr(0, f[0].size() - 1)] = rest;
      continue;
    }
    if (!parse_quantity(f[0], &current.value)) {
      *error = "unexpected -traces line: '" + line + "'";
      return false;
    }
    have_value = true;
    if (!rest.empty()) current.frames.push_back(rest);
  }
  finish();
  return true;
}

bool parse_pprof_tags(const std::string& text, const std::string& key,
                      std::map<std::string, double>* amounts, std::string* error) {
  amounts->clear();
  bool in_section = false;
  for (const std::string& line : lines_of(text)) {
    const std::string t = trim(line);
    if (t.find(": Total ") != std::string::npos) {
      in_section = t.rfind(key + ": Total ", 0) == 0;
      continue;
    }
    if (!in_section || t.empty()) continue;
    // "1.0s (50.25%): worker-1"
    const size_t colon = t.find("): ");
    const size_t paren = t.find(" (");
    double value = 0;
    if (colon == std::string::npos || paren == std::string::npos || !parse_quantity(t.substr(0, paren), &value)) {
      *error = "unexpected -tags line: '" + line + "'";
      return false;
    }
    (*amounts)[t.substr(colon + 3)] += value;
  }
  if (amounts->empty()) {
    *error = "no '" + key + ": Total' section in the -tags report";
    return false;
  }
  return true;
}

std::string base_name(const std::string& frame) {
  std::string s = trim(frame);
  for (bool changed = true; changed;) {
    changed = false;
    for (const char* suffix : {" (inline)", " const", " volatile", " &&", " &", " noexcept"}) {
      if (ends_with(s, suffix)) {
        s.resize(s.size() - std::string(suffix).size());
        changed = true;
      }
    }
    if (ends_with(s, "]")) {  // " [clone .constprop.0]" and friends
      const size_t open = matching_open(s, s.size() - 1, '[', ']');
      if (open != std::string::npos && open > 0) {
        s = trim(s.substr(0, open));
        changed = true;
      }
    }
  }
  if (ends_with(s, ")")) {  // the parameter list
    const size_t open = matching_open(s, s.size() - 1, '(', ')');
    if (open != std::string::npos && open > 0) s.resize(open);
  }
  if (ends_with(s, ">")) {  // template arguments of a function template
    const size_t open = matching_open(s, s.size() - 1, '<', '>');
    if (open != std::string::npos && open > 0) s.resize(open);
  }
  const size_t scope = s.rfind("::");
  if (scope != std::string::npos) s = s.substr(scope + 2);
  const size_t space = s.rfind(' ');  // a return type (function templates print one)
  if (space != std::string::npos) s = s.substr(space + 1);
  return s;
}

}  // namespace cxxprof_test
