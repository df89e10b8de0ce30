// Opening and closing stdio streams. glibc opens and closes a stream's descriptor with
// internal calls our open/close interposers never see, so these keep the descriptor
// table honest instead (preload/fd_table.h). fclose is also an I/O profile operation: it
// writes what is still buffered and closes, and that time is the program's.
#include "preload/io_stdio.h"

#include "preload/fd_table.h"

namespace cxxprof {
namespace {

using FopenFunction = FILE* (*)(const char*, const char*);
using FreopenFunction = FILE* (*)(const char*, const char*, FILE*);

CXXPROF_REAL_FUNCTION(real_fopen, FopenFunction, "fopen", nullptr);
CXXPROF_REAL_FUNCTION(real_fopen64, FopenFunction, "fopen64", nullptr);
CXXPROF_REAL_FUNCTION(real_freopen, FreopenFunction, "freopen", nullptr);
CXXPROF_REAL_FUNCTION(real_freopen64, FreopenFunction, "freopen64", nullptr);
CXXPROF_REAL_FUNCTION(real_fclose, int (*)(FILE*), "fclose", nullptr);

// The descriptor of a stream (-1 for none, e.g. fmemopen's), errno untouched.
int stream_fd(FILE* stream) { return io_call_fd({io::Op::kNone, -1, stream}); }

FILE* forget_stream_fd(FILE* stream) {
  if (stream != nullptr) fd_forget(stream_fd(stream));
  return stream;
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_INTERPOSER FILE* fopen(const char* path, const char* mode) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "fopen",
                 [&] { return forget_stream_fd(call_real(real_fopen, path, mode)); }, no_bytes);
}

CXXPROF_INTERPOSER FILE* fopen64(const char* path, const char* mode) {
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "fopen64",
                 [&] { return forget_stream_fd(call_real(real_fopen64, path, mode)); },
                 no_bytes);
}

// freopen closes the stream's old descriptor and opens a new one (often the same number).
CXXPROF_INTERPOSER FILE* freopen(const char* path, const char* mode, FILE* stream) {
  const int old_fd = stream != nullptr ? stream_fd(stream) : -1;
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "freopen",
                 [&] {
                   FILE* result = call_real(real_freopen, path, mode, stream);
                   fd_forget(old_fd);
                   return forget_stream_fd(result);
                 },
                 no_bytes);
}

CXXPROF_INTERPOSER FILE* freopen64(const char* path, const char* mode, FILE* stream) {
  const int old_fd = stream != nullptr ? stream_fd(stream) : -1;
  return io_call({io::Op::kNone, -1, nullptr}, nullptr, "freopen64",
                 [&] {
                   FILE* result = call_real(real_freopen64, path, mode, stream);
                   fd_forget(old_fd);
                   return forget_stream_fd(result);
                 },
                 no_bytes);
}

// The call frees the stream and closes its descriptor: what the sample is labelled with
// is looked up before, when the call is profiled.
CXXPROF_INTERPOSER int fclose(FILE* stream) {
  const int fd = stream_fd(stream);
  const void* caller = __builtin_return_address(0);
  FdLabel label{io::FdKind::kOther, io::kNoPath};
  if (io_rate_for_call(caller) != 0) label = io_label_of(fd);
  return io_call({io::Op::kFclose, fd, nullptr, -1, &label}, caller, "fclose",
                 [&] {
                   const int result = call_real(real_fclose, stream);
                   fd_forget(fd);
                   return result;
                 },
                 no_bytes);
}
