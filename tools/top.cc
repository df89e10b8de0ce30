#include "tools/top.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "tools/frames.h"
#include "tools/units.h"

namespace cxxprof {

TopTable compute_top(const profile::Profile& profile, size_t sample_index, bool by_cum) {
  TopTable table;
  if (sample_index < profile.sample_types.size()) {
    table.value_type = profile.sample_types[sample_index];
  }
  profile::ProfileIndex index(profile);
  std::unordered_map<std::string, size_t> row_of;
  auto row = [&](const std::string& name) -> TopRow& {
    auto [it, inserted] = row_of.emplace(name, table.rows.size());
    if (inserted) table.rows.push_back(TopRow{name, 0, 0});
    return table.rows[it->second];
  };

  std::unordered_set<std::string> seen;
  for (const profile::Sample& sample : profile.samples) {
    if (sample_index >= sample.values.size()) continue;
    int64_t value = sample.values[sample_index];
    table.total += value;
    if (value == 0) continue;
    seen.clear();
    bool leaf = true;
    for (uint64_t id : sample.location_ids) {
      const profile::Location* location = index.location(id);
      if (location == nullptr) continue;
      for (const ReportFrame& frame : location_frames(index, *location)) {
        if (leaf) row(frame.name).flat += value;
        leaf = false;
        if (seen.insert(frame.name).second) row(frame.name).cum += value;
      }
    }
  }
  std::sort(table.rows.begin(), table.rows.end(), [by_cum](const TopRow& a, const TopRow& b) {
    int64_t ka = by_cum ? a.cum : a.flat, kb = by_cum ? b.cum : b.flat;
    if (ka != kb) return ka > kb;
    int64_t sa = by_cum ? a.flat : a.cum, sb = by_cum ? b.flat : b.cum;
    if (sa != sb) return sa > sb;
    return a.name < b.name;
  });
  return table;
}

std::string format_top(const TopTable& table, size_t max_rows) {
  const std::string& unit = table.value_type.unit;
  size_t shown = std::min(max_rows, table.rows.size());
  int64_t shown_flat = 0;
  for (size_t i = 0; i < shown; ++i) shown_flat += table.rows[i].flat;

  std::string out = "Showing nodes accounting for " + format_value(shown_flat, unit) + ", " +
                    format_percent(shown_flat, table.total) + " of " +
                    format_value(table.total, unit) + " total\n";
  if (shown < table.rows.size()) {
    out += "Showing top " + std::to_string(shown) + " nodes out of " +
           std::to_string(table.rows.size()) + "\n";
  }
  char line[512];
  std::snprintf(line, sizeof(line), "%10s %7s %7s %10s %7s\n", "flat", "flat%", "sum%", "cum",
                "cum%");
  out += line;
  int64_t sum = 0;
  for (size_t i = 0; i < shown; ++i) {
    const TopRow& row = table.rows[i];
    sum += row.flat;
    std::snprintf(
        line, sizeof(line), "%10s %7s %7s %10s %7s  ", format_value(row.flat, unit).c_str(),
        format_percent(row.flat, table.total).c_str(), format_percent(sum, table.total).c_str(),
        format_value(row.cum, unit).c_str(), format_percent(row.cum, table.total).c_str());
    out += line;
    out += row.name;
    out += '\n';
  }
  return out;
}

}  // namespace cxxprof
