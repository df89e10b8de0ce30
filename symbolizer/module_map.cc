#include "symbolizer/module_map.h"

#include <algorithm>

namespace cxxprof {

ModuleMap::ModuleMap(const std::vector<RawModule>& modules) : modules_(modules) {
  for (size_t i = 0; i < modules.size(); ++i) by_start_.push_back(int(i));
  std::sort(by_start_.begin(), by_start_.end(),
            [&](int a, int b) { return modules[a].start < modules[b].start; });
  uint64_t max_limit = 0;
  for (int index : by_start_) {
    max_limit = std::max(max_limit, modules[index].limit);
    max_limit_.push_back(max_limit);
  }
}

int ModuleMap::find(uint64_t address) const {
  // Last module starting at or below the address; walk left while an earlier module
  // could still reach the address (its prefix maximum limit says whether any can).
  auto it = std::upper_bound(by_start_.begin(), by_start_.end(), address,
                             [&](uint64_t a, int index) { return a < modules_[index].start; });
  int best = -1;
  for (ptrdiff_t i = (it - by_start_.begin()) - 1; i >= 0 && max_limit_[i] > address; --i) {
    const RawModule& module = modules_[by_start_[i]];
    if (address >= module.limit) continue;
    if (best < 0 || module.sequence > modules_[best].sequence) best = by_start_[i];
  }
  return best;
}

}  // namespace cxxprof
