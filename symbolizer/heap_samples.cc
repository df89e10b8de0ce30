#include "symbolizer/heap_samples.h"

#include <cmath>
#include <cstdio>

#include "common/heap_size_label.h"

namespace cxxprof {

namespace {

int64_t rate_of(const RawData& data) {
  return data.heap_rate > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(data.heap_rate);
}

std::string mebibytes(int64_t bytes) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f MiB", double(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace

ScaledHeapValues scale_heap_sample(int64_t count, int64_t size, int64_t rate) {
  if (count == 0 || size == 0) return {};
  if (rate <= 1) return {count, size};
  const double average = double(size) / double(count);
  const double scale = 1.0 / (1.0 - std::exp(-average / double(rate)));
  return {int64_t(double(count) * scale), int64_t(double(size) * scale)};
}

int64_t heap_object_size(uint32_t aux, int64_t objects, int64_t bytes) {
  if (heap_label::is_exact(aux) || objects <= 0) return int64_t(heap_label::decode(aux));
  return int64_t(std::llround(double(bytes) / double(objects)));
}

bool finish_heap_sample(const RawData& data, const RawSample& raw, profile::Sample* sample) {
  const int64_t rate = rate_of(data);
  const ScaledHeapValues alloc = scale_heap_sample(raw.values[0], raw.values[1], rate);
  const ScaledHeapValues inuse = scale_heap_sample(raw.values[2], raw.values[3], rate);
  sample->values = {alloc.objects, alloc.bytes, inuse.objects, inuse.bytes};
  sample->labels.push_back(
      profile::numeric_label("bytes", heap_object_size(raw.aux, raw.values[0], raw.values[1]), ""));
  return true;
}

bool finish_heap_peak_sample(const RawData& data, const RawSample& raw, profile::Sample* sample) {
  if (raw.aux == heap_label::kPeakMarkerAux) return false;
  if (raw.values[0] == 0 && raw.values[1] == 0) return false;  // nothing in use at the peak
  const ScaledHeapValues inuse = scale_heap_sample(raw.values[0], raw.values[1], rate_of(data));
  sample->values = {inuse.objects, inuse.bytes};
  sample->labels.push_back(
      profile::numeric_label("bytes", heap_object_size(raw.aux, raw.values[0], raw.values[1]), ""));
  return true;
}

HeapPeakMarker find_heap_peak_marker(const RawData& data) {
  HeapPeakMarker marker;
  for (const RawSample& raw : data.samples) {
    if (raw.kind != raw::SampleKind::kHeapPeak || raw.aux != heap_label::kPeakMarkerAux) continue;
    marker.present = true;
    marker.snapshots = raw.values[0];
    marker.estimated_bytes = raw.values[1];
    marker.time_ns = raw.values[2];
  }
  return marker;
}

void add_heap_peak_comments(const RawData& data, std::vector<std::string>* comments) {
  const HeapPeakMarker marker = find_heap_peak_marker(data);
  if (!marker.present || marker.snapshots == 0) {
    comments->push_back("heap peak: no sampled allocation was live at any time");
    return;
  }
  char when[64];
  std::snprintf(when, sizeof(when), "%.3f s", double(marker.time_ns) / 1e9);
  comments->push_back("heap peak: about " + mebibytes(marker.estimated_bytes) + " in use at " +
                      when + " after start (snapshot within 1/32 of the largest estimate)");
}

}  // namespace cxxprof
