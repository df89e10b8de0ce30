// A scratch directory for a unit test's raw store, removed with its contents when the
// test ends.
//
// create_store starts a new profiler generation, as the library does whenever it starts a
// store (a forked child): process-wide caches keyed by generation (descriptor labels
// with their path ids, thread slots) then never carry ids of an earlier test's store into
// this one, whatever order or repetition the tests run in.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "common/config.h"
#include "preload/profiler_state.h"
#include "preload/raw_store.h"

namespace cxxprof_test {

class TempStoreDir {
 public:
  // Makes /tmp/cxxprof-NAME-XXXXXX; path() is empty if that failed.
  explicit TempStoreDir(const std::string& name) {
    std::string pattern = "/tmp/cxxprof-" + name + "-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempStoreDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  TempStoreDir(const TempStoreDir&) = delete;
  TempStoreDir& operator=(const TempStoreDir&) = delete;

  const std::string& path() const { return path_; }

  // Creates `store` here for `config`, in a new generation (see the top of this file).
  bool create_store(cxxprof::RawStore* store, const cxxprof::Config& config) const {
    if (path_.empty()) return false;
    cxxprof::profiler().generation.fetch_add(1, std::memory_order_relaxed);
    return store->create(path_.c_str(), config);
  }

 private:
  std::string path_;
};

}  // namespace cxxprof_test
