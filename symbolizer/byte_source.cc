#include "symbolizer/byte_source.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cxxprof {

bool MemorySource::read(uint64_t offset, uint64_t length, std::vector<uint8_t>* out, std::string*) {
  out->assign(bytes_.begin() + offset, bytes_.begin() + offset + length);
  return true;
}

bool FileSource::read(uint64_t offset, uint64_t length, std::vector<uint8_t>* out,
                      std::string* error) {
  out->resize(length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_, out->data() + done, length - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::string("read error: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      *error = "file shrank while being read";
      return false;
    }
    done += uint64_t(n);
  }
  return true;
}

}  // namespace cxxprof
