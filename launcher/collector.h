// After the program ended: turn every process's raw data (DIR/<pid>.cxxraw) into
// symbolized profiles with the symbolizer, and tidy up the raw files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "symbolizer/convert.h"

namespace cxxprof {

// One program image's raw data. A process that calls exec leaves one file per image:
// DIR/<pid>.cxxraw for the first, DIR/<pid>.<n>.cxxraw for the n-th exec (see
// preload/raw_store.cc) — every `sh -c cmd` child is such a fork-then-exec process.
struct RawFile {
  std::string path;  // DIR/<name>
  pid_t pid = 0;
  int image = 0;     // n of <pid>.<n>.cxxraw; 0 for <pid>.cxxraw
  // A later image of the same pid exists. The last image is the program the process
  // finally became (./app after `env X=1 ./app`) and gets the usual names (cpu.pb.gz,
  // cpu.<pid>.pb.gz); a superseded one gets cpu.<pid>.<image>.pb.gz.
  bool superseded = false;
};

// The raw files in `directory`, ordered by pid then image. Other names are skipped.
std::vector<RawFile> find_raw_files(const std::string& directory);


struct ProcessOutcome {
  RawFile raw;
  bool is_root = false;        // the launched process itself
  bool converted = false;      // convert_raw_file succeeded
  bool still_running = false;  // a descendant that had not ended at collection time
  bool raw_kept = false;       // its raw file is still in DIR (and why, see above)
  std::string error;           // why the conversion failed
  ConvertResult result;
};

using ConvertFunction = std::function<bool(const std::string& raw_path, const ConvertOptions&,
                                           ConvertResult*, std::string* error)>;

struct CollectOptions {
  std::string output_dir;  // absolute; the profiles are written here
  pid_t root_pid = 0;
  // When the root process was seen to end; the fallback end time of its raw data.
  uint64_t root_end_monotonic_ns = 0;
  bool keep_raw = false;
  // "symbolizing N processes..." when converting takes longer than `progress_delay`.
  bool show_progress = true;
  std::chrono::milliseconds progress_delay{1000};
  ConvertFunction convert = convert_raw_file;
  std::function<void(const std::string& line)> print_progress;  // default: stderr
};

// Converts every raw file: the root's first, then the descendants by pid. A raw file is
// deleted after a successful conversion unless keep_raw; the raw data of a failed
// conversion or of a process that is still running stays, so it can be converted later
// with `cxxprof symbolize`.
std::vector<ProcessOutcome> collect_profiles(const CollectOptions& options);

// True if `pid` names a live process (not a zombie).
bool is_process_running(pid_t pid);

}  // namespace cxxprof
