// One libFuzzer target: YANXIU_FUZZ_CHECK names the check of fuzz_checks.hpp
// (fuzz/CMakeLists.txt builds this file once per check).  A broken invariant
// or an exception the reader should never throw aborts, so libFuzzer keeps
// the input as a crash.

#include "fuzz_checks.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        yanxiu::fuzz::YANXIU_FUZZ_CHECK(input);
    } catch (const yanxiu::fuzz::InvariantBroken& e) {
        std::fprintf(stderr, "invariant broken: %s\n", e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
