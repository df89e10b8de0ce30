// The profiler's own thread inside the target: wall-clock ticks and module rescans (and,
// later, CXXDEBUG's periodic dumps). It blocks every signal, so it never runs a handler
// of the program's or ours, never gets a CPU timer, and is skipped by the wall sampler:
// it does not appear in any profile.
#pragma once

#include <pthread.h>

namespace cxxprof {

using PthreadCreateFunction = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*),
                                      void*);

// Starts the thread with `create` (the real pthread_create, not our interposer). Call
// from the constructor or a fork child. Returns false if it could not be started.
bool start_service_thread(PthreadCreateFunction create);

// Forgets the thread (fork child: it does not exist there) so it can be started again.
void forget_service_thread();

}  // namespace cxxprof
