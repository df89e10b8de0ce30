#include "preload/proc_files.h"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cxxprof {

ssize_t read_text_file(const char* path, char* buffer, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t total = 0;
  while (total + 1 < size) {
    ssize_t n = read(fd, buffer + total, size - 1 - total);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += size_t(n);
  }
  close(fd);
  buffer[total] = '\0';
  return ssize_t(total);
}

int for_each_thread(void (*visit)(pid_t tid, void* context), void* context) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  alignas(8) char buffer[4096];
  int count = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buffer + offset);
      offset += entry->d_reclen;
      const char* name = entry->d_name;
      if (name[0] < '0' || name[0] > '9') continue;
      pid_t tid = 0;
      for (const char* p = name; *p >= '0' && *p <= '9'; ++p) tid = tid * 10 + (*p - '0');
      visit(tid, context);
      ++count;
    }
  }
  close(fd);
  return count;
}

bool next_number(const char** cursor, int base, int64_t* value) {
  const char* p = *cursor;
  while (*p == ' ' || *p == '\t' || *p == '\n') ++p;
  bool negative = false;
  if (base == 10 && *p == '-') {
    negative = true;
    ++p;
  }
  if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
  uint64_t result = 0;
  const char* start = p;
  for (;; ++p) {
    int digit;
    if (*p >= '0' && *p <= '9') digit = *p - '0';
    else if (base == 16 && *p >= 'a' && *p <= 'f') digit = *p - 'a' + 10;
    else if (base == 16 && *p >= 'A' && *p <= 'F') digit = *p - 'A' + 10;
    else break;
    result = result * uint64_t(base) + uint64_t(digit);
  }
  if (p == start) return false;
  *cursor = p;
  *value = negative ? -int64_t(result) : int64_t(result);
  return true;
}

}  // namespace cxxprof
