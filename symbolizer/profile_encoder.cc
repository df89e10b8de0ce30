#include "symbolizer/profile_encoder.h"

#include <cstdint>
#include <new>
#include <unordered_map>

#include "proto/profile.pb.h"
#include "symbolizer/file_io.h"
#include "symbolizer/gzip.h"
#include "symbolizer/utf8.h"

namespace cxxprof::profile {

namespace pb = perftools::profiles;

namespace {

// libprotobuf parses at most 2 GiB; a compressed profile is far smaller.
constexpr uint64_t kMaxProfileFileSize = uint64_t(1) << 31;

// Builds string_table: index 0 is "" as the format requires; each string stored once.
class StringTable {
 public:
  explicit StringTable(pb::Profile* message) : message_(message) { intern(""); }

  int64_t intern(const std::string& text) {
    auto it = indices_.find(text);
    if (it != indices_.end()) return it->second;
    int64_t index = message_->string_table_size();
    message_->add_string_table(to_valid_utf8(text));
    indices_.emplace(text, index);
    return index;
  }

 private:
  pb::Profile* message_;
  std::unordered_map<std::string, int64_t> indices_;
};

void encode_value_type(const ValueType& type, StringTable* strings, pb::ValueType* out) {
  out->set_type(strings->intern(type.type));
  out->set_unit(strings->intern(type.unit));
}

void encode_sample(const Sample& sample, StringTable* strings, pb::Sample* out) {
  for (uint64_t id : sample.location_ids) out->add_location_id(id);
  for (int64_t value : sample.values) out->add_value(value);
  for (const Label& label : sample.labels) {
    pb::Label* encoded = out->add_label();
    encoded->set_key(strings->intern(label.key));
    if (label.is_numeric) {
      encoded->set_num(label.num);
      if (!label.num_unit.empty()) encoded->set_num_unit(strings->intern(label.num_unit));
    } else {
      encoded->set_str(strings->intern(label.str));
    }
  }
}

void encode_mapping(const Mapping& mapping, StringTable* strings, pb::Mapping* out) {
  out->set_id(mapping.id);
  out->set_memory_start(mapping.memory_start);
  out->set_memory_limit(mapping.memory_limit);
  out->set_file_offset(mapping.file_offset);
  out->set_filename(strings->intern(mapping.filename));
  out->set_build_id(strings->intern(mapping.build_id));
  out->set_has_functions(mapping.has_functions);
  out->set_has_filenames(mapping.has_filenames);
  out->set_has_line_numbers(mapping.has_line_numbers);
  out->set_has_inline_frames(mapping.has_inline_frames);
}

void encode_location(const Location& location, pb::Location* out) {
  out->set_id(location.id);
  out->set_mapping_id(location.mapping_id);
  out->set_address(location.address);
  for (const Line& line : location.lines) {
    pb::Line* encoded = out->add_line();
    encoded->set_function_id(line.function_id);
    encoded->set_line(line.line);
  }
  out->set_is_folded(location.is_folded);
}

void encode_function(const Function& function, StringTable* strings, pb::Function* out) {
  out->set_id(function.id);
  out->set_name(strings->intern(function.name));
  out->set_system_name(strings->intern(function.system_name));
  out->set_filename(strings->intern(function.filename));
  out->set_start_line(function.start_line);
}

// Decoding side: every string index comes from the file and is checked.
class StringReader {
 public:
  explicit StringReader(const pb::Profile& message) : message_(message) {}

  bool get(int64_t index, std::string* out) {
    if (index < 0 || index >= message_.string_table_size()) {
      if (error_.empty()) error_ = "string index " + std::to_string(index) + " out of range";
      out->clear();
      return false;
    }
    *out = message_.string_table(static_cast<int>(index));
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  const pb::Profile& message_;
  std::string error_;
};

ValueType decode_value_type(const pb::ValueType& type, StringReader* strings) {
  ValueType out;
  strings->get(type.type(), &out.type);
  strings->get(type.unit(), &out.unit);
  return out;
}

Sample decode_sample(const pb::Sample& sample, StringReader* strings) {
  Sample out;
  out.location_ids.assign(sample.location_id().begin(), sample.location_id().end());
  out.values.assign(sample.value().begin(), sample.value().end());
  for (const pb::Label& label : sample.label()) {
    Label decoded;
    strings->get(label.key(), &decoded.key);
    // pprof: a label is a string label when str is set, numeric otherwise.
    if (label.str() != 0) {
      strings->get(label.str(), &decoded.str);
    } else {
      decoded.is_numeric = true;
      decoded.num = label.num();
      strings->get(label.num_unit(), &decoded.num_unit);
    }
    out.labels.push_back(std::move(decoded));
  }
  return out;
}

void decode_message(const pb::Profile& message, Profile* profile, StringReader* strings) {
  for (const pb::ValueType& type : message.sample_type()) {
    profile->sample_types.push_back(decode_value_type(type, strings));
  }
  for (const pb::Sample& sample : message.sample()) {
    profile->samples.push_back(decode_sample(sample, strings));
  }
  for (const pb::Mapping& mapping : message.mapping()) {
    Mapping& out = profile->mappings.emplace_back();
    out.id = mapping.id();
    out.memory_start = mapping.memory_start();
    out.memory_limit = mapping.memory_limit();
    out.file_offset = mapping.file_offset();
    strings->get(mapping.filename(), &out.filename);
    strings->get(mapping.build_id(), &out.build_id);
    out.has_functions = mapping.has_functions();
    out.has_filenames = mapping.has_filenames();
    out.has_line_numbers = mapping.has_line_numbers();
    out.has_inline_frames = mapping.has_inline_frames();
  }
  for (const pb::Location& location : message.location()) {
    Location& out = profile->locations.emplace_back();
    out.id = location.id();
    out.mapping_id = location.mapping_id();
    out.address = location.address();
    for (const pb::Line& line : location.line()) {
      out.lines.push_back(Line{line.function_id(), line.line()});
    }
    out.is_folded = location.is_folded();
  }
  for (const pb::Function& function : message.function()) {
    Function& out = profile->functions.emplace_back();
    out.id = function.id();
    strings->get(function.name(), &out.name);
    strings->get(function.system_name(), &out.system_name);
    strings->get(function.filename(), &out.filename);
    out.start_line = function.start_line();
  }
  strings->get(message.drop_frames(), &profile->drop_frames);
  strings->get(message.keep_frames(), &profile->keep_frames);
  profile->time_nanos = message.time_nanos();
  profile->duration_nanos = message.duration_nanos();
  if (message.has_period_type()) {
    profile->period_type = decode_value_type(message.period_type(), strings);
  }
  profile->period = message.period();
  for (int64_t comment : message.comment()) {
    strings->get(comment, &profile->comments.emplace_back());
  }
  strings->get(message.default_sample_type(), &profile->default_sample_type);
}

}  // namespace

bool serialize_profile(const Profile& profile, std::string* bytes, std::string* error) {
  std::string problem;
  if (!validate(profile, &problem)) {
    *error = "invalid profile: " + problem;
    return false;
  }
  pb::Profile message;
  StringTable strings(&message);
  for (const ValueType& type : profile.sample_types) {
    encode_value_type(type, &strings, message.add_sample_type());
  }
  for (const Sample& sample : profile.samples)
    encode_sample(sample, &strings, message.add_sample());
  for (const Mapping& mapping : profile.mappings) {
    encode_mapping(mapping, &strings, message.add_mapping());
  }
  for (const Location& location : profile.locations)
    encode_location(location, message.add_location());
  for (const Function& function : profile.functions) {
    encode_function(function, &strings, message.add_function());
  }
  if (!profile.drop_frames.empty()) message.set_drop_frames(strings.intern(profile.drop_frames));
  if (!profile.keep_frames.empty()) message.set_keep_frames(strings.intern(profile.keep_frames));
  message.set_time_nanos(profile.time_nanos);
  message.set_duration_nanos(profile.duration_nanos);
  encode_value_type(profile.period_type, &strings, message.mutable_period_type());
  message.set_period(profile.period);
  for (const std::string& comment : profile.comments) message.add_comment(strings.intern(comment));
  if (!profile.default_sample_type.empty()) {
    message.set_default_sample_type(strings.intern(profile.default_sample_type));
  }
  if (!message.SerializeToString(bytes)) {
    *error = "cannot serialize profile (larger than 2 GiB?)";
    return false;
  }
  return true;
}

bool encode_profile(const Profile& profile, std::string* gzipped, std::string* error) {
  std::string bytes;
  if (!serialize_profile(profile, &bytes, error)) return false;
  return gzip_compress(bytes, gzipped, error);
}

namespace {

// What a decoded profile may inflate to: real profiles are far smaller; a gzip bomb is not.
constexpr size_t kMaxDecodedBytes = size_t(1) << 30;

bool decode_unguarded(std::string_view data, Profile* profile, std::string* error) {
  if (data.empty()) {
    *error = "empty profile";
    return false;
  }
  std::string inflated;
  if (is_gzip(data)) {
    if (!gzip_decompress(data, &inflated, error, kMaxDecodedBytes)) return false;
    data = inflated;
  }
  pb::Profile message;
  if (data.size() > size_t(INT32_MAX) ||
      !message.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    *error = inflated.empty() ? "not a profile: neither gzip data nor a valid profile.proto"
                              : "corrupt profile: gzip data is not a valid profile.proto";
    return false;
  }
  if (message.string_table_size() == 0 || !message.string_table(0).empty()) {
    *error = "not a profile: string table does not start with \"\"";
    return false;
  }
  *profile = Profile{};
  StringReader strings(message);
  decode_message(message, profile, &strings);
  if (!strings.error().empty()) {
    *error = "corrupt profile: " + strings.error();
    return false;
  }
  std::string problem;
  if (!validate(*profile, &problem)) {
    *error = "invalid profile: " + problem;
    return false;
  }
  return true;
}

}  // namespace

bool decode_profile(std::string_view data, Profile* profile, std::string* error) {
  try {
    return decode_unguarded(data, profile, error);
  } catch (const std::bad_alloc&) {
    *profile = Profile{};
    *error = "profile too large to decode in memory";
    return false;
  }
}

bool read_profile_file(const std::string& path, Profile* profile, std::string* error) {
  std::string contents;
  if (!read_whole_file(path, kMaxProfileFileSize, &contents, error)) return false;
  if (!decode_profile(contents, profile, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace cxxprof::profile
