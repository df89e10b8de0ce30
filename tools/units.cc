#include "tools/units.h"

#include <cstdio>
#include <cstdlib>

namespace cxxprof {

namespace {

struct Scale {
  const char* suffix;
  double factor;
};

constexpr Scale kTime[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"hrs", 3600e9}};
constexpr Scale kBytes[] = {{"B", 1},
                            {"kB", 1024.0},
                            {"MB", 1024.0 * 1024},
                            {"GB", 1024.0 * 1024 * 1024},
                            {"TB", 1024.0 * 1024 * 1024 * 1024}};

// Factor of `unit` relative to the smallest of its scale (seconds are 1e9 ns, ...).
template <size_t N>
std::string scaled(int64_t value, double unit_factor, const Scale (&scales)[N]) {
  double amount = double(value) * unit_factor;
  const Scale* chosen = &scales[0];
  for (const Scale& scale : scales) {
    if (std::abs(amount) >= scale.factor) chosen = &scale;
  }
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f", amount / chosen->factor);
  std::string out = text;
  if (out.ends_with(".00")) out.resize(out.size() - 3);
  return out + chosen->suffix;
}

}  // namespace

std::string format_value(int64_t value, const std::string& unit) {
  if (value == 0) return "0";
  if (unit == "nanoseconds" || unit == "ns") return scaled(value, 1, kTime);
  if (unit == "microseconds" || unit == "us") return scaled(value, 1e3, kTime);
  if (unit == "milliseconds" || unit == "ms") return scaled(value, 1e6, kTime);
  if (unit == "seconds" || unit == "s") return scaled(value, 1e9, kTime);
  if (unit == "bytes" || unit == "B") return scaled(value, 1, kBytes);
  return std::to_string(value);
}

std::string format_percent(int64_t part, int64_t total) {
  if (total == 0) return "0%";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f%%", 100.0 * double(part) / double(total));
  return text;
}

}  // namespace cxxprof
