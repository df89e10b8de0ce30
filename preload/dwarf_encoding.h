// Bounded reading of DWARF/.eh_frame primitives: fixed-size integers, LEB128, and the
// DW_EH_PE_* pointer encodings of .eh_frame and .eh_frame_hdr (LSB 5.0, "Exception Frames").
//
// Async-signal-safe: no allocation, no global state. A ByteCursor never reads outside the
// [pos, end) it was given; the caller must justify that range (a section's known size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cxxprof::unwind {

// DW_EH_PE_* (value format in the low nibble, application in bits 4-6, bit 7 indirect).
constexpr uint8_t kPeAbsptr = 0x00;
constexpr uint8_t kPeUleb128 = 0x01;
constexpr uint8_t kPeUdata2 = 0x02;
constexpr uint8_t kPeUdata4 = 0x03;
constexpr uint8_t kPeUdata8 = 0x04;
constexpr uint8_t kPeSleb128 = 0x09;
constexpr uint8_t kPeSdata2 = 0x0a;
constexpr uint8_t kPeSdata4 = 0x0b;
constexpr uint8_t kPeSdata8 = 0x0c;
constexpr uint8_t kPePcrel = 0x10;
constexpr uint8_t kPeTextrel = 0x20;
constexpr uint8_t kPeDatarel = 0x30;
constexpr uint8_t kPeFuncrel = 0x40;
constexpr uint8_t kPeAligned = 0x50;
constexpr uint8_t kPeIndirect = 0x80;
constexpr uint8_t kPeOmit = 0xff;

// A read cursor over [pos, end). Every read checks the bounds; a failed read clears `ok`
// and leaves the cursor unusable, so a sequence of reads can be checked once at the end.
struct ByteCursor {
  const uint8_t* pos;
  const uint8_t* end;
  bool ok;

  ByteCursor(const uint8_t* begin, const uint8_t* limit) : pos(begin), end(limit), ok(begin <= limit) {}

  size_t remaining() const { return ok ? static_cast<size_t>(end - pos) : 0; }

  bool read_bytes(void* out, size_t n) {
    if (remaining() < n) return fail();
    std::memcpy(out, pos, n);
    pos += n;
    return true;
  }
  bool skip(uint64_t n) {
    if (remaining() < n) return fail();
    pos += n;
    return true;
  }
  bool read_u8(uint8_t* v) { return read_bytes(v, 1); }
  bool read_u16(uint16_t* v) { return read_bytes(v, 2); }
  bool read_u32(uint32_t* v) { return read_bytes(v, 4); }
  bool read_u64(uint64_t* v) { return read_bytes(v, 8); }
  // Almost every LEB128 in CFI is one byte: that case is inline.
  bool read_uleb(uint64_t* v) {
    if (ok && pos < end && *pos < 0x80) {
      *v = *pos++;
      return true;
    }
    return read_uleb_slow(v);
  }
  bool read_sleb(int64_t* v) {
    if (ok && pos < end && *pos < 0x80) {
      *v = static_cast<int64_t>(static_cast<uint64_t>(*pos) << 57) >> 57;  // sign of bit 6
      ++pos;
      return true;
    }
    return read_sleb_slow(v);
  }
  bool read_uleb_slow(uint64_t* v);
  bool read_sleb_slow(int64_t* v);

  bool fail() {
    ok = false;
    return false;
  }
};

// Where the relative pointer encodings are anchored (pcrel needs none: it is the address
// of the encoded field itself). A zero base makes that application unsupported.
struct EncodingBases {
  uint64_t text;  // DW_EH_PE_textrel
  uint64_t data;  // DW_EH_PE_datarel: .eh_frame_hdr's address, as the LSB specifies
  uint64_t func;  // DW_EH_PE_funcrel: the FDE's pc_begin once known
  // DW_EH_PE_indirect dereferences only 8-byte words inside [readable_begin, readable_end).
  uint64_t readable_begin;
  uint64_t readable_end;
};

// Size in bytes of a fixed-size encoding (absptr, udata/sdata 2/4/8), 0 for LEB128,
// DW_EH_PE_aligned, omit, or an invalid format.
size_t encoded_pointer_size(uint8_t encoding);

// Reads one pointer in `encoding` and applies its modifiers. With `follow_indirect` false an
// indirect pointer is returned undereferenced (enough to skip a personality pointer).
// Returns false on omit, an unknown encoding, a missing base, or a read out of bounds.
bool read_encoded_pointer(ByteCursor& cursor, uint8_t encoding, const EncodingBases& bases,
                          uint64_t* value, bool follow_indirect = true);

}  // namespace cxxprof::unwind
