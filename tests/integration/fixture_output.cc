#include "tests/integration/fixture_output.h"

#include <cstdlib>
#include <sstream>

namespace cxxprof_test {

std::map<std::string, std::string> fixture_fields(const std::string& text, const std::string& line_prefix) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(line_prefix, 0) != 0) continue;
    std::istringstream words(line);
    for (std::string word; words >> word;) {
      const size_t eq = word.find('=');
      if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
    }
    break;
  }
  return fields;
}

bool fixture_int(const std::map<std::string, std::string>& fields, const std::string& key, int64_t* value) {
  const auto it = fields.find(key);
  if (it == fields.end() || it->second.empty()) return false;
  char* end = nullptr;
  *value = strtoll(it->second.c_str(), &end, 10);
  return *end == '\0';
}

}  // namespace cxxprof_test
