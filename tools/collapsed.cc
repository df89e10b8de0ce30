#include "tools/collapsed.h"

#include <map>

#include "tools/frames.h"

namespace cxxprof {

namespace {

void append_frame(const std::string& name, std::string* stack) {
  if (!stack->empty()) *stack += ';';
  for (char c : name) *stack += (c == ';' || c == '\n' || c == '\r') ? '_' : c;
}

}  // namespace

std::string format_collapsed(const profile::Profile& profile, const CollapsedOptions& options) {
  profile::ProfileIndex index(profile);
  std::map<std::string, int64_t> stacks;
  for (const profile::Sample& sample : profile.samples) {
    if (options.sample_index >= sample.values.size()) continue;
    int64_t value = sample.values[options.sample_index];
    if (value == 0) continue;
    std::string stack;
    if (options.thread_root) {
      const std::string* thread = sample.string_label("thread");
      append_frame(thread != nullptr ? *thread : "unknown", &stack);
    }
    for (auto id = sample.location_ids.rbegin(); id != sample.location_ids.rend(); ++id) {
      const profile::Location* location = index.location(*id);
      if (location == nullptr) continue;
      std::vector<ReportFrame> frames = location_frames(index, *location);
      for (auto frame = frames.rbegin(); frame != frames.rend(); ++frame) {
        append_frame(frame->name, &stack);
      }
    }
    stacks[stack] += value;
  }
  std::string out;
  for (const auto& [stack, value] : stacks) {
    if (value == 0) continue;
    out += stack + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace cxxprof
