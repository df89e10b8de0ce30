#include "common/io_labels.h"

namespace cxxprof::io {

const char* op_name(Op op) {
  switch (op) {
    case Op::kNone: return "none";
    case Op::kRead: return "read";
    case Op::kWrite: return "write";
    case Op::kPread: return "pread";
    case Op::kPwrite: return "pwrite";
    case Op::kReadv: return "readv";
    case Op::kWritev: return "writev";
    case Op::kPreadv: return "preadv";
    case Op::kPwritev: return "pwritev";
    case Op::kRecv: return "recv";
    case Op::kRecvfrom: return "recvfrom";
    case Op::kRecvmsg: return "recvmsg";
    case Op::kRecvmmsg: return "recvmmsg";
    case Op::kSend: return "send";
    case Op::kSendto: return "sendto";
    case Op::kSendmsg: return "sendmsg";
    case Op::kSendmmsg: return "sendmmsg";
    case Op::kAccept: return "accept";
    case Op::kConnect: return "connect";
    case Op::kPoll: return "poll";
    case Op::kSelect: return "select";
    case Op::kEpollWait: return "epoll_wait";
    case Op::kFsync: return "fsync";
    case Op::kFdatasync: return "fdatasync";
    case Op::kSendfile: return "sendfile";
    case Op::kSplice: return "splice";
    case Op::kCopyFileRange: return "copy_file_range";
    case Op::kFread: return "fread";
    case Op::kFwrite: return "fwrite";
    case Op::kFgets: return "fgets";
    case Op::kFputs: return "fputs";
    case Op::kPuts: return "puts";
    case Op::kGetline: return "getline";
    case Op::kFgetc: return "fgetc";
    case Op::kFputc: return "fputc";
    case Op::kPrintf: return "printf";
    case Op::kFprintf: return "fprintf";
    case Op::kDprintf: return "dprintf";
    case Op::kFflush: return "fflush";
    case Op::kFclose: return "fclose";
    case Op::kCount: break;
  }
  return "unknown";
}

const char* fd_kind_name(FdKind kind) {
  switch (kind) {
    case FdKind::kOther: return "other";
    case FdKind::kFile: return "file";
    case FdKind::kSocket: return "socket";
    case FdKind::kPipe: return "pipe";
    case FdKind::kTty: return "tty";
    case FdKind::kCount: break;
  }
  return "other";
}

}  // namespace cxxprof::io
