#include "preload/dwarf_expression.h"

#include "preload/dwarf_encoding.h"

namespace cxxprof::unwind {
namespace {

// DW_OP_* (DWARF 4 §7.7.1).
enum : uint8_t {
  kAddr = 0x03,
  kDeref = 0x06,
  kConst1u = 0x08,
  kConst1s = 0x09,
  kConst2u = 0x0a,
  kConst2s = 0x0b,
  kConst4u = 0x0c,
  kConst4s = 0x0d,
  kConst8u = 0x0e,
  kConst8s = 0x0f,
  kConstu = 0x10,
  kConsts = 0x11,
  kDup = 0x12,
  kDrop = 0x13,
  kOver = 0x14,
  kPick = 0x15,
  kSwap = 0x16,
  kRot = 0x17,
  kAbs = 0x19,
  kAnd = 0x1a,
  kDiv = 0x1b,
  kMinus = 0x1c,
  kMod = 0x1d,
  kMul = 0x1e,
  kNeg = 0x1f,
  kNot = 0x20,
  kOr = 0x21,
  kPlus = 0x22,
  kPlusUconst = 0x23,
  kShl = 0x24,
  kShr = 0x25,
  kShra = 0x26,
  kXor = 0x27,
  kBra = 0x28,
  kEq = 0x29,
  kGe = 0x2a,
  kGt = 0x2b,
  kLe = 0x2c,
  kLt = 0x2d,
  kNe = 0x2e,
  kSkip = 0x2f,
  kLit0 = 0x30,
  kLit31 = 0x4f,
  kBreg0 = 0x70,
  kBreg31 = 0x8f,
  kBregx = 0x92,
  kDerefSize = 0x94,
  kNop = 0x96,
};

struct Stack {
  uint64_t slot[kExpressionStackSize];
  int size = 0;

  bool push(uint64_t v) {
    if (size == kExpressionStackSize) return false;
    slot[size++] = v;
    return true;
  }
  bool has(int n) const { return size >= n; }
  uint64_t& top(int below = 0) { return slot[size - 1 - below]; }
};

// Binary operations: pops b (top) and a, pushes a op b. DWARF compares as signed.
bool binary(Stack& stack, uint8_t op) {
  if (!stack.has(2)) return false;
  uint64_t b = stack.top();
  uint64_t a = stack.top(1);
  int64_t sa = static_cast<int64_t>(a), sb = static_cast<int64_t>(b);
  uint64_t r;
  switch (op) {
    case kAnd: r = a & b; break;
    case kOr: r = a | b; break;
    case kXor: r = a ^ b; break;
    case kPlus: r = a + b; break;
    case kMinus: r = a - b; break;
    case kMul: r = a * b; break;
    case kDiv:
      if (sb == 0 || (sa == INT64_MIN && sb == -1)) return false;
      r = static_cast<uint64_t>(sa / sb);
      break;
    case kMod:
      if (b == 0) return false;
      r = a % b;
      break;
    case kShl: r = b >= 64 ? 0 : a << b; break;
    case kShr: r = b >= 64 ? 0 : a >> b; break;
    case kShra: r = static_cast<uint64_t>(b >= 64 ? (sa < 0 ? -1 : 0) : sa >> b); break;
    case kEq: r = sa == sb; break;
    case kNe: r = sa != sb; break;
    case kGe: r = sa >= sb; break;
    case kGt: r = sa > sb; break;
    case kLe: r = sa <= sb; break;
    case kLt: r = sa < sb; break;
    default: return false;
  }
  --stack.size;
  stack.top() = r;
  return true;
}

bool jump(ByteCursor& cursor, const uint8_t* code, size_t length) {
  uint16_t raw;
  if (!cursor.read_u16(&raw)) return false;
  int64_t target = (cursor.pos - code) + static_cast<int16_t>(raw);
  if (target < 0 || static_cast<uint64_t>(target) > length) return cursor.fail();
  cursor.pos = code + target;
  return true;
}

}  // namespace

ExpressionStatus evaluate_expression(const uint8_t* code, size_t length,
                                     const Registers& registers, const MemoryReader& memory,
                                     const uint64_t* initial, uint64_t* result) {
  Stack stack;
  if (initial != nullptr) stack.push(*initial);
  ByteCursor cursor(code, code + length);
  for (int steps = 0; cursor.remaining() > 0; ++steps) {
    if (steps == kExpressionMaxSteps) return ExpressionStatus::kMalformed;
    uint8_t op;
    cursor.read_u8(&op);
    bool ok = true;
    if (op >= kLit0 && op <= kLit31) {
      ok = stack.push(op - kLit0);
    } else if ((op >= kBreg0 && op <= kBreg31) || op == kBregx) {
      uint64_t reg = op - kBreg0;
      int64_t offset;
      if (op == kBregx && !cursor.read_uleb(&reg)) return ExpressionStatus::kMalformed;
      if (!cursor.read_sleb(&offset)) return ExpressionStatus::kMalformed;
      if (reg >= kRegisterCount || !registers.has(static_cast<unsigned>(reg))) {
        return ExpressionStatus::kUnknownRegister;
      }
      ok = stack.push(registers.value[reg] + static_cast<uint64_t>(offset));
    } else {
      switch (op) {
        case kAddr:
        case kConst8u:
        case kConst8s: {
          uint64_t v;
          ok = cursor.read_u64(&v) && stack.push(v);
          break;
        }
        case kConst1u:
        case kConst1s: {
          uint8_t v;
          ok = cursor.read_u8(&v) &&
               stack.push(op == kConst1s ? static_cast<uint64_t>(static_cast<int8_t>(v)) : v);
          break;
        }
        case kConst2u:
        case kConst2s: {
          uint16_t v;
          ok = cursor.read_u16(&v) &&
               stack.push(op == kConst2s ? static_cast<uint64_t>(static_cast<int16_t>(v)) : v);
          break;
        }
        case kConst4u:
        case kConst4s: {
          uint32_t v;
          ok = cursor.read_u32(&v) &&
               stack.push(op == kConst4s ? static_cast<uint64_t>(static_cast<int32_t>(v)) : v);
          break;
        }
        case kConstu: {
          uint64_t v;
          ok = cursor.read_uleb(&v) && stack.push(v);
          break;
        }
        case kConsts: {
          int64_t v;
          ok = cursor.read_sleb(&v) && stack.push(static_cast<uint64_t>(v));
          break;
        }
        case kDeref:
        case kDerefSize: {
          uint8_t size = 8;
          if (op == kDerefSize && (!cursor.read_u8(&size) || size == 0 || size > 8)) {
            return ExpressionStatus::kMalformed;
          }
          if (!stack.has(1)) return ExpressionStatus::kMalformed;
          uint64_t v;
          if (!memory.read_word(memory.context, stack.top(), &v)) {
            return ExpressionStatus::kBadMemory;
          }
          if (size < 8) v &= (uint64_t{1} << (8 * size)) - 1;  // little-endian
          stack.top() = v;
          break;
        }
        case kDup: ok = stack.has(1) && stack.push(stack.top()); break;
        case kDrop:
          ok = stack.has(1);
          if (ok) --stack.size;
          break;
        case kOver: ok = stack.has(2) && stack.push(stack.top(1)); break;
        case kPick: {
          uint8_t index;
          ok = cursor.read_u8(&index) && stack.has(index + 1) && stack.push(stack.top(index));
          break;
        }
        case kSwap:
          ok = stack.has(2);
          if (ok) {
            uint64_t t = stack.top();
            stack.top() = stack.top(1);
            stack.top(1) = t;
          }
          break;
        case kRot:  // the top three: [.., a, b, c] -> [.., c, a, b]
          ok = stack.has(3);
          if (ok) {
            uint64_t c = stack.top(), b = stack.top(1), a = stack.top(2);
            stack.top(2) = c;
            stack.top(1) = a;
            stack.top() = b;
          }
          break;
        case kAbs:
          ok = stack.has(1);
          if (ok && static_cast<int64_t>(stack.top()) < 0) stack.top() = 0 - stack.top();
          break;
        case kNeg:
          ok = stack.has(1);
          if (ok) stack.top() = 0 - stack.top();
          break;
        case kNot:
          ok = stack.has(1);
          if (ok) stack.top() = ~stack.top();
          break;
        case kPlusUconst: {
          uint64_t v;
          ok = cursor.read_uleb(&v) && stack.has(1);
          if (ok) stack.top() += v;
          break;
        }
        case kSkip: ok = jump(cursor, code, length); break;
        case kBra:
          ok = stack.has(1);
          if (ok) {
            uint64_t condition = stack.top();
            --stack.size;
            if (condition != 0) {
              ok = jump(cursor, code, length);
            } else {
              ok = cursor.skip(2);
            }
          }
          break;
        case kNop: break;
        default:
          ok = binary(stack, op);
          break;
      }
    }
    if (!ok || !cursor.ok) return ExpressionStatus::kMalformed;
  }
  if (!cursor.ok || !stack.has(1)) return ExpressionStatus::kMalformed;
  *result = stack.top();
  return ExpressionStatus::kOk;
}

}  // namespace cxxprof::unwind
