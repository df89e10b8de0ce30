// What an uncontended lock costs a program: lock/unlock pairs (and the other cheap calls
// of the families cxxprof interposes) timed by Google Benchmark. The binary calls the
// real libc functions; run it again with libcxxprof.so preloaded and the difference is
// what the interposers add (benchmarks/lock_overhead.sh does both and reports it; the
// target is at most 3 ns per lock/unlock pair with --mutex --block on).
//
// The process always has a second, idle thread. glibc drops the lock prefix of its
// atomic instructions while a process is single-threaded (its __libc_single_threaded
// shortcut), which makes a pair about 5 ns instead of about 20 ns on a typical x86-64;
// the profiler's own service thread ends that shortcut in every profiled process. A
// program whose lock costs matter has threads anyway, and the comparison is then between
// like and like: what the interposers add, not what a second thread costs.
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <mutex>
#include <shared_mutex>

namespace {

void BM_MutexLockUnlock(benchmark::State& state) {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    pthread_mutex_lock(&mutex);
    benchmark::ClobberMemory();
    pthread_mutex_unlock(&mutex);
  }
}
BENCHMARK(BM_MutexLockUnlock);

void BM_ErrorCheckingMutexLockUnlock(benchmark::State& state) {
  pthread_mutex_t mutex;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&mutex, &attr);
  for (auto _ : state) {
    pthread_mutex_lock(&mutex);
    benchmark::ClobberMemory();
    pthread_mutex_unlock(&mutex);
  }
  pthread_mutex_destroy(&mutex);
}
BENCHMARK(BM_ErrorCheckingMutexLockUnlock);

void BM_StdMutexLockGuard(benchmark::State& state) {
  std::mutex mutex;
  for (auto _ : state) {
    std::lock_guard<std::mutex> guard(mutex);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_StdMutexLockGuard);

void BM_SharedMutexReadPair(benchmark::State& state) {
  std::shared_mutex mutex;
  for (auto _ : state) {
    std::shared_lock<std::shared_mutex> guard(mutex);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SharedMutexReadPair);

void BM_RwlockWritePair(benchmark::State& state) {
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
  for (auto _ : state) {
    pthread_rwlock_wrlock(&rwlock);
    benchmark::ClobberMemory();
    pthread_rwlock_unlock(&rwlock);
  }
}
BENCHMARK(BM_RwlockWritePair);

void BM_CondSignalNobodyWaits(benchmark::State& state) {
  pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
  for (auto _ : state) pthread_cond_signal(&cond);
}
BENCHMARK(BM_CondSignalNobodyWaits);

void BM_SemPostThenWait(benchmark::State& state) {
  sem_t sem;
  sem_init(&sem, 0, 0);
  for (auto _ : state) {
    sem_post(&sem);
    sem_wait(&sem);  // has a token: never blocks
  }
  sem_destroy(&sem);
}
BENCHMARK(BM_SemPostThenWait);

void* idle_thread(void*) {
  for (;;) pause();
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  pthread_t idle;
  pthread_create(&idle, nullptr, idle_thread, nullptr);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
