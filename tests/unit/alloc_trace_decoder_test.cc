// launcher/alloc_trace_decoder: allocfreetrace's stream from the library (modules, then
// events whose stacks are return addresses) becomes lines with symbolized stacks.
#include "launcher/alloc_trace_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/alloc_trace_protocol.h"
#include "tests/unit/self_module.h"

namespace dectest {

// A known call site: the return address after the call to `callee` lies in caller_line's
// line, so the decoder (which looks up return address - 1) must name caller() there.
__attribute__((noinline)) uint64_t callee() {
  uint64_t address = reinterpret_cast<uint64_t>(__builtin_return_address(0));
  asm volatile("" ::: "memory");
  return address;
}

constexpr int kCallLine = __LINE__ + 2;
__attribute__((noinline)) uint64_t caller() {
  uint64_t address = callee();
  asm volatile("" ::: "memory");
  return address;
}

}  // namespace dectest

namespace cxxprof {
namespace {

std::vector<uint8_t> module_message(uint32_t index, const RawModule& module) {
  alloctrace::ModuleMessage message;
  std::memset(&message, 0, sizeof(message));
  message.magic = alloctrace::kModuleMagic;
  message.index = index;
  message.flags = module.flags;
  message.load_bias = module.load_bias;
  message.start = module.start;
  message.limit = module.limit;
  message.file_offset = module.file_offset;
  message.build_id_size = uint32_t(module.build_id.size());
  std::memcpy(message.build_id, module.build_id.data(), module.build_id.size());
  std::strncpy(message.path, module.path.c_str(), sizeof(message.path) - 1);
  const auto* bytes = reinterpret_cast<const uint8_t*>(&message);
  return std::vector<uint8_t>(bytes, bytes + sizeof(message));
}

std::vector<uint8_t> event_message(uint32_t modules_needed, const std::vector<uint64_t>& pcs,
                                   const std::string& text) {
  alloctrace::EventHeader header{alloctrace::kEventMagic, modules_needed, uint32_t(pcs.size()),
                                 uint32_t(text.size())};
  std::vector<uint8_t> bytes(sizeof(header) + pcs.size() * 8 + text.size());
  std::memcpy(bytes.data(), &header, sizeof(header));
  std::memcpy(bytes.data() + sizeof(header), pcs.data(), pcs.size() * 8);
  std::memcpy(bytes.data() + sizeof(header) + pcs.size() * 8, text.data(), text.size());
  return bytes;
}

class AllocTraceDecoderTest : public ::testing::Test {
 protected:
  AllocTraceDecoderTest() : decoder_([this](const std::string& line) { lines_.push_back(line); }) {}
  void send(const std::vector<uint8_t>& message) { decoder_.on_message(message.data(), message.size()); }

  std::vector<std::string> lines_;
  AllocTraceDecoder decoder_;
};

TEST_F(AllocTraceDecoderTest, NamesTheCallingFunctionFileAndLine) {
  const uint64_t return_address = dectest::caller();
  RawModule self = cxxprof_test::module_containing(reinterpret_cast<void*>(return_address));
  ASSERT_FALSE(self.path.empty());
  send(module_message(0, self));
  send(event_message(1, {return_address}, "ALLOC 5ms: fn=malloc ptr=0x10 size=3"));
  ASSERT_EQ(lines_.size(), 1u);
  const std::string expected = "ALLOC 5ms: fn=malloc ptr=0x10 size=3 stack: dectest::caller "
                               "(alloc_trace_decoder_test.cc:" + std::to_string(dectest::kCallLine) + ")";
  EXPECT_EQ(lines_[0], expected);
  EXPECT_EQ(decoder_.malformed_messages(), 0u);
}

TEST_F(AllocTraceDecoderTest, AnEventWaitsForTheModulesItNeeds) {
  const uint64_t return_address = dectest::caller();
  RawModule self = cxxprof_test::module_containing(reinterpret_cast<void*>(return_address));
  // Another thread was still sending module 0 when this event went out.
  send(event_message(1, {return_address}, "FREE 1ms: first"));
  send(event_message(0, {}, "FREE 2ms: second"));
  EXPECT_TRUE(lines_.empty());
  send(module_message(0, self));
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0].rfind("FREE 1ms: first stack: dectest::caller (", 0), 0u) << lines_[0];
  EXPECT_EQ(lines_[1], "FREE 2ms: second stack: (none)");  // order of arrival kept
}

TEST_F(AllocTraceDecoderTest, AtTheEndWaitingEventsArePrintedWithWhatIsKnown) {
  send(event_message(3, {0x1234}, "ALLOC 1ms: orphan"));
  EXPECT_TRUE(lines_.empty());
  decoder_.finish();
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "ALLOC 1ms: orphan stack: 0x1233");  // in no module: the address
}

TEST_F(AllocTraceDecoderTest, MalformedMessagesAreCountedAndSkipped) {
  RawModule self = cxxprof_test::module_containing(reinterpret_cast<void*>(&dectest::caller));
  std::vector<uint8_t> short_message = {1, 2};
  send(short_message);
  std::vector<uint8_t> wrong_magic = event_message(0, {}, "x");
  wrong_magic[0] ^= 0xff;
  send(wrong_magic);
  std::vector<uint8_t> truncated = event_message(0, {1, 2, 3}, "text");
  truncated.resize(truncated.size() - 1);
  send(truncated);
  send(module_message(1, self));  // out of order: index 0 never came
  std::vector<uint8_t> lying_depth = event_message(0, {}, "y");
  reinterpret_cast<alloctrace::EventHeader*>(lying_depth.data())->depth = 100000;
  send(lying_depth);
  EXPECT_EQ(decoder_.malformed_messages(), 5u);
  EXPECT_TRUE(lines_.empty());
}

TEST_F(AllocTraceDecoderTest, NewlinesInTheTextCannotSplitTheLine) {
  send(event_message(0, {}, "ALLOC 1ms: a\nFREE 2ms: forged"));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "ALLOC 1ms: a FREE 2ms: forged stack: (none)");
}

}  // namespace
}  // namespace cxxprof
