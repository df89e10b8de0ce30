#include "preload/cfa_program.h"

#include <cstring>

namespace cxxprof::unwind {
namespace {

// DW_CFA_* opcodes (DWARF 4 §7.23, plus the GNU extensions that x86-64 code uses).
enum : uint8_t {
  kAdvanceLoc = 0x40,  // high two bits; operand in the low six
  kOffset = 0x80,
  kRestore = 0xc0,
  kNop = 0x00,
  kSetLoc = 0x01,
  kAdvanceLoc1 = 0x02,
  kAdvanceLoc2 = 0x03,
  kAdvanceLoc4 = 0x04,
  kOffsetExtended = 0x05,
  kRestoreExtended = 0x06,
  kUndefined = 0x07,
  kSameValue = 0x08,
  kRegister = 0x09,
  kRememberState = 0x0a,
  kRestoreState = 0x0b,
  kDefCfa = 0x0c,
  kDefCfaRegister = 0x0d,
  kDefCfaOffset = 0x0e,
  kDefCfaExpression = 0x0f,
  kExpression = 0x10,
  kOffsetExtendedSf = 0x11,
  kDefCfaSf = 0x12,
  kDefCfaOffsetSf = 0x13,
  kValOffset = 0x14,
  kValOffsetSf = 0x15,
  kValExpression = 0x16,
  kGnuArgsSize = 0x2e,
  kGnuNegativeOffsetExtended = 0x2f,
};

struct Interpreter {
  Interpreter(const FdeInfo& f, UnwindRow* r, uint64_t pc)
      : fde(f), row(r), initial(nullptr), target(pc), location(f.pc_begin), remembered(0) {}

  const FdeInfo& fde;
  UnwindRow* row;
  const UnwindRow* initial;  // the row after the CIE's instructions; null while running them
  uint64_t target;
  uint64_t location;
  int remembered;
  UnwindRow stack[kMaxRememberedStates];  // deliberately not zeroed: only pushed entries are read
};

bool fits(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

bool set_rule(Interpreter& in, uint64_t reg, RuleKind kind, int64_t value,
              uint16_t expression_length = 0) {
  if (!fits(value)) return false;
  if (reg >= kRegisterCount) return true;  // a register we do not track
  in.row->reg[reg] = RegisterRule{kind, 0, expression_length, static_cast<int32_t>(value)};
  return true;
}

void restore_rule(Interpreter& in, uint64_t reg) {
  if (reg >= kRegisterCount) return;
  if (in.initial != nullptr) {
    in.row->reg[reg] = in.initial->reg[reg];
  } else {
    in.row->reg[reg] = RegisterRule{RuleKind::kUnspecified, 0, 0, 0};
  }
}

bool factored(const Interpreter& in, int64_t factor, int64_t* out) {
  return !__builtin_mul_overflow(factor, in.fde.data_alignment, out) && fits(*out);
}

// A DW_FORM_block operand: its offset from the CIE's instructions, and its length.
bool read_block(const Interpreter& in, ByteCursor& cursor, int64_t* offset, uint16_t* length) {
  uint64_t n;
  if (!cursor.read_uleb(&n) || n > 0xffff || n > cursor.remaining()) return cursor.fail();
  *offset = cursor.pos - in.fde.cie_instructions;
  *length = static_cast<uint16_t>(n);
  cursor.pos += n;
  return fits(*offset);
}

// Moves the location by delta code units; sets *done once it passes the target.
bool advance(Interpreter& in, uint64_t delta, bool* done) {
  uint64_t bytes;
  if (__builtin_mul_overflow(delta, in.fde.code_alignment, &bytes)) return false;
  if (__builtin_add_overflow(in.location, bytes, &in.location)) return false;
  *done = in.location > in.target;
  return true;
}

// Executes [begin, end) until the location passes the target. Returns false if malformed.
bool execute(Interpreter& in, const uint8_t* begin, const uint8_t* end) {
  ByteCursor cursor(begin, end);
  bool done = false;
  while (!done && cursor.remaining() > 0) {
    uint8_t opcode;
    cursor.read_u8(&opcode);
    uint64_t reg = 0, u = 0, reg2 = 0;
    int64_t s = 0, offset = 0;
    uint16_t length = 0;
    bool ok = true;
    switch (opcode & 0xc0) {
      case kAdvanceLoc:
        if (!advance(in, opcode & 0x3f, &done)) return false;
        continue;
      case kOffset:
        if (!cursor.read_uleb(&u) || !factored(in, static_cast<int64_t>(u), &offset)) {
          return false;
        }
        set_rule(in, opcode & 0x3f, RuleKind::kOffset, offset);
        continue;
      case kRestore:
        restore_rule(in, opcode & 0x3f);
        continue;
      default:
        break;
    }
    switch (opcode) {
      case kNop:
      case kGnuArgsSize:
        if (opcode == kGnuArgsSize) ok = cursor.read_uleb(&u);
        break;
      case kSetLoc: {
        uint64_t location;
        ok = read_encoded_pointer(cursor, in.fde.fde_encoding, in.fde.bases, &location);
        if (ok) {
          in.location = location;
          done = location > in.target;
        }
        break;
      }
      case kAdvanceLoc1: {
        uint8_t d;
        ok = cursor.read_u8(&d) && advance(in, d, &done);
        break;
      }
      case kAdvanceLoc2: {
        uint16_t d;
        ok = cursor.read_u16(&d) && advance(in, d, &done);
        break;
      }
      case kAdvanceLoc4: {
        uint32_t d;
        ok = cursor.read_u32(&d) && advance(in, d, &done);
        break;
      }
      case kOffsetExtended:
        ok = cursor.read_uleb(&reg) && cursor.read_uleb(&u) &&
             factored(in, static_cast<int64_t>(u), &offset) &&
             set_rule(in, reg, RuleKind::kOffset, offset);
        break;
      case kOffsetExtendedSf:
        ok = cursor.read_uleb(&reg) && cursor.read_sleb(&s) && factored(in, s, &offset) &&
             set_rule(in, reg, RuleKind::kOffset, offset);
        break;
      case kGnuNegativeOffsetExtended:
        ok = cursor.read_uleb(&reg) && cursor.read_uleb(&u) &&
             factored(in, -static_cast<int64_t>(u), &offset) &&
             set_rule(in, reg, RuleKind::kOffset, offset);
        break;
      case kValOffset:
        ok = cursor.read_uleb(&reg) && cursor.read_uleb(&u) &&
             factored(in, static_cast<int64_t>(u), &offset) &&
             set_rule(in, reg, RuleKind::kValOffset, offset);
        break;
      case kValOffsetSf:
        ok = cursor.read_uleb(&reg) && cursor.read_sleb(&s) && factored(in, s, &offset) &&
             set_rule(in, reg, RuleKind::kValOffset, offset);
        break;
      case kRestoreExtended:
        ok = cursor.read_uleb(&reg);
        if (ok) restore_rule(in, reg);
        break;
      case kUndefined:
        ok = cursor.read_uleb(&reg) && set_rule(in, reg, RuleKind::kUndefined, 0);
        break;
      case kSameValue:
        ok = cursor.read_uleb(&reg) && set_rule(in, reg, RuleKind::kSameValue, 0);
        break;
      case kRegister:
        ok = cursor.read_uleb(&reg) && cursor.read_uleb(&reg2) &&
             set_rule(in, reg, RuleKind::kRegister, static_cast<int64_t>(reg2));
        break;
      case kRememberState:
        // The whole row, CFA included: GCC's epilogues rely on restoring the CFA too.
        if (in.remembered == kMaxRememberedStates) return false;
        in.stack[in.remembered++] = *in.row;
        break;
      case kRestoreState:
        if (in.remembered == 0) return false;
        *in.row = in.stack[--in.remembered];
        break;
      case kDefCfa:
        ok = cursor.read_uleb(&reg) && cursor.read_uleb(&u) && u <= INT32_MAX &&
             reg < kRegisterCount;
        if (ok) {
          in.row->cfa = CfaRule{CfaKind::kRegisterOffset, static_cast<uint8_t>(reg), 0,
                                static_cast<int32_t>(u)};
        }
        break;
      case kDefCfaSf:
        ok = cursor.read_uleb(&reg) && cursor.read_sleb(&s) && factored(in, s, &offset) &&
             reg < kRegisterCount;
        if (ok) {
          in.row->cfa = CfaRule{CfaKind::kRegisterOffset, static_cast<uint8_t>(reg), 0,
                                static_cast<int32_t>(offset)};
        }
        break;
      case kDefCfaRegister:
        // Only meaningful when the CFA is register + offset.
        ok = cursor.read_uleb(&reg) && reg < kRegisterCount &&
             in.row->cfa.kind == CfaKind::kRegisterOffset;
        if (ok) in.row->cfa.reg = static_cast<uint8_t>(reg);
        break;
      case kDefCfaOffset:
        ok = cursor.read_uleb(&u) && u <= INT32_MAX &&
             in.row->cfa.kind == CfaKind::kRegisterOffset;
        if (ok) in.row->cfa.value = static_cast<int32_t>(u);
        break;
      case kDefCfaOffsetSf:
        ok = cursor.read_sleb(&s) && factored(in, s, &offset) &&
             in.row->cfa.kind == CfaKind::kRegisterOffset;
        if (ok) in.row->cfa.value = static_cast<int32_t>(offset);
        break;
      case kDefCfaExpression:
        ok = read_block(in, cursor, &offset, &length);
        if (ok) {
          in.row->cfa = CfaRule{CfaKind::kExpression, 0, length, static_cast<int32_t>(offset)};
        }
        break;
      case kExpression:
      case kValExpression:
        ok = cursor.read_uleb(&reg) && read_block(in, cursor, &offset, &length) &&
             set_rule(in, reg,
                      opcode == kExpression ? RuleKind::kExpression : RuleKind::kValExpression,
                      offset, length);
        break;
      default:
        return false;  // unknown, or not for x86-64 (DW_CFA_GNU_window_save, ...)
    }
    if (!ok || !cursor.ok) return false;
  }
  return cursor.ok;
}

}  // namespace

bool run_cfa_program(const FdeInfo& fde, uint64_t pc, UnwindRow* row) {
  if (pc < fde.pc_begin || pc >= fde.pc_end) return false;
  std::memset(row, 0, sizeof(*row));  // kUnset CFA, every register kUnspecified
  Interpreter in(fde, row, pc);
  if (!execute(in, fde.cie_instructions, fde.cie_instructions_end)) return false;
  UnwindRow initial = *row;
  in.initial = &initial;
  in.remembered = 0;  // remember/restore pairs do not span the CIE and the FDE
  in.location = fde.pc_begin;
  if (!execute(in, fde.fde_instructions, fde.fde_instructions_end)) return false;
  return row->cfa.kind != CfaKind::kUnset;
}

}  // namespace cxxprof::unwind
