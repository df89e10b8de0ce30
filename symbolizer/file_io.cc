#include "symbolizer/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cxxprof {

namespace {
std::string describe_errno(const std::string& path, int error_number) {
  return path + ": " + std::strerror(error_number);
}
}  // namespace

bool read_whole_file(const std::string& path, uint64_t max_size, std::string* contents,
                     std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = describe_errno(path, errno);
    return false;
  }
  struct stat status;
  if (::fstat(fd, &status) != 0) {
    *error = describe_errno(path, errno);
    ::close(fd);
    return false;
  }
  if (!S_ISREG(status.st_mode)) {
    *error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  if (uint64_t(status.st_size) > max_size) {
    *error = path + ": file too large (" + std::to_string(status.st_size) + " bytes)";
    ::close(fd);
    return false;
  }
  contents->assign(size_t(status.st_size), '\0');
  size_t done = 0;
  while (done < contents->size()) {
    ssize_t n = ::read(fd, contents->data() + done, contents->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = describe_errno(path, errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;  // the file shrank while we read it: keep what is there
    done += size_t(n);
  }
  contents->resize(done);
  ::close(fd);
  return true;
}

bool write_new_file(const std::string& path, std::string_view contents, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = describe_errno(path, errno);
    return false;
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = describe_errno(path, n < 0 ? errno : EIO);
      ::close(fd);
      ::unlink(path.c_str());
      return false;
    }
    done += size_t(n);
  }
  // close() reports deferred write errors (NFS, full disk on some file systems).
  if (::close(fd) != 0) {
    *error = describe_errno(path, errno);
    ::unlink(path.c_str());
    return false;
  }
  return true;
}

}  // namespace cxxprof
