// One process's allocfreetrace stream (common/alloc_trace_protocol.h) turned into the
// lines users read: the library's line text plus " stack: " and the symbolized frames,
//
//   ALLOC 12ms: fn=malloc ptr=0x55d0c8a4b2c0 size=24 tid=4242 thread=main
//       stack: make_node (list.cc:14) <- build_list (list.cc:30) <- main (list.cc:52) <- ...
//
// (one line; wrapped here). Inlined calls appear as frames of their own. Modules come in
// the stream; an event that needs a module which has not arrived yet waits for it (see
// the protocol). Messages are untrusted input: a malformed one is skipped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "symbolizer/raw_reader.h"

namespace cxxprof {

class ElfSymbolizer;

class AllocTraceDecoder {
 public:
  using LineSink = std::function<void(const std::string& line)>;  // without newline

  explicit AllocTraceDecoder(LineSink sink);
  ~AllocTraceDecoder();
  AllocTraceDecoder(const AllocTraceDecoder&) = delete;
  AllocTraceDecoder& operator=(const AllocTraceDecoder&) = delete;

  // One message as received (one datagram of the SOCK_SEQPACKET connection).
  void on_message(const uint8_t* data, size_t size);

  // The connection ended: events still waiting for a module are printed with what is
  // known (their unknown frames as bare addresses).
  void finish();

  uint64_t malformed_messages() const { return malformed_; }

 private:
  struct Event {
    uint32_t modules_needed;
    std::vector<uint64_t> pcs;
    std::string text;
  };

  void on_module(const uint8_t* data, size_t size);
  void on_event(const uint8_t* data, size_t size);
  void print(const Event& event);
  void print_ready_events();
  std::string frames(const std::vector<uint64_t>& pcs);

  LineSink sink_;
  std::vector<RawModule> modules_;  // modules [0, modules_.size()) arrived, in order
  std::deque<Event> waiting_;       // events whose modules have not all arrived
  std::unique_ptr<ElfSymbolizer> symbolizer_;  // over modules_; rebuilt when it grows
  uint64_t malformed_ = 0;
};

}  // namespace cxxprof
