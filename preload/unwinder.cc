// The unwinding loop and module bookkeeping; see unwinder.h. The pieces: eh_frame.h finds
// and parses FDEs, cfa_program.h computes the CFI row, dwarf_expression.h evaluates
// expression rules; this file applies rows to registers frame after frame.
#include "preload/unwinder.h"

#include <elf.h>

#include "preload/cfa_program.h"
#include "preload/dwarf_expression.h"
#include "preload/eh_frame.h"

namespace cxxprof::unwind {

bool describe_code_module(uint64_t load_bias, const void* program_headers,
                          unsigned program_header_count, CodeModule* module) {
  const auto* phdr = static_cast<const Elf64_Phdr*>(program_headers);
  uint64_t start = UINT64_MAX, limit = 0;
  const Elf64_Phdr* eh = nullptr;
  for (unsigned i = 0; i < program_header_count; ++i) {
    const Elf64_Phdr& p = phdr[i];
    if (p.p_type == PT_LOAD && (p.p_flags & PF_X) != 0 && p.p_memsz != 0) {
      if (p.p_vaddr + load_bias < start) start = p.p_vaddr + load_bias;
      if (p.p_vaddr + p.p_memsz + load_bias > limit) limit = p.p_vaddr + p.p_memsz + load_bias;
    } else if (p.p_type == PT_GNU_EH_FRAME) {
      eh = &p;
    }
  }
  if (limit <= start) return false;
  *module = CodeModule{start, limit, load_bias, nullptr, 0, 0, 0, false};
  if (eh == nullptr || eh->p_memsz == 0) return true;
  // The readable segment that holds the header bounds every read of .eh_frame.
  for (unsigned i = 0; i < program_header_count; ++i) {
    const Elf64_Phdr& p = phdr[i];
    if (p.p_type == PT_LOAD && (p.p_flags & PF_R) != 0 && p.p_vaddr <= eh->p_vaddr &&
        eh->p_vaddr + eh->p_memsz <= p.p_vaddr + p.p_memsz) {
      module->eh_frame_hdr = reinterpret_cast<const uint8_t*>(eh->p_vaddr + load_bias);
      module->eh_frame_hdr_size = eh->p_memsz;
      module->eh_segment_start = p.p_vaddr + load_bias;
      module->eh_segment_limit = p.p_vaddr + p.p_memsz + load_bias;
      break;
    }
  }
  return true;
}

const CodeModule* find_module(const ModuleSet& modules, uint64_t pc) {
  uint32_t low = 0, high = modules.count;  // first module with start > pc
  while (low < high) {
    uint32_t mid = low + (high - low) / 2;
    if (modules.modules[mid].start <= pc) low = mid + 1; else high = mid;
  }
  if (low == 0) return nullptr;
  const CodeModule* module = &modules.modules[low - 1];
  return pc < module->limit ? module : nullptr;
}

const CodeModule* locate_module(const ModuleSet& modules, uint64_t pc, CodeModule* scratch) {
  const CodeModule* module = find_module(modules, pc);
  if ((module == nullptr || module->may_unload) && modules.locate != nullptr) {
    module = modules.locate(pc, scratch) ? scratch : nullptr;
  }
  return module;
}

#if defined(__x86_64__)

namespace {

// Callee-saved in the System V x86-64 ABI: rbx, rbp, r12-r15 (rsp is the CFA).
constexpr uint32_t kCalleeSaved =
    (1u << kRbx) | (1u << kRbp) | (1u << kR12) | (1u << kR13) | (1u << kR14) | (1u << kR15);

StopReason expression_failure(ExpressionStatus status) {
  return status == ExpressionStatus::kBadMemory ? StopReason::kBadMemory : StopReason::kBadCfi;
}

bool compute_cfa(const FdeInfo& fde, const CfaRule& rule, const Registers& regs,
                 const MemoryReader& memory, uint64_t* cfa, StopReason* why) {
  if (rule.kind == CfaKind::kRegisterOffset) {
    if (!regs.has(rule.reg)) {
      *why = StopReason::kBadCfi;
      return false;
    }
    *cfa = regs.value[rule.reg] + static_cast<uint64_t>(static_cast<int64_t>(rule.value));
    return true;
  }
  ExpressionStatus status = evaluate_expression(expression_address(fde, rule.value),
                                                rule.expression_length, regs, memory, nullptr, cfa);
  if (status != ExpressionStatus::kOk) *why = expression_failure(status);
  return status == ExpressionStatus::kOk;
}

// Recovers register r of the caller into `out`, from the callee's registers `in`.
bool recover(const FdeInfo& fde, const RegisterRule& rule, unsigned r, uint64_t cfa,
             const Registers& in, const MemoryReader& memory, Registers* out, StopReason* why) {
  uint64_t address = 0, value;
  switch (rule.kind) {
    case RuleKind::kUnspecified:
      if (r == kRsp) {
        out->set(r, cfa);  // the CFA is by definition the caller's stack pointer
        return true;
      }
      if ((kCalleeSaved >> r & 1u) == 0) return true;  // caller-saved: lost
      [[fallthrough]];
    case RuleKind::kSameValue:
      if (in.has(r)) out->set(r, in.value[r]);
      return true;
    case RuleKind::kUndefined:
      return true;
    case RuleKind::kOffset:
      address = cfa + static_cast<uint64_t>(static_cast<int64_t>(rule.value));
      break;
    case RuleKind::kValOffset:
      out->set(r, cfa + static_cast<uint64_t>(static_cast<int64_t>(rule.value)));
      return true;
    case RuleKind::kRegister:
      if (rule.value >= 0 && rule.value < static_cast<int32_t>(kRegisterCount) &&
          in.has(static_cast<unsigned>(rule.value))) {
        out->set(r, in.value[rule.value]);
      }
      return true;
    case RuleKind::kExpression:
    case RuleKind::kValExpression: {
      ExpressionStatus status = evaluate_expression(expression_address(fde, rule.value),
                                                    rule.expression_length, in, memory, &cfa,
                                                    &value);
      if (status != ExpressionStatus::kOk) {
        *why = expression_failure(status);
        return false;
      }
      if (rule.kind == RuleKind::kValExpression) {
        out->set(r, value);
        return true;
      }
      address = value;
      break;
    }
  }
  if (!memory.read_word(memory.context, address, &value)) {
    *why = StopReason::kBadMemory;
    return false;
  }
  out->set(r, value);
  return true;
}

// One step with CFI: the caller's registers and this frame's CFA.
bool step_with_cfi(const FdeInfo& fde, uint64_t lookup_pc, const Registers& in,
                   const MemoryReader& memory, Registers* out, uint64_t* cfa, StopReason* why) {
  *why = StopReason::kBadCfi;
  UnwindRow row;
  if (fde.return_address_register >= kRegisterCount || !run_cfa_program(fde, lookup_pc, &row)) {
    return false;
  }
  const unsigned ra = static_cast<unsigned>(fde.return_address_register);
  if (row.reg[ra].kind == RuleKind::kUndefined) {
    *why = StopReason::kEndOfStack;  // _start, clone, start_thread
    return false;
  }
  if (!compute_cfa(fde, row.cfa, in, memory, cfa, why)) return false;
  out->known = 0;
  for (unsigned r = 0; r < kRegisterCount; ++r) {
    if (!recover(fde, row.reg[r], r, *cfa, in, memory, out, why)) return false;
  }
  if (!out->has(ra)) return false;
  out->set(kRip, out->value[ra]);
  return true;
}

// Frame-pointer step for a leaf without CFI: [rbp] is the caller's rbp, [rbp+8] the return
// address. Only when rbp is plausible: known, aligned, not below rsp, readable.
bool step_with_frame_pointer(const Registers& in, const MemoryReader& memory, Registers* out,
                             uint64_t* cfa) {
  if (!in.has(kRbp)) return false;
  const uint64_t rbp = in.value[kRbp];
  if ((rbp & 7) != 0 || rbp < in.value[kRsp] || rbp > UINT64_MAX - 16) return false;
  uint64_t saved_rbp, return_address;
  if (!memory.read_word(memory.context, rbp, &saved_rbp) ||
      !memory.read_word(memory.context, rbp + 8, &return_address)) {
    return false;
  }
  out->known = 0;
  for (unsigned r = 0; r < kRegisterCount; ++r) {
    if ((kCalleeSaved >> r & 1u) != 0 && in.has(r)) out->set(r, in.value[r]);
  }
  *cfa = rbp + 16;
  out->set(kRbp, saved_rbp);
  out->set(kRsp, *cfa);
  out->set(kRip, return_address);
  return true;
}

}  // namespace

// x86-64 user space with 4-level paging ends at 2^47; with 5-level paging the kernel only
// maps above that on request, which no loader does for code.
constexpr uint64_t kUserSpaceLimit = uint64_t{1} << 47;
constexpr uint64_t kLowestCodeAddress = 4096;

UnwindResult unwind_stack(const ModuleSet& modules, const Registers& registers,
                          const MemoryReader& memory, uint64_t* pcs, uint32_t max_depth) {
  if (max_depth == 0) return {0, StopReason::kMaxDepth};
  if (!registers.has(kRip)) return {0, StopReason::kBadCfi};
  pcs[0] = registers.value[kRip];
  uint32_t depth = 1;
  if (!registers.has(kRsp)) return {depth, StopReason::kBadCfi};

  Registers current = registers, caller;
  uint64_t previous_cfa = registers.value[kRsp];  // the first CFA must lie above rsp
  bool interrupted = true;  // frame 0, and the frame below a signal trampoline
  for (;;) {
    const uint64_t pc = current.value[kRip];
    const uint64_t lookup_pc = interrupted ? pc : pc - 1;
    CodeModule located;
    const CodeModule* module = locate_module(modules, lookup_pc, &located);
    FdeInfo fde;
    FdeLookup found = module != nullptr ? find_fde(*module, lookup_pc, &fde) : FdeLookup::kNotFound;
    uint64_t cfa = 0;
    bool signal_frame = false;
    if (found == FdeLookup::kFound) {
      StopReason why;
      if (!step_with_cfi(fde, lookup_pc, current, memory, &caller, &cfa, &why)) {
        return {depth, why};
      }
      signal_frame = fde.signal_frame;
    } else if (found == FdeLookup::kMalformed) {
      return {depth, StopReason::kBadCfi};
    } else if (depth != 1 || !step_with_frame_pointer(current, memory, &caller, &cfa)) {
      return {depth, module != nullptr ? StopReason::kNoCfi : StopReason::kNoModule};
    }
    // The stack grows down, so each caller's CFA lies above its callee's; a signal frame's
    // CFA is the interrupted stack pointer, which may be on another stack (sigaltstack).
    if (!signal_frame && cfa <= previous_cfa) return {depth, StopReason::kNoProgress};
    if (!caller.has(kRsp)) return {depth, StopReason::kBadCfi};
    const uint64_t return_address = caller.value[kRip];
    if (return_address == 0) return {depth, StopReason::kEndOfStack};
    // Past the real outermost frame (or with a wrong register seed, as for a thread
    // unwound from /proc) the "return address" can be any data, text even. Code lives
    // in canonical user space above the zero page; anything else ends the stack here.
    if (return_address < kLowestCodeAddress || return_address >= kUserSpaceLimit) {
      return {depth, StopReason::kBadMemory};
    }
    if (depth == max_depth) return {depth, StopReason::kMaxDepth};
    pcs[depth++] = return_address;
    previous_cfa = cfa;
    interrupted = signal_frame;
    current = caller;
  }
}

#else  // !__x86_64__

UnwindResult unwind_stack(const ModuleSet&, const Registers& registers, const MemoryReader&,
                          uint64_t* pcs, uint32_t max_depth) {
  if (max_depth == 0) return {0, StopReason::kMaxDepth};
  pcs[0] = registers.value[kRip];
  return {1, StopReason::kNoCfi};
}

#endif

}  // namespace cxxprof::unwind
