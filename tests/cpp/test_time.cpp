#include <doctest/doctest.h>
#include <yanxiu/time.hpp>

using namespace yanxiu;
using namespace std::chrono_literals;

namespace {
const TimeZone& shanghai() { return *find_zone("Asia/Shanghai"); }
Instant utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    return date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi} + Seconds{s};
}
}  // namespace

TEST_CASE("timestamp: offsets, Z and local time in the programme zone") {
    CHECK(parse_instant("2023-01-10T19:00:00+08:00", shanghai()) == utc(2023, 1, 10, 11, 0, 0));
    CHECK(parse_instant("2023-01-10T11:00:00Z", shanghai()) == utc(2023, 1, 10, 11, 0, 0));
    CHECK(parse_instant("2023-01-10 19:00:00", shanghai()) == utc(2023, 1, 10, 11, 0, 0));
    CHECK(parse_instant("2023-01-10T19:00:00.999+08:00", shanghai()) == utc(2023, 1, 10, 11, 0, 0));
    CHECK(parse_instant("2023-01-10T06:00:00-05:00", shanghai()) == utc(2023, 1, 10, 11, 0, 0));
}

TEST_CASE("timestamp: garbage is rejected, not half-parsed") {
    for (const char* bad : {"+08:00garbage", "2023-01-10T19:00:00+08:00garbage", "2023-01-10T19:00:00+99:00",
                            "2023-01-10T19:00:00-00:00", "2023-02-31T10:00:00Z", "2023-01-10T24:00:00Z",
                            "2023-01-10T23:59:60Z", "2023-1-9T8:0:0", "2023-01-10", "", "2023-01-10T19:00Z",
                            "2023-01-10T19:00:00+0800", "2023-01-10T19:00:00.+08:00", "2023-01-10X19:00:00"}) {
        std::string error;
        CHECK_MESSAGE(!parse_instant(bad, shanghai(), &error), std::string(bad));
        CHECK_MESSAGE(!error.empty(), std::string(bad));
    }
}

TEST_CASE("timestamp: formatting in the programme zone") {
    CHECK(format_instant(utc(2023, 1, 30, 12, 15, 0), shanghai()) == "2023-01-30T20:15:00+08:00");
    CHECK(format_instant_utc(utc(2023, 1, 30, 12, 15, 0)) == "2023-01-30T12:15:00Z");
}

TEST_CASE("duration: ISO 8601 and plain seconds") {
    CHECK(parse_duration("PT45M") == Seconds{2700});
    CHECK(parse_duration("PT1H30M") == Seconds{5400});
    CHECK(parse_duration("P1DT2H") == Seconds{93600});
    CHECK(parse_duration("PT16559.14S") == Seconds{16559});
    CHECK(parse_duration("PT1.5H") == Seconds{5400});
    CHECK(parse_duration("1920") == Seconds{1920});
    CHECK(parse_duration("1920.7") == Seconds{1920});
    CHECK(parse_duration("PT0S") == Seconds{0});
    for (const char* bad : {"P", "PT", "P1D2H", "-P1D", "P1M", "P3Y", "P2W", "PT1.5H30M", "PT1M1H", "PT1H1H",
                            "P1DT", "1e3", "-5", "PT5"}) {
        std::string error;
        CHECK_MESSAGE(!parse_duration(bad, &error), std::string(bad));
        CHECK_MESSAGE(!error.empty(), std::string(bad));
    }
    CHECK(parse_duration("P" + std::string(80, '0') + "1D") == Seconds{86400});  // leading zeros are harmless
    std::string eighty(80, '9');
    CHECK(!parse_duration("P" + eighty + "D"));
}

TEST_CASE("R1 window: both dates inclusive, China time") {
    Window w{date::year{2023} / 1 / 9, date::year{2023} / 2 / 10, shanghai()};
    CHECK(w.contains(*parse_instant("2023-02-10T23:59:59+08:00", shanghai())));
    CHECK_FALSE(w.contains(*parse_instant("2023-02-11T00:00:00+08:00", shanghai())));
    CHECK(w.contains(*parse_instant("2023-01-08T16:00:00Z", shanghai())));
    CHECK_FALSE(w.contains(*parse_instant("2023-01-08T15:59:59Z", shanghai())));
    CHECK(w.days() == 33);
}

TEST_CASE("zones are looked up exactly") {
    CHECK(find_zone("Asia/Shanghai") != nullptr);
    CHECK(find_zone("Mars/Olympus") == nullptr);
    CHECK(find_zone("asia/shanghai") == nullptr);
    CHECK(find_zone("../../etc/passwd") == nullptr);
}
