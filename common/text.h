// Bounded text formatting with no allocation, usable anywhere in the injected library
// (including, for append/append_u64, a signal handler: they touch only the caller's buffer).
// printf is not async-signal-safe and may allocate; this is the replacement.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxxprof {

class TextBuffer {
 public:
  // Writes into buffer[0..size), always NUL-terminated (size must be >= 1).
  TextBuffer(char* buffer, size_t size);

  TextBuffer& append(const char* text);
  TextBuffer& append(const char* text, size_t length);
  TextBuffer& append_char(char c);
  TextBuffer& append_u64(uint64_t value);
  TextBuffer& append_i64(int64_t value);
  TextBuffer& append_hex(uint64_t value);  // 0x-prefixed

  const char* c_str() const { return buffer_; }
  size_t length() const { return length_; }
  bool truncated() const { return truncated_; }

 private:
  char* buffer_;
  size_t size_;
  size_t length_ = 0;
  bool truncated_ = false;
};

// Parses a whole decimal number (no sign, no spaces, no trailing text, no overflow).
bool parse_u64(const char* text, uint64_t* out);

// Writes all of `text` to `fd` with write(2), retrying on EINTR and short writes.
// Preserves errno. Async-signal-safe.
void write_all(int fd, const char* text, size_t length);

// One diagnostic line "cxxprof: <text>\n" to stderr in a single write(2).
void write_diagnostic(const char* text);

}  // namespace cxxprof
