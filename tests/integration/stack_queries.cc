#include "tests/integration/stack_queries.h"

#include <algorithm>

namespace cxxprof_test {

bool has_frame(const Frames& frames, const std::string& name) {
  return std::any_of(frames.begin(), frames.end(), [&](const std::string& f) { return base_name(f) == name; });
}

bool leaf_is(const Frames& frames, const std::string& name) {
  return !frames.empty() && base_name(frames.back()) == name;
}

bool ends_with_chain(const Frames& frames, const std::vector<std::string>& chain) {
  if (frames.size() < chain.size()) return false;
  const size_t offset = frames.size() - chain.size();
  for (size_t i = 0; i < chain.size(); ++i) {
    if (base_name(frames[offset + i]) != chain[i]) return false;
  }
  return true;
}

bool rooted_at_thread_entry(const Frames& frames) {
  if (frames.empty()) return false;
  const std::string root = base_name(frames.front());
  return root == "start_thread" || root == "clone3" || root == "__clone3" || root == "clone" ||
         root == "__clone";
}

std::string folded(const Frames& frames) {
  std::string s;
  for (const auto& f : frames) s += (s.empty() ? "" : ";") + f;
  return s;
}

double top_flat(const TopTable& table, const std::string& name) {
  double sum = 0;
  for (const auto& row : table.rows) {
    if (base_name(row.name) == name) sum += row.flat;
  }
  return sum;
}

double top_cum(const TopTable& table, const std::string& name) {
  double sum = 0;
  for (const auto& row : table.rows) {
    if (base_name(row.name) == name) sum += row.cum;
  }
  return sum;
}

}  // namespace cxxprof_test
