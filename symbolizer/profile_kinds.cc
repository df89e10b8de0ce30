#include "symbolizer/profile_kinds.h"

namespace cxxprof {

namespace {

int64_t clamp_period(uint64_t value) {
  return value > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(value);
}

const std::vector<ProfileKind>& table() {
  static const std::vector<ProfileKind> kinds = {
      {
          .kind = raw::SampleKind::kCpu,
          .name = "cpu",
          .sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}},
          .period_type = {"cpu", "nanoseconds"},
          .default_sample_type = "cpu",
          .period = [](const RawData& data) { return clamp_period(data.cpu_period_ns); },
          .switched_on = [](const RawData& data) { return data.cpu_hz != 0; },
          .add_aux_labels = nullptr,
      },
      {
          .kind = raw::SampleKind::kWall,
          .name = "wall",
          .sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}},
          .period_type = {"wall", "nanoseconds"},
          .default_sample_type = "wall",
          .period = [](const RawData& data) { return clamp_period(data.wall_period_ns); },
          .switched_on = [](const RawData& data) { return data.wall_hz != 0; },
          .add_aux_labels = nullptr,
      },
  };
  return kinds;
}

}  // namespace

std::span<const ProfileKind> profile_kinds() { return table(); }

const ProfileKind* find_profile_kind(raw::SampleKind kind) {
  for (const ProfileKind& row : table()) {
    if (row.kind == kind) return &row;
  }
  return nullptr;
}

const char* sample_kind_name(raw::SampleKind kind) {
  switch (kind) {
    case raw::SampleKind::kNone:
      return "none";
    case raw::SampleKind::kCpu:
      return "cpu";
    case raw::SampleKind::kWall:
      return "wall";
    case raw::SampleKind::kHeap:
      return "heap";
    case raw::SampleKind::kMutex:
      return "mutex";
    case raw::SampleKind::kBlock:
      return "block";
    case raw::SampleKind::kIo:
      return "io";
  }
  return "unknown";
}

}  // namespace cxxprof
