#include "preload/alloc_trace_channel.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/alloc_trace_protocol.h"
#include "common/text.h"
#include "preload/debug_output.h"
#include "preload/raw_io.h"

namespace cxxprof {
namespace {

sockaddr_un g_address;
std::atomic<bool> g_configured{false};
std::atomic<bool> g_failed{false};

// The current connection: its descriptor, the socket's identity, and the process that
// made it (a forked child must not write into its parent's connection).
std::atomic<int> g_fd{-1};
std::atomic<uint64_t> g_device{0};
std::atomic<uint64_t> g_inode{0};
std::atomic<int32_t> g_owner{0};
// Module table entries [0, g_modules_sent) went out on the current connection; one thread
// at a time sends modules (g_sending_modules), in index order.
std::atomic<uint32_t> g_modules_sent{0};
std::atomic<bool> g_sending_modules{false};

void fail(const char* why) {
  if (g_failed.exchange(true)) return;
  char line[256];
  TextBuffer(line, sizeof(line)).append("CXXDEBUG=allocfreetrace: ").append(why)
      .append("; stacks are printed as module+offset from now on");
  write_diagnostic(line);
}

// Connecting takes this try-lock; the other threads wait for it briefly.
std::atomic<bool> g_connecting{false};
// About a millisecond of yielding: a connection to a listening Unix socket is made in
// microseconds. A thread that still finds it busy prints its event itself.
constexpr int kConnectWaits = 1000;
constexpr int kBusy = -2;

bool same_socket(int fd, uint64_t* device, uint64_t* inode) {
  return fd >= 0 && raw_file_identity(fd, device, inode) &&
         *device == g_device.load(std::memory_order_relaxed) &&
         *inode == g_inode.load(std::memory_order_relaxed);
}

bool is_ours(int fd, int32_t pid) {
  uint64_t device = 0, inode = 0;
  return g_owner.load(std::memory_order_relaxed) == pid && same_socket(fd, &device, &inode);
}

int connect_new() {
  int fd = int(syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (fd < 0) return -1;
  long rc;
  do {
    rc = syscall(SYS_connect, fd, &g_address, sizeof(g_address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    raw_close(fd);
    return -1;
  }
  return move_fd_out_of_the_way(fd);
}

// With g_connecting held: a new connection replaces `old`.
int reconnect(int old, int32_t pid) {
  uint64_t device = 0, inode = 0;
  // Our parent's connection, inherited through fork, is ours to close (the parent keeps
  // its own copy). A descriptor that is no longer our socket is the program's now, and
  // is left alone.
  const bool parents = g_owner.load(std::memory_order_relaxed) != pid &&
                       same_socket(old, &device, &inode);
  int fresh = connect_new();
  if (fresh < 0) return -1;
  if (!raw_file_identity(fresh, &device, &inode)) {
    raw_close(fresh);
    return -1;
  }
  if (parents) raw_close(old);
  // Identity first, descriptor last (release): whoever sees the new descriptor sees
  // its identity too.
  g_device.store(device, std::memory_order_relaxed);
  g_inode.store(inode, std::memory_order_relaxed);
  g_modules_sent.store(0, std::memory_order_relaxed);
  g_owner.store(pid, std::memory_order_relaxed);
  g_fd.store(fresh, std::memory_order_release);
  return fresh;
}

// The connection to use, made anew if the one we had is gone or is our parent's; -1 if
// the launcher cannot be reached, kBusy if another thread is still connecting.
int connection() {
  const int32_t pid = int32_t(getpid());
  for (int wait = 0; wait < kConnectWaits; ++wait) {
    int fd = g_fd.load(std::memory_order_acquire);
    if (is_ours(fd, pid)) return fd;
    if (!g_connecting.exchange(true, std::memory_order_acquire)) {
      fd = g_fd.load(std::memory_order_acquire);
      if (!is_ours(fd, pid)) fd = reconnect(fd, pid);
      g_connecting.store(false, std::memory_order_release);
      return fd;
    }
    syscall(SYS_sched_yield);
  }
  return kBusy;
}

bool send_message(int fd, const void* data, size_t size) {
  for (;;) {
    const int saved_errno = errno;
    long n = syscall(SYS_sendto, fd, data, size, MSG_NOSIGNAL, nullptr, 0);
    const int error = errno;
    errno = saved_errno;
    if (n == long(size)) return true;
    if (n < 0 && error == EINTR) continue;
    return false;
  }
}

// The number of leading module table entries that are complete: the modules an event
// captured now may need.
uint32_t ready_modules(const RawStore& store) {
  const raw::Header* header = store.header();
  uint32_t count = header->module_count.load(std::memory_order_acquire);
  if (count > header->modules.capacity) count = uint32_t(header->modules.capacity);
  uint32_t ready = 0;
  while (ready < count && store.modules()[ready].ready.load(std::memory_order_acquire)) ++ready;
  return ready;
}

bool send_module(int fd, const RawStore& store, uint32_t index) {
  const raw::ModuleEntry& entry = store.modules()[index];
  alloctrace::ModuleMessage message;
  std::memset(&message, 0, sizeof(message));
  message.magic = alloctrace::kModuleMagic;
  message.index = index;
  message.flags = entry.flags;
  message.build_id_size = entry.build_id_size <= raw::kBuildIdMaxSize ? entry.build_id_size : 0;
  message.load_bias = entry.load_bias;
  message.start = entry.start;
  message.limit = entry.limit;
  message.file_offset = entry.file_offset;
  message.sequence = entry.sequence;
  std::memcpy(message.build_id, entry.build_id, message.build_id_size);
  std::memcpy(message.path, entry.path, sizeof(message.path));
  message.path[sizeof(message.path) - 1] = '\0';
  return send_message(fd, &message, sizeof(message));
}

// Sends the modules [sent, needed) unless another thread is sending modules right now
// (then the launcher holds our event back until they arrive).
bool send_modules(int fd, const RawStore& store, uint32_t needed) {
  if (g_modules_sent.load(std::memory_order_acquire) >= needed) return true;
  if (g_sending_modules.exchange(true, std::memory_order_acquire)) return true;
  bool ok = true;
  for (uint32_t next = g_modules_sent.load(std::memory_order_acquire); next < needed; ++next) {
    if (!send_module(fd, store, next)) {
      ok = false;
      break;
    }
    g_modules_sent.store(next + 1, std::memory_order_release);
  }
  g_sending_modules.store(false, std::memory_order_release);
  return ok;
}

}  // namespace

void alloc_trace_channel_init(const char* socket_path) {
  // A forked child may have inherited these taken by a thread of its parent.
  g_sending_modules.store(false, std::memory_order_relaxed);
  g_connecting.store(false, std::memory_order_relaxed);
  if (socket_path == nullptr || socket_path[0] == '\0') return;
  std::memset(&g_address, 0, sizeof(g_address));
  g_address.sun_family = AF_UNIX;
  if (std::strlen(socket_path) >= sizeof(g_address.sun_path)) {
    fail("the launcher's socket path is too long");
    return;
  }
  std::strcpy(g_address.sun_path, socket_path);
  g_configured.store(true, std::memory_order_release);
}

bool alloc_trace_channel_usable() {
  return g_configured.load(std::memory_order_acquire) &&
         !g_failed.load(std::memory_order_relaxed);
}

bool alloc_trace_channel_send(const RawStore& store, const char* text, size_t text_size,
                              const uint64_t* pcs, uint32_t depth) {
  if (!alloc_trace_channel_usable()) return false;
  const int fd = connection();
  if (fd == kBusy) return false;
  if (fd < 0) {
    fail("cannot reach cxxprof-run");
    return false;
  }
  const uint32_t needed = ready_modules(store);
  if (depth > raw::kMaxStackDepth) depth = raw::kMaxStackDepth;
  if (text_size > alloctrace::kMaxEventText) text_size = alloctrace::kMaxEventText;
  alignas(8) char message[alloctrace::kMaxEventMessage];
  alloctrace::EventHeader header{alloctrace::kEventMagic, needed, depth, uint32_t(text_size)};
  std::memcpy(message, &header, sizeof(header));
  std::memcpy(message + sizeof(header), pcs, depth * sizeof(uint64_t));
  std::memcpy(message + sizeof(header) + depth * sizeof(uint64_t), text, text_size);
  const size_t size = sizeof(header) + depth * sizeof(uint64_t) + text_size;
  if (!send_modules(fd, store, needed) || !send_message(fd, message, size)) {
    fail("cxxprof-run stopped listening");
    return false;
  }
  return true;
}

}  // namespace cxxprof
