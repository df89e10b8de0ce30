// Buffered input through stdio as I/O profile operations: fread, fgets, getline (also
// getdelim and __getdelim, which an optimized getline call becomes) and fgetc (also getc
// and getchar), with their _unlocked and _FORTIFY_SOURCE forms (preload/io_stdio.h).
#include "preload/io_stdio.h"

extern "C" {
size_t __fread_chk(void* buffer, size_t buffer_size, size_t size, size_t count, FILE* stream);
size_t __fread_unlocked_chk(void* buffer, size_t buffer_size, size_t size, size_t count,
                            FILE* stream);
char* __fgets_chk(char* buffer, size_t buffer_size, int count, FILE* stream);
char* __fgets_unlocked_chk(char* buffer, size_t buffer_size, int count, FILE* stream);
}

namespace cxxprof {
namespace {

using FreadFunction = size_t (*)(void*, size_t, size_t, FILE*);
using FreadChkFunction = size_t (*)(void*, size_t, size_t, size_t, FILE*);
using FgetsFunction = char* (*)(char*, int, FILE*);
using FgetsChkFunction = char* (*)(char*, size_t, int, FILE*);
using GetdelimFunction = ssize_t (*)(char**, size_t*, int, FILE*);

CXXPROF_REAL_FUNCTION(real_fread, FreadFunction, "fread", nullptr);
CXXPROF_REAL_FUNCTION(real_fread_unlocked, FreadFunction, "fread_unlocked", nullptr);
CXXPROF_REAL_FUNCTION(real_fread_chk, FreadChkFunction, "__fread_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_fread_unlocked_chk, FreadChkFunction, "__fread_unlocked_chk",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_fgets, FgetsFunction, "fgets", nullptr);
CXXPROF_REAL_FUNCTION(real_fgets_unlocked, FgetsFunction, "fgets_unlocked", nullptr);
CXXPROF_REAL_FUNCTION(real_fgets_chk, FgetsChkFunction, "__fgets_chk", nullptr);
CXXPROF_REAL_FUNCTION(real_fgets_unlocked_chk, FgetsChkFunction, "__fgets_unlocked_chk",
                      nullptr);
CXXPROF_REAL_FUNCTION(real_getline, ssize_t (*)(char**, size_t*, FILE*), "getline", nullptr);
CXXPROF_REAL_FUNCTION(real_getdelim, GetdelimFunction, "getdelim", nullptr);
CXXPROF_REAL_FUNCTION(real_getdelim_internal, GetdelimFunction, "__getdelim", nullptr);
CXXPROF_REAL_FUNCTION(real_fgetc, int (*)(FILE*), "fgetc", nullptr);
CXXPROF_REAL_FUNCTION(real_getc, int (*)(FILE*), "getc", nullptr);
CXXPROF_REAL_FUNCTION(real_getchar, int (*)(), "getchar", nullptr);

int64_t line_bytes(const char* line) { return line == nullptr ? 0 : int64_t(std::strlen(line)); }

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER size_t fread(void* buffer, size_t size, size_t count, FILE* stream) {
  return io_call({io::Op::kFread, -1, stream}, __builtin_return_address(0), "fread",
                 [&] { return call_real(real_fread, buffer, size, count, stream); },
                 [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER size_t fread_unlocked(void* buffer, size_t size, size_t count,
                                         FILE* stream) {
  return io_call({io::Op::kFread, -1, stream}, __builtin_return_address(0), "fread_unlocked",
                 [&] { return call_real(real_fread_unlocked, buffer, size, count, stream); },
                 [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER size_t __fread_chk(void* buffer, size_t buffer_size, size_t size,
                                      size_t count, FILE* stream) {
  return io_call(
      {io::Op::kFread, -1, stream}, __builtin_return_address(0), "fread",
      [&] { return call_real(real_fread_chk, buffer, buffer_size, size, count, stream); },
      [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER size_t __fread_unlocked_chk(void* buffer, size_t buffer_size, size_t size,
                                               size_t count, FILE* stream) {
  return io_call(
      {io::Op::kFread, -1, stream}, __builtin_return_address(0), "fread_unlocked",
      [&] {
        return call_real(real_fread_unlocked_chk, buffer, buffer_size, size, count, stream);
      },
      [&](size_t items) { return int64_t(items * size); });
}

CXXPROF_INTERPOSER char* fgets(char* buffer, int count, FILE* stream) {
  return io_call({io::Op::kFgets, -1, stream}, __builtin_return_address(0), "fgets",
                 [&] { return call_real(real_fgets, buffer, count, stream); }, line_bytes);
}

CXXPROF_INTERPOSER char* fgets_unlocked(char* buffer, int count, FILE* stream) {
  return io_call({io::Op::kFgets, -1, stream}, __builtin_return_address(0), "fgets_unlocked",
                 [&] { return call_real(real_fgets_unlocked, buffer, count, stream); },
                 line_bytes);
}

CXXPROF_INTERPOSER char* __fgets_chk(char* buffer, size_t buffer_size, int count,
                                     FILE* stream) {
  return io_call({io::Op::kFgets, -1, stream}, __builtin_return_address(0), "fgets",
                 [&] { return call_real(real_fgets_chk, buffer, buffer_size, count, stream); },
                 line_bytes);
}

CXXPROF_INTERPOSER char* __fgets_unlocked_chk(char* buffer, size_t buffer_size, int count,
                                              FILE* stream) {
  return io_call(
      {io::Op::kFgets, -1, stream}, __builtin_return_address(0), "fgets_unlocked",
      [&] { return call_real(real_fgets_unlocked_chk, buffer, buffer_size, count, stream); },
      line_bytes);
}

CXXPROF_INTERPOSER ssize_t getline(char** line, size_t* capacity, FILE* stream) {
  return io_call({io::Op::kGetline, -1, stream}, __builtin_return_address(0), "getline",
                 [&] { return call_real(real_getline, line, capacity, stream); }, transferred);
}

CXXPROF_INTERPOSER ssize_t getdelim(char** line, size_t* capacity, int delimiter,
                                    FILE* stream) {
  return io_call({io::Op::kGetline, -1, stream}, __builtin_return_address(0), "getdelim",
                 [&] { return call_real(real_getdelim, line, capacity, delimiter, stream); },
                 transferred);
}

CXXPROF_INTERPOSER ssize_t __getdelim(char** line, size_t* capacity, int delimiter,
                                      FILE* stream) {
  return io_call(
      {io::Op::kGetline, -1, stream}, __builtin_return_address(0), "getdelim",
      [&] { return call_real(real_getdelim_internal, line, capacity, delimiter, stream); },
      transferred);
}

CXXPROF_INTERPOSER int fgetc(FILE* stream) {
  return io_call({io::Op::kFgetc, -1, stream}, __builtin_return_address(0), "fgetc",
                 [&] { return call_real(real_fgetc, stream); }, character_moved);
}

CXXPROF_INTERPOSER int getc(FILE* stream) {
  return io_call({io::Op::kFgetc, -1, stream}, __builtin_return_address(0), "getc",
                 [&] { return call_real(real_getc, stream); }, character_moved);
}

CXXPROF_INTERPOSER int getchar() {
  return io_call({io::Op::kFgetc, -1, stdin}, __builtin_return_address(0), "getchar",
                 [&] { return call_real(real_getchar); }, character_moved);
}
