#include "preload/heap_in_use.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace cxxprof::heap {

bool g_in_use_pair_cas = false;

void detect_in_use_pair_cas() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  g_in_use_pair_cas = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_CMPXCHG16B) != 0;
#endif
}

}  // namespace cxxprof::heap
