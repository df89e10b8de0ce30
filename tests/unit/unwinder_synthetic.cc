#include "tests/unit/unwinder_synthetic.h"

#include <cstring>

#include "preload/dwarf_encoding.h"

namespace cxxprof::unwind::testing {

// DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11; DW_OP_ge;
// DW_OP_lit3; DW_OP_shl; DW_OP_plus
const uint8_t kPltExpression[11] = {0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a,
                                    0x3b, 0x2a, 0x33, 0x24, 0x22};

namespace {

void put(std::vector<uint8_t>& out, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    out.push_back(byte | (v != 0 ? 0x80 : 0));
  } while (v != 0);
}
void sleb(std::vector<uint8_t>& out, int64_t v) {
  for (;;) {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
    out.push_back(byte | (done ? 0 : 0x80));
    if (done) return;
  }
}
void patch_u32(std::vector<uint8_t>& out, size_t at, uint32_t v) { std::memcpy(&out[at], &v, 4); }

// Starts a CIE or FDE: returns the offset of its length field, patched by finish().
size_t begin_entry(std::vector<uint8_t>& out) {
  size_t at = out.size();
  put(out, 0, 4);
  return at;
}
void finish_entry(std::vector<uint8_t>& out, size_t at) {
  while ((out.size() - at) % 8 != 0) out.push_back(0);  // DW_CFA_nop padding
  patch_u32(out, at, static_cast<uint32_t>(out.size() - at - 4));
}

}  // namespace

void emit_encoded(std::vector<uint8_t>& out, uint64_t out_address, uint8_t encoding,
                  uint64_t value, uint64_t data_base) {
  const uint64_t field = out_address + out.size();
  switch (encoding & 0x70) {
    case kPePcrel: value -= field; break;
    case kPeDatarel: value -= data_base; break;
    default: break;
  }
  switch (encoding & 0x0f) {
    case kPeAbsptr: case kPeUdata8: case kPeSdata8: put(out, value, 8); break;
    case kPeUdata4: case kPeSdata4: put(out, value, 4); break;
    case kPeUdata2: case kPeSdata2: put(out, value, 2); break;
    case kPeUleb128: uleb(out, value); break;
    case kPeSleb128: sleb(out, static_cast<int64_t>(value)); break;
  }
}

SyntheticModule build_synthetic_module(uint8_t table_encoding) {
  SyntheticModule m;
  std::vector<uint8_t>& out = m.bytes;
  out.reserve(4096);  // addresses must not move while pc-relative values are written
  const uint64_t base = reinterpret_cast<uint64_t>(out.data());
  m.code = base + (1u << 20);
  m.a = m.code;
  m.b = m.code + 0x100;
  m.c = m.code + 0x200;
  m.d = m.code + 0x300;
  m.e = m.code + 0x400;
  const uint64_t starts[5] = {m.a, m.b, m.c, m.d, m.e};
  constexpr uint64_t kSize = 0x40;

  // .eh_frame is laid out first in a scratch vector to learn the FDE offsets; the header
  // goes in front of it, so its size is fixed first: 12 bytes + the table.
  std::vector<uint8_t> probe;
  for (int i = 0; i < 5; ++i) {
    emit_encoded(probe, base, table_encoding, starts[i], base);
    emit_encoded(probe, base, table_encoding, base + 0xffff, base);
  }
  size_t hdr_size = 12 + probe.size();
  // LEB128 sizes depend on the values: use a generous bound and pad with zero bytes.
  if ((table_encoding & 0x0f) == kPeUleb128 || (table_encoding & 0x0f) == kPeSleb128) {
    hdr_size = 12 + 5 * 2 * 10;
  }
  const size_t eh_frame = (hdr_size + 7) & ~size_t{7};
  out.assign(eh_frame, 0);

  // CIE 1: "zR", pcrel|sdata4 FDE pointers. Initial: def_cfa rsp+8; rip at cfa-8.
  const size_t cie1 = out.size();
  size_t at = begin_entry(out);
  put(out, 0, 4);
  out.insert(out.end(), {1, 'z', 'R', 0});
  uleb(out, 1);
  sleb(out, -8);
  out.push_back(16);
  uleb(out, 1);
  out.push_back(kPePcrel | kPeSdata4);
  out.insert(out.end(), {0x0c, 0x07, 0x08, 0x90, 0x01});
  finish_entry(out, at);

  // CIE 2: "zPLR", version 3: personality (pcrel|sdata4|indirect), LSDA udata4, FDE absptr.
  const size_t cie2 = out.size();
  at = begin_entry(out);
  put(out, 0, 4);
  out.insert(out.end(), {3, 'z', 'P', 'L', 'R', 0});
  uleb(out, 1);
  sleb(out, -8);
  uleb(out, 16);
  uleb(out, 7);
  out.push_back(kPeIndirect | kPePcrel | kPeSdata4);
  put(out, 0x1234, 4);  // never dereferenced: the personality is skipped
  out.push_back(kPeUdata4);
  out.push_back(kPeAbsptr);
  out.insert(out.end(), {0x0c, 0x07, 0x08, 0x90, 0x01});
  finish_entry(out, at);

  size_t fde_offsets[5];
  auto fde = [&](int index, size_t cie, std::vector<uint8_t> instructions) {
    fde_offsets[index] = out.size();
    size_t entry = begin_entry(out);
    put(out, out.size() - cie, 4);
    if (cie == cie1) {
      emit_encoded(out, base, kPePcrel | kPeSdata4, starts[index], base);
      put(out, kSize, 4);
      uleb(out, 0);
    } else {
      put(out, starts[index], 8);
      put(out, kSize, 8);
      uleb(out, 4);
      put(out, 0, 4);  // LSDA
    }
    out.insert(out.end(), instructions.begin(), instructions.end());
    finish_entry(out, entry);
  };
  fde(0, cie1, {0x41,              // advance 1
                0x0e, 0x10,        // def_cfa_offset 16
                0x86, 0x02,        // rbp at cfa-16
                0x43,              // advance 3 (loc 4)
                0x0d, 0x06,        // def_cfa_register rbp
                0x02, 0x20,        // advance_loc1 0x20 (loc 0x24)
                0x0a,              // remember_state
                0x0c, 0x07, 0x08,  // def_cfa rsp+8
                0xc6,              // restore rbp
                0x41,              // advance 1 (loc 0x25)
                0x0b});            // restore_state
  fde(1, cie1, {0x0c, 0x06, 0x10, 0x86, 0x02});
  fde(2, cie1, {0x07, 0x10});
  std::vector<uint8_t> plt = {0x0f, sizeof(kPltExpression)};
  plt.insert(plt.end(), kPltExpression, kPltExpression + sizeof(kPltExpression));
  fde(3, cie2, plt);
  fde(4, cie1, {0x0c, 0x07, 0x00});
  put(out, 0, 4);  // terminator

  // The header, written over the zeroed front.
  std::vector<uint8_t> hdr = {1, kPePcrel | kPeSdata4, kPeUdata4, table_encoding};
  emit_encoded(hdr, base, kPePcrel | kPeSdata4, base + eh_frame, base);
  put(hdr, 5, 4);
  for (int i = 0; i < 5; ++i) {
    emit_encoded(hdr, base, table_encoding, starts[i], base);
    emit_encoded(hdr, base, table_encoding, base + fde_offsets[i], base);
  }
  std::memcpy(out.data(), hdr.data(), hdr.size());
  m.hdr_size = hdr_size;

  m.module.start = m.code;
  m.module.limit = m.code + 0x1000;
  m.module.load_bias = 0;
  m.module.eh_frame_hdr = out.data();
  m.module.eh_frame_hdr_size = hdr_size;
  m.module.eh_segment_start = base;
  m.module.eh_segment_limit = base + out.size();
  return m;
}

}  // namespace cxxprof::unwind::testing
