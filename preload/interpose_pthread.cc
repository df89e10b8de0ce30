// pthread_create interposer: every new thread gets its CPU timer and known stack bounds
// before it runs a single instruction of the program's thread function.
#include <dlfcn.h>
#include <pthread.h>

#include "preload/cpu_timer.h"
#include "preload/interposers.h"
#include "preload/profiler_state.h"
#include "preload/thread_activity.h"
#include "preload/thread_state.h"

extern "C" void* __libc_malloc(size_t size);
extern "C" void __libc_free(void* pointer);

namespace cxxprof {
namespace {

PthreadCreateFunction g_real_pthread_create = nullptr;
pthread_key_t g_thread_exit_key;
bool g_thread_exit_key_ready = false;

struct StartRecord {
  void* (*function)(void*);
  void* argument;
};

// Runs at thread exit, however the thread ends (return, pthread_exit, cancellation).
void on_thread_exit(void*) {
  disarm_cpu_timer(current_thread());
  release_current_activity();
}

void* thread_trampoline(void* data) {
  StartRecord record = *static_cast<StartRecord*>(data);
  // glibc's own allocator, not the program's: our record must not depend on (or show up
  // in) whatever allocator the program brings.
  __libc_free(data);
  ThreadState& state = current_thread();
  learn_stack_bounds(state);
  ProfilerState& profiler_state = profiler();
  if (profiler_state.active.load(std::memory_order_acquire) && profiler_state.cpu_period_ns) {
    arm_cpu_timer_for_current_thread(state, profiler_state.cpu_period_ns);
  }
  if (g_thread_exit_key_ready) pthread_setspecific(g_thread_exit_key, &state);
  return record.function(record.argument);
}

}  // namespace

PthreadCreateFunction real_pthread_create() {
  if (g_real_pthread_create == nullptr) {
    g_real_pthread_create =
        reinterpret_cast<PthreadCreateFunction>(dlsym(RTLD_NEXT, "pthread_create"));
  }
  return g_real_pthread_create;
}

void prepare_thread_exit_hook() {
  if (!g_thread_exit_key_ready && pthread_key_create(&g_thread_exit_key, &on_thread_exit) == 0) {
    g_thread_exit_key_ready = true;
  }
}

}  // namespace cxxprof

using namespace cxxprof;

extern "C" __attribute__((visibility("default"))) int pthread_create(
    pthread_t* thread, const pthread_attr_t* attr, void* (*function)(void*), void* argument) {
  PthreadCreateFunction real = real_pthread_create();
  if (real == nullptr) return EAGAIN;  // cannot happen with a working libc
  if (!profiler().active.load(std::memory_order_acquire)) {
    return real(thread, attr, function, argument);
  }
  auto* record = static_cast<StartRecord*>(__libc_malloc(sizeof(StartRecord)));
  if (record == nullptr) return real(thread, attr, function, argument);
  record->function = function;
  record->argument = argument;
  int rc = real(thread, attr, &thread_trampoline, record);
  if (rc != 0) __libc_free(record);
  return rc;
}
