#include "symbolizer/convert.h"

#include <exception>

#include "symbolizer/elf_symbolizer.h"
#include "symbolizer/file_io.h"
#include "symbolizer/profile_builder.h"
#include "symbolizer/profile_encoder.h"
#include "symbolizer/profile_kinds.h"
#include "symbolizer/raw_reader.h"
#include "symbolizer/raw_warnings.h"

namespace cxxprof {

namespace {

int64_t to_int64(uint64_t value) {
  return value > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(value);
}

// From start to the exit the process recorded; if it never got there (SIGKILL, crash),
// to the caller's estimate, else to the raw file's last modification (the writer touches
// it until it dies). Never negative.
int64_t duration_nanos(const RawData& data, const ConvertOptions& options) {
  if (data.end_monotonic_ns != 0) {
    return data.end_monotonic_ns > data.start_monotonic_ns
               ? to_int64(data.end_monotonic_ns - data.start_monotonic_ns)
               : 0;
  }
  if (options.fallback_end_monotonic_ns > data.start_monotonic_ns) {
    return to_int64(options.fallback_end_monotonic_ns - data.start_monotonic_ns);
  }
  if (data.file_mtime_ns > 0 && uint64_t(data.file_mtime_ns) > data.start_realtime_ns) {
    return to_int64(uint64_t(data.file_mtime_ns) - data.start_realtime_ns);
  }
  return 0;
}

std::string output_path(const ConvertOptions& options, const ProfileKind& kind, int pid) {
  std::string dir = options.output_dir.empty() ? "." : options.output_dir;
  if (dir.back() != '/') dir += '/';
  std::string name = kind.name;
  if (!options.is_root_process) name += "." + std::to_string(pid);
  return dir + name + options.name_suffix + ".pb.gz";
}

bool has_samples(const RawData& data, raw::SampleKind kind) {
  for (const RawSample& sample : data.samples) {
    if (sample.kind == kind) return true;
  }
  return false;
}

int64_t total_value(const profile::Profile& profile) {
  size_t index = profile.sample_types.size() - 1;
  for (size_t i = 0; i < profile.sample_types.size(); ++i) {
    if (profile.sample_types[i].type == profile.default_sample_type) index = i;
  }
  int64_t total = 0;
  for (const profile::Sample& sample : profile.samples) total += sample.values[index];
  return total;
}

bool convert_unguarded(const std::string& raw_path, const ConvertOptions& options,
                       ConvertResult* result, std::string* error) {
  RawData data;
  if (!read_raw_file(raw_path, RawReadScope::kEverything, &data, error)) return false;
  result->pid = data.pid;
  result->command_line = data.command_line;
  result->warnings = raw_data_warnings(data, options.exit_observed);

  std::vector<const ProfileKind*> kinds;
  for (const ProfileKind& kind : profile_kinds()) {
    if (kind.switched_on(data) || has_samples(data, kind.kind)) kinds.push_back(&kind);
  }

  // Symbolize every address up front, so what the symbolizer finds wrong (a missing
  // library, a rebuilt binary) is known before the first profile's comments are written.
  ElfSymbolizer symbolizer(data.modules, data.vdso_image, data.vdso_address);
  for (const RawSample& sample : data.samples) {
    if (find_profile_kind(sample.kind) == nullptr) continue;
    auto stack = data.stacks.find(sample.stack_id);
    if (stack == data.stacks.end()) continue;
    for (size_t i = 0; i < stack->second.size(); ++i) {
      symbolizer.symbolize(symbolization_address(stack->second[i], i));
    }
  }
  for (const std::string& warning : symbolizer.warnings()) result->warnings.push_back(warning);

  ProfileContext context;
  context.time_nanos = to_int64(data.start_realtime_ns);
  context.duration_nanos = duration_nanos(data, options);
  if (!data.command_line.empty()) context.comments.push_back(data.command_line);
  for (const std::string& warning : result->warnings)
    context.comments.push_back("warning: " + warning);

  std::string first_failure;
  for (const ProfileKind* kind : kinds) {
    profile::Profile profile = build_profile(*kind, data, context, &symbolizer);
    std::string bytes, problem;
    std::string path = output_path(options, *kind, data.pid);
    if (!encode_profile(profile, &bytes, &problem) || !write_new_file(path, bytes, &problem)) {
      if (first_failure.empty()) first_failure = problem;
      result->warnings.push_back(std::string(kind->name) + " profile not written: " + problem);
      continue;
    }
    WrittenProfile& written = result->profiles.emplace_back();
    written.kind = kind->name;
    written.path = path;
    written.sample_count = int64_t(profile.samples.size());
    written.total_value = total_value(profile);
  }
  if (result->profiles.empty() && !first_failure.empty()) {
    *error = first_failure;
    return false;
  }
  return true;
}

}  // namespace

bool convert_raw_file(const std::string& raw_path, const ConvertOptions& options,
                      ConvertResult* result, std::string* error) {
  *result = ConvertResult{};
  // The launcher calls this after the program ran: whatever goes wrong here (out of
  // memory on an enormous raw file) must come back as an error, not end the launcher.
  try {
    return convert_unguarded(raw_path, options, result, error);
  } catch (const std::exception& e) {
    *error = raw_path + ": " + e.what();
    return false;
  }
}

}  // namespace cxxprof
