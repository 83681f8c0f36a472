// The fuzz corpora (fuzz/corpus/<target>/) replayed through the same checks
// the libFuzzer targets run (fuzz/fuzz_checks.hpp), in every build: every
// seed and every input a fuzzer once crashed on stays a regression test.

#include <doctest/doctest.h>

#include "../../fuzz/fuzz_checks.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(YANXIU_SOURCE_DIR) / "fuzz" / "corpus";

/// Replays every file of one target's corpus; returns how many.
template <class Check>
std::size_t replay(const char* target, Check check) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(kCorpus / target))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        const std::string input = bytes.str();
        INFO("corpus file ", path.string());
        CHECK_NOTHROW(check(input));
    }
    return files.size();
}

}  // namespace

TEST_CASE("fuzz corpus: timestamp parser") { CHECK(replay("timestamp", yanxiu::fuzz::check_timestamp) >= 20); }
TEST_CASE("fuzz corpus: duration parser") { CHECK(replay("duration", yanxiu::fuzz::check_duration) >= 20); }
TEST_CASE("fuzz corpus: JSON Lines reader") { CHECK(replay("jsonl", yanxiu::fuzz::check_jsonl) >= 20); }
TEST_CASE("fuzz corpus: CSV reader") { CHECK(replay("csv", yanxiu::fuzz::check_csv) >= 10); }
TEST_CASE("fuzz corpus: xAPI reader") { CHECK(replay("xapi", yanxiu::fuzz::check_xapi) >= 20); }
TEST_CASE("fuzz corpus: programme loader") { CHECK(replay("program", yanxiu::fuzz::check_program) >= 10); }

TEST_CASE("fuzz checks catch a broken invariant") {
    // The checks are not vacuous: a timestamp that does not round-trip is
    // caught, as the fuzzer once found (now rejected as out of range).
    CHECK_NOTHROW(yanxiu::fuzz::check_timestamp("9999-12-31T23:59:59Z"));
    std::string error;
    CHECK_FALSE(yanxiu::parse_instant("9999-12-31T23:59:59Z", yanxiu::fuzz::detail::hunan().time_zone(), &error));
    CHECK(error.find("out of range") != std::string::npos);
    CHECK_FALSE(yanxiu::parse_instant("0001-01-01T00:00:00+08:00", yanxiu::fuzz::detail::hunan().time_zone()));
    CHECK(yanxiu::parse_instant("0001-01-02T00:00:00Z", yanxiu::fuzz::detail::hunan().time_zone()));
    CHECK(yanxiu::parse_instant("9999-12-29T00:00:00Z", yanxiu::fuzz::detail::hunan().time_zone()));
    CHECK_FALSE(yanxiu::parse_instant("9999-12-29T00:00:01Z", yanxiu::fuzz::detail::hunan().time_zone()));
}

TEST_CASE("format_instant names the instant exactly when the zone's offset has seconds") {
    // Found by fuzz_timestamp: before 1901 Asia/Shanghai is at local mean
    // time, +08:05:43, which an RFC 3339 offset cannot hold.
    const auto& zone = yanxiu::fuzz::detail::hunan().time_zone();
    auto t = yanxiu::parse_instant("0232-01-10T19:00:00+08:00", zone);
    REQUIRE(t);
    const std::string printed = yanxiu::format_instant(*t, zone);
    CHECK(printed == "0232-01-10T19:06:00+08:06");
    CHECK(yanxiu::parse_instant(printed, zone) == t);
    const yanxiu::TimeZone* manila = yanxiu::find_zone("Asia/Manila");
    REQUIRE(manila);
    auto old = yanxiu::parse_instant("1800-01-01T00:00:00Z", *manila);
    REQUIRE(old);
    CHECK(yanxiu::parse_instant(yanxiu::format_instant(*old, *manila), *manila) == old);
}
