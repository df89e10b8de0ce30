#include "tools/symbolize_command.h"

#include <cstdlib>

#include "common/config.h"
#include "common/text.h"
#include "symbolizer/convert.h"
#include "symbolizer/raw_reader.h"

namespace cxxprof {

namespace {

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

int run_symbolize(const std::vector<std::string>& raw_paths, const std::string& output_dir,
                  std::ostream& out, std::ostream& err) {
  // The launcher exports the root pid; without it, the first file is the root.
  int64_t root_pid = -1;
  uint64_t env_pid = 0;
  const char* env = std::getenv(kRootPidEnv);
  if (env != nullptr && parse_u64(env, &env_pid) && env_pid <= uint64_t(INT32_MAX)) {
    root_pid = int64_t(env_pid);
  }

  int status = 0;
  for (size_t i = 0; i < raw_paths.size(); ++i) {
    const std::string& path = raw_paths[i];
    RawData header;
    std::string error;
    if (!read_raw_file(path, RawReadScope::kHeaderOnly, &header, &error)) {
      err << "cxxprof: " << error << "\n";
      status = 1;
      continue;
    }
    ConvertOptions options;
    options.output_dir = output_dir.empty() ? directory_of(path) : output_dir;
    options.is_root_process = root_pid >= 0 ? header.pid == root_pid : i == 0;
    ConvertResult result;
    bool ok = convert_raw_file(path, options, &result, &error);
    for (const std::string& warning : result.warnings) {
      err << "cxxprof: " << path << ": warning: " << warning << "\n";
    }
    if (!ok) {
      err << "cxxprof: " << error << "\n";
      status = 1;
      continue;
    }
    if (result.profiles.empty()) {
      err << "cxxprof: " << path << ": no profile was switched on and no samples recorded\n";
    }
    for (const WrittenProfile& profile : result.profiles) {
      out << profile.path << ": " << profile.kind << " profile, " << profile.sample_count
          << " samples\n";
    }
  }
  return status;
}

}  // namespace cxxprof
