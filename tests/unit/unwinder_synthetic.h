// A synthetic module for unwinder tests: an .eh_frame_hdr and .eh_frame built byte by byte
// in one heap buffer, describing fake functions at fake code addresses (code is never read).
//
//   A  code+0x000..0x040  push rbp; mov rbp,rsp style, with remember/restore_state:
//        [0,1) cfa=rsp+8   [1,4) cfa=rsp+16, rbp@cfa-16   [4,0x24) cfa=rbp+16, rbp@cfa-16
//        [0x24,0x25) cfa=rsp+8, rbp restored (epilogue)   [0x25,0x40) back to rbp+16
//   B  code+0x100..0x140  cfa=rbp+16, rbp@cfa-16
//   C  code+0x200..0x240  return address undefined: the outermost frame
//   D  code+0x300..0x340  a PLT entry: DW_CFA_def_cfa_expression, CIE "zPLR"
//   E  code+0x400..0x440  cfa=rsp+0: no progress
// Every rule puts the return address at cfa-8 unless stated. Nothing covers code+0x800.
#pragma once

#include <cstdint>
#include <vector>

#include "preload/unwinder.h"

namespace cxxprof::unwind::testing {

struct SyntheticModule {
  std::vector<uint8_t> bytes;  // hdr, then .eh_frame; never resized after building
  uint64_t code = 0;           // fake code address: data() + 1 MiB
  uint64_t a = 0, b = 0, c = 0, d = 0, e = 0;
  size_t hdr_size = 0;
  CodeModule module{};

  ModuleSet set() const { return {&module, 1}; }
};

// table_encoding: the .eh_frame_hdr search table's DW_EH_PE_* encoding.
SyntheticModule build_synthetic_module(uint8_t table_encoding);

// Writes `value` in DW_EH_PE_* `encoding` at the end of `out`; `out_address` is the
// runtime address of out[0] (for pcrel), `data_base` the datarel base.
void emit_encoded(std::vector<uint8_t>& out, uint64_t out_address, uint8_t encoding,
                  uint64_t value, uint64_t data_base);

// The x86-64 PLT CFA expression GNU ld emits for .plt (lit11) entries.
extern const uint8_t kPltExpression[11];

}  // namespace cxxprof::unwind::testing
