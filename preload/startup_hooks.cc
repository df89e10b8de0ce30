#include "preload/startup_hooks.h"

extern "C" {
extern ::cxxprof::StartHook __start_cxxprof_start_hooks[] __attribute__((weak));
extern ::cxxprof::StartHook __stop_cxxprof_start_hooks[] __attribute__((weak));
}

namespace cxxprof {

void run_start_hooks(const RawStore& store) {
  if (__start_cxxprof_start_hooks == nullptr) return;
  for (StartHook* hook = __start_cxxprof_start_hooks; hook < __stop_cxxprof_start_hooks; ++hook) {
    (*hook)(store);
  }
}

}  // namespace cxxprof
