// Instants, local dates, the window, and the strict parsers (include/yanxiu/time.hpp).

#include <yanxiu/time.hpp>

#include <date/tz.h>

#include "text.hpp"

namespace yanxiu {

using text::is_digit;


namespace {


/// Reads exactly `n` ASCII digits at `pos`; advances `pos` on success.
bool read_fixed_digits(std::string_view s, std::size_t& pos, int n, int& out) noexcept {
    if (pos + static_cast<std::size_t>(n) > s.size()) return false;
    int value = 0;
    for (int i = 0; i < n; ++i) {
        char c = s[pos + static_cast<std::size_t>(i)];
        if (!is_digit(c)) return false;
        value = value * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    out = value;
    return true;
}

void set_error(std::string* error, const char* message) {
    if (error) *error = message;
}

}  // namespace

/// Looks up a zone by its exact IANA name (case-sensitive); nullptr if unknown.
const TimeZone* find_zone(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64) return nullptr;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '/' ||
                  c == '_' || c == '-' || c == '+';
        if (!ok) return nullptr;
    }
    try {
        const TimeZone* zone = date::locate_zone(std::string(name));
        // locate_zone may resolve links; the name must still match as written.
        return zone;
    } catch (...) {
        return nullptr;
    }
}

/// Parses a local date `YYYY-MM-DD` (exactly that shape, a real calendar day).
std::optional<LocalDate> parse_local_date(std::string_view s, std::string* error) {
    std::size_t pos = 0;
    int y = 0, m = 0, d = 0;
    if (!read_fixed_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' ||
        !read_fixed_digits(s, pos, 2, m) || pos >= s.size() || s[pos++] != '-' ||
        !read_fixed_digits(s, pos, 2, d) || pos != s.size()) {
        set_error(error, "expected a date YYYY-MM-DD");
        return std::nullopt;
    }
    LocalDate date{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}};
    if (!date.ok() || y < 1) {
        set_error(error, "no such calendar day");
        return std::nullopt;
    }
    return date;
}

/// Formats a local date as `YYYY-MM-DD`.
std::string format_local_date(LocalDate d) { return date::format("%F", date::local_days{d}); }

/// The instant a local date begins (00:00 local) in `zone`.
Instant start_of_day(LocalDate d, const TimeZone& zone) {
    return date::floor<Seconds>(zone.to_sys(date::local_seconds{date::local_days{d}}, date::choose::earliest));
}

/// The local date of an instant in `zone`.
LocalDate local_date_of(Instant t, const TimeZone& zone) {
    return LocalDate{date::floor<date::days>(zone.to_local(t))};
}

namespace {
/// parse_instant without the range check.
std::optional<Instant> parse_instant_unbounded(std::string_view s, const TimeZone& zone,
                                                                    std::string* error) {
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    auto fail = [&](const char* message) -> std::optional<Instant> {
        set_error(error, message);
        return std::nullopt;
    };
    if (!read_fixed_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' ||
        !read_fixed_digits(s, pos, 2, mo) || pos >= s.size() || s[pos++] != '-' ||
        !read_fixed_digits(s, pos, 2, d))
        return fail("expected a timestamp YYYY-MM-DDThh:mm:ss with an optional offset");
    if (pos >= s.size()) return fail("a timestamp needs a time of day, not only a date");
    char sep = s[pos++];
    if (sep != 'T' && sep != 't' && sep != ' ') return fail("expected 'T' or a space between date and time");
    if (!read_fixed_digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' ||
        !read_fixed_digits(s, pos, 2, mi) || pos >= s.size() || s[pos++] != ':' ||
        !read_fixed_digits(s, pos, 2, sec))
        return fail("expected a time of day hh:mm:ss");
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        std::size_t digits = 0;
        while (pos < s.size() && is_digit(s[pos])) ++pos, ++digits;
        if (digits == 0) return fail("a decimal point must be followed by digits");
    }
    LocalDate date{date::year{y}, date::month{static_cast<unsigned>(mo)}, date::day{static_cast<unsigned>(d)}};
    if (y < 1 || !date.ok()) return fail("no such calendar day");
    if (h > 23) return fail("hour out of range 00-23");
    if (mi > 59) return fail("minute out of range 00-59");
    if (sec > 59) return fail("second out of range 00-59 (leap seconds are not accepted)");
    auto local = date::local_days{date} + std::chrono::hours{h} + std::chrono::minutes{mi} + Seconds{sec};

    if (pos == s.size()) {
        // No offset: the wall-clock time in the programme's zone.
        return date::floor<Seconds>(zone.to_sys(date::local_seconds{local}, date::choose::earliest));
    }
    char z = s[pos];
    if (z == 'Z' || z == 'z') {
        if (pos + 1 != s.size()) return fail("unexpected characters after 'Z'");
        return Instant{local.time_since_epoch()};
    }
    if (z != '+' && z != '-') return fail("expected 'Z' or an offset +hh:mm after the time");
    ++pos;
    int oh = 0, om = 0;
    if (!read_fixed_digits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':' ||
        !read_fixed_digits(s, pos, 2, om))
        return fail("expected an offset +hh:mm");
    if (pos != s.size()) return fail("unexpected characters after the offset");
    if (om > 59 || oh > 14 || (oh == 14 && om > 0)) return fail("offset out of range (at most ±14:00)");
    if (z == '-' && oh == 0 && om == 0) return fail("offset -00:00 means 'unknown'; write Z or +00:00");
    Seconds offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    if (z == '-') offset = -offset;
    return Instant{local.time_since_epoch() - offset};
}
}  // namespace

/// Parses a timestamp strictly.
///
/// Accepted: `YYYY-MM-DD` then `T`, `t` or a space, then `hh:mm:ss`, an
/// optional fraction (dropped), then `Z`/`z`, `+hh:mm`, `-hh:mm`, or nothing
/// (read as local time in `zone`).  The whole string must be consumed.
/// Rejected: hour 24, second 60, `-00:00` (RFC 3339's "unknown offset"),
/// offsets beyond ±14:00, impossible dates, missing leading zeros, and
/// instants outside [kMinInstant, kMaxInstant].
std::optional<Instant> parse_instant(std::string_view s, const TimeZone& zone,
                                                          std::string* error) {
    auto t = parse_instant_unbounded(s, zone, error);
    if (t && (*t < kMinInstant || *t > kMaxInstant)) {
        set_error(error, "timestamp out of range (0001-01-02 to 9999-12-29)");
        return std::nullopt;
    }
    return t;
}

/// Formats an instant in `zone` as `YYYY-MM-DDThh:mm:ss+hh:mm`.  An offset
/// with seconds (local mean time before 1901 in most zones, e.g. +08:05:43 in
/// Asia/Shanghai) is rounded to the minute and the local time shifted with
/// it, so the text still names the instant exactly; an offset beyond ±14:00
/// (old local mean times such as Asia/Manila's) prints the instant in UTC.
std::string format_instant(Instant t, const TimeZone& zone) {
    auto info = zone.get_info(t);
    auto offset = info.offset.count();
    offset = (offset >= 0 ? offset + 30 : offset - 30) / 60 * 60;  // to the nearest minute
    if (offset > 14 * 3600 || offset < -14 * 3600) return date::format("%FT%TZ", t);
    auto local = t + Seconds{offset};
    char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    std::string out = date::format("%FT%T", local);
    char buf[8];
    buf[0] = sign;
    buf[1] = static_cast<char>('0' + (offset / 3600) / 10);
    buf[2] = static_cast<char>('0' + (offset / 3600) % 10);
    buf[3] = ':';
    buf[4] = static_cast<char>('0' + ((offset / 60) % 60) / 10);
    buf[5] = static_cast<char>('0' + ((offset / 60) % 60) % 10);
    out.append(buf, 6);
    return out;
}

/// Formats an instant in UTC as `YYYY-MM-DDThh:mm:ssZ`.
std::string format_instant_utc(Instant t) { return date::format("%FT%TZ", t); }

/// Parses a duration: a plain non-negative number of seconds (`1920`,
/// `1920.5`; fraction dropped) or ISO 8601 `PnDTnHnMnS` (`PT45M`, `PT1H30M`,
/// `P1DT2H`, `PT16559.14S`).  Only the last component may have a fraction.
/// Weeks, months and years are rejected: their length is not fixed.
std::optional<Seconds> parse_duration(std::string_view s, std::string* error) {
    auto fail = [&](const char* message) -> std::optional<Seconds> {
        set_error(error, message);
        return std::nullopt;
    };
    if (s.empty()) return fail("empty duration");
    constexpr std::int64_t limit = kMaxDurationSeconds;
    if (is_digit(s[0])) {
        std::size_t pos = 0;
        std::int64_t value = 0;
        while (pos < s.size() && is_digit(s[pos])) {
            value = value * 10 + (s[pos] - '0');
            if (value > limit) return fail("duration too long");
            ++pos;
        }
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            std::size_t digits = 0;
            while (pos < s.size() && is_digit(s[pos])) ++pos, ++digits;
            if (digits == 0) return fail("a decimal point must be followed by digits");
        }
        if (pos != s.size()) return fail("expected seconds as a number or an ISO 8601 duration such as PT45M");
        return Seconds{value};
    }
    if (s[0] != 'P') return fail("expected seconds as a number or an ISO 8601 duration such as PT45M");
    std::size_t pos = 1;
    bool in_time = false, any = false, had_fraction = false;
    int last_rank = -1;  // D=0, H=1, M=2, S=3: components must come in order, each once
    std::int64_t total = 0;
    while (pos < s.size()) {
        if (s[pos] == 'T') {
            if (in_time) return fail("'T' appears twice");
            in_time = true;
            ++pos;
            if (pos == s.size()) return fail("'T' must be followed by hours, minutes or seconds");
            continue;
        }
        if (had_fraction) return fail("only the last component may have a fraction");
        std::int64_t whole = 0;
        std::size_t digits = 0;
        while (pos < s.size() && is_digit(s[pos])) {
            whole = whole * 10 + (s[pos] - '0');
            if (whole > limit) return fail("duration too long");
            ++pos, ++digits;
        }
        if (digits == 0) return fail("expected a number in the duration");
        std::int64_t frac_num = 0, frac_den = 1;  // fraction kept to 9 digits
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            std::size_t fdigits = 0;
            while (pos < s.size() && is_digit(s[pos])) {
                if (fdigits < 9) frac_num = frac_num * 10 + (s[pos] - '0'), frac_den *= 10;
                ++pos, ++fdigits;
            }
            if (fdigits == 0) return fail("a decimal point must be followed by digits");
            had_fraction = true;
        }
        if (pos >= s.size()) return fail("a number in the duration needs a unit");
        char unit = s[pos++];
        int rank = 0;
        std::int64_t unit_seconds = 0;
        if (!in_time) {
            if (unit == 'D') rank = 0, unit_seconds = 86400;
            else if (unit == 'W' || unit == 'M' || unit == 'Y')
                return fail("weeks, months and years have no fixed length; use days, hours, minutes, seconds");
            else if (unit == 'H' || unit == 'S')
                return fail("hours, minutes and seconds must follow 'T' (PT1H, P1DT2H)");
            else
                return fail("unknown unit in the duration");
        } else {
            if (unit == 'H') rank = 1, unit_seconds = 3600;
            else if (unit == 'M') rank = 2, unit_seconds = 60;
            else if (unit == 'S') rank = 3, unit_seconds = 1;
            else return fail("unknown unit in the duration");
        }
        if (rank <= last_rank) return fail("duration components out of order or repeated");
        last_rank = rank;
        if (whole > limit / unit_seconds) return fail("duration too long");
        total += whole * unit_seconds + (frac_num * unit_seconds) / frac_den;
        if (total > limit) return fail("duration too long");
        any = true;
    }
    if (!any) return fail("a duration needs at least one component (PT45M)");
    return Seconds{total};
}

Window::Window(LocalDate start, LocalDate end, const TimeZone& zone)
    : start_(start), end_(end), begin_(start_of_day(start, zone)), end_exclusive_(end_of_day(end, zone)) {}

Instant end_of_day(LocalDate d, const TimeZone& zone) {
    return start_of_day(LocalDate{date::sys_days{d} + date::days{1}}, zone);
}

std::optional<Instant> parse_as_of(std::string_view text, const TimeZone& zone, std::string* error) {
    if (auto day = parse_local_date(text)) return end_of_day(*day, zone);
    return parse_instant(text, zone, error);
}

std::string zone_name(const TimeZone& zone) { return std::string(zone.name()); }

}  // namespace yanxiu
