#include "launcher/alloc_trace_decoder.h"

#include <cstring>

#include "common/alloc_trace_protocol.h"
#include "symbolizer/elf_symbolizer.h"

namespace cxxprof {
namespace {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

AllocTraceDecoder::AllocTraceDecoder(LineSink sink) : sink_(std::move(sink)) {}

AllocTraceDecoder::~AllocTraceDecoder() = default;

void AllocTraceDecoder::on_message(const uint8_t* data, size_t size) {
  uint32_t magic = 0;
  if (size < sizeof(magic)) {
    ++malformed_;
    return;
  }
  std::memcpy(&magic, data, sizeof(magic));
  if (magic == alloctrace::kModuleMagic) {
    on_module(data, size);
  } else if (magic == alloctrace::kEventMagic) {
    on_event(data, size);
  } else {
    ++malformed_;
  }
}

void AllocTraceDecoder::on_module(const uint8_t* data, size_t size) {
  alloctrace::ModuleMessage message;
  if (size != sizeof(message)) {
    ++malformed_;
    return;
  }
  std::memcpy(&message, data, sizeof(message));
  // In index order, once each (a reconnecting process starts a new connection and so a
  // new decoder); anything else is damage.
  if (message.index != modules_.size() || message.build_id_size > raw::kBuildIdMaxSize) {
    ++malformed_;
    return;
  }
  RawModule module;
  module.flags = message.flags;
  module.load_bias = message.load_bias;
  module.start = message.start;
  module.limit = message.limit;
  module.file_offset = message.file_offset;
  module.sequence = message.sequence;
  module.build_id.assign(reinterpret_cast<const char*>(message.build_id), message.build_id_size);
  module.path.assign(message.path, strnlen(message.path, sizeof(message.path)));
  modules_.push_back(std::move(module));
  symbolizer_.reset();
  print_ready_events();
}

void AllocTraceDecoder::on_event(const uint8_t* data, size_t size) {
  alloctrace::EventHeader header;
  if (size < sizeof(header)) {
    ++malformed_;
    return;
  }
  std::memcpy(&header, data, sizeof(header));
  const size_t expected = sizeof(header) + size_t(header.depth) * sizeof(uint64_t) + header.text_size;
  if (header.depth > raw::kMaxStackDepth || header.text_size > alloctrace::kMaxEventText ||
      expected != size) {
    ++malformed_;
    return;
  }
  Event event;
  event.modules_needed = header.modules_needed;
  event.pcs.resize(header.depth);
  std::memcpy(event.pcs.data(), data + sizeof(header), header.depth * sizeof(uint64_t));
  event.text.assign(reinterpret_cast<const char*>(data) + sizeof(header) +
                        header.depth * sizeof(uint64_t),
                    header.text_size);
  for (char& c : event.text) {
    if (c == '\n' || c == '\r') c = ' ';  // one event, one line, whatever the sender wrote
  }
  if (event.modules_needed <= modules_.size() && waiting_.empty()) {
    print(event);
  } else {
    waiting_.push_back(std::move(event));
    print_ready_events();
  }
}

void AllocTraceDecoder::print_ready_events() {
  // Keep the arrival order among the waiting events: they wait for modules that arrive in
  // index order, so the front is always the first to become ready.
  while (!waiting_.empty() && waiting_.front().modules_needed <= modules_.size()) {
    print(waiting_.front());
    waiting_.pop_front();
  }
}

void AllocTraceDecoder::finish() {
  while (!waiting_.empty()) {
    print(waiting_.front());
    waiting_.pop_front();
  }
}

std::string AllocTraceDecoder::frames(const std::vector<uint64_t>& pcs) {
  if (pcs.empty()) return " (none)";
  if (!symbolizer_) symbolizer_ = std::make_unique<ElfSymbolizer>(modules_, std::string(), 0);
  std::string text;
  for (uint64_t pc : pcs) {
    // Every frame is a return address (the library dropped its own frames): look up the
    // call instruction, as the library's module+offset output does.
    const SymbolizedAddress& symbolized = symbolizer_->symbolize(pc != 0 ? pc - 1 : 0);
    for (const SourceFrame& frame : symbolized.frames) {
      text += text.empty() ? " " : " <- ";
      text += frame.name;
      if (!frame.file.empty()) {
        text += " (" + base_name(frame.file);
        if (frame.line > 0) text += ":" + std::to_string(frame.line);
        text += ")";
      }
    }
  }
  return text;
}

void AllocTraceDecoder::print(const Event& event) {
  sink_(event.text + " stack:" + frames(event.pcs));
}

}  // namespace cxxprof
