#pragma once

namespace cxxprof {
inline constexpr const char* kVersion = "0.1.0";
}
