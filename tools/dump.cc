#include "tools/dump.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "tools/frames.h"
#include "tools/units.h"

namespace cxxprof {

namespace {

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%" PRIx64, value);
  return text;
}

std::string utc_time(int64_t nanos) {
  if (nanos <= 0) return "unknown";
  time_t seconds = time_t(nanos / 1000000000);
  struct tm parts;
  if (gmtime_r(&seconds, &parts) == nullptr) return std::to_string(nanos);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<long long>(nanos % 1000000000));
  return text;
}

void dump_sample(const profile::Profile& profile, const profile::ProfileIndex& index,
                 const profile::Sample& sample, std::string* out) {
  *out += " ";
  for (size_t i = 0; i < sample.values.size(); ++i) {
    const std::string& unit = i < profile.sample_types.size() ? profile.sample_types[i].unit : "";
    *out +=
        " " + std::to_string(sample.values[i]) + " (" + format_value(sample.values[i], unit) + ")";
  }
  for (const profile::Label& label : sample.labels) {
    *out += "  " + label.key + "=";
    *out += label.is_numeric ? std::to_string(label.num) + label.num_unit : label.str;
  }
  *out += "\n";
  for (uint64_t id : sample.location_ids) {
    const profile::Location* location = index.location(id);
    if (location == nullptr) continue;
    std::vector<ReportFrame> frames = location_frames(index, *location);
    for (size_t i = 0; i < frames.size(); ++i) {
      *out += "    " + (i == 0 ? hex(location->address) + " " : std::string("  inlined into "));
      *out += frames[i].name;
      if (!frames[i].file.empty()) {
        *out += " " + frames[i].file + ":" + std::to_string(frames[i].line);
      }
      *out += "\n";
    }
  }
}

}  // namespace

std::string format_dump(const profile::Profile& profile) {
  std::string out = "Sample types:";
  for (const profile::ValueType& type : profile.sample_types) {
    out += " " + type.type + "/" + type.unit;
  }
  out += "\nDefault sample type: " +
         (profile.default_sample_type.empty() ? "(unset)" : profile.default_sample_type) + "\n";
  out += "Period: " + std::to_string(profile.period) + " " + profile.period_type.type + "/" +
         profile.period_type.unit + "\n";
  out += "Time: " + utc_time(profile.time_nanos) + "\n";
  out += "Duration: " + format_value(profile.duration_nanos, "nanoseconds") + " (" +
         std::to_string(profile.duration_nanos) + " ns)\n";
  if (!profile.drop_frames.empty()) out += "Drop frames: " + profile.drop_frames + "\n";
  if (!profile.keep_frames.empty()) out += "Keep frames: " + profile.keep_frames + "\n";
  out += "Comments:\n";
  for (const std::string& comment : profile.comments) out += "  " + comment + "\n";

  profile::ProfileIndex index(profile);
  out += "Samples: " + std::to_string(profile.samples.size()) + "\n";
  for (const profile::Sample& sample : profile.samples) dump_sample(profile, index, sample, &out);

  out += "Mappings: " + std::to_string(profile.mappings.size()) + "\n";
  for (const profile::Mapping& m : profile.mappings) {
    out += "  " + std::to_string(m.id) + ": " + hex(m.memory_start) + "-" + hex(m.memory_limit) +
           " offset " + hex(m.file_offset) + " " + m.filename;
    if (!m.build_id.empty()) out += " build-id " + m.build_id;
    out += " [";
    out += m.has_functions ? " functions" : "";
    out += m.has_filenames ? " filenames" : "";
    out += m.has_line_numbers ? " lines" : "";
    out += m.has_inline_frames ? " inlines" : "";
    out += " ]\n";
  }
  return out;
}

}  // namespace cxxprof
