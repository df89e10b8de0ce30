// Where the raw reader's bytes come from: a file read with pread (the raw file is
// sparse and large; only the parts in use are read), or an image held in memory (tests).
// Callers check every range against size() before reading: read() assumes it fits.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cxxprof {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Replaces *out with bytes [offset, offset + length). False with one line in *error.
  virtual bool read(uint64_t offset, uint64_t length, std::vector<uint8_t>* out,
                    std::string* error) = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read(uint64_t offset, uint64_t length, std::vector<uint8_t>* out,
            std::string* error) override;

 private:
  std::span<const uint8_t> bytes_;
};

class FileSource final : public ByteSource {
 public:
  // `fd` stays owned by the caller.
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, uint64_t length, std::vector<uint8_t>* out,
            std::string* error) override;

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace cxxprof
