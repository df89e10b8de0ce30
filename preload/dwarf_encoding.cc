#include "preload/dwarf_encoding.h"

namespace cxxprof::unwind {

bool ByteCursor::read_uleb_slow(uint64_t* v) {
  uint64_t result = 0;
  unsigned shift = 0;
  // 10 bytes hold 64 bits; a longer encoding is malformed here (bits beyond 64 are dropped).
  for (int i = 0; i < 10 && ok && pos < end; ++i) {
    uint8_t byte = *pos++;
    if (shift < 64) result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return fail();
}

bool ByteCursor::read_sleb_slow(int64_t* v) {
  uint64_t result = 0;
  unsigned shift = 0;
  for (int i = 0; i < 10 && ok && pos < end; ++i) {
    uint8_t byte = *pos++;
    if (shift < 64) result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      if (shift < 64 && (byte & 0x40) != 0) result |= ~uint64_t{0} << shift;
      *v = static_cast<int64_t>(result);
      return true;
    }
  }
  return fail();
}

size_t encoded_pointer_size(uint8_t encoding) {
  if (encoding == kPeOmit || (encoding & 0x70) == kPeAligned) return 0;
  switch (encoding & 0x0f) {
    case kPeAbsptr:
    case kPeUdata8:
    case kPeSdata8:
      return 8;
    case kPeUdata4:
    case kPeSdata4:
      return 4;
    case kPeUdata2:
    case kPeSdata2:
      return 2;
    default:
      return 0;
  }
}

bool read_encoded_pointer(ByteCursor& cursor, uint8_t encoding, const EncodingBases& bases,
                          uint64_t* value, bool follow_indirect) {
  if (encoding == kPeOmit || !cursor.ok) return cursor.fail();
  uint64_t v = 0;
  uint8_t application = encoding & 0x70;
  if (application == kPeAligned) {
    // Aligned to an 8-byte address, then an absolute pointer.
    if ((encoding & 0x0f) != kPeAbsptr) return cursor.fail();
    uint64_t address = reinterpret_cast<uintptr_t>(cursor.pos);
    if (!cursor.skip(((address + 7) & ~uint64_t{7}) - address)) return false;
  }
  const uint64_t field = reinterpret_cast<uintptr_t>(cursor.pos);
  switch (encoding & 0x0f) {
    case kPeAbsptr:
    case kPeUdata8:
    case kPeSdata8:
      if (!cursor.read_u64(&v)) return false;
      break;
    case kPeUleb128:
      if (!cursor.read_uleb(&v)) return false;
      break;
    case kPeSleb128: {
      int64_t s;
      if (!cursor.read_sleb(&s)) return false;
      v = static_cast<uint64_t>(s);
      break;
    }
    case kPeUdata2: {
      uint16_t u;
      if (!cursor.read_u16(&u)) return false;
      v = u;
      break;
    }
    case kPeUdata4: {
      uint32_t u;
      if (!cursor.read_u32(&u)) return false;
      v = u;
      break;
    }
    case kPeSdata2: {
      uint16_t u;
      if (!cursor.read_u16(&u)) return false;
      v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(u)));
      break;
    }
    case kPeSdata4: {
      uint32_t u;
      if (!cursor.read_u32(&u)) return false;
      v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(u)));
      break;
    }
    default:
      return cursor.fail();
  }
  switch (application) {
    case 0:
    case kPeAligned:
      break;
    case kPePcrel:
      v += field;
      break;
    case kPeTextrel:
      if (bases.text == 0) return cursor.fail();
      v += bases.text;
      break;
    case kPeDatarel:
      if (bases.data == 0) return cursor.fail();
      v += bases.data;
      break;
    case kPeFuncrel:
      if (bases.func == 0) return cursor.fail();
      v += bases.func;
      break;
    default:
      return cursor.fail();
  }
  if ((encoding & kPeIndirect) != 0 && follow_indirect) {
    if (v < bases.readable_begin || v > bases.readable_end || bases.readable_end - v < 8) {
      return cursor.fail();
    }
    std::memcpy(&v, reinterpret_cast<const void*>(static_cast<uintptr_t>(v)), 8);
  }
  *value = v;
  return true;
}

}  // namespace cxxprof::unwind
