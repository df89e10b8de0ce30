// Value formatting as pprof prints it: "1.50s", "250ms", "12.50MB", "42".
#pragma once

#include <cstdint>
#include <string>

namespace cxxprof {

// `value` in `unit` scaled to the largest unit in which it is at least 1, two decimals
// with ".00" dropped (pprof's style). Times ("nanoseconds", ...) scale through ns, us,
// ms, s, hrs; sizes ("bytes") through B, kB, MB, GB, TB in powers of 1024. Other units
// (counts) print as integers.
std::string format_value(int64_t value, const std::string& unit);

// "12.34%" of `part` in `total` ("0%" for a zero total).
std::string format_percent(int64_t part, int64_t total);

}  // namespace cxxprof
