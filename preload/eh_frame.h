// Finding and parsing the FDE that covers a PC: .eh_frame_hdr's sorted search table, then
// the FDE and its CIE in .eh_frame (LSB 5.0 "Exception Frames", DWARF 4 §6.4.1).
//
// Async-signal-safe: no allocation, no locks, no global state. Reads of the image are direct
// loads, but only inside ranges the CodeModule vouches for: the header within its
// PT_GNU_EH_FRAME size, CIEs and FDEs within the PT_LOAD segment that holds them.
#pragma once

#include <cstdint>

#include "preload/dwarf_encoding.h"
#include "preload/unwinder.h"

namespace cxxprof::unwind {

// What the CFA interpreter needs of one FDE and its CIE.
struct FdeInfo {
  uint64_t pc_begin;
  uint64_t pc_end;  // one past the last covered address
  uint64_t code_alignment;
  int64_t data_alignment;
  uint64_t return_address_register;
  uint8_t fde_encoding;    // for DW_CFA_set_loc
  bool signal_frame;       // CIE augmentation 'S': the caller is an interrupted instruction
  const uint8_t* cie_instructions;
  const uint8_t* cie_instructions_end;
  const uint8_t* fde_instructions;
  const uint8_t* fde_instructions_end;
  EncodingBases bases;
};

enum class FdeLookup : uint8_t {
  kFound,
  kNotFound,   // no table, or no FDE covers the PC
  kMalformed,  // the tables are inconsistent or out of bounds
};

// Looks pc up in the module's .eh_frame_hdr table and parses the FDE it names.
FdeLookup find_fde(const CodeModule& module, uint64_t pc, FdeInfo* fde);

// Parses the FDE at `entry` (and its CIE); both must lie in [section_begin, section_end).
// Exposed for tests.
FdeLookup parse_fde(const uint8_t* entry, const uint8_t* section_begin,
                    const uint8_t* section_end, const EncodingBases& bases, FdeInfo* fde);

}  // namespace cxxprof::unwind
