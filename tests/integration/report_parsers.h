// Parsers for the text reports the integration tests read: the pprof-style top table
// (printed alike by `cxxprof top` and `go tool pprof -top`), folded stacks
// (`cxxprof collapsed`), and `go tool pprof -traces` / `-tags`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cxxprof_test {

// The lines of `text`, without their newlines.
std::vector<std::string> lines_of(const std::string& text);

// "1.50s", "150ms", "20000000ns", "3.2us", "12", "0" → the value in the base unit
// (nanoseconds for times, the number itself otherwise). False for anything else.
bool parse_quantity(const std::string& text, double* value);

struct TopRow {
  double flat = 0;
  double cum = 0;
  std::string name;
};

struct TopTable {
  std::vector<TopRow> rows;
  double total = -1;  // from "... of TOTAL total" when the report prints it
};

// Reads the rows under the "flat  flat%  sum%  cum  cum%" header. False (with a reason)
// when there is no such header or a row does not have that shape.
bool parse_top(const std::string& text, TopTable* table, std::string* error);

struct Stack {
  std::string thread;               // only with --thread output
  std::vector<std::string> frames;  // root first, leaf last
  int64_t value = 0;
};

// "root;...;leaf VALUE" per line; with `thread_first`, the first element is the thread.
bool parse_collapsed(const std::string& text, bool thread_first, std::vector<Stack>* stacks,
                     std::string* error);

struct Trace {
  std::map<std::string, std::string> labels;
  double value = 0;
  std::vector<std::string> frames;  // root first, leaf last (pprof prints leaf first)
};

bool parse_pprof_traces(const std::string& text, std::vector<Trace>* traces, std::string* error);

// The "KEY: Total ..." section of `go tool pprof -tags`: label value → amount.
bool parse_pprof_tags(const std::string& text, const std::string& key,
                      std::map<std::string, double>* amounts, std::string* error);

// The bare function name of a report's frame, so tests need not guess how much of a
// demangled name a report keeps: "ns::burn(unsigned long) const [clone .cold] (inline)"
// → "burn"; "worker_main" → "worker_main"; "libc.so.6+0x1f" stays as it is.
std::string base_name(const std::string& frame);

}  // namespace cxxprof_test
