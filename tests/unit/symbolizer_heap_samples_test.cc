// Raw heap samples -> heap.pb.gz / heap_peak.pb.gz values: Go's scaleHeapSample, the
// `bytes` label, the peak marker.
#include <gtest/gtest.h>

#include <cmath>

#include "common/heap_size_label.h"
#include "symbolizer/heap_samples.h"

namespace cxxprof {
namespace {

RawSample heap_sample(raw::SampleKind kind, uint32_t aux, std::array<int64_t, 4> values) {
  RawSample raw;
  raw.kind = kind;
  raw.aux = aux;
  raw.values = values;
  return raw;
}

const profile::Label* label(const profile::Sample& sample, const std::string& key) {
  for (const auto& l : sample.labels) {
    if (l.key == key) return &l;
  }
  return nullptr;
}

TEST(HeapSamples, ScalesAsGoDoes) {
  // runtime/pprof scaleHeapSample, computed here the same way.
  const double scale = 1 / (1 - std::exp(-1001.0 / 524288));
  const ScaledHeapValues v = scale_heap_sample(3, 3003, 524288);
  EXPECT_EQ(v.objects, int64_t(3 * scale));
  EXPECT_EQ(v.bytes, int64_t(3003 * scale));
  EXPECT_EQ(scale_heap_sample(3, 3003, 1).bytes, 3003) << "rate 1: nothing to scale";
  EXPECT_EQ(scale_heap_sample(0, 0, 524288).objects, 0);
  // A block much larger than the rate is always sampled: it stands for itself.
  EXPECT_NEAR(double(scale_heap_sample(1, 50 << 20, 524288).bytes), 50 << 20, 1);
}

TEST(HeapSamples, HeapValuesAndBytesLabel) {
  RawData data;
  data.heap_rate = 1;
  profile::Sample sample;
  ASSERT_TRUE(finish_heap_sample(data, heap_sample(raw::SampleKind::kHeap, 1001, {10, 10010, 4, 4004}),
                                 &sample));
  EXPECT_EQ(sample.values, (std::vector<int64_t>{10, 10010, 4, 4004}));
  ASSERT_NE(label(sample, "bytes"), nullptr);
  EXPECT_TRUE(label(sample, "bytes")->is_numeric);
  EXPECT_EQ(label(sample, "bytes")->num, 1001);
  // A rounded label: the exact average size instead.
  profile::Sample large;
  ASSERT_TRUE(finish_heap_sample(
      data, heap_sample(raw::SampleKind::kHeap, heap_label::encode(5000003), {3, 15000009, 3, 15000009}),
      &large));
  EXPECT_EQ(label(large, "bytes")->num, 5000003);
}

TEST(HeapSamples, PeakLeavesOutTheMarkerAndEmptySites) {
  RawData data;
  data.heap_rate = 1;
  data.samples.push_back(heap_sample(raw::SampleKind::kHeapPeak, heap_label::kPeakMarkerAux,
                                     {4, 123456789, 2000000000, 0}));
  profile::Sample sample;
  EXPECT_FALSE(finish_heap_peak_sample(data, data.samples[0], &sample));
  EXPECT_FALSE(finish_heap_peak_sample(data, heap_sample(raw::SampleKind::kHeapPeak, 64, {0, 0, 0, 0}), &sample));
  ASSERT_TRUE(finish_heap_peak_sample(data, heap_sample(raw::SampleKind::kHeapPeak, 64, {2, 128, 0, 0}), &sample));
  EXPECT_EQ(sample.values, (std::vector<int64_t>{2, 128}));
  const HeapPeakMarker marker = find_heap_peak_marker(data);
  EXPECT_TRUE(marker.present);
  EXPECT_EQ(marker.snapshots, 4);
  EXPECT_EQ(marker.estimated_bytes, 123456789);
  std::vector<std::string> comments;
  add_heap_peak_comments(data, &comments);
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_NE(comments[0].find("117.74 MiB"), std::string::npos) << comments[0];
  EXPECT_NE(comments[0].find("2.000 s"), std::string::npos) << comments[0];
}

}  // namespace
}  // namespace cxxprof
