// Raw heap samples -> the values and labels of heap.pb.gz and heap_peak.pb.gz
// (DESIGN.md §3, preload/heap_profiler.h for what the raw values are).
//
// The writer stores sampled, unscaled figures; here they become unbiased estimates the
// way pprof expects of Go heap profiles: Go's scaleHeapSample, applied per sample to
// (objects, bytes) with the sample's average object size. At RATE=1 nothing is scaled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symbolizer/profile_model.h"
#include "symbolizer/raw_reader.h"

namespace cxxprof {

struct ScaledHeapValues {
  int64_t objects = 0;
  int64_t bytes = 0;
};

// Go's runtime/pprof scaleHeapSample: a sample of `count` objects totalling `size`
// bytes, taken at mean interval `rate`, stands for count/p objects and size/p bytes,
// p = 1 - exp(-avg/rate), avg = size/count. Zero in, zero out; rate <= 1: unchanged.
ScaledHeapValues scale_heap_sample(int64_t count, int64_t size, int64_t rate);

// The object size a heap sample is labelled with (`bytes`): exact from the aux code when
// it carries the size exactly, else the exact average bytes/objects of the raw values.
int64_t heap_object_size(uint32_t aux, int64_t objects, int64_t bytes);

// ProfileKind::finish_sample for heap.pb.gz: values alloc_objects, alloc_space,
// inuse_objects, inuse_space, scaled; label `bytes`.
bool finish_heap_sample(const RawData& data, const RawSample& raw, profile::Sample* sample);

// ProfileKind::finish_sample for heap_peak.pb.gz: values inuse_objects, inuse_space,
// scaled; label `bytes`. Leaves out the marker sample and sites with nothing in use.
bool finish_heap_peak_sample(const RawData& data, const RawSample& raw, profile::Sample* sample);

// What the peak snapshot's marker sample says.
struct HeapPeakMarker {
  bool present = false;
  int64_t snapshots = 0;        // odd: the process ended while one was being written
  int64_t estimated_bytes = 0;  // estimate of the live heap at the snapshot
  int64_t time_ns = 0;          // since the process started
};
HeapPeakMarker find_heap_peak_marker(const RawData& data);

// ProfileKind::add_comments for heap_peak.pb.gz: when the peak was and how large.
void add_heap_peak_comments(const RawData& data, std::vector<std::string>* comments);

}  // namespace cxxprof
