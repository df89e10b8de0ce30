// Writes the fuzzers' seed corpora: a valid small raw image (modules, threads, stacks,
// samples, vDSO bytes) and a valid profile, gzipped and plain, so mutations start from
// inputs that reach deep into the readers rather than failing at the magic number.
// Usage: make_seeds RAW_DIR PROFILE_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "symbolizer/profile_encoder.h"
#include "symbolizer/profile_model.h"
#include "tests/unit/raw_image_builder.h"

namespace {

bool write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return bool(out);
}

std::string raw_seed() {
  cxxprof_test::RawImageBuilder b;
  b.add_module("/bin/example", 0x400000, 0x500000, 0x400000, "0123456789abcdef0123");
  uint32_t thread = b.add_thread(4242, "worker");
  b.add_stack(5, {0x401000, 0x402000, 0x403000});
  b.add_sample(cxxprof::raw::SampleKind::kCpu, thread, 5, {3, 30000000});
  b.add_sample(cxxprof::raw::SampleKind::kWall, thread, 5, {2, 20000000});
  return b.bytes();
}

cxxprof::profile::Profile profile_seed() {
  using namespace cxxprof::profile;
  Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10000000;
  p.mappings = {Mapping{.id = 1, .memory_start = 0x400000, .memory_limit = 0x500000,
                        .filename = "/bin/example", .build_id = "0123", .has_functions = true}};
  p.functions = {Function{.id = 1, .name = "main", .system_name = "main", .filename = "m.cc"},
                 Function{.id = 2, .name = "work", .system_name = "_Z4workv"}};
  p.locations = {Location{.id = 1, .mapping_id = 1, .address = 0x401000,
                          .lines = {Line{.function_id = 2, .line = 7}, Line{.function_id = 1, .line = 3}}}};
  p.samples = {Sample{.location_ids = {1}, .values = {1, 10000000},
                      .labels = {string_label("thread", "main"), numeric_label("bytes", 64, "bytes")}}};
  p.comments = {"example"};
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s RAW_DIR PROFILE_DIR\n", argv[0]);
    return 2;
  }
  std::string gzipped, plain, error;
  cxxprof::profile::Profile profile = profile_seed();
  if (!cxxprof::profile::encode_profile(profile, &gzipped, &error) ||
      !cxxprof::profile::serialize_profile(profile, &plain, &error)) {
    std::fprintf(stderr, "make_seeds: %s\n", error.c_str());
    return 1;
  }
  bool ok = write(std::string(argv[1]) + "/seed.cxxraw", raw_seed()) &&
            write(std::string(argv[2]) + "/seed.pb.gz", gzipped) &&
            write(std::string(argv[2]) + "/seed.pb", plain);
  return ok ? 0 : 1;
}
