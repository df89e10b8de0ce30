#include "tools/summary.h"

#include "symbolizer/profile_encoder.h"
#include "tools/file_summary.h"
#include "tools/sample_index.h"
#include "tools/top.h"
#include "tools/units.h"

namespace cxxprof {

namespace {
constexpr size_t kTopFiles = 5;
}  // namespace

bool summarize_profile(const std::string& path, size_t top_n, std::string* text,
                       std::string* error) {
  profile::Profile profile;
  if (!profile::read_profile_file(path, &profile, error)) return false;
  size_t index = 0;
  if (!resolve_sample_index(profile, "", &index, error)) {
    *error = path + ": " + *error;
    return false;
  }
  TopTable table = compute_top(profile, index, /*by_cum=*/false);
  const std::string& unit = table.value_type.unit;

  // pprof's header: for time values the total is also shown as a share of the run time
  // (CPU use across threads can exceed 100%).
  std::string out = "Type: " + table.value_type.type + "\n";
  out += "Duration: " + format_value(profile.duration_nanos, "nanoseconds");
  if (unit == "nanoseconds" && profile.duration_nanos > 0) {
    out += ", Total samples = " + format_value(table.total, unit) + " (" +
           format_percent(table.total, profile.duration_nanos) + ")\n";
  } else {
    out += ", Total " + table.value_type.type + " = " + format_value(table.total, unit) + "\n";
  }
  out += format_top(table, top_n);
  out += format_top_files(profile, kTopFiles);  // the I/O profile's files; "" for the others
  *text = std::move(out);
  return true;
}

}  // namespace cxxprof
