#include "tools/command_args.h"

namespace cxxprof {

namespace {

// Finds the flag `arg` names; *inline_value receives the text after '=' if present.
const FlagSpec* match(const std::vector<FlagSpec>& flags, const std::string& arg,
                      std::string* inline_value, bool* has_inline_value) {
  for (const FlagSpec& flag : flags) {
    for (const std::string& name : flag.names) {
      if (arg == name) {
        *has_inline_value = false;
        return &flag;
      }
      if (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 &&
          arg[name.size()] == '=') {
        *inline_value = arg.substr(name.size() + 1);
        *has_inline_value = true;
        return &flag;
      }
    }
  }
  return nullptr;
}

}  // namespace

bool parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags,
                 std::vector<std::string>* positional, std::string* error) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      positional->push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    const FlagSpec* flag = match(flags, arg, &value, &has_value);
    if (flag == nullptr) {
      *error = "unknown option " + arg;
      return false;
    }
    if (flag->takes_value) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          *error = "option " + arg + " needs a value";
          return false;
        }
        value = args[++i];
      }
      *flag->value = value;
    } else if (has_value) {
      *error = "option " + flag->names.front() + " takes no value";
      return false;
    }
    if (flag->present != nullptr) *flag->present = true;
  }
  return true;
}

}  // namespace cxxprof
