// Start-up hooks: a profile's own initialization, run by the library's constructor once
// the raw store is ready (and again in a forked child that is profiled), without every
// profile editing library_init.cc. Declared at namespace scope:
//
//     CXXPROF_ON_START(start_heap_profile);   // void start_heap_profile(const RawStore&)
//
// Hooks run in no particular order, on the thread that runs the constructor (or fork
// child), before any thread the program starts afterwards.
#pragma once

#include "preload/raw_store.h"

namespace cxxprof {

using StartHook = void (*)(const RawStore& store);

// Runs every CXXPROF_ON_START hook. library_init.cc only.
void run_start_hooks(const RawStore& store);

}  // namespace cxxprof

#define CXXPROF_ON_START(function)                                                  \
  __attribute__((used, section("cxxprof_start_hooks"))) ::cxxprof::StartHook         \
      function##_start_hook = &function
