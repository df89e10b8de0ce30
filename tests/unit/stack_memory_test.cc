// The unwinder's memory readers (preload/stack_memory.h) on real mappings: what each
// reads, what it refuses, and that none of them faults on a bad address.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>

#include "preload/stack_memory.h"

namespace cxxprof {
namespace {

constexpr uint64_t kPage = 4096;

// Eight pages filled with words that say where they are; page 5 is PROT_NONE.
class StackMemoryTest : public ::testing::Test {
 protected:
  static constexpr int kCount = 8;
  static constexpr int kForbidden = 5;
  void SetUp() override {
    void* memory = mmap(nullptr, kCount * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(memory, MAP_FAILED);
    base_ = static_cast<unsigned char*>(memory);
    for (uint64_t offset = 0; offset < kCount * kPage; offset += 8) {
      const uint64_t word = address(offset) ^ 0x5a5a5a5a5a5a5a5aull;
      std::memcpy(base_ + offset, &word, 8);
    }
    ASSERT_EQ(mprotect(base_ + kForbidden * kPage, kPage, PROT_NONE), 0);
  }
  void TearDown() override { munmap(base_, kCount * kPage); }
  uint64_t address(uint64_t offset) const { return reinterpret_cast<uint64_t>(base_) + offset; }
  static uint64_t expected(uint64_t address) { return address ^ 0x5a5a5a5a5a5a5a5aull; }
  unsigned char* base_ = nullptr;
};

TEST_F(StackMemoryTest, CheckedReaderReadsMappedWordsAndRefusesTheRest) {
  const unwind::MemoryReader reader = checked_memory_reader();
  uint64_t value = 0;
  ASSERT_TRUE(reader.read_word(reader.context, address(3 * kPage + 64), &value));
  EXPECT_EQ(value, expected(address(3 * kPage + 64)));
  EXPECT_FALSE(reader.read_word(reader.context, address(kForbidden * kPage + 8), &value));
  EXPECT_FALSE(reader.read_word(reader.context, 8, &value));
}

TEST_F(StackMemoryTest, BoundedReaderStaysInsideItsRange) {
  BoundedStackReader range{address(kPage), address(2 * kPage)};
  const unwind::MemoryReader reader = bounded_memory_reader(&range);
  uint64_t value = 0;
  ASSERT_TRUE(reader.read_word(reader.context, address(kPage), &value));
  EXPECT_EQ(value, expected(address(kPage)));
  ASSERT_TRUE(reader.read_word(reader.context, address(2 * kPage - 8), &value));
  EXPECT_FALSE(reader.read_word(reader.context, address(2 * kPage - 4), &value)) << "ends past high";
  EXPECT_FALSE(reader.read_word(reader.context, address(kPage - 8), &value));
}

}  // namespace
}  // namespace cxxprof
