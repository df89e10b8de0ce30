// Malformed unwind tables: garbage .eh_frame_hdr contents, specific corruptions of a valid
// synthetic table, and random bit flips must stop the unwind with a reason, never crash it
// or read outside the ranges the CodeModule vouches for (run under ASan to see the latter).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "preload/dwarf_encoding.h"
#include "preload/unwinder.h"
#include "tests/unit/unwinder_support.h"
#include "tests/unit/unwinder_synthetic.h"

namespace cxxprof::unwind {
namespace {

using testing::AddressRanges;
using testing::build_synthetic_module;
using testing::SyntheticModule;

bool valid(StopReason reason) { return reason <= StopReason::kNoProgress; }

TEST(MalformedTables, GarbageHeaderNeverCrashes) {
  std::mt19937_64 random(12345);
  uint64_t stack[16] = {};
  AddressRanges ranges;
  ranges.add(reinterpret_cast<uint64_t>(stack), reinterpret_cast<uint64_t>(stack + 16));
  const uint8_t encodings[] = {0x00, 0x01, 0x03, 0x04, 0x0b, 0x1b, 0x3b, 0x31, 0x9b, 0xff, 0x50};
  int stops[7] = {};
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<uint8_t> hdr(4 + random() % 200);
    for (uint8_t& byte : hdr) byte = static_cast<uint8_t>(random());
    if (iteration % 2 == 0) hdr[0] = 1;
    if (iteration % 3 != 0) {
      for (int i = 1; i < 4; ++i) hdr[i] = encodings[random() % sizeof(encodings)];
    }
    const uint64_t base = reinterpret_cast<uint64_t>(hdr.data());
    CodeModule module{base, base + hdr.size(), 0, hdr.data(), hdr.size(), base, base + hdr.size(), false};
    ModuleSet set{&module, 1};
    Registers regs{};
    regs.set(kRip, base + random() % hdr.size());
    regs.set(kRsp, reinterpret_cast<uint64_t>(stack));
    uint64_t pcs[8];
    UnwindResult r = unwind_stack(set, regs, ranges.reader(), pcs, 8);
    ASSERT_GE(r.depth, 1u);
    ASSERT_LE(r.depth, 8u);
    ASSERT_TRUE(valid(r.stop));
    ++stops[static_cast<int>(r.stop)];
  }
  // Garbage is found out as such, or as covering nothing.
  EXPECT_GT(stops[static_cast<int>(StopReason::kBadCfi)], 1000);
  EXPECT_GT(stops[static_cast<int>(StopReason::kNoCfi)], 1000);
}

TEST(MalformedTables, SpecificCorruptions) {
  uint64_t stack[16] = {};
  AddressRanges ranges;
  ranges.add(reinterpret_cast<uint64_t>(stack), reinterpret_cast<uint64_t>(stack + 16));
  auto stop_for = [&](const SyntheticModule& m) {
    Registers regs{};
    regs.set(kRip, m.a + 0x10);
    regs.set(kRsp, reinterpret_cast<uint64_t>(stack));
    uint64_t pcs[8];
    return unwind_stack(m.set(), regs, ranges.reader(), pcs, 8).stop;
  };
  auto put32 = [](SyntheticModule& m, size_t at, uint32_t v) { std::memcpy(&m.bytes[at], &v, 4); };
  const size_t eh_frame = (build_synthetic_module(0x3b).hdr_size + 7) & ~size_t{7};
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    put32(m, 8, 0x7fffffff);  // fde_count far beyond the header
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    put32(m, 12 + 4, 0x40000000);  // first FDE pointer far outside the segment
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    put32(m, 12 + 4, static_cast<uint32_t>(-0x1000));  // ... before it
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    put32(m, eh_frame, 0xffffffff);  // CIE with a 64-bit length
    std::memset(&m.bytes[eh_frame + 4], 0x7f, 8);
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    m.bytes[eh_frame + 10] = 'Q';  // "zQ": an unknown augmentation letter
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    m.bytes[eh_frame + 8] = 7;  // CIE version 7
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    m.bytes[0] = 2;  // header version 2
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    m.bytes[2] = kPeOmit;  // no search table
    EXPECT_EQ(stop_for(m), StopReason::kNoCfi);
  }
  {
    SyntheticModule m = build_synthetic_module(0x3b);
    m.module.eh_frame_hdr_size = 20;  // the table is cut short by the header's size
    EXPECT_EQ(stop_for(m), StopReason::kBadCfi);
  }
}

TEST(MalformedTables, MutatedTablesNeverCrash) {
  std::mt19937_64 random(777);
  uint64_t stack[32] = {};
  AddressRanges ranges;
  ranges.add(reinterpret_cast<uint64_t>(stack), reinterpret_cast<uint64_t>(stack + 32));
  int complete = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    SyntheticModule m = build_synthetic_module(iteration % 2 ? 0x3b : 0x04);
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) {
      m.bytes[random() % m.bytes.size()] ^= static_cast<uint8_t>(1u << (random() % 8));
    }
    stack[4] = reinterpret_cast<uint64_t>(&stack[10]);
    stack[5] = m.b + 0x11;
    stack[10] = reinterpret_cast<uint64_t>(&stack[20]);
    stack[11] = m.c + 0x5;
    Registers regs{};
    regs.set(kRip, m.code + random() % 0x500);
    regs.set(kRsp, reinterpret_cast<uint64_t>(stack));
    regs.set(kRbp, reinterpret_cast<uint64_t>(&stack[4]));
    uint64_t pcs[8];
    UnwindResult r = unwind_stack(m.set(), regs, ranges.reader(), pcs, 8);
    ASSERT_GE(r.depth, 1u);
    ASSERT_LE(r.depth, 8u);
    ASSERT_TRUE(valid(r.stop));
    complete += r.stop == StopReason::kEndOfStack;
  }
  EXPECT_GT(complete, 0);  // many single-bit flips leave the tables usable
}

}  // namespace
}  // namespace cxxprof::unwind
