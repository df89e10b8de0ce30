#include "launcher/child_environment.h"

#include <unistd.h>

#include <cstring>

extern char** environ;

namespace cxxprof {
namespace {

std::string variable_name(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// Replaces NAME's entry in place (keeping the order programs see in `env`), or appends it.
void set_variable(std::vector<std::string>* environment, const std::string& name,
                  const std::string& value) {
  std::string entry = name + "=" + value;
  bool replaced = false;
  for (auto it = environment->begin(); it != environment->end();) {
    if (variable_name(*it) != name) {
      ++it;
    } else if (!replaced) {
      *it++ = entry;
      replaced = true;
    } else {
      it = environment->erase(it);  // a duplicate would make getenv's answer depend on order
    }
  }
  if (!replaced) environment->push_back(entry);
}

void remove_variable(std::vector<std::string>* environment, const std::string& name) {
  std::erase_if(*environment,
                [&name](const std::string& entry) { return variable_name(entry) == name; });
}

const char* find_value(const std::vector<std::string>& environment, const std::string& name) {
  for (const std::string& entry : environment) {
    if (variable_name(entry) == name && entry.size() > name.size()) {
      return entry.c_str() + name.size() + 1;
    }
  }
  return nullptr;
}

}  // namespace

std::string prepend_to_ld_preload(const std::string& library, const char* existing) {
  std::string result = library;
  if (existing == nullptr) return result;
  std::string list = existing;
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find_first_of(" :", start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    if (!item.empty() && item != library) result += ":" + item;
    start = end + 1;
  }
  return result;
}

std::vector<std::string> build_child_environment(const std::vector<std::string>& parent,
                                                 const Config& config,
                                                 const std::string& library,
                                                 const std::string& output_dir,
                                                 pid_t launcher_pid) {
  std::vector<std::string> environment = parent;
  Config child_config = config;
  std::strncpy(child_config.output_dir, output_dir.c_str(), sizeof(child_config.output_dir) - 1);
  child_config.output_dir[sizeof(child_config.output_dir) - 1] = '\0';

  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    char value[kMaxPath];
    if (config_env_value(child_config, specs[i].id, value, sizeof(value))) {
      set_variable(&environment, specs[i].env_name, value);
    } else {
      remove_variable(&environment, specs[i].env_name);
    }
  }
  set_variable(&environment, kLauncherEnv, std::to_string(launcher_pid));
  remove_variable(&environment, kRootPidEnv);
  std::string preload = prepend_to_ld_preload(library, find_value(environment, "LD_PRELOAD"));
  set_variable(&environment, "LD_PRELOAD", preload);
  return environment;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    entries.emplace_back(*entry);
  }
  return entries;
}

EnvironmentBlock::EnvironmentBlock(std::vector<std::string> entries)
    : entries_(std::move(entries)) {
  std::erase_if(entries_, [](const std::string& entry) {
    return variable_name(entry) == kRootPidEnv;
  });
  pointers_.reserve(entries_.size() + 2);
  for (std::string& entry : entries_) pointers_.push_back(entry.data());
  std::strcpy(root_pid_entry_, kRootPidEnv);
  std::strcat(root_pid_entry_, "=");
  pointers_.push_back(root_pid_entry_);
  pointers_.push_back(nullptr);
}

void EnvironmentBlock::set_root_pid(pid_t pid) {
  size_t length = std::strlen(kRootPidEnv) + 1;  // after "CXXPROF_ROOT_PID="
  char digits[24];
  size_t n = 0;
  unsigned long value = static_cast<unsigned long>(pid);
  do {
    digits[n++] = char('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0 && length + 1 < sizeof(root_pid_entry_)) root_pid_entry_[length++] = digits[--n];
  root_pid_entry_[length] = '\0';
}

}  // namespace cxxprof
