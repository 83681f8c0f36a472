#pragma once
/// \file time.hpp
/// Instants, local dates, the training window, and strict parsers for
/// timestamps and ISO 8601 durations.
///
/// An instant (`Instant`) and a local calendar date (`LocalDate`) are
/// different types, and all time arithmetic is in whole seconds.  The parsers
/// are our own (src/time.cpp): `date::parse` accepts trailing garbage and
/// impossible offsets, so it is never used to validate input.  Only
/// <date/date.h> is included here; include <date/tz.h> to work with a
/// `TimeZone` yourself.

#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;  // <date/tz.h>
}  // namespace date

namespace yanxiu {

/// A point in time, in whole seconds since the Unix epoch (UTC).
using Instant = date::sys_seconds;
/// A length of time in whole seconds.
using Seconds = std::chrono::seconds;
/// A calendar date in some time zone (no time of day, no zone).
using LocalDate = date::year_month_day;
/// A time zone from the system's zoneinfo database.
using TimeZone = date::time_zone;

/// The latest instant we represent; used as "no as_of".
inline constexpr Instant kEndOfTime{Seconds{253402300799}};  // 9999-12-31T23:59:59Z

/// The earliest and the latest instant a timestamp may name: a day inside the
/// years 0001-9999 at both ends, so that every accepted instant (and a study
/// session of up to a day after it) prints in any zone as a timestamp that
/// parses again.
inline constexpr Instant kMinInstant{Seconds{-62135510400}};  // 0001-01-02T00:00:00Z
inline constexpr Instant kMaxInstant{Seconds{253402041600}};  // 9999-12-29T00:00:00Z

/// The longest duration we accept anywhere (far beyond any real session).
inline constexpr std::int64_t kMaxDurationSeconds = 10LL * 366 * 24 * 3600;

/// Looks up a zone by its exact IANA name (case-sensitive); nullptr if unknown.
[[nodiscard]] const TimeZone* find_zone(std::string_view name) noexcept;
/// The zone's IANA name.
[[nodiscard]] std::string zone_name(const TimeZone& zone);

/// Parses a local date `YYYY-MM-DD` (exactly that shape, a real calendar day).
[[nodiscard]] std::optional<LocalDate> parse_local_date(std::string_view s, std::string* error = nullptr);
/// Formats a local date as `YYYY-MM-DD`.
[[nodiscard]] std::string format_local_date(LocalDate d);

/// The instant a local date begins (00:00 local) in `zone`.
[[nodiscard]] Instant start_of_day(LocalDate d, const TimeZone& zone);
/// The end of a local day in `zone`: the next day's 00:00.
[[nodiscard]] Instant end_of_day(LocalDate d, const TimeZone& zone);
/// The local date of an instant in `zone`.
[[nodiscard]] LocalDate local_date_of(Instant t, const TimeZone& zone);

/// Parses a timestamp strictly.
///
/// Accepted: `YYYY-MM-DD` then `T`, `t` or a space, then `hh:mm:ss`, an
/// optional fraction (dropped), then `Z`/`z`, `+hh:mm`, `-hh:mm`, or nothing
/// (read as local time in `zone`).  The whole string must be consumed.
/// Rejected: hour 24, second 60, `-00:00` (RFC 3339's "unknown offset"),
/// offsets beyond ±14:00, impossible dates, missing leading zeros, and
/// instants outside [kMinInstant, kMaxInstant].  On failure `error` says why.
[[nodiscard]] std::optional<Instant> parse_instant(std::string_view s, const TimeZone& zone,
                                                   std::string* error = nullptr);

/// Parses an "as of" instant, as every front end takes one: a timestamp
/// (`parse_instant`; without an offset, read in `zone`), or a local date
/// `YYYY-MM-DD` meaning the end of that day.  On failure `error` says why.
[[nodiscard]] std::optional<Instant> parse_as_of(std::string_view text, const TimeZone& zone,
                                                 std::string* error = nullptr);

/// Formats an instant in `zone` as `YYYY-MM-DDThh:mm:ss+hh:mm`.  An offset
/// with seconds (local mean time before 1901 in most zones, e.g. +08:05:43 in
/// Asia/Shanghai) is rounded to the minute and the local time shifted with
/// it, so the text still names the instant exactly; an offset beyond ±14:00
/// (old local mean times such as Asia/Manila's) prints the instant in UTC.
[[nodiscard]] std::string format_instant(Instant t, const TimeZone& zone);
/// Formats an instant in UTC as `YYYY-MM-DDThh:mm:ssZ`.
[[nodiscard]] std::string format_instant_utc(Instant t);

/// Parses a duration: a plain non-negative number of seconds (`1920`,
/// `1920.5`; fraction dropped) or ISO 8601 `PnDTnHnMnS` (`PT45M`, `PT1H30M`,
/// `P1DT2H`, `PT16559.14S`).  Only the last component may have a fraction.
/// Weeks, months and years are rejected: their length is not fixed.
[[nodiscard]] std::optional<Seconds> parse_duration(std::string_view s, std::string* error = nullptr);

/// The training window: local dates `start`..`end`, both inclusive, in a zone.
/// It covers the instants [start 00:00 local, the day after end 00:00 local).
class Window {
public:
    Window() = default;
    Window(LocalDate start, LocalDate end, const TimeZone& zone);

    /// The first local day.
    [[nodiscard]] LocalDate start_date() const noexcept { return start_; }
    /// The last local day (inclusive).
    [[nodiscard]] LocalDate end_date() const noexcept { return end_; }
    /// The first instant inside the window.
    [[nodiscard]] Instant begin() const noexcept { return begin_; }
    /// The first instant after the window.
    [[nodiscard]] Instant end() const noexcept { return end_exclusive_; }
    /// Whether `t` lies inside the window.
    [[nodiscard]] bool contains(Instant t) const noexcept { return t >= begin_ && t < end_exclusive_; }
    /// Number of local days in the window.
    [[nodiscard]] int days() const noexcept {
        return static_cast<int>((date::sys_days{end_} - date::sys_days{start_}).count()) + 1;
    }

private:
    LocalDate start_{};
    LocalDate end_{};
    Instant begin_{};
    Instant end_exclusive_{};
};

}  // namespace yanxiu
