// Runs an FDE's call-frame instructions (its CIE's initial instructions, then its own) up
// to a PC and yields the row of the CFI table for that PC: how to compute the CFA and how
// to recover each register (DWARF 4 §6.4.2).
//
// Async-signal-safe: no allocation, no global state; the remember_state stack is a bounded
// array on the caller's stack. Work is bounded by the FDE's length.
#pragma once

#include <cstdint>

#include "preload/eh_frame.h"
#include "preload/unwinder.h"

namespace cxxprof::unwind {

enum class RuleKind : uint8_t {
  kUnspecified,    // no rule: callee-saved registers keep their value, others are lost
  kUndefined,      // DW_CFA_undefined
  kSameValue,      // DW_CFA_same_value
  kOffset,         // saved at CFA + value
  kValOffset,      // the value is CFA + value
  kRegister,       // the value is in register `value`
  kExpression,     // saved at the address the expression computes (CFA pushed first)
  kValExpression,  // the value is what the expression computes (CFA pushed first)
};

// Rules are 8 bytes so that rows, copied by remember/restore_state, stay small. Offsets
// beyond int32 are treated as malformed; expressions are located by their offset from the
// CIE's initial instructions (expression_address), all inside one .eh_frame.
struct RegisterRule {
  RuleKind kind;
  uint8_t unused;
  uint16_t expression_length;
  int32_t value;  // offset, register number, or the expression's offset
};

enum class CfaKind : uint8_t { kUnset, kRegisterOffset, kExpression };

struct CfaRule {
  CfaKind kind;
  uint8_t reg;  // kRegisterOffset: the DWARF register (always < kRegisterCount)
  uint16_t expression_length;
  int32_t value;  // the offset, or the expression's offset
};

// The rules for the registers the unwinder tracks; rules for other registers (vector
// registers, ...) are parsed and dropped.
struct UnwindRow {
  CfaRule cfa;
  RegisterRule reg[kRegisterCount];
};

inline const uint8_t* expression_address(const FdeInfo& fde, int32_t offset) {
  return fde.cie_instructions + offset;
}

// Depth of DW_CFA_remember_state nesting; deeper is treated as malformed.
constexpr int kMaxRememberedStates = 8;

// Fills `row` with the rules in effect at `pc` (pc_begin <= pc < pc_end). Returns false on
// malformed or unsupported instructions.
bool run_cfa_program(const FdeInfo& fde, uint64_t pc, UnwindRow* row);

}  // namespace cxxprof::unwind
