// Test helpers for the unwinder tests: a ModuleSet of every loaded object, a MemoryReader
// over known address ranges, register capture from a ucontext, and symbolization (the
// executable's own .symtab, then dladdr) — everything but the reader and the register
// capture runs outside signal handlers.
#pragma once

#include <signal.h>
#include <ucontext.h>

#include <cstdint>
#include <string>
#include <vector>

#include "preload/unwinder.h"

namespace cxxprof::unwind::testing {

// All objects dl_iterate_phdr reports, described and sorted for find_module.
class LoadedModules {
 public:
  LoadedModules();
  ModuleSet set() const { return {modules_.data(), static_cast<uint32_t>(modules_.size())}; }
  const std::vector<CodeModule>& modules() const { return modules_; }

 private:
  std::vector<CodeModule> modules_;
};

// Up to four [low, high) ranges; read_word accepts an 8-byte word lying inside one of them.
struct AddressRanges {
  uint64_t low[4];
  uint64_t high[4];
  int count = 0;
  void add(uint64_t lo, uint64_t hi) {
    low[count] = lo;
    high[count] = hi;
    ++count;
  }
  MemoryReader reader();
};

// The calling thread's stack, from pthread_getattr_np. Not signal-safe.
void current_thread_stack(uint64_t* low, uint64_t* high);

// Signal-safe: every general register of an interrupted context.
Registers registers_from_ucontext(const ucontext_t* context);

// Not signal-safe: the name of the function containing pc ("" if unknown), and the path of
// the object containing it.
std::string function_name(uint64_t pc);
std::string object_path(uint64_t pc);

// The runtime address and size of a section of the running executable, e.g. ".plt".
bool find_own_section(const char* name, uint64_t* address, uint64_t* size);

std::string describe_stack(const uint64_t* pcs, uint32_t depth);

const char* stop_reason_name(StopReason reason);

// Installs a SA_SIGINFO handler for the scope of a test.
class ScopedHandler {
 public:
  ScopedHandler(int signal, void (*handler)(int, siginfo_t*, void*), int flags = 0);
  ~ScopedHandler();
  ScopedHandler(const ScopedHandler&) = delete;
  // The trampoline the kernel returns to: glibc's __restore_rt.
  uint64_t restorer() const;

 private:
  int signal_;
  struct sigaction old_ {};
};

}  // namespace cxxprof::unwind::testing
