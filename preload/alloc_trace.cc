#include "preload/alloc_trace.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <sys/prctl.h>

#include "common/alloc_trace_protocol.h"
#include "common/text.h"
#include "preload/alloc_trace_channel.h"
#include "preload/debug_output.h"
#include "preload/diagnostics.h"
#include "preload/event_recorder.h"
#include "preload/profiler_state.h"
#include "preload/thread_state.h"

namespace cxxprof {
namespace {

std::atomic<bool> g_hint_written{false};

// Once, before the first line printed here: how to read and how to avoid module+offset.
void write_hint() {
  if (g_hint_written.exchange(true, std::memory_order_relaxed)) return;
  static constexpr char kHint[] =
      "cxxprof: CXXDEBUG=allocfreetrace: stacks are MODULE+OFFSET of each call "
      "(addr2line -f -e MODULE OFFSET names it); run under cxxprof-run for function names\n";
  debug_output_line(kHint, sizeof(kHint) - 1);
}

const char* base_name(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}

// "libc.so.6+0x2724a": the module holding `address` and the address's ELF virtual
// address in it (newest entry wins where a range was reused), or the bare address.
void append_frame(TextBuffer& text, const RawStore& store, uint64_t address) {
  const raw::Header* header = store.header();
  uint32_t count = header->module_count.load(std::memory_order_acquire);
  if (count > header->modules.capacity) count = uint32_t(header->modules.capacity);
  const raw::ModuleEntry* best = nullptr;
  for (uint32_t i = 0; i < count; ++i) {
    const raw::ModuleEntry& entry = store.modules()[i];
    if (!entry.ready.load(std::memory_order_acquire)) continue;
    if (address < entry.start || address >= entry.limit) continue;
    if (best == nullptr || entry.sequence >= best->sequence) best = &entry;
  }
  if (best == nullptr) {
    text.append_hex(address);
    return;
  }
  text.append(base_name(best->path)).append("+").append_hex(address - best->load_bias);
}

}  // namespace

void start_alloc_trace(const RawStore&) {
  alloc_trace_channel_init(getenv(alloctrace::kSocketEnv));
}

void alloc_trace_event(AllocationEventKind kind, const char* function, void* pointer,
                       size_t size) {
  const RawStore* store = active_store();
  if (store == nullptr) return;
  uint64_t pcs[raw::kMaxStackDepth];
  const uint32_t depth = capture_current_stack(*store, pcs, raw::kMaxStackDepth);

  char name[raw::kThreadNameSize] = {};
  prctl(PR_GET_NAME, name, 0, 0, 0);
  name[sizeof(name) - 1] = '\0';
  for (char* p = name; *p != '\0'; ++p) {
    if (*p <= ' ' || *p == 127) *p = '_';  // keep the fields separable by spaces
  }

  // Lines can be long (128 frames); 4 KiB on the interposer's stack keeps them whole in
  // practice, and a longer one ends in "...".
  char line[4096];
  TextBuffer text(line, sizeof(line) - 5);
  text.append(kind == AllocationEventKind::kAllocate ? "ALLOC " : "FREE ")
      .append_u64(diagnostics_ms(monotonic_ns())).append("ms: fn=")
      .append(function != nullptr ? function : "?").append(" ptr=")
      .append_hex(reinterpret_cast<uintptr_t>(pointer)).append(" size=").append_u64(size)
      .append(" pid=").append_i64(diagnostics_pid()).append(" tid=").append_i64(current_tid())
      .append(" thread=")
      .append(name[0] != '\0' ? name : "_");
  if (alloc_trace_channel_send(*store, line, text.length(), pcs, depth)) return;

  write_hint();
  text.append(" stack:");
  if (depth == 0) text.append(" (none)");
  for (uint32_t i = 0; i < depth; ++i) {
    text.append(i == 0 ? " " : " <- ");
    // Every frame is a return address (our own frames are gone): step back into the call.
    append_frame(text, *store, pcs[i] - 1);
  }
  size_t length = text.length();
  if (text.truncated()) {
    std::memcpy(line + length, "...", 3);
    length += 3;
  }
  line[length++] = '\n';
  debug_output_line(line, length);
}

}  // namespace cxxprof
