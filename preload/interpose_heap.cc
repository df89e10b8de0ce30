// Heap interposers: malloc, free, calloc, realloc, reallocarray, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc. Each calls the next definition (RTLD_NEXT:
// glibc, or the program's own tcmalloc/jemalloc, linked or preloaded after us; for
// reallocarray, glibc's definition over the next realloc) and tells
// the heap profile's core (preload/heap_profiler.h) what happened, on its fast path.
// C++ new and delete of every form reach us through libstdc++, which implements them
// with malloc, aligned_alloc and free; malloc_usable_size is not interposed (it passes
// through untouched).
//
// Bootstrap: the real functions are resolved on the first call, with dlsym, which
// allocates. A call that arrives while its own thread is resolving is served from the
// static arena (preload/heap_bootstrap_arena.h); free and realloc recognize arena blocks.
//
// Sizes recorded are those the program asked for: calloc's n*m, realloc's new size (a
// realloc is the old block's free and a new allocation), pvalloc's size rounded up to
// whole pages (what pvalloc promises).
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <unistd.h>

#include "preload/heap_bootstrap_arena.h"
#include "preload/heap_profiler.h"
#include "preload/real_function.h"

namespace cxxprof {
namespace {

using MallocFunction = void* (*)(size_t);
using FreeFunction = void (*)(void*);
using CallocFunction = void* (*)(size_t, size_t);
using ReallocFunction = void* (*)(void*, size_t);
using PosixMemalignFunction = int (*)(void**, size_t, size_t);
using AlignedFunction = void* (*)(size_t, size_t);

CXXPROF_REAL_FUNCTION(real_malloc, MallocFunction, "malloc", nullptr);
CXXPROF_REAL_FUNCTION(real_free, FreeFunction, "free", nullptr);
CXXPROF_REAL_FUNCTION(real_calloc, CallocFunction, "calloc", nullptr);
CXXPROF_REAL_FUNCTION(real_realloc, ReallocFunction, "realloc", nullptr);
CXXPROF_REAL_FUNCTION(real_posix_memalign, PosixMemalignFunction, "posix_memalign", nullptr);
CXXPROF_REAL_FUNCTION(real_aligned_alloc, AlignedFunction, "aligned_alloc", nullptr);
CXXPROF_REAL_FUNCTION(real_memalign, AlignedFunction, "memalign", nullptr);
CXXPROF_REAL_FUNCTION(real_valloc, MallocFunction, "valloc", nullptr);
CXXPROF_REAL_FUNCTION(real_pvalloc, MallocFunction, "pvalloc", nullptr);

// Set once every function above was looked up; one still null then does not exist.
std::atomic<bool> g_looked_up{false};

// Resolves all of them at once, so a thread enters dlsym for the heap functions only
// once. False if this thread is already resolving (the caller is inside dlsym).
bool look_up_heap_functions() {
  heap::ThreadHeapState& thread = heap::t_heap;
  if (thread.resolving) return false;
  thread.resolving = true;
  const int saved_errno = errno;  // dlsym's failed lookups may set it
  real_malloc.get();
  real_free.get();
  real_calloc.get();
  real_realloc.get();
  real_posix_memalign.get();
  real_aligned_alloc.get();
  real_memalign.get();
  real_valloc.get();
  real_pvalloc.get();
  errno = saved_errno;
  thread.resolving = false;
  g_looked_up.store(true, std::memory_order_release);
  return true;
}

template <typename Function>
__attribute__((noinline)) Function resolve_slowly(RealFunction<Function>& function) {
  if (!g_looked_up.load(std::memory_order_acquire)) look_up_heap_functions();
  return function.resolved() ? function.get() : nullptr;
}

// The real function, or null: not resolvable yet on this thread (serve from the arena)
// or not defined by any later object (use a fallback).
template <typename Function>
__attribute__((always_inline)) inline Function real(RealFunction<Function>& function) {
  if (__builtin_expect(function.resolved(), 1)) return function.get();
  return resolve_slowly(function);
}

void* arena_or_enomem(size_t size, size_t alignment) {
  void* pointer = heap::arena_allocate(size, alignment);
  if (pointer == nullptr) errno = ENOMEM;
  return pointer;
}

bool valid_memalign_alignment(size_t alignment) {
  return alignment != 0 && (alignment & (alignment - 1)) == 0;
}

// realloc of an arena block: a new block from the real allocator when there is one,
// else from the arena; the arena block itself is never reused.
void* realloc_arena_block(void* old_pointer, size_t size) {
  MallocFunction allocate = real(real_malloc);
  void* pointer = allocate != nullptr ? allocate(size) : arena_or_enomem(size, 16);
  if (pointer == nullptr) return nullptr;
  const size_t old_size = heap::arena_block_size(old_pointer);
  std::memcpy(pointer, old_pointer, old_size < size ? old_size : size);
  if (allocate != nullptr) heap::on_allocation(pointer, size, "realloc");  // non-null here
  return pointer;
}

void* reallocate(void* old_pointer, size_t size, const char* function) {
  if (heap::in_bootstrap_arena(old_pointer)) return realloc_arena_block(old_pointer, size);
  ReallocFunction real_function = real(real_realloc);
  if (real_function == nullptr) {
    if (old_pointer == nullptr) return arena_or_enomem(size, 16);
    errno = ENOMEM;  // a real block while the real realloc is unknown: cannot happen
    return nullptr;
  }
  const heap::ReallocTicket ticket = heap::before_realloc(old_pointer);
  void* pointer = real_function(old_pointer, size);
  heap::after_realloc(old_pointer, ticket, pointer, size, function);
  return pointer;
}

void* aligned_allocation(RealFunction<AlignedFunction>& function, size_t alignment, size_t size,
                         const char* name) {
  AlignedFunction real_function = real(function);
  if (real_function == nullptr) {
    if (!valid_memalign_alignment(alignment)) {
      errno = EINVAL;
      return nullptr;
    }
    return arena_or_enomem(size, alignment);
  }
  if (heap::allocation_is_quiet(size)) return real_function(alignment, size);
  void* pointer = real_function(alignment, size);
  heap::allocation_slow_path(pointer, size, name);
  return pointer;
}

size_t page_rounded(size_t size) {
  const size_t page = size_t(getpagesize());
  if (size == 0) return page;
  return size > SIZE_MAX - (page - 1) ? size : (size + page - 1) & ~(page - 1);
}

#define CXXPROF_EXPORT extern "C" __attribute__((visibility("default")))

// The pattern of every allocating interposer: when the allocation is quiet (nothing due:
// heap::allocation_is_quiet counted it down), the real function is tail-called; else it
// is called and its result goes to the slow path.

// malloc and free, the hottest two, are split: the exported function is only the fast
// path (no stack frame: it ends in a jump to the real function, or to its slow half).
// Their fast paths call the real function through a pointer of their own, one load and
// no test: until the real function is known it points to a stand-in that resolves it
// (or serves the bootstrap arena) and then puts it there. RealFunction::get would load
// twice and keep a call to the resolver in the fast path (which costs a saved register).
void* malloc_resolving(size_t size);
void free_resolving(void* pointer);
std::atomic<MallocFunction> g_fast_malloc{&malloc_resolving};
std::atomic<FreeFunction> g_fast_free{&free_resolving};

void* malloc_resolving(size_t size) {
  MallocFunction real_function = real(real_malloc);
  if (__builtin_expect(real_function == nullptr, 0)) return arena_or_enomem(size, 16);
  g_fast_malloc.store(real_function, std::memory_order_relaxed);
  return real_function(size);
}

void free_slowly(void* pointer);

// Where free's fast path goes for a pointer the filter does not know: the real free, or
// the slow path while every free is to be seen (RATE=1, CXXDEBUG's observers), so the
// fast path tests the filter only. Chosen again whenever the flag or the real function
// changes; a change of the flag meanwhile makes it choose again, so the last choice
// always matches the last flag.
void choose_free_route() {
  for (;;) {
    const bool observed = heap::g_every_free_slow.load(std::memory_order_seq_cst);
    FreeFunction route = &free_slowly;
    if (!observed) route = real_free.resolved() ? real_free.get() : &free_resolving;
    // seq_cst store, then seq_cst re-read (and the flag's setter likewise): with
    // release/acquire a route stored on stale news could land after the setter's and win.
    g_fast_free.store(route, std::memory_order_seq_cst);
    if (heap::g_every_free_slow.load(std::memory_order_seq_cst) == observed) return;
  }
}

// Never sees a block of the bootstrap arena: those are pinned in the free filter, so
// free sends them to free_slowly.
void free_resolving(void* pointer) {
  FreeFunction real_function = real(real_free);
  if (__builtin_expect(real_function == nullptr, 0)) return;  // cannot happen but in dlsym
  choose_free_route();
  g_fast_free.load(std::memory_order_acquire)(pointer);
}

__attribute__((noinline)) void* malloc_slowly(size_t size) {
  MallocFunction real_function = real(real_malloc);
  if (__builtin_expect(real_function == nullptr, 0)) return arena_or_enomem(size, 16);
  void* pointer = real_function(size);
  heap::allocation_slow_path(pointer, size, "malloc");
  return pointer;
}

__attribute__((noinline)) void free_slowly(void* pointer) {
  if (heap::in_bootstrap_arena(pointer)) return;
  // free() found the filter's bit set or every free observed: no need to look again.
  heap::free_slow_path(pointer, "free");
  FreeFunction real_function = real(real_free);
  if (__builtin_expect(real_function != nullptr, 1)) real_function(pointer);
}

}  // namespace
}  // namespace cxxprof

using namespace cxxprof;

CXXPROF_EXPORT void* malloc(size_t size) noexcept {
  if (__builtin_expect(heap::allocation_is_quiet(size), 1)) {
    return g_fast_malloc.load(std::memory_order_relaxed)(size);
  }
  return malloc_slowly(size);
}

namespace cxxprof::heap {
void every_free_slow_changed() { choose_free_route(); }
}  // namespace cxxprof::heap

// A block of the bootstrap arena needs no test here: it is pinned in the filter. Nor does
// the every-free flag: while it is set, g_fast_free is the slow path (choose_free_route).
CXXPROF_EXPORT void free(void* pointer) noexcept {
  if (__builtin_expect(!heap::filter_may_contain(pointer), 1)) {
    return g_fast_free.load(std::memory_order_relaxed)(pointer);
  }
  free_slowly(pointer);
}

CXXPROF_EXPORT void* calloc(size_t count, size_t size) noexcept {
  size_t total = 0;
  const bool overflow = __builtin_mul_overflow(count, size, &total);
  CallocFunction real_function = real(real_calloc);
  if (__builtin_expect(real_function == nullptr, 0)) {
    if (overflow) {
      errno = ENOMEM;
      return nullptr;
    }
    return arena_or_enomem(total, 16);  // zeroed: arena memory is never reused
  }
  if (overflow || heap::allocation_is_quiet(total)) return real_function(count, size);
  void* pointer = real_function(count, size);
  heap::allocation_slow_path(pointer, total, "calloc");
  return pointer;
}

CXXPROF_EXPORT void* realloc(void* pointer, size_t size) noexcept {
  return reallocate(pointer, size, "realloc");
}

// Not forwarded to the next reallocarray: glibc's calls realloc through the PLT, which
// would reach our realloc and count the allocation twice. It is exactly glibc's own
// definition (overflow check, then realloc), over the real realloc.
CXXPROF_EXPORT void* reallocarray(void* pointer, size_t count, size_t size) noexcept {
  size_t total = 0;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;  // as glibc: the old block is left alone
    return nullptr;
  }
  return reallocate(pointer, total, "reallocarray");
}

CXXPROF_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  PosixMemalignFunction real_function = real(real_posix_memalign);
  if (__builtin_expect(real_function == nullptr, 0)) {
    if (!valid_memalign_alignment(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
    void* pointer = heap::arena_allocate(size, alignment);
    if (pointer == nullptr) return ENOMEM;
    *out = pointer;
    return 0;
  }
  if (heap::allocation_is_quiet(size)) return real_function(out, alignment, size);
  const int rc = real_function(out, alignment, size);
  heap::allocation_slow_path(rc == 0 ? *out : nullptr, size, "posix_memalign");
  return rc;
}

CXXPROF_EXPORT void* aligned_alloc(size_t alignment, size_t size) noexcept {
  return aligned_allocation(real_aligned_alloc, alignment, size, "aligned_alloc");
}

CXXPROF_EXPORT void* memalign(size_t alignment, size_t size) noexcept {
  return aligned_allocation(real_memalign, alignment, size, "memalign");
}

CXXPROF_EXPORT void* valloc(size_t size) noexcept {
  MallocFunction real_function = real(real_valloc);
  if (real_function == nullptr) return arena_or_enomem(size, size_t(getpagesize()));
  if (heap::allocation_is_quiet(size)) return real_function(size);
  void* pointer = real_function(size);
  heap::allocation_slow_path(pointer, size, "valloc");
  return pointer;
}

CXXPROF_EXPORT void* pvalloc(size_t size) noexcept {
  MallocFunction real_function = real(real_pvalloc);
  const size_t pages = page_rounded(size);
  if (real_function == nullptr) return arena_or_enomem(pages, size_t(getpagesize()));
  if (heap::allocation_is_quiet(pages)) return real_function(size);
  void* pointer = real_function(size);
  heap::allocation_slow_path(pointer, pages, "pvalloc");
  return pointer;
}
