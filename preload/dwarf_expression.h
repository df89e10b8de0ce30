// A small DWARF expression evaluator for CFI (DW_CFA_def_cfa_expression, DW_CFA_expression,
// DW_CFA_val_expression): the operations x86-64 code really uses (PLT entries, glibc's
// signal trampoline, stack realignment), with a bounded stack and a bounded step count.
//
// Async-signal-safe: no allocation, no global state; memory is read only through the
// MemoryReader.
#pragma once

#include <cstddef>
#include <cstdint>

#include "preload/unwinder.h"

namespace cxxprof::unwind {

enum class ExpressionStatus : uint8_t {
  kOk,
  kMalformed,        // truncated, unknown opcode, stack under/overflow, too many steps
  kUnknownRegister,  // DW_OP_breg of a register whose value is not known
  kBadMemory,        // the reader refused a DW_OP_deref
};

constexpr int kExpressionStackSize = 16;
constexpr int kExpressionMaxSteps = 256;

// Evaluates [code, code + length). When `initial` is non-null its value is pushed first
// (the CFA, for register rules). On kOk *result is the value on top of the stack.
ExpressionStatus evaluate_expression(const uint8_t* code, size_t length,
                                     const Registers& registers, const MemoryReader& memory,
                                     const uint64_t* initial, uint64_t* result);

}  // namespace cxxprof::unwind
