#include "symbolizer/dwarf_names.h"

#include <dwarf.h>

#include <cstdlib>
#include <string_view>

#include "symbolizer/demangle.h"
#include "symbolizer/function_name.h"

namespace cxxprof {

namespace {

constexpr int kMaxReferenceHops = 8;  // origin/specification chains are short; bound loops
constexpr int kMaxNesting = 4;        // local classes inside functions inside ...

const char* integrated_string(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attribute;
  // _integrate follows DW_AT_abstract_origin and DW_AT_specification: an inlined or
  // out-of-line instance carries its names only on the abstract declaration.
  if (dwarf_attr_integrate(die, name, &attribute) == nullptr) return nullptr;
  return dwarf_formstring(&attribute);
}

// The declaration a function DIE refers to: the one nested in its class or namespace.
Dwarf_Die declaration_of(Dwarf_Die* die) {
  Dwarf_Die current = *die;
  for (int hop = 0; hop < kMaxReferenceHops; ++hop) {
    Dwarf_Attribute attribute;
    Dwarf_Die next;
    if ((dwarf_attr(&current, DW_AT_abstract_origin, &attribute) == nullptr &&
         dwarf_attr(&current, DW_AT_specification, &attribute) == nullptr) ||
        dwarf_formref_die(&attribute, &next) == nullptr) {
      break;
    }
    current = next;
  }
  return current;
}

bool is_type_scope(int tag) {
  return tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
         tag == DW_TAG_interface_type;
}

std::string qualified_name(Dwarf_Die* die, int nesting) {
  const char* base = integrated_string(die, DW_AT_name);
  if (base == nullptr) return {};
  std::string name = base;
  if (nesting >= kMaxNesting) return name;

  Dwarf_Die declaration = declaration_of(die);
  Dwarf_Die* scopes = nullptr;
  int count = dwarf_getscopes_die(&declaration, &scopes);
  // scopes[0] is the declaration itself; the enclosing scopes follow, innermost first.
  for (int i = 1; i < count; ++i) {
    Dwarf_Die* scope = &scopes[i];
    int tag = dwarf_tag(scope);
    const char* scope_name = dwarf_diename(scope);
    if (tag == DW_TAG_namespace) {
      name =
          std::string(scope_name != nullptr ? scope_name : "(anonymous namespace)") + "::" + name;
    } else if (is_type_scope(tag)) {
      // GCC gives a lambda's closure type no name; its call operator is what shows up.
      const char* unnamed = i == 1 && name == "operator()" ? "{lambda}" : "{unnamed type}";
      name = std::string(scope_name != nullptr ? scope_name : unnamed) + "::" + name;
    } else if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
      // A local class: its function's own qualified name completes the prefix.
      std::string outer = qualified_name(scope, nesting + 1);
      if (!outer.empty()) name = outer + "::" + name;
      break;
    } else if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit) {
      break;
    }
  }
  free(scopes);
  return name;
}

}  // namespace

DwarfFunctionName dwarf_function_name(Dwarf_Die* die) {
  DwarfFunctionName out;
  const char* linkage = integrated_string(die, DW_AT_linkage_name);
  if (linkage == nullptr) linkage = integrated_string(die, DW_AT_MIPS_linkage_name);
  if (linkage != nullptr && std::string_view(linkage).starts_with("_Z")) {
    out.system_name = linkage;
    out.name = simplify_function_name(demangle(out.system_name));
    return out;
  }
  // No linkage name, or one that is not a mangled C++ name: an asm label, such as
  // glibc's internal alias "__GI_abort" for abort. The source name is what users know.
  out.name = simplify_function_name(qualified_name(die, 0));
  out.system_name = linkage != nullptr ? linkage : out.name;
  if (out.name.empty()) out.name = out.system_name;
  return out;
}

}  // namespace cxxprof
