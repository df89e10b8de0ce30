#include "launcher/collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/raw_format.h"
#include "launcher/process_runner.h"

namespace cxxprof {
namespace {

// "<pid>.cxxraw" or "<pid>.<image>.cxxraw".
bool parse_raw_name(const std::string& name, pid_t* pid, int* image) {
  std::string stem = name.substr(0, name.size() - std::strlen(raw::kFileSuffix));
  size_t dot = stem.find('.');
  auto parse = [](const std::string& digits, long long* value) {
    if (digits.empty() || digits.size() > 9) return false;
    *value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      *value = *value * 10 + (c - '0');
    }
    return true;
  };
  long long pid_value = 0;
  long long image_value = 0;
  if (!parse(stem.substr(0, dot), &pid_value) || pid_value == 0) return false;
  if (dot != std::string::npos && !parse(stem.substr(dot + 1), &image_value)) return false;
  *pid = pid_t(pid_value);
  *image = int(image_value);
  return true;
}

bool has_raw_suffix(const std::string& name) {
  std::string suffix = raw::kFileSuffix;
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Prints the progress line from a second thread if the conversion is still going after
// the delay: how long symbolizing takes is not known in advance (it depends on the size
// of the debug information), and a silent pause of several seconds after the program
// ended looks like a hang.
class ProgressNotice {
 public:
  ProgressNotice(bool enabled, std::chrono::milliseconds delay, std::string line,
                 std::function<void(const std::string&)> print) {
    if (!enabled) return;
    thread_ = std::thread([this, delay, line = std::move(line), print = std::move(print)] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!condition_.wait_for(lock, delay, [this] { return done_; })) print(line);
    });
  }
  ~ProgressNotice() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    condition_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable condition_;
  bool done_ = false;
  std::thread thread_;
};

// The CLOCK_MONOTONIC start of the image in `path`, 0 if unreadable. The image an exec
// replaced never ran its exit path, so its end time is the next image's start.
uint64_t image_start_monotonic_ns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  char magic[sizeof(raw::kMagic)] = {};
  uint64_t start = 0;
  bool ok = ::pread(fd, magic, sizeof(magic), 0) == ssize_t(sizeof(magic)) &&
            std::memcmp(magic, raw::kMagic, sizeof(magic)) == 0 &&
            ::pread(fd, &start, sizeof(start), off_t(offsetof(raw::Header, start_monotonic_ns))) ==
                ssize_t(sizeof(start));
  ::close(fd);
  return ok ? start : 0;
}

void print_to_stderr(const std::string& line) {
  std::string text = line + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace

std::vector<RawFile> find_raw_files(const std::string& directory) {
  std::vector<RawFile> files;
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return files;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    RawFile file;
    if (!has_raw_suffix(name) || !parse_raw_name(name, &file.pid, &file.image)) continue;
    file.path = directory + "/" + name;
    files.push_back(std::move(file));
  }
  ::closedir(dir);
  std::sort(files.begin(), files.end(), [](const RawFile& a, const RawFile& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.image < b.image;
  });
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    files[i].superseded = files[i].pid == files[i + 1].pid;
  }
  return files;
}


bool is_process_running(pid_t pid) {
  if (pid <= 0) return false;
  int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[512];
  ssize_t n = ::read(fd, buffer, sizeof(buffer) - 1);
  ::close(fd);
  if (n <= 0) return false;
  buffer[n] = '\0';
  // "pid (comm) S ...": comm may contain spaces and parentheses; the state follows the
  // last ')'.
  std::string stat(buffer, size_t(n));
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

std::vector<ProcessOutcome> collect_profiles(const CollectOptions& options) {
  std::vector<RawFile> files = find_raw_files(options.output_dir);
  std::stable_partition(files.begin(), files.end(),
                        [&options](const RawFile& file) { return file.pid == options.root_pid; });
  std::vector<ProcessOutcome> outcomes;
  if (files.empty()) return outcomes;

  size_t processes = 0;
  for (const RawFile& file : files) processes += file.superseded ? 0 : 1;
  std::string line = "cxxprof-run: symbolizing " + std::to_string(processes) +
                     (processes == 1 ? " process..." : " processes...");
  ProgressNotice notice(options.show_progress, options.progress_delay, line,
                        options.print_progress ? options.print_progress : print_to_stderr);
  // Descendants without an end time died without running their exit path, at some point
  // we cannot know; now is the latest it can have been.
  uint64_t now = monotonic_now_ns();
  for (size_t i = 0; i < files.size(); ++i) {
    const RawFile& file = files[i];
    ProcessOutcome outcome;
    outcome.raw = file;
    outcome.is_root = file.pid == options.root_pid;
    // Checked before converting: a daemon still running keeps writing into its raw file.
    outcome.still_running =
        !outcome.is_root && !file.superseded && is_process_running(file.pid);
    ConvertOptions convert_options;
    convert_options.output_dir = options.output_dir;
    convert_options.is_root_process = outcome.is_root;
    convert_options.fallback_end_monotonic_ns = now;
    if (file.superseded) {
      // Sorted by pid then image, so the next file is the image that replaced this one.
      uint64_t next_start = image_start_monotonic_ns(files[i + 1].path);
      if (next_start != 0) convert_options.fallback_end_monotonic_ns = next_start;
    } else if (outcome.is_root && options.root_end_monotonic_ns != 0) {
      convert_options.fallback_end_monotonic_ns = options.root_end_monotonic_ns;
    }
    // The launcher saw the root end; an earlier image was replaced by exec. Neither "died".
    convert_options.exit_observed = outcome.is_root || file.superseded;
    if (file.superseded) {
      // Its profiles are cpu.<pid>.<image>.pb.gz: the pid's last image has the usual names.
      convert_options.is_root_process = false;
      convert_options.name_suffix = "." + std::to_string(file.image);
    }
    outcome.converted = options.convert(file.path, convert_options, &outcome.result, &outcome.error);
    if (!outcome.converted && outcome.error.empty()) outcome.error = "conversion failed";
    outcome.raw_kept = options.keep_raw || !outcome.converted || outcome.still_running;
    if (!outcome.raw_kept && ::unlink(file.path.c_str()) != 0 && errno != ENOENT) {
      outcome.raw_kept = true;
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace cxxprof
