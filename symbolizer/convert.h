// Raw data of one process -> symbolized, gzipped pprof profiles. The launcher calls this
// after the target exits; `cxxprof symbolize` calls it on raw files given by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cxxprof {

struct ConvertOptions {
  std::string output_dir;   // where the .pb.gz files go
  bool is_root_process = true;  // root: DIR/cpu.pb.gz; descendant: DIR/cpu.<pid>.pb.gz
  // When the raw file has no end time (the process died without running its exit path),
  // the caller's best estimate of CLOCK_MONOTONIC at exit, in ns; 0 = use the file's mtime.
  uint64_t fallback_end_monotonic_ns = 0;
  // Inserted after the pid part of every file name: ".1" makes DIR/cpu.<pid>.1.pb.gz, for
  // the earlier image of a pid that later called exec.
  std::string name_suffix;
  // The caller saw how the process ended (the launcher waited for it, or it was replaced
  // by exec): no "did not exit normally" warning, which would only repeat or mislead.
  bool exit_observed = false;
};

struct WrittenProfile {
  std::string kind;   // "cpu", "wall", ...
  std::string path;   // the file written
  int64_t sample_count = 0;  // samples in the profile (pprof Sample entries)
  int64_t total_value = 0;   // sum of the default sample type's values
};

struct ConvertResult {
  int pid = 0;
  std::string command_line;
  std::vector<WrittenProfile> profiles;
  std::vector<std::string> warnings;  // one line each, e.g. "12 samples dropped: table full"
};

// Reads `raw_path`, validates it (hostile input: never crash), symbolizes every address
// once, and writes one profile per kind that has data or was switched on. Files are
// created with O_EXCL|O_NOFOLLOW, mode 0600: an existing file is an error, never
// overwritten. Returns false with one line in *error if nothing could be written.
bool convert_raw_file(const std::string& raw_path, const ConvertOptions& options,
                      ConvertResult* result, std::string* error);

}  // namespace cxxprof
