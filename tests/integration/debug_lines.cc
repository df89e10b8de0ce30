#include "tests/integration/debug_lines.h"

#include <sstream>

#include "tests/integration/reports.h"

namespace cxxprof_test {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

void parse_fields(const std::string& text, DebugLine* line) {
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    size_t equals = word.find('=');
    if (equals != std::string::npos) line->fields[word.substr(0, equals)] = word.substr(equals + 1);
  }
}

// "a (f.cc:1) <- b <- c" -> {"a (f.cc:1)", "b", "c"}
std::vector<std::string> split_stack(const std::string& text) {
  std::vector<std::string> frames;
  size_t start = 0;
  for (;;) {
    size_t arrow = text.find(" <- ", start);
    frames.push_back(text.substr(start, arrow == std::string::npos ? std::string::npos : arrow - start));
    if (arrow == std::string::npos) break;
    start = arrow + 4;
  }
  return frames;
}

bool parse_line(const std::string& text, DebugLine* line) {
  line->text = text;
  if (starts_with(text, "  THREAD ")) {
    line->kind = "THREAD";
    parse_fields(text.substr(9), line);
    return true;
  }
  for (const char* kind : {"SCHED ", "HEAP ", "ALLOC ", "FREE "}) {
    if (!starts_with(text, kind)) continue;
    std::string rest = text.substr(std::string(kind).size());
    size_t ms_end = rest.find("ms: ");
    if (ms_end == std::string::npos || ms_end == 0) return false;
    for (size_t i = 0; i < ms_end; ++i) {
      if (rest[i] < '0' || rest[i] > '9') return false;
    }
    line->kind = std::string(kind, std::string(kind).size() - 1);
    line->ms = std::stoll(rest.substr(0, ms_end));
    std::string body = rest.substr(ms_end + 4);
    size_t stack = body.find(" stack: ");
    if (stack != std::string::npos) {
      line->stack = split_stack(body.substr(stack + 8));
      body = body.substr(0, stack);
    }
    parse_fields(body, line);
    return true;
  }
  return false;
}

}  // namespace

const std::string& DebugLine::field(const std::string& key) const {
  static const std::string kEmpty;
  auto it = fields.find(key);
  return it == fields.end() ? kEmpty : it->second;
}

int64_t DebugLine::number(const std::string& key) const {
  const std::string& value = field(key);
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(value);
}

std::vector<DebugLine> debug_lines(const std::string& text, const std::string& kind) {
  std::vector<DebugLine> lines;
  std::istringstream input(text);
  std::string raw;
  while (std::getline(input, raw)) {
    DebugLine line;
    if (parse_line(raw, &line) && (kind.empty() || line.kind == kind)) lines.push_back(line);
  }
  return lines;
}

std::vector<SchedSnapshot> sched_snapshots(const std::string& text) {
  std::vector<SchedSnapshot> snapshots;
  for (const DebugLine& line : debug_lines(text)) {
    if (line.kind == "SCHED") {
      snapshots.push_back(SchedSnapshot{line, {}});
    } else if (line.kind == "THREAD" && !snapshots.empty()) {
      snapshots.back().threads.push_back(line);
    }
  }
  return snapshots;
}

std::string injection_name(Injection injection) {
  return injection == Injection::kLauncher ? "Launcher" : "PreloadAlone";
}

CommandResult run_with_cxxdebug(Injection injection, const std::string& cxxdebug,
                                const std::vector<std::string>& program, const TempDir& dir,
                                const std::vector<std::string>& extra_env) {
  CommandOptions options;
  options.set_env = extra_env;
  options.set_env.push_back("CXXDEBUG=" + cxxdebug);
  // A developer's own settings must not change what the test sees.
  options.unset_env = {"CXXPROF_CPU",  "CXXPROF_WALL",   "CXXPROF_HEAP", "CXXPROF_MUTEX",
                       "CXXPROF_BLOCK", "CXXPROF_IO",    "CXXPROF_OUTPUT", "CXXPROF_LAUNCHER",
                       "CXXPROF_ROOT_PID", "CXXPROF_NO_FOLLOW", "CXXPROF_ALLOCFREETRACE_SOCKET"};
  if (injection == Injection::kLauncher) {
    return run_profiled({"-q", "-o", dir / "prof"}, program, options);
  }
  options.set_env.push_back("LD_PRELOAD=" + preload_library_path());
  return run_command(program, options);
}

}  // namespace cxxprof_test
