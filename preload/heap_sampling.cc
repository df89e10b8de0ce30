#include "preload/heap_sampling.h"

#include <cstring>

#include "preload/event_sampling.h"

namespace cxxprof::heap {
namespace {

constexpr double kLn2 = 0.693147180559945309417;
constexpr int64_t kMaxInterval = int64_t(1) << 62;

// x * 2^k through the exponent bits (no ldexp: that is libm).
double scale_by_power_of_two(double x, int k) {
  if (k < -1022) return 0.0;  // far below anything a probability needs
  uint64_t bits = uint64_t(k + 1023) << 52;
  double factor;
  std::memcpy(&factor, &bits, sizeof(factor));
  return x * factor;
}

}  // namespace

double natural_log(double x) {
  // x = m * 2^e with m in [1, 2); ln m = 2 atanh(t), t = (m - 1) / (m + 1) <= 1/3, whose
  // odd series converges fast (t^2 <= 1/9): 13 terms leave an error below 1e-13.
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  int exponent = int((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & ((uint64_t(1) << 52) - 1)) | (uint64_t(1023) << 52);
  double m;
  std::memcpy(&m, &bits, sizeof(m));
  if (m > 1.4142135623730951) {  // keep t small: m in [0.707, 1.414)
    m *= 0.5;
    ++exponent;
  }
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  double sum = 0.0;
  for (int k = 25; k >= 1; k -= 2) sum = sum * t2 + 1.0 / k;
  return 2.0 * t * sum + exponent * kLn2;
}

double exp_negative(double x) {
  if (x <= 0.0) return 1.0;
  if (x > 745.0) return 0.0;
  // e^-x = 2^-k * e^-r with r = x - k ln 2 in [0, ln 2); Taylor to degree 17 for e^-r.
  const int k = int(x / kLn2);
  const double r = x - k * kLn2;
  double term = 1.0;
  double sum = 1.0;
  for (int n = 1; n <= 17; ++n) {
    term *= -r / n;
    sum += term;
  }
  return scale_by_power_of_two(sum, -k);
}

int64_t next_sample_interval(uint64_t rate) {
  if (rate <= 1) return 0;
  // u in (0, 1]: 53 random bits, never 0, so -ln u is finite (at most 36.7).
  const double u = double((thread_random() >> 11) + 1) * 0x1.0p-53;
  const double interval = -natural_log(u) * double(rate);
  return interval >= double(kMaxInterval) ? kMaxInterval : int64_t(interval);
}

double sample_probability(uint64_t size, uint64_t rate) {
  if (rate <= 1) return 1.0;
  const double x = double(size) / double(rate);
  if (x >= 0.5) return 1.0 - exp_negative(x);
  // 1 - e^-x = x - x^2/2 + x^3/6 - ...: summed directly, so small sizes keep their
  // relative precision (1 - exp_negative(x) would cancel).
  double term = x;
  double sum = x;
  for (int n = 2; n <= 20; ++n) {
    term *= -x / n;
    sum += term;
  }
  return sum;
}

int64_t expected_bytes(uint64_t size, uint64_t rate) {
  if (size == 0) return 0;
  const double p = sample_probability(size, rate);
  const double bytes = double(size) / p;
  return bytes >= 9.2e18 ? INT64_MAX : int64_t(bytes);
}

}  // namespace cxxprof::heap
