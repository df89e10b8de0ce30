/* cxxprof.h — the optional C API of the cxxprof profiler.
 *
 * A program never needs this header to be profiled. It is for programs that want to know
 * whether they run under cxxprof. Every function is declared weak, so a program built
 * with this header runs unchanged without the profiler: check the function's address
 * before calling it.
 *
 *     if (cxxprof_active && cxxprof_active()) { ... }
 */
#ifndef CXXPROF_H
#define CXXPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if this process is being profiled (libcxxprof.so loaded and recording), else 0. */
__attribute__((weak)) int cxxprof_active(void);

/* The library's version, e.g. "0.1.0". */
__attribute__((weak)) const char* cxxprof_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CXXPROF_H */
