// The next definition of a function we interpose (DESIGN.md §2.4): dlsym(RTLD_NEXT), or
// dlvsym for a versioned symbol (the pthread_cond_* family: GLIBC_2.3.2), so a program's
// own allocator or a later preload keeps working under us.
//
// Declare one at namespace scope with the macro, which also registers it:
//     CXXPROF_REAL_FUNCTION(real_read, decltype(&::read), "read", nullptr);
// and call real_read.get()(fd, buf, n). get() resolves on first use (interposers can run
// before our constructor); resolve_all_real_functions(), called by the constructor,
// resolves every declared one, so interposers reached later from a signal handler never
// call dlsym, which is not async-signal-safe.
//
// Bootstrap: dlsym may itself call calloc/malloc (its error buffer). The heap interposers
// must serve those calls without recursing into dlsym (a static arena), see their file.
#pragma once

#include <atomic>
#include <dlfcn.h>

namespace cxxprof {

class RealFunctionBase {
 public:
  constexpr RealFunctionBase(const char* name, const char* version)
      : name_(name), version_(version) {}
  void* resolve();
  bool resolved() const { return address_.load(std::memory_order_acquire) != nullptr; }
  const char* name() const { return name_; }

 protected:
  std::atomic<void*> address_{nullptr};

 private:
  const char* name_;
  const char* version_;
};

template <typename Function>
class RealFunction : public RealFunctionBase {
 public:
  constexpr explicit RealFunction(const char* name, const char* version = nullptr)
      : RealFunctionBase(name, version) {}

  // The real function; null only if no later object defines it (then the interposer must
  // fail the call as that function would, e.g. ENOSYS).
  Function get() {
    void* address = address_.load(std::memory_order_acquire);
    if (address == nullptr) address = resolve();
    return reinterpret_cast<Function>(address);
  }
};

// Resolves every function declared with CXXPROF_REAL_FUNCTION. Constructor only.
void resolve_all_real_functions();

}  // namespace cxxprof

// A registry without allocation or static constructors: each declaration puts a pointer
// into the linker section "cxxprof_real_functions", walked through the __start_/__stop_
// symbols the linker defines for it.
#define CXXPROF_REAL_FUNCTION(variable, type, name, version)                           \
  ::cxxprof::RealFunction<type> variable{name, version};                               \
  __attribute__((used, section("cxxprof_real_functions"))) ::cxxprof::RealFunctionBase* \
      variable##_registration = &variable
