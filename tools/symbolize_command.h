// `cxxprof symbolize RAW... [-o DIR]`: raw data files -> symbolized pprof profiles, the
// same conversion cxxprof-run performs after the program exits (symbolizer/convert.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxxprof {

// Converts each raw file. Profiles go to `output_dir`, or next to each raw file if it is
// empty. The root process (files named cpu.pb.gz rather than cpu.<pid>.pb.gz) is the one
// whose pid is in $CXXPROF_ROOT_PID, or else the first file given. Reports each written
// profile on `out` and warnings and errors on `err`, one line each. Returns the exit
// status: 0 if every file converted, 1 otherwise.
int run_symbolize(const std::vector<std::string>& raw_paths, const std::string& output_dir,
                  std::ostream& out, std::ostream& err);

}  // namespace cxxprof
