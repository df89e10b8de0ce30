#include "launcher/command_line.h"

#include <cstring>
#include <string_view>

#include "common/version.h"

namespace cxxprof {
namespace {

// The launcher's own flags: not in common/config because the injected library never
// sees them.
enum class Flag { kKeepRaw, kQuiet, kHelp, kVersion };
struct LauncherFlag {
  Flag flag;
  const char* long_name;
  char short_name;
};
constexpr LauncherFlag kLauncherFlags[] = {
    {Flag::kKeepRaw, "keep-raw", 0},
    {Flag::kQuiet, "quiet", 'q'},
    {Flag::kHelp, "help", 'h'},
    {Flag::kVersion, "version", 0},
};

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Zeroes a profile the environment switched on but this version cannot record yet. The
// command line treats such an option as an error; the environment (which may be shared
// with other tools or later versions) only warns, like the injected library does.
void drop_unsupported_from_environment(Config* config, std::vector<std::string>* warnings) {
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    const OptionSpec& spec = specs[i];
    if (spec.supported || spec.kind != ValueKind::kNumber) continue;
    uint64_t* field = nullptr;
    switch (spec.id) {
      case OptionId::kHeap: field = &config->heap_rate; break;
      case OptionId::kMutex: field = &config->mutex_fraction; break;
      case OptionId::kBlock: field = &config->block_rate; break;
      case OptionId::kIo: field = &config->io_rate; break;
      default: break;
    }
    if (field == nullptr || *field == 0) continue;
    *field = 0;
    warnings->push_back(std::string(spec.env_name) + ": --" + spec.long_name +
                        " is not supported yet; ignored");
  }
}

void collect_warning(void* context, const char* line) {
  static_cast<std::vector<std::string>*>(context)->push_back(line);
}

// The launcher's defaults: the CXXPROF_* variables of its own environment. Unlike the
// injected library, the launcher must not switch on the CPU profile just because no
// variable asked for a profile: `cxxprof-run --wall` means the wall profile alone. The
// implicit default is applied after the command line instead.
Config config_from_launcher_environment(EnvLookup lookup, std::vector<std::string>* warnings) {
  Config config;
  config_init(&config);
  config_from_environment(&config, lookup, collect_warning, warnings);
  bool any_profile_variable = false;
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    if (specs[i].kind == ValueKind::kNumber && lookup(specs[i].env_name) != nullptr) {
      any_profile_variable = true;
    }
  }
  if (!any_profile_variable) config.cpu_hz = 0;
  drop_unsupported_from_environment(&config, warnings);
  return config;
}

class Parser {
 public:
  Parser(const std::vector<std::string>& args, LaunchOptions* options, std::string* error)
      : args_(args), options_(options), error_(error) {}

  // Returns false on error. Leaves index() at the first argument of the program.
  bool parse() {
    while (index_ < args_.size()) {
      const std::string& arg = args_[index_];
      if (arg == "--") {
        last_bare_number_option_.clear();  // what follows is the program, whatever it is
        ++index_;
        return true;
      }
      // "-" alone is an operand by convention (it names a program called "-").
      if (arg.size() < 2 || arg[0] != '-') return true;
      bool ok = arg[1] == '-' ? parse_long(arg.substr(2)) : parse_short(arg);
      if (!ok) return false;
      if (options_->action != LaunchOptions::Action::kRun) return true;
      ++index_;
    }
    return true;
  }

  size_t index() const { return index_; }
  // The last option that was given without its optional value (e.g. "--cpu").
  const std::string& last_bare_number_option() const { return last_bare_number_option_; }

 private:
  bool fail(std::string message) {
    *error_ = std::move(message);
    return false;
  }

  bool set_flag(const LauncherFlag& flag) {
    switch (flag.flag) {
      case Flag::kKeepRaw: options_->keep_raw = true; break;
      case Flag::kQuiet: options_->quiet = true; break;
      case Flag::kHelp: options_->action = LaunchOptions::Action::kHelp; break;
      case Flag::kVersion: options_->action = LaunchOptions::Action::kVersion; break;
    }
    return true;
  }

  bool apply(const OptionSpec& spec, const char* value) {
    if (!spec.supported) return fail(std::string("--") + spec.long_name + " is not supported yet");
    char message[512];
    if (!config_apply(&options_->config, spec.id, value, message, sizeof(message))) {
      return fail(message);
    }
    last_bare_number_option_ =
        spec.kind == ValueKind::kNumber && value == nullptr ? std::string("--") + spec.long_name
                                                            : std::string();
    return true;
  }

  // The value of an option that requires one, given as the next argument.
  const char* next_argument() {
    if (index_ + 1 >= args_.size()) return nullptr;
    return args_[++index_].c_str();
  }

  bool parse_long(const std::string& body) {
    size_t equals = body.find('=');
    std::string name = body.substr(0, equals);
    bool has_value = equals != std::string::npos;
    std::string value = has_value ? body.substr(equals + 1) : std::string();
    for (const LauncherFlag& flag : kLauncherFlags) {
      if (name != flag.long_name) continue;
      if (has_value) return fail("--" + name + " takes no value");
      return set_flag(flag);
    }
    const OptionSpec* spec = find_option_by_long_name(name.c_str(), name.size());
    if (spec == nullptr) return fail("unknown option --" + name + " (see cxxprof-run --help)");
    if (has_value) return apply(*spec, value.c_str());
    // Only a required value may come from the next argument: an optional one would
    // swallow the program name (`--cpu ./app`).
    if (spec->kind == ValueKind::kPath) return apply(*spec, next_argument());
    return apply(*spec, nullptr);
  }

  // -q, -h, -o DIR, -oDIR, and bundles like -qo DIR.
  bool parse_short(const std::string& arg) {
    for (size_t j = 1; j < arg.size(); ++j) {
      char c = arg[j];
      bool is_launcher_flag = false;
      for (const LauncherFlag& flag : kLauncherFlags) {
        if (flag.short_name != 0 && flag.short_name == c) {
          set_flag(flag);
          is_launcher_flag = true;
        }
      }
      if (is_launcher_flag) {
        if (options_->action != LaunchOptions::Action::kRun) return true;
        continue;
      }
      const OptionSpec* spec = find_option_by_short_name(c);
      if (spec == nullptr) {
        return fail(std::string("unknown option -") + c + " (see cxxprof-run --help)");
      }
      if (spec->kind == ValueKind::kNone) {
        if (!apply(*spec, nullptr)) return false;
        continue;
      }
      // An option with a value ends the bundle: the rest of the argument is its value.
      std::string rest = arg.substr(j + 1);
      if (!rest.empty()) return apply(*spec, rest.c_str());
      return apply(*spec, spec->kind == ValueKind::kPath ? next_argument() : nullptr);
    }
    return true;
  }

  const std::vector<std::string>& args_;
  LaunchOptions* options_;
  std::string* error_;
  size_t index_ = 0;
  std::string last_bare_number_option_;
};

}  // namespace

bool parse_command_line(const std::vector<std::string>& args, EnvLookup lookup,
                        LaunchOptions* options, std::string* error) {
  *options = LaunchOptions{};
  options->config = config_from_launcher_environment(lookup, &options->warnings);
  Parser parser(args, options, error);
  if (!parser.parse()) return false;
  if (options->action != LaunchOptions::Action::kRun) return true;
  options->program.assign(args.begin() + std::ptrdiff_t(parser.index()), args.end());
  if (options->program.empty()) {
    *error = "no program given (usage: cxxprof-run [options] [--] PROGRAM [ARGS...])";
    return false;
  }
  // `--cpu 200 ./app` almost certainly meant --cpu=200; running a program named "200"
  // would only produce a puzzling "command not found".
  if (!parser.last_bare_number_option().empty() && is_digits(options->program[0])) {
    const std::string& option = parser.last_bare_number_option();
    *error = "'" + options->program[0] + "' after " + option + " is taken as the program; write " +
             option + "=" + options->program[0] + " to set the value";
    return false;
  }
  if (!config_any_profile(options->config)) options->config.cpu_hz = kDefaultCpuHz;
  return true;
}

std::string usage_text() {
  std::string text =
      "usage: cxxprof-run [options] [--] PROGRAM [ARGS...]\n"
      "\n"
      "Runs PROGRAM with the cxxprof profiler preloaded and writes pprof profiles\n"
      "(DIR/cpu.pb.gz, ...). Without a profile option, profiles CPU at 100 Hz.\n"
      "\n"
      "options:\n";
  auto add = [&text](char short_name, const std::string& left, const std::string& help) {
    std::string line = short_name != 0 ? std::string("  -") + short_name + ", " : "      ";
    line += left;
    if (line.size() < 26) line.resize(26, ' ');
    else line += "  ";
    text += line + help + "\n";
  };
  size_t count = 0;
  const OptionSpec* specs = option_specs(&count);
  for (size_t i = 0; i < count; ++i) {
    const OptionSpec& spec = specs[i];
    std::string left = std::string("--") + spec.long_name;
    if (spec.kind == ValueKind::kPath) left += std::string(" ") + spec.value_name;
    if (spec.kind == ValueKind::kNumber) left += std::string("[=") + spec.value_name + "]";
    std::string help = spec.help;
    if (!spec.supported) help += " [not available yet]";
    add(spec.short_name, left, help);
  }
  add(0, "--keep-raw", "keep the raw DIR/*.cxxraw files after converting them");
  add('q', "--quiet", "print no summary");
  add('h', "--help", "show this help");
  add(0, "--version", "show the version");
  text +=
      "\n"
      "Each option is also read from its CXXPROF_* variable (CXXPROF_CPU=200, ...);\n"
      "the command line wins. See cxxprof-run(1).\n";
  return text;
}

std::string version_text() { return std::string("cxxprof-run ") + kVersion + "\n"; }

}  // namespace cxxprof
