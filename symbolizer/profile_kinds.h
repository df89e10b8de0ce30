// What each kind of raw sample becomes as a pprof profile (DESIGN.md §3): file name,
// sample types, period, default sample type. Adding a profile (heap, mutex, block, io)
// means adding a row here, plus its labels from the sample's `aux` if it has any.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/raw_format.h"
#include "symbolizer/profile_model.h"
#include "symbolizer/raw_reader.h"

namespace cxxprof {

using AuxLabeller = std::function<void(uint32_t aux, profile::Sample* sample)>;

struct ProfileKind {
  raw::SampleKind kind;
  const char* name;  // "cpu": the file is <name>.pb.gz
  // sample_types[i] describes RawSample::values[i]; the count comes first.
  std::vector<profile::ValueType> sample_types;
  profile::ValueType period_type;
  const char* default_sample_type;
  // The pprof period from the header (e.g. ns between CPU ticks).
  int64_t (*period)(const RawData& data);
  // True if the header says this profile was switched on (then a profile is written
  // even without samples, so "no samples" is visible rather than a missing file).
  bool (*switched_on)(const RawData& data);
  // Profile-specific labels decoded from RawSample::aux; null if the kind has none.
  void (*add_aux_labels)(uint32_t aux, profile::Sample* sample);
  // For labels that need the whole process's data, not only the sample's aux (the I/O
  // profile's file paths, bounded by rank): makes the labeller once per profile, which
  // then labels each sample from its aux. Null if the kind has none.
  AuxLabeller (*make_aux_labeller)(const RawData& data) = nullptr;
  // Finishing that needs the sample's raw values (the heap profiles: Go's
  // scaleHeapSample, the `bytes` label from exact averages). Runs after the labels;
  // returns false to leave the sample out. Null if the kind has none.
  bool (*finish_sample)(const RawData& data, const RawSample& raw, profile::Sample* sample) = nullptr;
  // Comments the kind adds to its profile after the process's own (the heap peak's
  // moment). Null if none.
  void (*add_comments)(const RawData& data, std::vector<std::string>* comments) = nullptr;
};

// Every kind this version converts, in output order.
std::span<const ProfileKind> profile_kinds();

// The row for `kind`, or null if this version does not convert it yet.
const ProfileKind* find_profile_kind(raw::SampleKind kind);

// "cpu", "heap", ... for any kind the raw format defines (for messages).
const char* sample_kind_name(raw::SampleKind kind);

}  // namespace cxxprof
