#include "symbolizer/dwarf_frames.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <cstdlib>

namespace cxxprof {

namespace {

bool is_function(Dwarf_Die* die) {
  int tag = dwarf_tag(die);
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point;
}

// The call site of an inlined subroutine DIE, from the CU's file table.
void call_site(Dwarf_Die* inlined, Dwarf_Files* files, size_t file_count, std::string* file,
               int64_t* line) {
  file->clear();
  *line = 0;
  Dwarf_Attribute attribute;
  Dwarf_Word value = 0;
  if (files != nullptr &&
      dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attribute), &value) == 0 &&
      value < file_count) {
    if (const char* name = dwarf_filesrc(files, value, nullptr, nullptr)) *file = name;
  }
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attribute), &value) == 0) {
    *line = int64_t(value);
  }
}

// Innermost scope DIEs at `pc` as physically nested (inlined subroutine inside its
// caller), innermost first. dwarf_getscopes alone continues past an inlined subroutine
// into its abstract origin's scopes, so (as eu-addr2line does) the chain is rebuilt
// from the innermost DIE with dwarf_getscopes_die. Returns the count; *scopes is
// malloc'd.
int physical_scopes(Dwarf_Die* cu, Dwarf_Addr pc, Dwarf_Die** scopes) {
  *scopes = nullptr;
  int count = dwarf_getscopes(cu, pc, scopes);
  if (count <= 0) return count;
  Dwarf_Die innermost = (*scopes)[0];
  free(*scopes);
  *scopes = nullptr;
  return dwarf_getscopes_die(&innermost, scopes);
}

}  // namespace

const DwarfFunctionName& DwarfFrames::function_name(Dwarf_Die* die) {
  auto it = names_.find(die->addr);
  if (it != names_.end()) return it->second;
  return names_.emplace(die->addr, dwarf_function_name(die)).first->second;
}

std::vector<SourceFrame> DwarfFrames::frames(uint64_t address) {
  std::vector<SourceFrame> frames;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(module_, address, &bias);
  // libdwfl picks the CU whose range starts last before the address without checking
  // that the range reaches it, so code without debug info (crt1.o's _start, hand-written
  // assembly) would borrow a neighbour's lines: check.
  if (cu == nullptr || address < bias || dwarf_haspc(cu, address - bias) != 1) return frames;
  const Dwarf_Addr pc = address - bias;

  // The line table gives file:line of the innermost frame.
  std::string file;
  int64_t line = 0;
  if (Dwarf_Line* row = dwarf_getsrc_die(cu, pc)) {
    int line_number = 0;
    const char* name = dwarf_linesrc(row, nullptr, nullptr);
    if (name != nullptr && dwarf_lineno(row, &line_number) == 0) {
      file = name;
      line = line_number;
    }
  }

  Dwarf_Die* scopes = nullptr;
  int count = physical_scopes(cu, pc, &scopes);
  Dwarf_Files* files = nullptr;
  size_t file_count = 0;
  if (dwarf_getsrcfiles(cu, &files, &file_count) != 0) files = nullptr;

  for (int i = 0; i < count; ++i) {
    Dwarf_Die* die = &scopes[i];
    if (!is_function(die)) continue;
    const DwarfFunctionName& name = function_name(die);
    SourceFrame& frame = frames.emplace_back();
    frame.name = name.name;
    frame.system_name = name.system_name;
    int decl_line = 0;
    if (dwarf_decl_line(die, &decl_line) == 0 && decl_line > 0) frame.start_line = decl_line;
    frame.file = file;
    frame.line = line;
    if (dwarf_tag(die) != DW_TAG_inlined_subroutine) break;  // reached the real function
    // The next frame out is the caller, at the call site of this inlined subroutine.
    call_site(die, files, file_count, &file, &line);
  }
  free(scopes);
  // Lines but no function DIE (assembly with line info): keep the lines.
  if (frames.empty() && !file.empty()) frames.push_back(SourceFrame{"", "", file, line, 0});
  return frames;
}

}  // namespace cxxprof
