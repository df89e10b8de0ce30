// The program `make demo` profiles: a small, realistic workload in two named threads,
// with a few clearly named functions so the CPU and wall profiles read like a story.
//
//   indexer thread: generate_corpus → count_words (hash map of strings) → top_words
//   crunch  thread: multiply_matrices (dense double matrices) and checksum_blocks (FNV-1a)
//   main thread:    waits for both (shows up in the wall profile only)
//
// About 2 s on a small machine. Usage: demo [ROUNDS] (default 40)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <pthread.h>

namespace {

// A deterministic stream of pseudo-random numbers (xorshift64), so every run does the
// same work and prints the same results.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed | 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace

// Words follow a skewed distribution, like natural text: a few very common, many rare.
__attribute__((noinline)) std::vector<std::string> generate_corpus(uint64_t seed, size_t words) {
  static const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ven", "dor"};
  Random random(seed);
  std::vector<std::string> corpus;
  corpus.reserve(words);
  for (size_t i = 0; i < words; ++i) {
    const uint64_t r = random.next();
    const int length = 1 + static_cast<int>(__builtin_ctzll(r | (1ull << 5)));  // 1..6, mostly short
    std::string word;
    uint64_t bits = r >> 8;
    for (int s = 0; s < length; ++s, bits /= 10) word += kSyllables[bits % 10];
    corpus.push_back(std::move(word));
  }
  return corpus;
}

__attribute__((noinline)) std::unordered_map<std::string, int> count_words(const std::vector<std::string>& corpus) {
  std::unordered_map<std::string, int> counts;
  for (const auto& word : corpus) ++counts[word];
  return counts;
}

__attribute__((noinline)) std::vector<std::pair<std::string, int>> top_words(
    const std::unordered_map<std::string, int>& counts, size_t n) {
  std::vector<std::pair<std::string, int>> all(counts.begin(), counts.end());
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<long>(n), all.end(),
                    [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  all.resize(n);
  return all;
}

__attribute__((noinline)) std::vector<double> multiply_matrices(const std::vector<double>& a,
                                                                const std::vector<double>& b, size_t n) {
  std::vector<double> c(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < n; ++k) {
      const double aik = a[i * n + k];
      for (size_t j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

__attribute__((noinline)) uint64_t checksum_blocks(const std::vector<uint8_t>& data, size_t block) {
  uint64_t combined = 0;
  for (size_t start = 0; start < data.size(); start += block) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, byte at a time: deliberately slow
    for (size_t i = start; i < std::min(start + block, data.size()); ++i) h = (h ^ data[i]) * 0x100000001b3ull;
    combined ^= h + (combined << 6) + (combined >> 2);
  }
  return combined;
}

void indexer(int rounds, std::string* report) {
  name_this_thread("indexer");
  std::unordered_map<std::string, int> totals;
  for (int round = 0; round < rounds; ++round) {
    const auto corpus = generate_corpus(static_cast<uint64_t>(round) + 1, 400'000);
    for (const auto& [word, count] : count_words(corpus)) totals[word] += count;
  }
  *report = "indexer: " + std::to_string(totals.size()) + " distinct words; most frequent:";
  for (const auto& [word, count] : top_words(totals, 5)) *report += " " + word + "(" + std::to_string(count) + ")";
}

void crunch(int rounds, std::string* report) {
  name_this_thread("crunch");
  constexpr size_t kN = 300;
  Random random(42);
  std::vector<double> a(kN * kN);
  std::vector<double> b(kN * kN);
  for (auto& x : a) x = static_cast<double>(random.next() % 1000) / 1000.0;
  for (auto& x : b) x = static_cast<double>(random.next() % 1000) / 1000.0;
  std::vector<uint8_t> data(12 << 20);
  for (auto& x : data) x = static_cast<uint8_t>(random.next());

  double trace = 0;
  uint64_t checksum = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto c = multiply_matrices(a, b, kN);
    for (size_t i = 0; i < kN; ++i) trace += c[i * kN + i];
    a.swap(b);
    checksum ^= checksum_blocks(data, 4096 + static_cast<size_t>(round));
  }
  char text[128];
  snprintf(text, sizeof text, "crunch: matrix trace %.3f, block checksum %016llx", trace,
           static_cast<unsigned long long>(checksum));
  *report = text;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 40;
  if (rounds <= 0) {
    fprintf(stderr, "usage: demo [ROUNDS]\n");
    return 2;
  }
  std::string indexer_report;
  std::string crunch_report;
  std::thread first(indexer, rounds, &indexer_report);
  std::thread second(crunch, rounds, &crunch_report);
  first.join();
  second.join();
  printf("%s\n%s\n", indexer_report.c_str(), crunch_report.c_str());
  return 0;
}
