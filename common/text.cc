#include "common/text.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cxxprof {

TextBuffer::TextBuffer(char* buffer, size_t size) : buffer_(buffer), size_(size) {
  if (size_ > 0) buffer_[0] = '\0';
}

TextBuffer& TextBuffer::append(const char* text, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (length_ + 1 >= size_) {
      truncated_ = true;
      break;
    }
    buffer_[length_++] = text[i];
  }
  if (size_ > 0) buffer_[length_] = '\0';
  return *this;
}

TextBuffer& TextBuffer::append(const char* text) {
  if (text == nullptr) text = "(null)";
  return append(text, std::strlen(text));
}

TextBuffer& TextBuffer::append_char(char c) { return append(&c, 1); }

TextBuffer& TextBuffer::append_u64(uint64_t value) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = char('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) append_char(digits[--n]);
  return *this;
}

TextBuffer& TextBuffer::append_i64(int64_t value) {
  if (value < 0) {
    append_char('-');
    return append_u64(uint64_t(0) - uint64_t(value));
  }
  return append_u64(uint64_t(value));
}

TextBuffer& TextBuffer::append_hex(uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[16];
  size_t n = 0;
  do {
    digits[n++] = kHex[value & 0xf];
    value >>= 4;
  } while (value != 0);
  append("0x");
  while (n > 0) append_char(digits[--n]);
  return *this;
}

bool parse_u64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  uint64_t value = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
    uint64_t digit = uint64_t(*p - '0');
    if (value > (~uint64_t(0) - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

void write_all(int fd, const char* text, size_t length) {
  int saved_errno = errno;
  while (length > 0) {
    ssize_t n = ::write(fd, text, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text += n;
    length -= size_t(n);
  }
  errno = saved_errno;
}

void write_diagnostic(const char* text) {
  char line[1024];
  TextBuffer buffer(line, sizeof(line) - 1);
  buffer.append("cxxprof: ").append(text);
  // Room for the newline was kept by sizing the buffer one short.
  line[buffer.length()] = '\n';
  write_all(2, line, buffer.length() + 1);
}

}  // namespace cxxprof
