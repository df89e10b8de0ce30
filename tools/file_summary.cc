#include "tools/file_summary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "tools/units.h"

namespace cxxprof {
namespace {

struct FileTotals {
  int64_t bytes = 0;
  int64_t time = 0;
};

// Index of the sample type named `type`, or -1.
int sample_type_index(const profile::Profile& profile, const std::string& type) {
  for (size_t i = 0; i < profile.sample_types.size(); ++i) {
    if (profile.sample_types[i].type == type) return int(i);
  }
  return -1;
}

std::string ranking(const std::map<std::string, FileTotals>& totals, int64_t FileTotals::*value,
                    const std::string& unit, const char* heading, size_t top_n) {
  std::vector<std::pair<int64_t, std::string>> ranked;
  int64_t total = 0;
  for (const auto& [path, file] : totals) {
    ranked.emplace_back(file.*value, path);
    total += file.*value;
  }
  if (total <= 0) return std::string();
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out = std::string(heading) + "\n";
  for (size_t i = 0; i < std::min(top_n, ranked.size()) && ranked[i].first > 0; ++i) {
    char line[64];
    std::snprintf(line, sizeof(line), "%10s %7s  ", format_value(ranked[i].first, unit).c_str(),
                  format_percent(ranked[i].first, total).c_str());
    out += line + ranked[i].second + "\n";
  }
  return out;
}

}  // namespace

std::string format_top_files(const profile::Profile& profile, size_t top_n) {
  const int bytes = sample_type_index(profile, "bytes");
  const int time = sample_type_index(profile, "time");
  if (bytes < 0 || time < 0) return std::string();
  std::map<std::string, FileTotals> totals;
  for (const profile::Sample& sample : profile.samples) {
    const std::string* path = sample.string_label("path");
    if (path == nullptr || sample.values.size() <= size_t(std::max(bytes, time))) continue;
    FileTotals& file = totals[*path];
    file.bytes += sample.values[size_t(bytes)];
    file.time += sample.values[size_t(time)];
  }
  return ranking(totals, &FileTotals::bytes, profile.sample_types[size_t(bytes)].unit,
                 "Top files by bytes:", top_n) +
         ranking(totals, &FileTotals::time, profile.sample_types[size_t(time)].unit,
                 "Top files by time:", top_n);
}

}  // namespace cxxprof
