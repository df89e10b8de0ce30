// Buffered output through stdio as I/O profile operations: fwrite, fputs, puts, fputc
// (also putc and putchar), printf, fprintf, dprintf (and their v-forms and
// _FORTIFY_SOURCE forms), fflush; with _unlocked forms where glibc exports them
// (preload/io_stdio.h). The varargs forms call glibc's v-form: glibc's printf calls its
// internal formatter, never our vprintf, so each call is counted once.
#include "preload/io_stdio.h"

#include <cstdarg>

extern "C" {
int __printf_chk(int flag, const char* format, ...);
int __fprintf_chk(FILE* stream, int flag, const char* format, ...);
int __dprintf_chk(int fd, int flag, const char* format, ...);
int __vprintf_chk(int flag, const char* format, va_list arguments);
int __vfprintf_chk(FILE* stream, int flag, const char* format, va_list arguments);
int __vdprintf_chk(int fd, int flag, const char* format, va_list arguments);
}

namespace cxxprof {
namespace {

using FwriteFunction = size_t (*)(const void*, size_t, size_t, FILE*);

CXXPROF_REAL_FUNCTION(real_fwrite, FwriteFunction, "fwrite", nullptr);
CXXPROF_REAL_FUNCTION(real_fwrite_unlocked, FwriteFunction, "fwrite_unlocked", nullptr);
CXXPROF_REAL_FUNCTION(real_fputs, int (*)(const char*, FILE*), "fputs", nullptr);
CXXPROF_REAL_FUNCTION(real_fputs_unlocked, int (*)(const char*, FILE*), "fputs_unlocked",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_puts, int (*)(const char*), "puts", nullptr);
CXXPROF_REAL_FUNCTION(real_fputc, int (*)(int, FILE*), "fputc", nullptr);
CXXPROF_REAL_FUNCTION(real_putc, int (*)(int, FILE*), "putc", nullptr);
CXXPROF_REAL_FUNCTION(real_putchar, int (*)(int), "putchar", nullptr);
CXXPROF_REAL_FUNCTION(real_vprintf, int (*)(const char*, va_list), "vprintf", nullptr);
CXXPROF_REAL_FUNCTION(real_vfprintf, int (*)(FILE*, const char*, va_list), "vfprintf",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_vdprintf, int (*)(int, const char*, va_list), "vdprintf", nullptr);
CXXPROF_REAL_FUNCTION(real_vprintf_chk, int (*)(int, const char*, va_list), "__vprintf_chk",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_vfprintf_chk, int (*)(FILE*, int, const char*, va_list),
                      "__vfprintf_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_vdprintf_chk, int (*)(int, int, const char*, va_list),
                      "__vdprintf_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_fflush, int (*)(FILE*), "fflush", nullptr);
CXXPROF_REAL_FUNCTION(real_fflush_unlocked, int (*)(FILE*), "fflush_unlocked", nullptr);

int64_t string_bytes_if_written(const char* text, int result) {
  return result == EOF ? 0 : int64_t(std::strlen(text));
}

// The printf family's one path: `fd` for dprintf, else the stream (stdout for printf).
template <typename Call>
int formatted(io::Op op, int fd, FILE* stream, const void* caller, const char* function,
              Call&& call) {
  return io_call({op, fd, stream}, caller, function, call, formatted_bytes);
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER size_t fwrite(const void* data, size_t size, size_t count, FILE* stream) {
  return io_call({io::Op::kFwrite, -1, stream}, __builtin_return_address(0), "fwrite",
                 [&] { return call_real(real_fwrite, data, size, count, stream); },
                 [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER size_t fwrite_unlocked(const void* data, size_t size, size_t count,
                                          FILE* stream) {
  return io_call({io::Op::kFwrite, -1, stream}, __builtin_return_address(0), "fwrite_unlocked",
                 [&] { return call_real(real_fwrite_unlocked, data, size, count, stream); },
                 [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER int fputs(const char* text, FILE* stream) {
  return io_call({io::Op::kFputs, -1, stream}, __builtin_return_address(0), "fputs",
                 [&] { return call_real(real_fputs, text, stream); },
                 [&](int result) { return string_bytes_if_written(text, result); });
}

CXXPROF_INTERPOSER int fputs_unlocked(const char* text, FILE* stream) {
  return io_call({io::Op::kFputs, -1, stream}, __builtin_return_address(0), "fputs_unlocked",
                 [&] { return call_real(real_fputs_unlocked, text, stream); },
                 [&](int result) { return string_bytes_if_written(text, result); });
}

// puts writes the string and a newline.
CXXPROF_INTERPOSER int puts(const char* text) {
  return io_call({io::Op::kPuts, -1, stdout}, __builtin_return_address(0), "puts",
                 [&] { return call_real(real_puts, text); },
                 [&](int result) {
                   return result == EOF ? 0 : string_bytes_if_written(text, result) + 1;
                 });
}

CXXPROF_INTERPOSER int fputc(int character, FILE* stream) {
  return io_call({io::Op::kFputc, -1, stream}, __builtin_return_address(0), "fputc",
                 [&] { return call_real(real_fputc, character, stream); }, character_moved);
}

CXXPROF_INTERPOSER int putc(int character, FILE* stream) {
  return io_call({io::Op::kFputc, -1, stream}, __builtin_return_address(0), "putc",
                 [&] { return call_real(real_putc, character, stream); }, character_moved);
}

CXXPROF_INTERPOSER int putchar(int character) {
  return io_call({io::Op::kFputc, -1, stdout}, __builtin_return_address(0), "putchar",
                 [&] { return call_real(real_putchar, character); }, character_moved);
}

CXXPROF_INTERPOSER int vprintf(const char* format, va_list arguments) {
  return formatted(io::Op::kPrintf, -1, stdout, __builtin_return_address(0), "vprintf",
                   [&] { return call_real(real_vprintf, format, arguments); });
}

CXXPROF_INTERPOSER int printf(const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result =
      formatted(io::Op::kPrintf, -1, stdout, __builtin_return_address(0), "printf",
                [&] { return call_real(real_vprintf, format, arguments); });
  va_end(arguments);
  return result;
}

CXXPROF_INTERPOSER int __vprintf_chk(int flag, const char* format, va_list arguments) {
  return formatted(io::Op::kPrintf, -1, stdout, __builtin_return_address(0), "vprintf",
                   [&] { return call_real(real_vprintf_chk, flag, format, arguments); });
}

CXXPROF_INTERPOSER int __printf_chk(int flag, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result =
      formatted(io::Op::kPrintf, -1, stdout, __builtin_return_address(0), "printf",
                [&] { return call_real(real_vprintf_chk, flag, format, arguments); });
  va_end(arguments);
  return result;
}

CXXPROF_INTERPOSER int vfprintf(FILE* stream, const char* format, va_list arguments) {
  return formatted(io::Op::kFprintf, -1, stream, __builtin_return_address(0), "vfprintf",
                   [&] { return call_real(real_vfprintf, stream, format, arguments); });
}

CXXPROF_INTERPOSER int fprintf(FILE* stream, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result =
      formatted(io::Op::kFprintf, -1, stream, __builtin_return_address(0), "fprintf",
                [&] { return call_real(real_vfprintf, stream, format, arguments); });
  va_end(arguments);
  return result;
}

CXXPROF_INTERPOSER int __vfprintf_chk(FILE* stream, int flag, const char* format,
                                      va_list arguments) {
  return formatted(io::Op::kFprintf, -1, stream, __builtin_return_address(0), "vfprintf",
                   [&] { return call_real(real_vfprintf_chk, stream, flag, format, arguments); });
}

CXXPROF_INTERPOSER int __fprintf_chk(FILE* stream, int flag, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result = formatted(
      io::Op::kFprintf, -1, stream, __builtin_return_address(0), "fprintf",
      [&] { return call_real(real_vfprintf_chk, stream, flag, format, arguments); });
  va_end(arguments);
  return result;
}

CXXPROF_INTERPOSER int vdprintf(int fd, const char* format, va_list arguments) {
  return formatted(io::Op::kDprintf, fd, nullptr, __builtin_return_address(0), "vdprintf",
                   [&] { return call_real(real_vdprintf, fd, format, arguments); });
}

CXXPROF_INTERPOSER int dprintf(int fd, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result =
      formatted(io::Op::kDprintf, fd, nullptr, __builtin_return_address(0), "dprintf",
                [&] { return call_real(real_vdprintf, fd, format, arguments); });
  va_end(arguments);
  return result;
}

CXXPROF_INTERPOSER int __vdprintf_chk(int fd, int flag, const char* format, va_list arguments) {
  return formatted(io::Op::kDprintf, fd, nullptr, __builtin_return_address(0), "vdprintf",
                   [&] { return call_real(real_vdprintf_chk, fd, flag, format, arguments); });
}

CXXPROF_INTERPOSER int __dprintf_chk(int fd, int flag, const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  const int result =
      formatted(io::Op::kDprintf, fd, nullptr, __builtin_return_address(0), "dprintf",
                [&] { return call_real(real_vdprintf_chk, fd, flag, format, arguments); });
  va_end(arguments);
  return result;
}

// fflush(NULL) flushes every stream: no one descriptor to label ("other").
CXXPROF_INTERPOSER int fflush(FILE* stream) {
  return io_call({io::Op::kFflush, -1, stream}, __builtin_return_address(0), "fflush",
                 [&] { return call_real(real_fflush, stream); }, no_bytes);
}

CXXPROF_INTERPOSER int fflush_unlocked(FILE* stream) {
  return io_call({io::Op::kFflush, -1, stream}, __builtin_return_address(0), "fflush_unlocked",
                 [&] { return call_real(real_fflush_unlocked, stream); }, no_bytes);
}
