#include "symbolizer/profile_builder.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

namespace cxxprof {

namespace {

class Builder {
 public:
  Builder(const RawData& data, ElfSymbolizer* symbolizer, profile::Profile* out)
      : data_(data), symbolizer_(symbolizer), out_(out) {
    // pprof treats mapping[0] as the main binary.
    const std::vector<RawModule>& modules = symbolizer_->modules();
    for (size_t i = 0; i < modules.size(); ++i) {
      if (modules[i].is_main_executable()) {
        mapping_id(int(i));
        break;
      }
    }
  }

  // Location ids for a stack (leaf first); a sample without a stack gets the
  // kNoStackFunction location.
  std::vector<uint64_t> stack_locations(uint32_t stack_id) {
    std::vector<uint64_t> ids;
    auto it = stack_id == 0 ? data_.stacks.end() : data_.stacks.find(stack_id);
    if (it == data_.stacks.end() || it->second.empty()) {
      ids.push_back(no_stack_location());
      return ids;
    }
    const std::vector<uint64_t>& pcs = it->second;
    ids.reserve(pcs.size());
    for (size_t i = 0; i < pcs.size(); ++i) {
      ids.push_back(location_id(symbolization_address(pcs[i], i)));
    }
    return ids;
  }

  std::string thread_label(uint32_t slot) const {
    const RawThread* thread = data_.thread(slot);
    if (thread == nullptr) return "unknown";
    return thread->name.empty() ? std::to_string(thread->tid) : thread->name;
  }

 private:
  using FunctionKey = std::tuple<std::string, std::string, std::string, int64_t>;

  uint64_t mapping_id(int module) {
    auto it = mappings_.find(module);
    if (it != mappings_.end()) return it->second;
    const RawModule& raw = symbolizer_->modules()[size_t(module)];
    profile::Mapping& mapping = out_->mappings.emplace_back();
    mapping.id = out_->mappings.size();
    mapping.memory_start = raw.start;
    mapping.memory_limit = raw.limit;
    mapping.file_offset = raw.file_offset;
    mapping.filename = raw.is_vdso() ? "[vdso]" : raw.path;
    mapping.build_id = hex_string(raw.build_id);
    mappings_.emplace(module, mapping.id);
    return mapping.id;
  }

  profile::Mapping& mapping(uint64_t id) { return out_->mappings[size_t(id - 1)]; }

  uint64_t function_id(const SourceFrame& frame) {
    FunctionKey key{frame.name, frame.system_name, frame.file, frame.start_line};
    auto it = functions_.find(key);
    if (it != functions_.end()) return it->second;
    profile::Function& function = out_->functions.emplace_back();
    function.id = out_->functions.size();
    function.name = frame.name;
    function.system_name = frame.system_name;
    function.filename = frame.file;
    function.start_line = frame.start_line;
    functions_.emplace(std::move(key), function.id);
    return function.id;
  }

  uint64_t location_id(uint64_t address) {
    auto it = locations_.find(address);
    if (it != locations_.end()) return it->second;
    const SymbolizedAddress& symbolized = symbolizer_->symbolize(address);
    profile::Location location;
    location.id = out_->locations.size() + 1;
    location.address = address;
    if (symbolized.module >= 0) {
      location.mapping_id = mapping_id(symbolized.module);
      profile::Mapping& m = mapping(location.mapping_id);
      m.has_functions |= symbolized.has_function;
      m.has_filenames |= symbolized.has_file;
      m.has_line_numbers |= symbolized.has_line;
      m.has_inline_frames |= symbolized.has_inline_info;
    }
    for (const SourceFrame& frame : symbolized.frames) {
      location.lines.push_back(profile::Line{function_id(frame), frame.line});
    }
    out_->locations.push_back(std::move(location));
    locations_.emplace(address, out_->locations.back().id);
    return out_->locations.back().id;
  }

  uint64_t no_stack_location() {
    if (no_stack_location_ == 0) {
      SourceFrame frame{kNoStackFunction, kNoStackFunction, "", 0, 0};
      profile::Location location;
      location.id = out_->locations.size() + 1;
      location.lines.push_back(profile::Line{function_id(frame), 0});
      out_->locations.push_back(std::move(location));
      no_stack_location_ = out_->locations.back().id;
    }
    return no_stack_location_;
  }

  const RawData& data_;
  ElfSymbolizer* symbolizer_;
  profile::Profile* out_;
  std::unordered_map<int, uint64_t> mappings_;        // module index -> mapping id
  std::unordered_map<uint64_t, uint64_t> locations_;  // address -> location id
  std::map<FunctionKey, uint64_t> functions_;
  uint64_t no_stack_location_ = 0;
};

}  // namespace

profile::Profile build_profile(const ProfileKind& kind, const RawData& data,
                               const ProfileContext& context, ElfSymbolizer* symbolizer) {
  profile::Profile out;
  out.sample_types = kind.sample_types;
  out.default_sample_type = kind.default_sample_type;
  out.period_type = kind.period_type;
  out.period = kind.period(data);
  out.time_nanos = context.time_nanos;
  out.duration_nanos = context.duration_nanos;
  out.comments = context.comments;
  if (kind.add_comments != nullptr) kind.add_comments(data, &out.comments);

  Builder builder(data, symbolizer, &out);
  // A kind has at most raw::kSampleValues sample types (its values come from a raw slot).
  const size_t value_count = std::min<size_t>(kind.sample_types.size(), raw::kSampleValues);
  const AuxLabeller labeller =
      kind.make_aux_labeller != nullptr ? kind.make_aux_labeller(data) : AuxLabeller();
  for (const RawSample& raw : data.samples) {
    if (raw.kind != kind.kind) continue;
    profile::Sample sample;
    sample.values.assign(raw.values.begin(), raw.values.begin() + value_count);
    sample.labels.push_back(profile::string_label("thread", builder.thread_label(raw.thread_slot)));
    if (kind.add_aux_labels != nullptr) kind.add_aux_labels(raw.aux, &sample);
    if (labeller) labeller(raw.aux, &sample);
    // Before the locations: a sample left out adds none.
    if (kind.finish_sample != nullptr && !kind.finish_sample(data, raw, &sample)) continue;
    sample.location_ids = builder.stack_locations(raw.stack_id);
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace cxxprof
