#pragma once
/// \file version.hpp
/// The one place yanxiu's version is written (CMake and Python read it here).

#define YANXIU_VERSION_STRING "0.1.0"

namespace yanxiu {
/// The library version, e.g. "0.1.0".
inline constexpr const char* kVersion = YANXIU_VERSION_STRING;
}  // namespace yanxiu
