// What the interposer files provide to the library's start-up code.
#pragma once

#include "preload/service_thread.h"

namespace cxxprof {

// The real pthread_create (dlsym RTLD_NEXT), resolved on first use.
PthreadCreateFunction real_pthread_create();

// Resolves the real _exit/_Exit so the interposers never call dlsym (not signal-safe).
void resolve_exit_functions();

// Creates the TLS key whose destructor deletes a thread's CPU timer at thread exit.
void prepare_thread_exit_hook();

}  // namespace cxxprof
