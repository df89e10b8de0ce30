#include "preload/eh_frame.h"

namespace cxxprof::unwind {
namespace {

// No compiler emits a CIE or FDE anywhere near this; a bigger length is garbage.
constexpr uint64_t kMaxEntryLength = uint64_t{1} << 24;
constexpr int kMaxAugmentationLength = 8;

// Reads an entry's length (32-bit, or 0xffffffff then 64-bit) at `entry`. On success the
// entry's contents (after the length field) are [*contents, *contents_end).
bool read_entry_bounds(const uint8_t* entry, const uint8_t* section_begin,
                       const uint8_t* section_end, const uint8_t** contents,
                       const uint8_t** contents_end) {
  if (entry < section_begin || entry >= section_end) return false;
  ByteCursor cursor(entry, section_end);
  uint32_t length32;
  if (!cursor.read_u32(&length32)) return false;
  uint64_t length = length32;
  if (length32 == 0xffffffffu && !cursor.read_u64(&length)) return false;
  // Zero is the section terminator, never a CIE or FDE.
  if (length == 0 || length > kMaxEntryLength || length > cursor.remaining()) return false;
  *contents = cursor.pos;
  *contents_end = cursor.pos + length;
  return true;
}

// Parses the CIE at `entry` into the CIE half of `fde`. `has_augmentation_data` tells the
// FDE parser whether FDEs carry an augmentation-data length ('z').
bool parse_cie(const uint8_t* entry, const uint8_t* section_begin, const uint8_t* section_end,
               FdeInfo* fde, bool* has_augmentation_data) {
  const uint8_t* contents;
  const uint8_t* contents_end;
  if (!read_entry_bounds(entry, section_begin, section_end, &contents, &contents_end)) {
    return false;
  }
  ByteCursor cursor(contents, contents_end);
  uint32_t id;
  uint8_t version;
  if (!cursor.read_u32(&id) || id != 0 || !cursor.read_u8(&version)) return false;
  if (version != 1 && version != 3 && version != 4) return false;

  char augmentation[kMaxAugmentationLength + 1];
  int augmentation_length = 0;
  for (;;) {
    uint8_t c;
    if (!cursor.read_u8(&c)) return false;
    if (c == 0) break;
    if (augmentation_length == kMaxAugmentationLength) return false;
    augmentation[augmentation_length++] = static_cast<char>(c);
  }
  augmentation[augmentation_length] = 0;

  if (version == 4) {
    uint8_t address_size, segment_size;
    if (!cursor.read_u8(&address_size) || !cursor.read_u8(&segment_size)) return false;
    if (address_size != 8 || segment_size != 0) return false;
  }
  int next = 0;
  if (augmentation_length >= 2 && augmentation[0] == 'e' && augmentation[1] == 'h') {
    if (!cursor.skip(8)) return false;  // old GCC: the address of the exception table
    next = 2;
  }
  int64_t data_alignment;
  if (!cursor.read_uleb(&fde->code_alignment) || !cursor.read_sleb(&data_alignment)) {
    return false;
  }
  fde->data_alignment = data_alignment;
  if (version == 1) {
    uint8_t ra;
    if (!cursor.read_u8(&ra)) return false;
    fde->return_address_register = ra;
  } else if (!cursor.read_uleb(&fde->return_address_register)) {
    return false;
  }

  fde->fde_encoding = kPeAbsptr;
  fde->signal_frame = false;
  *has_augmentation_data = false;
  if (next < augmentation_length && augmentation[next] == 'z') {
    uint64_t data_length;
    if (!cursor.read_uleb(&data_length) || data_length > cursor.remaining()) return false;
    ByteCursor data(cursor.pos, cursor.pos + data_length);
    for (int i = next + 1; i < augmentation_length; ++i) {
      uint8_t encoding;
      uint64_t ignored;
      switch (augmentation[i]) {
        case 'R':
          if (!data.read_u8(&fde->fde_encoding)) return false;
          break;
        case 'L':  // LSDA encoding: the FDE's LSDA pointer is skipped with the aug. data
          if (!data.read_u8(&encoding)) return false;
          break;
        case 'P':  // personality routine: skipped, never dereferenced
          if (!data.read_u8(&encoding) ||
              !read_encoded_pointer(data, encoding, fde->bases, &ignored, false)) {
            return false;
          }
          break;
        case 'S':
          fde->signal_frame = true;
          break;
        case 'B':  // AArch64 BTI, MTE tagged frames: no data, irrelevant here
        case 'G':
          break;
        default:  // an unknown letter may have data we cannot size
          return false;
      }
    }
    cursor.pos += data_length;
    *has_augmentation_data = true;
  } else if (next != augmentation_length) {
    return false;  // an augmentation without 'z' whose layout we do not know
  }
  fde->cie_instructions = cursor.pos;
  fde->cie_instructions_end = contents_end;
  return cursor.ok;
}

}  // namespace

FdeLookup parse_fde(const uint8_t* entry, const uint8_t* section_begin,
                    const uint8_t* section_end, const EncodingBases& bases, FdeInfo* fde) {
  const uint8_t* contents;
  const uint8_t* contents_end;
  if (!read_entry_bounds(entry, section_begin, section_end, &contents, &contents_end)) {
    return FdeLookup::kMalformed;
  }
  ByteCursor cursor(contents, contents_end);
  uint32_t cie_delta;
  if (!cursor.read_u32(&cie_delta) || cie_delta == 0) return FdeLookup::kMalformed;
  // The CIE pointer counts back from the field itself.
  if (cie_delta > static_cast<uint64_t>(contents - section_begin)) return FdeLookup::kMalformed;
  const uint8_t* cie = contents - cie_delta;

  fde->bases = bases;
  fde->bases.func = 0;
  bool has_augmentation_data;
  if (!parse_cie(cie, section_begin, section_end, fde, &has_augmentation_data)) {
    return FdeLookup::kMalformed;
  }
  uint64_t range;
  if (!read_encoded_pointer(cursor, fde->fde_encoding, fde->bases, &fde->pc_begin) ||
      !read_encoded_pointer(cursor, fde->fde_encoding & 0x0f, fde->bases, &range)) {
    return FdeLookup::kMalformed;
  }
  if (fde->pc_begin + range < fde->pc_begin) return FdeLookup::kMalformed;
  fde->pc_end = fde->pc_begin + range;
  fde->bases.func = fde->pc_begin;
  if (has_augmentation_data) {
    uint64_t length;
    if (!cursor.read_uleb(&length) || !cursor.skip(length)) return FdeLookup::kMalformed;
  }
  fde->fde_instructions = cursor.pos;
  fde->fde_instructions_end = contents_end;
  return FdeLookup::kFound;
}

namespace {

// The search table: fde_count entries of (initial location, FDE address), sorted.
struct SearchTable {
  const uint8_t* entries;
  uint64_t count;
  uint8_t encoding;
  size_t entry_size;  // 2 * field size; 0 for variable-size encodings
};

bool read_table_entry(const SearchTable& table, const uint8_t* hdr_end, uint64_t index,
                      const EncodingBases& bases, uint64_t* location, uint64_t* fde) {
  ByteCursor cursor(table.entries + index * table.entry_size, hdr_end);
  return read_encoded_pointer(cursor, table.encoding, bases, location) &&
         read_encoded_pointer(cursor, table.encoding, bases, fde);
}

// Index of the last entry whose location is <= pc, or false if pc precedes them all.
bool search_table(const SearchTable& table, const uint8_t* hdr, const uint8_t* hdr_end,
                  const EncodingBases& bases, uint64_t pc, uint64_t* fde_address) {
  if (table.count == 0) return false;
  if (table.encoding == (kPeDatarel | kPeSdata4)) {
    // The table every linker writes: int32 pairs relative to the header.
    const int64_t target = static_cast<int64_t>(pc - reinterpret_cast<uintptr_t>(hdr));
    uint64_t low = 0, high = table.count;  // first entry with location > target
    while (low < high) {
      uint64_t mid = low + (high - low) / 2;
      int32_t location;
      std::memcpy(&location, table.entries + mid * 8, 4);
      if (location <= target) low = mid + 1; else high = mid;
    }
    if (low == 0) return false;
    int32_t offset;
    std::memcpy(&offset, table.entries + (low - 1) * 8 + 4, 4);
    *fde_address = reinterpret_cast<uintptr_t>(hdr) + static_cast<int64_t>(offset);
    return true;
  }
  uint64_t location, fde;
  if (table.entry_size != 0) {
    uint64_t low = 0, high = table.count;
    while (low < high) {
      uint64_t mid = low + (high - low) / 2;
      if (!read_table_entry(table, hdr_end, mid, bases, &location, &fde)) return false;
      if (location <= pc) low = mid + 1; else high = mid;
    }
    if (low == 0) return false;
    return read_table_entry(table, hdr_end, low - 1, bases, &location, fde_address);
  }
  // LEB128 entries cannot be indexed: a linear pass, bounded by the header's size.
  ByteCursor cursor(table.entries, hdr_end);
  bool found = false;
  for (uint64_t i = 0; i < table.count; ++i) {
    if (!read_encoded_pointer(cursor, table.encoding, bases, &location) ||
        !read_encoded_pointer(cursor, table.encoding, bases, &fde)) {
      return false;
    }
    if (location > pc) break;
    *fde_address = fde;
    found = true;
  }
  return found;
}

}  // namespace

FdeLookup find_fde(const CodeModule& module, uint64_t pc, FdeInfo* fde) {
  if (module.eh_frame_hdr == nullptr || module.eh_frame_hdr_size < 4) return FdeLookup::kNotFound;
  if (module.eh_segment_limit <= module.eh_segment_start) return FdeLookup::kNotFound;
  const uint8_t* hdr = module.eh_frame_hdr;
  const uint8_t* hdr_end = hdr + module.eh_frame_hdr_size;
  EncodingBases bases{module.start, reinterpret_cast<uintptr_t>(hdr), 0,
                      module.eh_segment_start, module.eh_segment_limit};
  ByteCursor cursor(hdr, hdr_end);
  uint8_t version = 0, eh_frame_ptr_encoding = 0, count_encoding = 0, table_encoding = 0;
  cursor.read_u8(&version);
  cursor.read_u8(&eh_frame_ptr_encoding);
  cursor.read_u8(&count_encoding);
  cursor.read_u8(&table_encoding);
  if (!cursor.ok || version != 1) return FdeLookup::kMalformed;
  uint64_t eh_frame;
  if (!read_encoded_pointer(cursor, eh_frame_ptr_encoding, bases, &eh_frame)) {
    return FdeLookup::kMalformed;
  }
  // Without a search table the whole .eh_frame would have to be scanned: not in a handler.
  if (count_encoding == kPeOmit || table_encoding == kPeOmit) return FdeLookup::kNotFound;
  SearchTable table{nullptr, 0, table_encoding, 2 * encoded_pointer_size(table_encoding)};
  if (!read_encoded_pointer(cursor, count_encoding, bases, &table.count)) {
    return FdeLookup::kMalformed;
  }
  table.entries = cursor.pos;
  if (table.entry_size != 0 && table.count > cursor.remaining() / table.entry_size) {
    return FdeLookup::kMalformed;
  }
  uint64_t fde_address;
  if (!search_table(table, hdr, hdr_end, bases, pc, &fde_address)) return FdeLookup::kNotFound;
  const auto* section_begin = reinterpret_cast<const uint8_t*>(module.eh_segment_start);
  const auto* section_end = reinterpret_cast<const uint8_t*>(module.eh_segment_limit);
  if (fde_address < module.eh_segment_start || fde_address >= module.eh_segment_limit) {
    return FdeLookup::kMalformed;
  }
  FdeLookup result = parse_fde(reinterpret_cast<const uint8_t*>(fde_address), section_begin,
                               section_end, bases, fde);
  if (result != FdeLookup::kFound) return result;
  if (pc < fde->pc_begin || pc >= fde->pc_end) return FdeLookup::kNotFound;
  return FdeLookup::kFound;
}

}  // namespace cxxprof::unwind
