#include "symbolizer/function_name.h"

#include <cstring>

namespace cxxprof {
namespace {

constexpr std::string_view kAnonymousNamespace = "(anonymous namespace)";

// Characters that can make up an overloaded operator's symbol: operator<<=, operator->*,
// operator[], operator(), operator, ...
bool is_operator_char(char c) { return c != '\0' && std::strchr("<>=!+-*/%^&|~,[]()", c); }

// Index one past the bracket group opening at `i` (`open` at text[i]), counting nested
// groups of all kinds; text.size() if unbalanced.
size_t skip_group(std::string_view text, size_t i) {
  int depth = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<' || c == '(' || c == '[' || c == '{') ++depth;
    if (c == '>' || c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return text.size();
}

bool starts_operator(std::string_view text, size_t i) {
  if (text.substr(i, 8) != "operator") return false;
  if (i > 0 && text[i - 1] != ':' && text[i - 1] != ' ') return false;
  char next = i + 8 < text.size() ? text[i + 8] : '\0';
  return !(next == '_' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
           (next >= '0' && next <= '9'));
}

// Copies "operator" and its symbol (or " new[]", or a conversion's type word) to `out`;
// returns the index after it.
size_t copy_operator(std::string_view text, size_t i, std::string* out) {
  out->append("operator");
  i += 8;
  if (text.substr(i, 2) == "()") {
    out->append("()");
    return i + 2;
  }
  if (i < text.size() && text[i] == ' ') {
    // operator new, operator delete[], operator bool, operator std::string ...
    out->push_back(' ');
    ++i;
    while (i < text.size() && text[i] != '(' && text[i] != '<' && text[i] != ' ') {
      out->push_back(text[i++]);
    }
    return i;
  }
  // "operator<" followed by template arguments ("operator< <int>") keeps one '<'.
  while (i < text.size() && is_operator_char(text[i]) && text[i] != '(') {
    out->push_back(text[i++]);
    if (text.substr(i, 2) == " <") return i + 1;  // the template arguments follow
  }
  return i;
}

void strip_suffix_words(std::string* name) {
  static constexpr std::string_view kQualifiers[] = {" const", " volatile", " &&", " &",
                                                     " noexcept"};
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view q : kQualifiers) {
      if (name->size() > q.size() && name->ends_with(q)) {
        name->resize(name->size() - q.size());
        changed = true;
      }
    }
  }
}

// Drops a leading return type: the name is the last space-separated word at top level
// (outside "(anonymous namespace)" and lambda braces), unless an operator with a space in
// it ("operator new") ends the name.
std::string drop_return_type(const std::string& name) {
  size_t op = name.rfind("operator");
  size_t limit = op == std::string::npos ? name.size() : op;
  size_t last_space = std::string::npos;
  int depth = 0;
  for (size_t i = 0; i < limit; ++i) {
    char c = name[i];
    if (c == '(' || c == '{') ++depth;
    if (c == ')' || c == '}') --depth;
    if (c == ' ' && depth == 0) last_space = i;
  }
  return last_space == std::string::npos ? name : name.substr(last_space + 1);
}

}  // namespace

std::string simplify_function_name(std::string_view text) {
  std::string clone_suffix;
  if (size_t clone = text.find(" [clone "); clone != std::string_view::npos) {
    clone_suffix = std::string(text.substr(clone));
    text = text.substr(0, clone);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (starts_operator(text, i)) {
      i = copy_operator(text, i, &out);
    } else if (text.substr(i, kAnonymousNamespace.size()) == kAnonymousNamespace) {
      out.append(kAnonymousNamespace);  // a scope, not a parameter list
      i += kAnonymousNamespace.size();
    } else if (c == '<' || c == '(') {
      i = skip_group(text, i);  // template arguments or a parameter list
      if (c == '(') strip_suffix_words(&out);
    } else if (c == '{') {
      // {lambda(int)#1} and {unnamed type#1} name an entity: keep them whole.
      size_t end = skip_group(text, i);
      out.append(text.substr(i, end - i));
      i = end;
    } else if (c == '[' && text.substr(i, 5) == "[abi:") {
      i = skip_group(text, i);  // ABI tags such as [abi:cxx11]
    } else {
      out.push_back(c);
      ++i;
    }
  }
  strip_suffix_words(&out);
  std::string name = drop_return_type(out);
  return name.empty() ? std::string(text) + clone_suffix : name + clone_suffix;
}

}  // namespace cxxprof
