#include "symbolizer/profile_model.h"

#include <unordered_set>

namespace cxxprof::profile {

Label string_label(std::string key, std::string value) {
  Label label;
  label.key = std::move(key);
  label.str = std::move(value);
  return label;
}

Label numeric_label(std::string key, int64_t value, std::string unit) {
  Label label;
  label.key = std::move(key);
  label.num = value;
  label.num_unit = std::move(unit);
  label.is_numeric = true;
  return label;
}

const std::string* Sample::string_label(const std::string& key) const {
  for (const Label& label : labels) {
    if (!label.is_numeric && label.key == key) return &label.str;
  }
  return nullptr;
}

namespace {

// Collects ids of one table, rejecting zero and duplicates.
template <typename Entry>
bool collect_ids(const std::vector<Entry>& entries, const char* what,
                 std::unordered_set<uint64_t>* ids, std::string* error) {
  for (const Entry& entry : entries) {
    if (entry.id == 0) {
      *error = std::string(what) + " with id 0";
      return false;
    }
    if (!ids->insert(entry.id).second) {
      *error = "duplicate " + std::string(what) + " id " + std::to_string(entry.id);
      return false;
    }
  }
  return true;
}

}  // namespace

bool validate(const Profile& profile, std::string* error) {
  if (profile.sample_types.empty()) {
    *error = "profile has no sample types";
    return false;
  }
  if (!profile.default_sample_type.empty()) {
    bool found = false;
    for (const ValueType& type : profile.sample_types)
      found |= type.type == profile.default_sample_type;
    if (!found) {
      *error = "default sample type \"" + profile.default_sample_type + "\" is not a sample type";
      return false;
    }
  }

  std::unordered_set<uint64_t> mapping_ids, location_ids, function_ids;
  if (!collect_ids(profile.mappings, "mapping", &mapping_ids, error) ||
      !collect_ids(profile.locations, "location", &location_ids, error) ||
      !collect_ids(profile.functions, "function", &function_ids, error)) {
    return false;
  }

  for (const Location& location : profile.locations) {
    if (location.mapping_id != 0 && !mapping_ids.contains(location.mapping_id)) {
      *error = "location " + std::to_string(location.id) + " refers to unknown mapping " +
               std::to_string(location.mapping_id);
      return false;
    }
    for (const Line& line : location.lines) {
      if (!function_ids.contains(line.function_id)) {
        *error = "location " + std::to_string(location.id) + " refers to unknown function " +
                 std::to_string(line.function_id);
        return false;
      }
    }
  }

  const size_t value_count = profile.sample_types.size();
  for (size_t i = 0; i < profile.samples.size(); ++i) {
    const Sample& sample = profile.samples[i];
    if (sample.values.size() != value_count) {
      *error = "sample " + std::to_string(i) + " has " + std::to_string(sample.values.size()) +
               " values, want " + std::to_string(value_count);
      return false;
    }
    for (uint64_t id : sample.location_ids) {
      if (!location_ids.contains(id)) {
        *error =
            "sample " + std::to_string(i) + " refers to unknown location " + std::to_string(id);
        return false;
      }
    }
    for (const Label& label : sample.labels) {
      if (label.key.empty()) {
        *error = "sample " + std::to_string(i) + " has a label with an empty key";
        return false;
      }
    }
  }
  return true;
}

ProfileIndex::ProfileIndex(const Profile& profile) {
  for (const Location& location : profile.locations) locations_.emplace(location.id, &location);
  for (const Function& function : profile.functions) functions_.emplace(function.id, &function);
  for (const Mapping& mapping : profile.mappings) mappings_.emplace(mapping.id, &mapping);
}

namespace {
template <typename Entry>
const Entry* find(const std::unordered_map<uint64_t, const Entry*>& map, uint64_t id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : it->second;
}
}  // namespace

const Location* ProfileIndex::location(uint64_t id) const { return find(locations_, id); }
const Function* ProfileIndex::function(uint64_t id) const { return find(functions_, id); }
const Mapping* ProfileIndex::mapping(uint64_t id) const { return find(mappings_, id); }

}  // namespace cxxprof::profile
