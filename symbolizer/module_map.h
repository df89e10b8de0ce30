// Address -> module lookup over the modules a process reported.
#pragma once

#include <cstdint>
#include <vector>

#include "symbolizer/raw_reader.h"

namespace cxxprof {

class ModuleMap {
 public:
  // `modules` must outlive the map.
  explicit ModuleMap(const std::vector<RawModule>& modules);

  // Index into `modules` of the module whose [start, limit) holds `address`, or -1. When
  // an address range was reused (dlclose then dlopen), the newest entry (highest
  // `sequence`) wins, as raw_format.h prescribes.
  int find(uint64_t address) const;

 private:
  const std::vector<RawModule>& modules_;
  std::vector<int> by_start_;        // module indices sorted by start
  std::vector<uint64_t> max_limit_;  // max limit over by_start_[0..i]
};

}  // namespace cxxprof
