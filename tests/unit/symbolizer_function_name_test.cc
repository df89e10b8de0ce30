#include "symbolizer/function_name.h"

#include <gtest/gtest.h>

namespace cxxprof {
namespace {

struct Case {
  const char* demangled;
  const char* simplified;
};

class SimplifyFunctionNameTest : public ::testing::TestWithParam<Case> {};

TEST_P(SimplifyFunctionNameTest, MatchesPprofsDefaultForm) {
  EXPECT_EQ(simplify_function_name(GetParam().demangled), GetParam().simplified);
}

INSTANTIATE_TEST_SUITE_P(
    Names, SimplifyFunctionNameTest,
    ::testing::Values(
        Case{"main", "main"},
        Case{"libfoo.so+0x1f0", "libfoo.so+0x1f0"},
        Case{"burn_heavy(double)", "burn_heavy"},
        Case{"ns::Foo::bar(int) const", "ns::Foo::bar"},
        Case{"std::_Hashtable<std::string, std::pair<std::string const, int>, "
             "std::allocator<std::pair<std::string const, int> > >::_M_find_before_node("
             "unsigned long, std::string const&, unsigned long) const",
             "std::_Hashtable::_M_find_before_node"},
        Case{"void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>("
             "__gnu_cxx::__normal_iterator<int*, std::vector<int> >, int const&)",
             "std::vector::_M_realloc_insert"},
        Case{"generate_corpus[abi:cxx11](unsigned long, unsigned long)", "generate_corpus"},
        Case{"checksum(char const*) [clone .cold]", "checksum [clone .cold]"},
        Case{"ns::Foo::operator<<(int)", "ns::Foo::operator<<"},
        Case{"bool ns::operator< <int>(ns::X<int> const&, ns::X<int> const&)", "ns::operator<"},
        Case{"ns::Foo::operator()(int) &&", "ns::Foo::operator()"},
        Case{"ns::Foo::operator->() const", "ns::Foo::operator->"},
        Case{"operator new(unsigned long)", "operator new"},
        Case{"operator delete[](void*, unsigned long)", "operator delete[]"},
        Case{"ns::Foo::operator bool() const", "ns::Foo::operator bool"},
        Case{"main::{lambda(int)#1}::operator()(int) const", "main::{lambda(int)#1}::operator()"},
        Case{"std::thread::_Invoker<std::tuple<void (*)()> >::_M_invoke<0ul>()",
             "std::thread::_Invoker::_M_invoke"},
        Case{"unsigned long long compute<8>(int)", "compute"},
        Case{"(anonymous namespace)::host_burn(double) [clone .constprop.0]",
             "(anonymous namespace)::host_burn [clone .constprop.0]"},
        Case{"void (anonymous namespace)::Pool<int>::drain()",
             "(anonymous namespace)::Pool::drain"}));

}  // namespace
}  // namespace cxxprof
