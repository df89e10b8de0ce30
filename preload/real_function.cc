#include "preload/real_function.h"

// Defined by the linker for the section CXXPROF_REAL_FUNCTION fills. Weak: a build with
// no declaration at all has no such section.
extern "C" {
extern ::cxxprof::RealFunctionBase* __start_cxxprof_real_functions[] __attribute__((weak));
extern ::cxxprof::RealFunctionBase* __stop_cxxprof_real_functions[] __attribute__((weak));
}

namespace cxxprof {

void* RealFunctionBase::resolve() {
  void* address = version_ != nullptr ? dlvsym(RTLD_NEXT, name_, version_)
                                      : dlsym(RTLD_NEXT, name_);
  if (address != nullptr) address_.store(address, std::memory_order_release);
  return address;
}

void resolve_all_real_functions() {
  if (__start_cxxprof_real_functions == nullptr) return;
  for (RealFunctionBase** f = __start_cxxprof_real_functions; f < __stop_cxxprof_real_functions;
       ++f) {
    if (!(*f)->resolved()) (*f)->resolve();
  }
}

}  // namespace cxxprof
