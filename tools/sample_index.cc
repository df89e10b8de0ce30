#include "tools/sample_index.h"

#include "common/text.h"

namespace cxxprof {

bool resolve_sample_index(const profile::Profile& profile, const std::string& spec, size_t* index,
                          std::string* error) {
  const auto& types = profile.sample_types;
  if (types.empty()) {
    *error = "profile has no sample types";
    return false;
  }
  const std::string& wanted = spec.empty() ? profile.default_sample_type : spec;
  if (wanted.empty()) {
    *index = types.size() - 1;
    return true;
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i].type == wanted) {
      *index = i;
      return true;
    }
  }
  uint64_t number = 0;
  if (!spec.empty() && parse_u64(spec.c_str(), &number) && number < types.size()) {
    *index = size_t(number);
    return true;
  }
  std::string choices;
  for (size_t i = 0; i < types.size(); ++i) {
    choices += (i == 0 ? "" : ", ") + types[i].type;
  }
  *error = "sample index \"" + wanted + "\" not in the profile (choose " + choices + " or 0.." +
           std::to_string(types.size() - 1) + ")";
  return false;
}

}  // namespace cxxprof
