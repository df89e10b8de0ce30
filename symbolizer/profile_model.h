// The profile data model, separate from its wire encoding (as pprof's Go `profile`
// package): strings are held inline, ids are plain integers, and the encoder
// (profile_encoder.h) builds the string table. Everything that produces a profile builds
// one of these; everything that reads one (the cxxprof tool, tests) decodes into one.
// Every member has a default initializer, so designated initializers can name only the
// fields they set (-Wmissing-field-initializers stays quiet).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace cxxprof::profile {

struct ValueType {
  std::string type{};  // "cpu", "samples", ...
  std::string unit{};  // "nanoseconds", "count", ...

  bool operator==(const ValueType&) const = default;
};

// A string label (`thread` = "main") or a numeric one (`bytes` = 4096, unit "bytes").
struct Label {
  std::string key{};
  std::string str{};  // the value of a string label
  int64_t num = 0;    // the value of a numeric label
  std::string num_unit{};
  bool is_numeric = false;

  bool operator==(const Label&) const = default;
};

Label string_label(std::string key, std::string value);
Label numeric_label(std::string key, int64_t value, std::string unit);

struct Sample {
  std::vector<uint64_t> location_ids{};  // leaf first
  std::vector<int64_t> values{};         // one per Profile::sample_types
  std::vector<Label> labels{};

  // The value of the first string label named `key`, or null.
  const std::string* string_label(const std::string& key) const;

  bool operator==(const Sample&) const = default;
};

struct Mapping {
  uint64_t id = 0;
  uint64_t memory_start = 0;
  uint64_t memory_limit = 0;
  uint64_t file_offset = 0;
  std::string filename{};
  std::string build_id{};  // lower-case hex of the GNU build-id
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;

  bool operator==(const Mapping&) const = default;
};

struct Line {
  uint64_t function_id = 0;
  int64_t line = 0;

  bool operator==(const Line&) const = default;
};

struct Location {
  uint64_t id = 0;
  uint64_t mapping_id = 0;  // 0: no mapping
  uint64_t address = 0;
  // Innermost first: lines[0] is the function the address is in after inlining,
  // lines.back() the out-of-line function that contains the inlined calls.
  std::vector<Line> lines{};
  bool is_folded = false;

  bool operator==(const Location&) const = default;
};

struct Function {
  uint64_t id = 0;
  std::string name{};         // demangled
  std::string system_name{};  // mangled
  std::string filename{};
  int64_t start_line = 0;

  bool operator==(const Function&) const = default;
};

struct Profile {
  std::vector<ValueType> sample_types{};
  std::string default_sample_type{};  // one of sample_types[i].type, or empty
  std::vector<Sample> samples{};
  std::vector<Mapping> mappings{};  // mappings[0] is the main binary
  std::vector<Location> locations{};
  std::vector<Function> functions{};
  std::string drop_frames{};
  std::string keep_frames{};
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  ValueType period_type{};
  int64_t period = 0;
  std::vector<std::string> comments{};

  bool operator==(const Profile&) const = default;
};

// Checks what pprof's CheckValid checks, so a profile we write is one every consumer
// accepts: at least one sample type; exactly one value per sample type in every sample;
// non-zero, unique ids for mappings, locations and functions; every referenced id
// resolves; the default sample type, if set, names a sample type. Returns false with one
// line in *error.
bool validate(const Profile& profile, std::string* error);

// Id -> entry lookups over a profile that passed validate(). Holds pointers into
// `profile`, which must outlive it and not change.
class ProfileIndex {
 public:
  explicit ProfileIndex(const Profile& profile);

  const Location* location(uint64_t id) const;
  const Function* function(uint64_t id) const;
  const Mapping* mapping(uint64_t id) const;  // null for id 0

 private:
  std::unordered_map<uint64_t, const Location*> locations_;
  std::unordered_map<uint64_t, const Function*> functions_;
  std::unordered_map<uint64_t, const Mapping*> mappings_;
};

}  // namespace cxxprof::profile
