#include "symbolizer/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace cxxprof {

namespace {
// windowBits 15 (32 KiB window) + 16 selects the gzip wrapper instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kChunk = 256 * 1024;

std::string zlib_message(const z_stream& stream, int code) {
  if (stream.msg != nullptr) return stream.msg;
  return "zlib error " + std::to_string(code);
}
}  // namespace

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

bool gzip_compress(std::string_view data, std::string* out, std::string* error) {
  z_stream stream{};
  int code = deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                          Z_DEFAULT_STRATEGY);
  if (code != Z_OK) {
    *error = "gzip: " + zlib_message(stream, code);
    return false;
  }
  out->clear();
  size_t consumed = 0;
  do {
    // avail_in is 32 bits: feed at most UINT_MAX bytes at a time.
    size_t feed = std::min<size_t>(data.size() - consumed, UINT_MAX);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
    stream.avail_in = static_cast<uInt>(feed);
    consumed += feed;
    int flush = consumed == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      size_t old_size = out->size();
      out->resize(old_size + kChunk);
      stream.next_out = reinterpret_cast<Bytef*>(out->data() + old_size);
      stream.avail_out = kChunk;
      code = deflate(&stream, flush);
      out->resize(old_size + (kChunk - stream.avail_out));
      if (code == Z_STREAM_ERROR) {
        deflateEnd(&stream);
        *error = "gzip: " + zlib_message(stream, code);
        return false;
      }
    } while (stream.avail_out == 0);
  } while (consumed < data.size());
  deflateEnd(&stream);
  if (code != Z_STREAM_END) {
    *error = "gzip: compression did not finish";
    return false;
  }
  return true;
}

bool gzip_decompress(std::string_view data, std::string* out, std::string* error,
                     size_t max_output) {
  if (!is_gzip(data)) {
    *error = "not gzip data";
    return false;
  }
  z_stream stream{};
  int code = inflateInit2(&stream, kGzipWindowBits);
  if (code != Z_OK) {
    *error = "gzip: " + zlib_message(stream, code);
    return false;
  }
  out->clear();
  size_t consumed = 0;
  bool member_done = false;
  while (true) {
    if (stream.avail_in == 0 && consumed < data.size()) {
      size_t feed = std::min<size_t>(data.size() - consumed, UINT_MAX);
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
      stream.avail_in = static_cast<uInt>(feed);
      consumed += feed;
    }
    if (out->size() >= max_output) {
      inflateEnd(&stream);
      *error = "gzip: decompressed data larger than " + std::to_string(max_output) + " bytes";
      return false;
    }
    size_t old_size = out->size();
    size_t room = std::min(kChunk, max_output - old_size);
    out->resize(old_size + room);
    stream.next_out = reinterpret_cast<Bytef*>(out->data() + old_size);
    stream.avail_out = static_cast<uInt>(room);
    code = inflate(&stream, Z_NO_FLUSH);
    out->resize(old_size + (room - stream.avail_out));
    if (code == Z_STREAM_END) {
      member_done = true;
      // Another member may follow (concatenated gzip files); trailing zero padding is
      // tolerated as gzip(1) does.
      std::string_view rest = data.substr(consumed - stream.avail_in);
      if (!is_gzip(rest)) break;
      inflateReset(&stream);
      member_done = false;
      continue;
    }
    if (code == Z_BUF_ERROR && stream.avail_in == 0 && consumed == data.size()) break;
    if (code != Z_OK && code != Z_BUF_ERROR) {
      std::string message = zlib_message(stream, code);
      inflateEnd(&stream);
      *error = "corrupt gzip data: " + message;
      return false;
    }
  }
  inflateEnd(&stream);
  if (!member_done) {
    *error = "truncated gzip data";
    return false;
  }
  return true;
}

}  // namespace cxxprof
