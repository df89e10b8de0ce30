#include "symbolizer/elf_symbolizer.h"

#include <cstdio>

#include "symbolizer/demangle.h"
#include "symbolizer/function_name.h"
#include "symbolizer/dwarf_frames.h"
#include "symbolizer/elf_module.h"

namespace cxxprof {

struct ElfSymbolizer::ModuleState {
  bool tried = false;
  std::unique_ptr<ElfModule> elf;      // null if the module could not be opened
  std::unique_ptr<DwarfFrames> dwarf;  // null if the module has no DWARF
  std::string label;                   // basename, for placeholders
};

namespace {

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string module_label(const RawModule& module) {
  if (module.is_vdso()) return "[vdso]";
  size_t slash = module.path.rfind('/');
  std::string base = slash == std::string::npos ? module.path : module.path.substr(slash + 1);
  return base.empty() ? "[unknown module]" : base;
}

bool is_mangled(const std::string& name) { return name.size() > 2 && name.starts_with("_Z"); }

}  // namespace

std::string hex_string(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

ElfSymbolizer::ElfSymbolizer(std::vector<RawModule> modules, std::string vdso_image,
                             uint64_t vdso_address)
    : modules_(std::move(modules)), vdso_image_(std::move(vdso_image)) {
  bool have_vdso = false;
  for (const RawModule& module : modules_) have_vdso |= module.is_vdso();
  if (!have_vdso && !vdso_image_.empty() && vdso_address != 0) {
    // The vDSO is linked at virtual address 0, so its load bias is where it is mapped.
    RawModule vdso;
    vdso.flags = raw::kModuleVdso;
    vdso.load_bias = vdso_address;
    vdso.start = vdso_address;
    vdso.limit = vdso_address + vdso_image_.size();
    vdso.path = "[vdso]";
    modules_.push_back(std::move(vdso));
  }
  module_map_ = std::make_unique<ModuleMap>(modules_);
  states_.resize(modules_.size());
}

ElfSymbolizer::~ElfSymbolizer() = default;

ElfSymbolizer::ModuleState& ElfSymbolizer::open_module(int index) {
  std::unique_ptr<ModuleState>& state = states_[size_t(index)];
  if (state == nullptr) state = std::make_unique<ModuleState>();
  if (state->tried) return *state;
  state->tried = true;
  const RawModule& module = modules_[size_t(index)];
  state->label = module_label(module);

  std::string error;
  if (module.is_vdso()) {
    if (vdso_image_.empty()) {
      warnings_.push_back("[vdso]: no copy of the vDSO in the raw data; shown as addresses");
      return *state;
    }
    state->elf = ElfModule::open_image(vdso_image_, "[vdso]", module.load_bias, &error);
  } else {
    state->elf = ElfModule::open_file(module.path, module.load_bias, &error);
  }
  if (state->elf == nullptr) {
    warnings_.push_back(error + "; shown as " + state->label + "+offset");
    return *state;
  }
  if (state->elf->has_dwarf()) state->dwarf = std::make_unique<DwarfFrames>(state->elf->module());
  std::string on_disk = state->elf->build_id();
  if (!module.build_id.empty() && !on_disk.empty() && on_disk != module.build_id) {
    warnings_.push_back(module.path + ": binary changed since the run (build-id " +
                        hex_string(on_disk) + ", recorded " + hex_string(module.build_id) +
                        "); symbols may be wrong");
  }
  return *state;
}

SymbolizedAddress ElfSymbolizer::resolve(uint64_t address) {
  SymbolizedAddress result;
  result.module = module_map_->find(address);
  if (result.module < 0) {
    std::string name = hex(address);
    result.frames.push_back(SourceFrame{name, name, "", 0, 0});
    return result;
  }
  ModuleState& state = open_module(result.module);
  const RawModule& module = modules_[size_t(result.module)];
  std::string placeholder = state.label + "+" + hex(address - module.load_bias);
  if (state.elf == nullptr) {
    result.frames.push_back(SourceFrame{placeholder, placeholder, "", 0, 0});
    return result;
  }

  // A PLT stub: no symbol or debug information covers it; it is named after the
  // function it jumps to, as objdump and perf name it.
  const std::string plt_target = state.elf->plt_target(address);
  if (!plt_target.empty()) {
    const std::string name = simplify_function_name(demangle(plt_target)) + "@plt";
    result.frames.push_back(SourceFrame{name, plt_target + "@plt", "", 0, 0});
    result.has_function = true;
    return result;
  }

  result.has_inline_info = state.dwarf != nullptr;
  if (state.dwarf != nullptr) result.frames = state.dwarf->frames(address);
  std::string symbol = state.elf->symbol_name(address);
  if (result.frames.empty()) result.frames.emplace_back();

  // The out-of-line frame: DWARF without a linkage name (C code, or -gline-tables-only)
  // gives a bare name; the symbol table's mangled name is more precise then.
  SourceFrame& outer = result.frames.back();
  if (!symbol.empty() &&
      (outer.name.empty() || (!is_mangled(outer.system_name) && is_mangled(symbol)))) {
    outer.system_name = symbol;
    outer.name = simplify_function_name(demangle(symbol));
  }
  for (SourceFrame& frame : result.frames) {
    if (frame.name.empty()) {
      frame.name = frame.system_name = placeholder;
    } else {
      result.has_function = true;
    }
    result.has_file |= !frame.file.empty();
    result.has_line |= frame.line != 0;
  }
  return result;
}

const SymbolizedAddress& ElfSymbolizer::symbolize(uint64_t address) {
  auto it = cache_.find(address);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(address, resolve(address)).first->second;
}

}  // namespace cxxprof
