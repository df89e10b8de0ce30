// Unit tests of the unwinder's leaf parts: LEB128 and DW_EH_PE_* pointer decoding, and the
// DWARF expression evaluator (the PLT expression byte for byte, glibc's __restore_rt CFA,
// and the bounds: stack, steps, truncation, unknown registers, refused memory).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "preload/dwarf_encoding.h"
#include "preload/dwarf_expression.h"
#include "tests/unit/unwinder_support.h"
#include "tests/unit/unwinder_synthetic.h"

namespace cxxprof::unwind {
namespace {

using testing::AddressRanges;
using testing::kPltExpression;

TEST(DwarfEncoding, Leb128) {
  const uint8_t bytes[] = {0xe5, 0x8e, 0x26, 0xc0, 0xbb, 0x78, 0x7f, 0x3f, 0x40, 0x80, 0x7f};
  ByteCursor cursor(bytes, bytes + sizeof(bytes));
  uint64_t u;
  int64_t s;
  ASSERT_TRUE(cursor.read_uleb(&u));
  EXPECT_EQ(u, 624485u);
  ASSERT_TRUE(cursor.read_sleb(&s));
  EXPECT_EQ(s, -123456);
  ASSERT_TRUE(cursor.read_sleb(&s));
  EXPECT_EQ(s, -1);
  ASSERT_TRUE(cursor.read_sleb(&s));
  EXPECT_EQ(s, 63);
  ASSERT_TRUE(cursor.read_sleb(&s));
  EXPECT_EQ(s, -64);
  ASSERT_TRUE(cursor.read_sleb(&s));
  EXPECT_EQ(s, -128);
  EXPECT_EQ(cursor.remaining(), 0u);
  EXPECT_FALSE(cursor.read_uleb(&u));
  EXPECT_FALSE(cursor.ok);

  const uint8_t truncated[] = {0x80, 0x80};
  ByteCursor short_cursor(truncated, truncated + 2);
  EXPECT_FALSE(short_cursor.read_uleb(&u));
  const uint8_t endless[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  ByteCursor long_cursor(endless, endless + sizeof(endless));
  EXPECT_FALSE(long_cursor.read_uleb(&u));
}

uint64_t decode(const std::vector<uint8_t>& bytes, uint8_t encoding, const EncodingBases& bases,
                size_t expected_size, bool* ok) {
  ByteCursor cursor(bytes.data(), bytes.data() + bytes.size());
  uint64_t value = 0;
  *ok = read_encoded_pointer(cursor, encoding, bases, &value);
  if (*ok) {
    EXPECT_EQ(static_cast<size_t>(cursor.pos - bytes.data()), expected_size);
  }
  return value;
}

TEST(DwarfEncoding, PointerFormats) {
  EncodingBases bases{0x400000, 0x500000, 0, 0, 0};
  bool ok;
  EXPECT_EQ(decode({0x34, 0x12}, kPeUdata2, bases, 2, &ok), 0x1234u);
  EXPECT_EQ(decode({0xfe, 0xff}, kPeSdata2, bases, 2, &ok), static_cast<uint64_t>(-2));
  EXPECT_EQ(decode({0x78, 0x56, 0x34, 0x12}, kPeUdata4, bases, 4, &ok), 0x12345678u);
  EXPECT_EQ(decode({0xfc, 0xff, 0xff, 0xff}, kPeSdata4, bases, 4, &ok), static_cast<uint64_t>(-4));
  EXPECT_EQ(decode({1, 2, 3, 4, 5, 6, 7, 8}, kPeUdata8, bases, 8, &ok), 0x0807060504030201u);
  EXPECT_EQ(decode({1, 2, 3, 4, 5, 6, 7, 8}, kPeSdata8, bases, 8, &ok), 0x0807060504030201u);
  EXPECT_EQ(decode({1, 2, 3, 4, 5, 6, 7, 8}, kPeAbsptr, bases, 8, &ok), 0x0807060504030201u);
  EXPECT_EQ(decode({0xe5, 0x8e, 0x26}, kPeUleb128, bases, 3, &ok), 624485u);
  EXPECT_EQ(decode({0x7f}, kPeSleb128, bases, 1, &ok), static_cast<uint64_t>(-1));
  EXPECT_EQ(decode({0x10, 0, 0, 0}, kPeDatarel | kPeSdata4, bases, 4, &ok), 0x500010u);
  EXPECT_EQ(decode({0x10, 0, 0, 0}, kPeTextrel | kPeUdata4, bases, 4, &ok), 0x400010u);
  EXPECT_TRUE(ok);

  std::vector<uint8_t> pcrel = {0xf0, 0xff, 0xff, 0xff};  // -16 from the field itself
  EXPECT_EQ(decode(pcrel, kPePcrel | kPeSdata4, bases, 4, &ok),
            reinterpret_cast<uint64_t>(pcrel.data()) - 16);

  decode({1, 2}, kPeUdata4, bases, 4, &ok);
  EXPECT_FALSE(ok) << "truncated";
  decode({1, 2, 3, 4}, kPeOmit, bases, 0, &ok);
  EXPECT_FALSE(ok) << "omit";
  decode({1, 2, 3, 4}, 0x07, bases, 0, &ok);
  EXPECT_FALSE(ok) << "bad format";
  decode({1, 2, 3, 4}, kPeFuncrel | kPeUdata4, bases, 0, &ok);
  EXPECT_FALSE(ok) << "funcrel without a function base";
  decode({1, 2, 3, 4}, 0x60 | kPeUdata4, bases, 0, &ok);
  EXPECT_FALSE(ok) << "unknown application";
  EXPECT_EQ(encoded_pointer_size(kPeDatarel | kPeSdata4), 4u);
  EXPECT_EQ(encoded_pointer_size(kPeAbsptr), 8u);
  EXPECT_EQ(encoded_pointer_size(kPeUleb128), 0u);
  EXPECT_EQ(encoded_pointer_size(kPeOmit), 0u);
}

TEST(DwarfEncoding, IndirectIsBounded) {
  alignas(8) static const uint64_t target = 0xabcdef;
  const uint64_t where = reinterpret_cast<uint64_t>(&target);
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), &where, 8);
  bool ok;
  EncodingBases inside{0, 0, 0, where, where + 8};
  EXPECT_EQ(decode(bytes, kPeIndirect | kPeUdata8, inside, 8, &ok), 0xabcdefu);
  EXPECT_TRUE(ok);
  EncodingBases outside{0, 0, 0, where + 8, where + 64};
  decode(bytes, kPeIndirect | kPeUdata8, outside, 8, &ok);
  EXPECT_FALSE(ok);
  EncodingBases straddling{0, 0, 0, where, where + 7};
  decode(bytes, kPeIndirect | kPeUdata8, straddling, 8, &ok);
  EXPECT_FALSE(ok);
}

class Expression : public ::testing::Test {
 protected:
  Expression() {
    regs_.set(kRsp, 0x7ffc1000);
    ranges_.add(reinterpret_cast<uint64_t>(memory_), reinterpret_cast<uint64_t>(memory_ + 8));
  }
  ExpressionStatus eval(std::vector<uint8_t> code, uint64_t* result,
                        const uint64_t* initial = nullptr) {
    return evaluate_expression(code.data(), code.size(), regs_, ranges_.reader(), initial, result);
  }
  uint64_t eval_ok(std::vector<uint8_t> code) {
    uint64_t result = 0;
    EXPECT_EQ(eval(code, &result), ExpressionStatus::kOk);
    return result;
  }
  Registers regs_{};
  AddressRanges ranges_;
  uint64_t memory_[8] = {};
};

TEST_F(Expression, PltEntryExactBytes) {
  const std::vector<uint8_t> plt(kPltExpression, kPltExpression + sizeof(kPltExpression));
  uint64_t cfa;
  // Before `push $index` (offsets 0..10 of an entry): CFA = rsp + 8.
  for (uint64_t offset : {0, 6, 10}) {
    regs_.set(kRip, 0x401020 + offset);
    ASSERT_EQ(eval(plt, &cfa), ExpressionStatus::kOk);
    EXPECT_EQ(cfa, 0x7ffc1008u) << offset;
  }
  // After the push (offsets 11..15): CFA = rsp + 16.
  for (uint64_t offset : {11, 15}) {
    regs_.set(kRip, 0x401020 + offset);
    ASSERT_EQ(eval(plt, &cfa), ExpressionStatus::kOk);
    EXPECT_EQ(cfa, 0x7ffc1010u) << offset;
  }
}

TEST_F(Expression, SignalTrampolineCfa) {
  // __restore_rt: DW_OP_breg7 160 (uc_mcontext.rsp in the ucontext); DW_OP_deref.
  memory_[3] = 0x7ffc8000;
  regs_.set(kRsp, reinterpret_cast<uint64_t>(&memory_[3]) - 160);
  EXPECT_EQ(eval_ok({0x77, 0xa0, 0x01, 0x06}), 0x7ffc8000u);
  // DW_CFA_expression for a register: the CFA is pushed first; breg7 + offset is an address.
  uint64_t cfa = 0x1000, result;
  ASSERT_EQ(eval({0x77, 0x28}, &result, &cfa), ExpressionStatus::kOk);
  EXPECT_EQ(result, reinterpret_cast<uint64_t>(&memory_[3]) - 160 + 0x28);
}

TEST_F(Expression, Arithmetic) {
  EXPECT_EQ(eval_ok({0x30 + 7, 0x30 + 5, 0x1c}), 2u);                     // lit7 lit5 minus
  EXPECT_EQ(eval_ok({0x30 + 5, 0x30 + 7, 0x1c}), static_cast<uint64_t>(-2));
  EXPECT_EQ(eval_ok({0x08, 200, 0x09, 0xfe, 0x22}), 198u);                // const1u const1s plus
  EXPECT_EQ(eval_ok({0x0a, 0x34, 0x12, 0x0b, 0xff, 0xff, 0x1e}), static_cast<uint64_t>(-0x1234));
  EXPECT_EQ(eval_ok({0x0c, 1, 0, 0, 0x80, 0x0d, 0xff, 0xff, 0xff, 0xff, 0x22}), 0x80000000u);
  EXPECT_EQ(eval_ok({0x0e, 1, 2, 3, 4, 5, 6, 7, 8}), 0x0807060504030201u);
  EXPECT_EQ(eval_ok({0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), ~0ull);
  EXPECT_EQ(eval_ok({0x10, 0xe5, 0x8e, 0x26}), 624485u);                  // constu
  EXPECT_EQ(eval_ok({0x11, 0x7f}), static_cast<uint64_t>(-1));           // consts
  EXPECT_EQ(eval_ok({0x30 + 12, 0x30 + 10, 0x1a}), 8u);                   // and
  EXPECT_EQ(eval_ok({0x30 + 12, 0x30 + 3, 0x21}), 15u);                   // or
  EXPECT_EQ(eval_ok({0x31, 0x30 + 4, 0x24}), 16u);                        // shl
  EXPECT_EQ(eval_ok({0x30 + 16, 0x32, 0x25}), 4u);                        // shr
  EXPECT_EQ(eval_ok({0x11, 0x70, 0x32, 0x26}), static_cast<uint64_t>(-4));  // -16 shra 2
  EXPECT_EQ(eval_ok({0x31, 0x08, 64, 0x24}), 0u);                         // shl by 64
  EXPECT_EQ(eval_ok({0x30 + 9, 0x1f}), static_cast<uint64_t>(-9));        // neg
  EXPECT_EQ(eval_ok({0x30, 0x20}), ~0ull);                                // not
  EXPECT_EQ(eval_ok({0x30 + 9, 0x23, 0x80, 0x01}), 137u);                 // plus_uconst
  EXPECT_EQ(eval_ok({0x30 + 2, 0x30 + 3, 0x1e}), 6u);                     // mul
  EXPECT_EQ(eval_ok({0x11, 0x79, 0x30 + 2, 0x1b}), static_cast<uint64_t>(-3));  // -7 div 2
  EXPECT_EQ(eval_ok({0x30 + 7, 0x30 + 3, 0x1d}), 1u);                     // mod
}

TEST_F(Expression, ComparisonsAreSigned) {
  EXPECT_EQ(eval_ok({0x11, 0x7f, 0x31, 0x2d}), 1u);  // -1 lt 1
  EXPECT_EQ(eval_ok({0x11, 0x7f, 0x31, 0x2b}), 0u);  // -1 gt 1
  EXPECT_EQ(eval_ok({0x32, 0x32, 0x2a}), 1u);        // ge
  EXPECT_EQ(eval_ok({0x32, 0x33, 0x2c}), 1u);        // le
  EXPECT_EQ(eval_ok({0x32, 0x32, 0x29}), 1u);        // eq
  EXPECT_EQ(eval_ok({0x32, 0x32, 0x2e}), 0u);        // ne
}

TEST_F(Expression, StackOperations) {
  EXPECT_EQ(eval_ok({0x31, 0x12, 0x22}), 2u);              // dup plus
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x13}), 1u);              // drop
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x16}), 1u);              // swap
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x16, 0x13}), 2u);        // swap drop
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x14}), 1u);              // over
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x33, 0x15, 2}), 1u);     // pick 2
  EXPECT_EQ(eval_ok({0x31, 0x32, 0x33, 0x17}), 2u);        // rot: 1 2 3 -> 3 1 2
  EXPECT_EQ(eval_ok({0x31, 0x2f, 1, 0, 0x32}), 1u);        // skip over lit2
  EXPECT_EQ(eval_ok({0x31, 0x28, 1, 0, 0x32, 0x35}), 5u);  // bra taken (1): skip lit2
}

TEST_F(Expression, RegistersAndMemory) {
  memory_[2] = 0x5555;
  regs_.set(kRbx, reinterpret_cast<uint64_t>(&memory_[0]));
  EXPECT_EQ(eval_ok({0x73, 0x10, 0x06}), 0x5555u);          // breg3 16; deref
  EXPECT_EQ(eval_ok({0x92, 3, 0x10, 0x06}), 0x5555u);       // bregx 3 16; deref
  EXPECT_EQ(eval_ok({0x73, 0x10, 0x94, 1}), 0x55u);         // deref_size 1
  uint64_t result;
  EXPECT_EQ(eval({0x71, 0x00}, &result), ExpressionStatus::kUnknownRegister);  // rdx unknown
  EXPECT_EQ(eval({0x8f, 0x00}, &result), ExpressionStatus::kUnknownRegister);  // r31
  EXPECT_EQ(eval({0x73, 0x40, 0x06}, &result), ExpressionStatus::kBadMemory);  // past memory_
  EXPECT_EQ(eval({0x30, 0x06}, &result), ExpressionStatus::kBadMemory);        // address 0
}

TEST_F(Expression, MalformedInputStops) {
  uint64_t result;
  EXPECT_EQ(eval({}, &result), ExpressionStatus::kMalformed);                 // empty stack
  EXPECT_EQ(eval({0x22}, &result), ExpressionStatus::kMalformed);             // plus underflow
  EXPECT_EQ(eval({0x13}, &result), ExpressionStatus::kMalformed);             // drop underflow
  EXPECT_EQ(eval({0x0c, 1, 2}, &result), ExpressionStatus::kMalformed);       // truncated
  EXPECT_EQ(eval({0x77}, &result), ExpressionStatus::kMalformed);             // breg, no offset
  EXPECT_EQ(eval({0xe0}, &result), ExpressionStatus::kMalformed);             // unknown opcode
  EXPECT_EQ(eval({0x31, 0x30, 0x1b}, &result), ExpressionStatus::kMalformed); // divide by 0
  EXPECT_EQ(eval({0x2f, 0xfd, 0xff}, &result), ExpressionStatus::kMalformed); // endless skip
  EXPECT_EQ(eval({0x2f, 0x10, 0x00}, &result), ExpressionStatus::kMalformed); // skip past end
  EXPECT_EQ(eval({0x31, 0x15, 5}, &result), ExpressionStatus::kMalformed);    // pick too deep
  std::vector<uint8_t> overflow(kExpressionStackSize + 1, 0x31);
  EXPECT_EQ(eval(overflow, &result), ExpressionStatus::kMalformed);
  std::vector<uint8_t> full(kExpressionStackSize, 0x31);
  EXPECT_EQ(eval(full, &result), ExpressionStatus::kOk);
}

}  // namespace
}  // namespace cxxprof::unwind
