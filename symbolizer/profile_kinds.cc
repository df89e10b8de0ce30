#include "symbolizer/profile_kinds.h"

#include "common/block_reasons.h"
#include "symbolizer/heap_samples.h"
#include "symbolizer/io_profile.h"

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
      // Heap profiles as Go writes them (runtime/pprof writeHeapProto): sampled figures
      // scaled by scaleHeapSample, label `bytes` (symbolizer/heap_samples.h).
      {
          .kind = raw::SampleKind::kHeap,
          .name = "heap",
          .sample_types = {{"alloc_objects", "count"},
                           {"alloc_space", "bytes"},
                           {"inuse_objects", "count"},
                           {"inuse_space", "bytes"}},
          .period_type = {"space", "bytes"},
          .default_sample_type = "inuse_space",
          .period = [](const RawData& data) { return clamp_period(data.heap_rate); },
          .switched_on = [](const RawData& data) { return data.heap_rate != 0; },
          .add_aux_labels = nullptr,
          .finish_sample = &finish_heap_sample,
      },
      // The in-use view when the estimated live heap was largest (preload/heap_peak.h).
      {
          .kind = raw::SampleKind::kHeapPeak,
          .name = "heap_peak",
          .sample_types = {{"inuse_objects", "count"}, {"inuse_space", "bytes"}},
          .period_type = {"space", "bytes"},
          .default_sample_type = "inuse_space",
          .period = [](const RawData& data) { return clamp_period(data.heap_rate); },
          .switched_on = [](const RawData& data) { return data.heap_rate != 0; },
          .add_aux_labels = nullptr,
          .finish_sample = &finish_heap_peak_sample,
          .add_comments = &add_heap_peak_comments,
      },
      // Mutex and block profiles as Go writes them (runtime/pprof printCountCycleProfile):
      // period type contentions/count with period 1, values already scaled for sampling.
      {
          .kind = raw::SampleKind::kMutex,
          .name = "mutex",
          .sample_types = {{"contentions", "count"}, {"delay", "nanoseconds"}},
          .period_type = {"contentions", "count"},
          .default_sample_type = "delay",
          .period = [](const RawData&) { return int64_t{1}; },
          .switched_on = [](const RawData& data) { return data.mutex_fraction != 0; },
          .add_aux_labels = nullptr,
      },
      {
          .kind = raw::SampleKind::kBlock,
          .name = "block",
          .sample_types = {{"contentions", "count"}, {"delay", "nanoseconds"}},
          .period_type = {"contentions", "count"},
          .default_sample_type = "delay",
          .period = [](const RawData&) { return int64_t{1}; },
          .switched_on = [](const RawData& data) { return data.block_rate != 0; },
          .add_aux_labels =
              [](uint32_t aux, profile::Sample* sample) {
                const char* reason = block::reason_label(aux);
                sample->labels.push_back(profile::string_label("reason", reason ? reason : "unknown"));
              },
      },
      // I/O: the call's stack with op/fd_kind/path labels (symbolizer/io_profile.h); values
      // already scaled for --io's sampling, so the period is only informative.
      {
          .kind = raw::SampleKind::kIo,
          .name = "io",
          .sample_types = {{"calls", "count"}, {"bytes", "bytes"}, {"time", "nanoseconds"}},
          .period_type = {"time", "nanoseconds"},
          .default_sample_type = "time",
          .period = [](const RawData& data) { return clamp_period(data.io_rate); },
          .switched_on = [](const RawData& data) { return data.io_rate != 0; },
          .add_aux_labels = nullptr,
          .make_aux_labeller = &make_io_labeller,
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
    case raw::SampleKind::kHeapPeak:
      return "heap_peak";
  }
  return "unknown";
}

}  // namespace cxxprof
