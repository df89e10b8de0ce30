// The I/O profile's labels (DESIGN.md §3, common/io_labels.h): every sample gets `op` and
// `fd_kind` from its aux; samples on regular files also get `path`. The number of
// distinct path labels is bounded, so a program touching a million files still makes a
// profile pprof can show: the files with the most bytes and the files with the most time
// keep their paths, every other file is labelled "other files" (as are files whose path
// the injected library could not keep, raw::kIoPathsDropped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "symbolizer/profile_kinds.h"
#include "symbolizer/raw_reader.h"

namespace cxxprof {

// Distinct path labels per profile, at most: half chosen by bytes, half by time.
inline constexpr size_t kMaxIoPathLabels = 100;

// The path label of every path id the process's I/O samples use.
std::map<uint32_t, std::string> io_path_labels(const RawData& data, size_t max_labels);

// ProfileKind::make_aux_labeller of the I/O profile.
AuxLabeller make_io_labeller(const RawData& data);

}  // namespace cxxprof
