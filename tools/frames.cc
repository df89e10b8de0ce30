#include "tools/frames.h"

#include <cstdio>

namespace cxxprof {

std::vector<ReportFrame> location_frames(const profile::ProfileIndex& index,
                                         const profile::Location& location) {
  std::vector<ReportFrame> frames;
  for (const profile::Line& line : location.lines) {
    const profile::Function* function = index.function(line.function_id);
    ReportFrame& frame = frames.emplace_back();
    if (function != nullptr) {
      frame.name = !function->name.empty() ? function->name : function->system_name;
      frame.file = function->filename;
    }
    frame.line = line.line;
  }
  if (frames.empty()) {
    char text[32];
    std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(location.address));
    frames.push_back(ReportFrame{text, "", 0});
  }
  for (ReportFrame& frame : frames) {
    if (frame.name.empty())
      frame.name.push_back('?');  // not = "?": GCC 12 -Wrestrict false positive
  }
  return frames;
}

}  // namespace cxxprof
