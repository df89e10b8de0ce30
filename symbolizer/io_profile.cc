#include "symbolizer/io_profile.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "common/io_labels.h"

namespace cxxprof {
namespace {

struct FileTotals {
  int64_t bytes = 0;
  int64_t time = 0;
};

// The path an id names, or "" if none was stored for it.
const std::string& stored_path(const RawData& data, uint32_t id) {
  static const std::string kNone;
  return id != io::kNoPath && id < data.io_paths.size() ? data.io_paths[id] : kNone;
}

// The `count` paths with the largest `value`, ties broken by name so output is stable.
std::vector<std::string> top_paths(const std::map<std::string, FileTotals>& totals,
                                   int64_t FileTotals::*value, size_t count) {
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [path, total] : totals) ranked.emplace_back(total.*value, path);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> top;
  for (size_t i = 0; i < std::min(count, ranked.size()); ++i) top.push_back(ranked[i].second);
  return top;
}

}  // namespace

std::map<uint32_t, std::string> io_path_labels(const RawData& data, size_t max_labels) {
  // Totals per path string: two racing threads may have stored one path under two ids.
  std::map<std::string, FileTotals> totals;
  std::set<uint32_t> ids;
  for (const RawSample& sample : data.samples) {
    if (sample.kind != raw::SampleKind::kIo) continue;
    if (io::aux_fd_kind(sample.aux) != io::FdKind::kFile) continue;
    const uint32_t id = io::aux_path_id(sample.aux);
    ids.insert(id);
    const std::string& path = stored_path(data, id);
    if (path.empty()) continue;
    FileTotals& total = totals[path];
    total.bytes += sample.values[io::kValueBytes];
    total.time += sample.values[io::kValueTime];
  }
  std::set<std::string> kept;
  for (const std::string& path : top_paths(totals, &FileTotals::bytes, max_labels / 2)) {
    kept.insert(path);
  }
  for (const std::string& path : top_paths(totals, &FileTotals::time, max_labels - kept.size())) {
    kept.insert(path);
  }
  std::map<uint32_t, std::string> labels;
  for (uint32_t id : ids) {
    const std::string& path = stored_path(data, id);
    labels[id] = kept.contains(path) ? path : io::kOtherFilesLabel;
  }
  return labels;
}

AuxLabeller make_io_labeller(const RawData& data) {
  return [paths = io_path_labels(data, kMaxIoPathLabels)](uint32_t aux, profile::Sample* sample) {
    const io::FdKind kind = io::aux_fd_kind(aux);
    sample->labels.push_back(profile::string_label("op", io::op_name(io::aux_op(aux))));
    sample->labels.push_back(profile::string_label("fd_kind", io::fd_kind_name(kind)));
    if (kind != io::FdKind::kFile) return;
    const auto path = paths.find(io::aux_path_id(aux));
    sample->labels.push_back(profile::string_label(
        "path", path != paths.end() ? path->second : std::string(io::kOtherFilesLabel)));
  };
}

}  // namespace cxxprof
