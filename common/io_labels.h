// The I/O profile's labels as both halves see them (DESIGN.md §3): what operation a sample
// counts (`op`), on what kind of descriptor (`fd_kind`), and for regular files which one
// (`path`, an id into the raw file's path section). The injected library packs the three
// into the 20-bit `aux` of the sample key; the symbolizer unpacks them into pprof labels.
//
// Freestanding (no libstdc++ runtime): part of common/, linked into the preload library.
#pragma once

#include <cstdint>

namespace cxxprof::io {

// One value per operation a program can call. Variants of one function share its value:
// pread64 and __pread_chk count as "pread", accept4 as "accept", ppoll as "poll", and so
// on (labels name what the program did, not which symbol glibc exported for it).
// Values are the label's identity inside one raw file only; never persist them elsewhere.
enum class Op : uint8_t {
  kNone = 0,  // descriptor bookkeeping only (open, close): never recorded
  kRead,
  kWrite,
  kPread,
  kPwrite,
  kReadv,
  kWritev,
  kPreadv,
  kPwritev,
  kRecv,
  kRecvfrom,
  kRecvmsg,
  kRecvmmsg,
  kSend,
  kSendto,
  kSendmsg,
  kSendmmsg,
  kAccept,
  kConnect,
  kPoll,
  kSelect,
  kEpollWait,
  kFsync,
  kFdatasync,
  kSendfile,
  kSplice,
  kCopyFileRange,
  // Buffered I/O through glibc's stdio: the bytes the program hands to or takes from the
  // stream in that call (the read(2)/write(2) stdio does underneath is not seen again).
  kFread,
  kFwrite,
  kFgets,
  kFputs,
  kPuts,
  kGetline,  // getline, getdelim, __getdelim
  kFgetc,    // fgetc, getc, getchar
  kFputc,    // fputc, putc, putchar
  kPrintf,   // printf, vprintf (and their _chk variants)
  kFprintf,  // fprintf, vfprintf (and _chk)
  kDprintf,  // dprintf, vdprintf (and _chk): formatted output straight to a descriptor
  kFflush,   // time only: the bytes were counted by the calls that buffered them
  kFclose,   // time only (the final flush and the close)
  kCount
};
static_assert(unsigned(Op::kCount) <= 64, "op has 6 bits in aux");

// "read", "fwrite", ...; "unknown" for a value this build does not define.
const char* op_name(Op op);

// What a descriptor refers to, as fstat (and, for character devices, TCGETS) tell.
enum class FdKind : uint8_t {
  kOther = 0,  // devices (/dev/null, /dev/zero), eventfd, epoll, directories, no descriptor
  kFile,       // regular file (has a path label)
  kSocket,
  kPipe,       // pipe or FIFO
  kTty,        // terminal or pseudo-terminal
  kCount
};
static_assert(unsigned(FdKind::kCount) <= 8, "fd_kind has 3 bits in aux");

const char* fd_kind_name(FdKind kind);  // "file", "socket", ...

// Path ids name entries of the raw file's io_paths section (raw_format.h). Id 0 means the
// path is not known: not a regular file, or the section was full (then the symbolizer
// labels the file "other files", as it does files beyond its own label bound).
inline constexpr uint32_t kNoPath = 0;
inline constexpr unsigned kPathIdBits = 11;
inline constexpr uint32_t kMaxPathIds = 1u << kPathIdBits;  // ids 1 .. kMaxPathIds-1

// The label for regular files whose path is not kept.
inline constexpr const char* kOtherFilesLabel = "other files";

// aux = [path id:11][fd kind:3][op:6], low bits first.
inline constexpr uint32_t pack_aux(Op op, FdKind kind, uint32_t path_id) {
  return (uint32_t(op) & 0x3f) | ((uint32_t(kind) & 0x7) << 6) |
         ((path_id & (kMaxPathIds - 1)) << 9);
}
inline constexpr Op aux_op(uint32_t aux) { return Op(aux & 0x3f); }
inline constexpr FdKind aux_fd_kind(uint32_t aux) { return FdKind((aux >> 6) & 0x7); }
inline constexpr uint32_t aux_path_id(uint32_t aux) { return (aux >> 9) & (kMaxPathIds - 1); }
static_assert(pack_aux(Op::kCount, FdKind::kTty, kMaxPathIds - 1) < (1u << 20), "aux is 20 bits");

// The raw values of an I/O sample (SampleSlot::values), in profile order.
inline constexpr unsigned kValueCalls = 0;
inline constexpr unsigned kValueBytes = 1;
inline constexpr unsigned kValueTime = 2;
inline constexpr unsigned kValueCount = 3;

}  // namespace cxxprof::io
