// The unwinder on synthetic CFI (tests/unit/unwinder_synthetic.h): module description and
// lookup, the .eh_frame_hdr search table in several encodings, CFA rows, and whole unwinds
// over a fake stack (rules, frame-pointer fallback, stop reasons).
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "preload/cfa_program.h"
#include "preload/dwarf_encoding.h"
#include "preload/eh_frame.h"
#include "preload/unwinder.h"
#include "tests/unit/unwinder_support.h"
#include "tests/unit/unwinder_synthetic.h"

namespace cxxprof::unwind {
namespace {

using testing::AddressRanges;
using testing::build_synthetic_module;
using testing::SyntheticModule;

TEST(DescribeCodeModule, UsesExecutableSegmentsAndTheEhFrameSegment) {
  Elf64_Phdr phdrs[5] = {};
  phdrs[0] = {PT_LOAD, PF_R, 0, 0x0, 0x0, 0x800, 0x800, 0x1000};
  phdrs[1] = {PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1000, 0x2345, 0x2345, 0x1000};
  phdrs[2] = {PT_LOAD, PF_R, 0x4000, 0x4000, 0x4000, 0x900, 0x900, 0x1000};
  phdrs[3] = {PT_GNU_EH_FRAME, PF_R, 0x4100, 0x4100, 0x4100, 0x64, 0x64, 4};
  phdrs[4] = {PT_LOAD, PF_R | PF_W, 0x5000, 0x5000, 0x5000, 0x100, 0x200, 0x1000};
  CodeModule m;
  ASSERT_TRUE(describe_code_module(0x7f0000000000, phdrs, 5, &m));
  EXPECT_EQ(m.start, 0x7f0000001000u);
  EXPECT_EQ(m.limit, 0x7f0000003345u);
  EXPECT_EQ(m.load_bias, 0x7f0000000000u);
  EXPECT_EQ(reinterpret_cast<uint64_t>(m.eh_frame_hdr), 0x7f0000004100u);
  EXPECT_EQ(m.eh_frame_hdr_size, 0x64u);
  EXPECT_EQ(m.eh_segment_start, 0x7f0000004000u);
  EXPECT_EQ(m.eh_segment_limit, 0x7f0000004900u);

  ASSERT_TRUE(describe_code_module(0x7f0000000000, phdrs, 3, &m));  // no PT_GNU_EH_FRAME
  EXPECT_EQ(m.eh_frame_hdr, nullptr);
  EXPECT_EQ(m.eh_segment_start, 0u);
  EXPECT_FALSE(describe_code_module(0, &phdrs[2], 1, &m));  // no executable segment
}

TEST(FindModule, BinarySearch) {
  CodeModule modules[4] = {};
  const uint64_t ranges[4][2] = {{0x1000, 0x2000}, {0x2000, 0x3000}, {0x5000, 0x6000}, {0x9000, 0x9001}};
  for (int i = 0; i < 4; ++i) {
    modules[i].start = ranges[i][0];
    modules[i].limit = ranges[i][1];
  }
  ModuleSet set{modules, 4};
  EXPECT_EQ(find_module(set, 0xfff), nullptr);
  EXPECT_EQ(find_module(set, 0x1000), &modules[0]);
  EXPECT_EQ(find_module(set, 0x1fff), &modules[0]);
  EXPECT_EQ(find_module(set, 0x2000), &modules[1]);
  EXPECT_EQ(find_module(set, 0x3000), nullptr);
  EXPECT_EQ(find_module(set, 0x4fff), nullptr);
  EXPECT_EQ(find_module(set, 0x5abc), &modules[2]);
  EXPECT_EQ(find_module(set, 0x9000), &modules[3]);
  EXPECT_EQ(find_module(set, 0x9001), nullptr);
  EXPECT_EQ(find_module(ModuleSet{modules, 0}, 0x1000), nullptr);
}

// Table encodings: the standard one, absolute 8-byte, pc-relative 8-byte (both through the
// generic binary search), and datarel ULEB128 (a linear scan).
class SyntheticTable : public ::testing::TestWithParam<uint8_t> {
 protected:
  SyntheticModule m_ = build_synthetic_module(GetParam());
};

TEST_P(SyntheticTable, FindsTheCoveringFde) {
  FdeInfo fde;
  const uint64_t starts[5] = {m_.a, m_.b, m_.c, m_.d, m_.e};
  for (uint64_t start : starts) {
    for (uint64_t pc : {start, start + 0x17, start + 0x3f}) {
      ASSERT_EQ(find_fde(m_.module, pc, &fde), FdeLookup::kFound) << std::hex << pc - m_.code;
      EXPECT_EQ(fde.pc_begin, start);
      EXPECT_EQ(fde.pc_end, start + 0x40);
      EXPECT_EQ(fde.return_address_register, 16u);
      EXPECT_EQ(fde.data_alignment, -8);
      EXPECT_EQ(fde.code_alignment, 1u);
      EXPECT_FALSE(fde.signal_frame);
    }
  }
  EXPECT_EQ(find_fde(m_.module, m_.code - 1, &fde), FdeLookup::kNotFound);
  EXPECT_EQ(find_fde(m_.module, m_.a + 0x40, &fde), FdeLookup::kNotFound);  // gap
  EXPECT_EQ(find_fde(m_.module, m_.e + 0x40, &fde), FdeLookup::kNotFound);  // past the last
}

INSTANTIATE_TEST_SUITE_P(Encodings, SyntheticTable,
                         ::testing::Values(kPeDatarel | kPeSdata4, kPeAbsptr,
                                           kPePcrel | kPeSdata8, kPeDatarel | kPeUleb128));

void expect_row(const SyntheticModule& m, uint64_t offset, unsigned cfa_reg, int64_t cfa_offset,
                RuleKind rbp_kind, int64_t rbp_offset = 0) {
  FdeInfo fde;
  ASSERT_EQ(find_fde(m.module, m.a + offset, &fde), FdeLookup::kFound);
  UnwindRow row;
  ASSERT_TRUE(run_cfa_program(fde, m.a + offset, &row));
  SCOPED_TRACE(offset);
  EXPECT_EQ(row.cfa.kind, CfaKind::kRegisterOffset);
  EXPECT_EQ(row.cfa.reg, cfa_reg);
  EXPECT_EQ(row.cfa.value, cfa_offset);
  EXPECT_EQ(row.reg[kRip].kind, RuleKind::kOffset);
  EXPECT_EQ(row.reg[kRip].value, -8);
  EXPECT_EQ(row.reg[kRbp].kind, rbp_kind);
  if (rbp_kind == RuleKind::kOffset) {
    EXPECT_EQ(row.reg[kRbp].value, rbp_offset);
  }
}

TEST(CfaProgram, RowsFollowTheLocation) {
  SyntheticModule m = build_synthetic_module(kPeDatarel | kPeSdata4);
  expect_row(m, 0x0, kRsp, 8, RuleKind::kUnspecified);
  expect_row(m, 0x1, kRsp, 16, RuleKind::kOffset, -16);
  expect_row(m, 0x3, kRsp, 16, RuleKind::kOffset, -16);
  expect_row(m, 0x4, kRbp, 16, RuleKind::kOffset, -16);
  expect_row(m, 0x23, kRbp, 16, RuleKind::kOffset, -16);
  expect_row(m, 0x24, kRsp, 8, RuleKind::kUnspecified);   // remembered, then restored rbp
  expect_row(m, 0x25, kRbp, 16, RuleKind::kOffset, -16);  // restore_state
  expect_row(m, 0x3f, kRbp, 16, RuleKind::kOffset, -16);

  FdeInfo fde;
  UnwindRow row;
  ASSERT_EQ(find_fde(m.module, m.d + 3, &fde), FdeLookup::kFound);
  ASSERT_TRUE(run_cfa_program(fde, m.d + 3, &row));
  EXPECT_EQ(row.cfa.kind, CfaKind::kExpression);
  EXPECT_EQ(row.cfa.expression_length, sizeof(testing::kPltExpression));
  EXPECT_EQ(std::memcmp(expression_address(fde, row.cfa.value), testing::kPltExpression,
                        sizeof(testing::kPltExpression)),
            0);
  ASSERT_EQ(find_fde(m.module, m.c, &fde), FdeLookup::kFound);
  ASSERT_TRUE(run_cfa_program(fde, m.c, &row));
  EXPECT_EQ(row.reg[kRip].kind, RuleKind::kUndefined);
}

// The usual x86-64 CIE: def_cfa rsp+8; rip at cfa-8.
const std::vector<uint8_t> kCie = {0x0c, 0x07, 0x08, 0x90, 0x01};

// An FDE for [0x1000, 0x2000): CIE and FDE instructions in one buffer, as in a real
// .eh_frame (rules locate expressions relative to the CIE's instructions).
struct Program {
  explicit Program(const std::vector<uint8_t>& instructions, const std::vector<uint8_t>& cie = kCie)
      : bytes(cie) {
    bytes.insert(bytes.end(), instructions.begin(), instructions.end());
    fde.pc_begin = 0x1000;
    fde.pc_end = 0x2000;
    fde.code_alignment = 1;
    fde.data_alignment = -8;
    fde.return_address_register = 16;
    fde.cie_instructions = bytes.data();
    fde.cie_instructions_end = bytes.data() + cie.size();
    fde.fde_instructions = fde.cie_instructions_end;
    fde.fde_instructions_end = bytes.data() + bytes.size();
  }
  Program(const Program&) = delete;

  std::vector<uint8_t> bytes;
  FdeInfo fde{};
};

TEST(CfaProgram, OtherInstructions) {
  UnwindRow row;
  std::vector<uint8_t> code = {
      0x12, 0x07, 0x7e,        // def_cfa_sf rsp, -2 * -8 = 16
      0x05, 0x03, 0x03,        // offset_extended rbx, 3 * -8
      0x11, 0x0c, 0x7c,        // offset_extended_sf r12, -4 * -8 = +32
      0x14, 0x0d, 0x01,        // val_offset r13, -8
      0x15, 0x0e, 0x7f,        // val_offset_sf r14, +8
      0x09, 0x0f, 0x03,        // register r15 = rbx
      0x08, 0x06,              // same_value rbp
      0x07, 0x00,              // undefined rax
      0x10, 0x01, 0x02, 0x77, 0x08,  // expression rdx: breg7 8
      0x16, 0x02, 0x01, 0x31,  // val_expression rcx: lit1
      0x2e, 0x20,              // GNU_args_size 32
      0x2f, 0x04, 0x02,        // GNU_negative_offset_extended rsi, -(2 * -8) = +16
      0x05, 0x11, 0x01,        // offset_extended xmm0: dropped
      0x00,                    // nop
      0x03, 0x00, 0x01,        // advance_loc2 0x100
      0x13, 0x7c,              // def_cfa_offset_sf 32: not reached
  };
  Program owner(code);
  const FdeInfo& fde = owner.fde;
  ASSERT_TRUE(run_cfa_program(fde, 0x1050, &row));
  EXPECT_EQ(row.cfa.reg, kRsp);
  EXPECT_EQ(row.cfa.value, 16);
  EXPECT_EQ(row.reg[kRbx].kind, RuleKind::kOffset);
  EXPECT_EQ(row.reg[kRbx].value, -24);
  EXPECT_EQ(row.reg[kR12].value, 32);
  EXPECT_EQ(row.reg[kR13].kind, RuleKind::kValOffset);
  EXPECT_EQ(row.reg[kR13].value, -8);
  EXPECT_EQ(row.reg[kR14].value, 8);
  EXPECT_EQ(row.reg[kR15].kind, RuleKind::kRegister);
  EXPECT_EQ(row.reg[kR15].value, static_cast<int32_t>(kRbx));
  EXPECT_EQ(row.reg[kRbp].kind, RuleKind::kSameValue);
  EXPECT_EQ(row.reg[kRax].kind, RuleKind::kUndefined);
  EXPECT_EQ(row.reg[kRdx].kind, RuleKind::kExpression);
  EXPECT_EQ(row.reg[kRdx].expression_length, 2u);
  EXPECT_EQ(expression_address(fde, row.reg[kRdx].value)[0], 0x77);
  EXPECT_EQ(row.reg[kRcx].kind, RuleKind::kValExpression);
  EXPECT_EQ(row.reg[kRsi].value, 16);
  ASSERT_TRUE(run_cfa_program(fde, 0x1100, &row));
  EXPECT_EQ(row.cfa.value, 32);
}

TEST(CfaProgram, RejectsMalformedPrograms) {
  UnwindRow row;
  std::vector<uint8_t> nine_deep(9, 0x0a);
  EXPECT_FALSE(run_cfa_program(Program(nine_deep).fde, 0x1000, &row));
  std::vector<uint8_t> eight_deep(8, 0x0a);
  EXPECT_TRUE(run_cfa_program(Program(eight_deep).fde, 0x1000, &row));
  EXPECT_FALSE(run_cfa_program(Program({0x0b}).fde, 0x1000, &row));         // restore, nothing saved
  EXPECT_FALSE(run_cfa_program(Program({0x2d}).fde, 0x1000, &row));         // GNU_window_save
  EXPECT_FALSE(run_cfa_program(Program({0x3f}).fde, 0x1000, &row));         // unknown
  EXPECT_FALSE(run_cfa_program(Program({0x05, 0x03}).fde, 0x1000, &row));   // truncated
  EXPECT_FALSE(run_cfa_program(Program({0x0f, 0x20, 0x77}).fde, 0x1000, &row));  // block too long
  EXPECT_FALSE(run_cfa_program(Program({}, {}).fde, 0x1000, &row));         // no CFA at all
  EXPECT_FALSE(run_cfa_program(Program({0x0c, 0x30, 0x08}).fde, 0x1000, &row));  // CFA in xmm15
  EXPECT_FALSE(run_cfa_program(Program({}).fde, 0x2000, &row));             // pc outside the FDE
  EXPECT_FALSE(run_cfa_program(Program({0x0e, 0x10}, {0x0f, 0x01, 0x31}).fde, 0x1000, &row));
  EXPECT_FALSE(run_cfa_program(Program({0x0e, 0x80, 0x80, 0x80, 0x80, 0x08}).fde, 0x1000, &row));  // 2^31
  EXPECT_FALSE(run_cfa_program(Program({0x83, 0x80, 0x80, 0x80, 0x80, 0x02}).fde, 0x1000, &row));  // -2^32
}

// A fake stack for A -> B -> C (see unwinder_synthetic.h); returns the unwound pcs.
class SyntheticUnwind : public ::testing::Test {
 protected:
  SyntheticUnwind() {
    ranges_.add(reinterpret_cast<uint64_t>(stack_), reinterpret_cast<uint64_t>(stack_ + 32));
    stack_[4] = addr(10);        // A saved the caller's rbp
    stack_[5] = m_.b + 0x11;     // A's return address
    stack_[10] = addr(20);       // B saved its caller's rbp
    stack_[11] = m_.c + 0x5;     // B's return address
  }
  uint64_t addr(int slot) { return reinterpret_cast<uint64_t>(&stack_[slot]); }
  UnwindResult unwind(uint64_t rip, uint64_t rsp, uint64_t rbp, uint32_t max_depth = 16) {
    Registers regs{};
    regs.set(kRip, rip);
    regs.set(kRsp, rsp);
    if (rbp != 0) regs.set(kRbp, rbp);
    return unwind_stack(m_.set(), regs, ranges_.reader(), pcs_, max_depth);
  }
  void expect_a_b_c(uint64_t rip, UnwindResult r) {
    ASSERT_EQ(r.stop, StopReason::kEndOfStack);
    ASSERT_EQ(r.depth, 3u);
    EXPECT_EQ(pcs_[0], rip);
    EXPECT_EQ(pcs_[1], m_.b + 0x11);
    EXPECT_EQ(pcs_[2], m_.c + 0x5);
  }
  SyntheticModule m_ = build_synthetic_module(kPeDatarel | kPeSdata4);
  uint64_t stack_[32] = {};
  uint64_t pcs_[16] = {};
  AddressRanges ranges_;
};

TEST_F(SyntheticUnwind, EveryRowOfTheFunction) {
  expect_a_b_c(m_.a, unwind(m_.a, addr(5), addr(10)));                    // entry
  expect_a_b_c(m_.a + 2, unwind(m_.a + 2, addr(4), 0xbad));               // rbp pushed
  expect_a_b_c(m_.a + 0x10, unwind(m_.a + 0x10, addr(0), addr(4)));       // rbp frame
  expect_a_b_c(m_.a + 0x24, unwind(m_.a + 0x24, addr(5), addr(10)));      // epilogue
  expect_a_b_c(m_.a + 0x30, unwind(m_.a + 0x30, addr(1), addr(4)));       // after restore_state
}

TEST_F(SyntheticUnwind, DepthLimit) {
  UnwindResult r = unwind(m_.a + 0x10, addr(0), addr(4), 2);
  EXPECT_EQ(r.stop, StopReason::kMaxDepth);
  EXPECT_EQ(r.depth, 2u);
  r = unwind(m_.a + 0x10, addr(0), addr(4), 3);
  EXPECT_EQ(r.stop, StopReason::kEndOfStack);
  EXPECT_EQ(r.depth, 3u);
  r = unwind(m_.a + 0x10, addr(0), addr(4), 1);
  EXPECT_EQ(r.stop, StopReason::kMaxDepth);
  EXPECT_EQ(r.depth, 1u);
  EXPECT_EQ(unwind(m_.a, addr(5), 0, 0).depth, 0u);
}

TEST_F(SyntheticUnwind, PltExpression) {
  stack_[1] = m_.b + 0x11;  // return address above the pushed PLT index
  stack_[2] = addr(10);
  // rsp=&stack[0] at offset 11 of an entry (after the push): CFA = rsp + 16.
  uint64_t rip = (m_.d & ~uint64_t{15}) + 16 + 11;
  ASSERT_LT(rip, m_.d + 0x40);
  UnwindResult r = unwind(rip, addr(0), addr(10));
  EXPECT_EQ(r.stop, StopReason::kEndOfStack);
  ASSERT_EQ(r.depth, 3u);
  EXPECT_EQ(pcs_[1], m_.b + 0x11);
  // At offset 0 (before the push): CFA = rsp + 8.
  r = unwind(rip - 11, addr(1), addr(10));
  EXPECT_EQ(r.stop, StopReason::kEndOfStack);
  ASSERT_EQ(r.depth, 3u);
  EXPECT_EQ(pcs_[1], m_.b + 0x11);
}

TEST_F(SyntheticUnwind, StopReasons) {
  // Reading a saved register outside the stack.
  EXPECT_EQ(unwind(m_.a + 0x10, addr(0), addr(31)).stop, StopReason::kBadMemory);
  // B's CFA needs rbp, which A's row at 0x24 keeps; an unknown rbp stops there.
  UnwindResult r = unwind(m_.a + 0x24, addr(5), 0);
  EXPECT_EQ(r.stop, StopReason::kBadCfi);
  EXPECT_EQ(r.depth, 2u);
  // E: CFA = rsp, no progress.
  stack_[1] = m_.e + 1;
  r = unwind(m_.e, addr(2), 0);
  EXPECT_EQ(r.stop, StopReason::kNoProgress);
  EXPECT_EQ(r.depth, 1u);
  // Data where a return address should be (ASCII "qtswith", seen past the real end of a
  // blocked thread's stack) is not code: the stack ends before it.
  stack_[5] = 0x68746977737471;
  r = unwind(m_.a, addr(5), 0);
  EXPECT_EQ(r.stop, StopReason::kBadMemory);
  EXPECT_EQ(r.depth, 1u);
  stack_[5] = 0x10;  // the zero page
  EXPECT_EQ(unwind(m_.a, addr(5), 0).stop, StopReason::kBadMemory);
  // A return address of 0 ends the stack.
  stack_[5] = 0;
  r = unwind(m_.a, addr(5), 0);
  EXPECT_EQ(r.stop, StopReason::kEndOfStack);
  EXPECT_EQ(r.depth, 1u);
  // Outside every module.
  r = unwind(0x1234, addr(0), 0);
  EXPECT_EQ(r.stop, StopReason::kNoModule);
  EXPECT_EQ(r.depth, 1u);
  // No rsp.
  Registers regs{};
  regs.set(kRip, m_.a);
  EXPECT_EQ(unwind_stack(m_.set(), regs, ranges_.reader(), pcs_, 16).stop, StopReason::kBadCfi);
}

TEST_F(SyntheticUnwind, FramePointerFallbackForTheLeafOnly) {
  const uint64_t no_fde = m_.code + 0x800;
  // rbp-framed leaf without CFI: [rbp] = caller's rbp, [rbp+8] = return address into B.
  UnwindResult r = unwind(no_fde, addr(0), addr(4));
  EXPECT_EQ(r.stop, StopReason::kEndOfStack);
  ASSERT_EQ(r.depth, 3u);
  EXPECT_EQ(pcs_[1], m_.b + 0x11);
  EXPECT_EQ(pcs_[2], m_.c + 0x5);
  // rbp unknown, unreadable, below rsp, or misaligned: no fallback.
  EXPECT_EQ(unwind(no_fde, addr(0), 0).stop, StopReason::kNoCfi);
  EXPECT_EQ(unwind(no_fde, addr(0), addr(31) + 8).stop, StopReason::kNoCfi);
  EXPECT_EQ(unwind(no_fde, addr(6), addr(4)).stop, StopReason::kNoCfi);
  EXPECT_EQ(unwind(no_fde, addr(0), addr(4) + 4).stop, StopReason::kNoCfi);
  // A caller without CFI stops the unwind.
  stack_[5] = no_fde + 1;
  r = unwind(m_.a + 0x10, addr(0), addr(4));
  EXPECT_EQ(r.stop, StopReason::kNoCfi);
  EXPECT_EQ(r.depth, 2u);
}

}  // namespace
}  // namespace cxxprof::unwind
