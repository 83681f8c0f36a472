#pragma once
// xAPI statement validation (Data part of xAPI 1.0.3 and of 2.0, IEEE
// 9274.1.1), the formats it needs (IRIs, UUIDs, language tags, ISO 8601
// timestamps and durations), and nothing of the mapping to events: that is
// xapi.cpp's.  Private to the library.

#include <yanxiu/record.hpp>
#include <yanxiu/time.hpp>

#include "io/scan.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yanxiu::detail::xapi {

/// The rule set a statement is checked against, from its `version`.
enum class Version : std::uint8_t {
    v1_0,  ///< "1.0", "1.0.x" or no version: xAPI 1.0.3
    v2_0,  ///< "2.0", "2.0.x": xAPI 2.0
};

/// The statement's version (no `version`, or one that is not a string: 1.0).
[[nodiscard]] Version version_of(const nlohmann::json& statement);

/// Checks one parsed statement (an object) against the xAPI Data rules of
/// its version; the first failure, naming the field by its path
/// (`result.score.scaled`, `context.contextActivities.parent[0].id`).
/// Timestamps without an offset are read in `zone`.
[[nodiscard]] std::optional<FieldError> check_statement(const nlohmann::json& statement, const TimeZone& zone);

/// An IRI as xAPI needs one: a scheme, a colon, and at least one more
/// character, with no spaces, control characters or `<>"{}|\^``, and `%`
/// only before two hex digits.
[[nodiscard]] bool is_iri(std::string_view s) noexcept;
/// A UUID in its standard form (8-4-4-4-12 hex digits) of the RFC 4122
/// variant.
[[nodiscard]] bool is_uuid(std::string_view s) noexcept;
/// A well-formed RFC 5646 language tag (its syntax; subtags are not looked
/// up in the registry).
[[nodiscard]] bool is_language_tag(std::string_view s) noexcept;

/// An ISO 8601:2004 §4.4.3.2 duration: `PnYnMnDTnHnMnS` (any components,
/// at least one, the last one may carry a fraction with `.` or `,`) or `PnW`.
struct IsoDuration {
    double years = 0, months = 0;  ///< calendar parts, of no fixed length
    double seconds = 0;            ///< weeks (7 days), days (24 h), hours, minutes and seconds together
    [[nodiscard]] bool calendar() const noexcept { return years != 0 || months != 0; }
};
[[nodiscard]] std::optional<IsoDuration> parse_iso_duration(std::string_view s, std::string* error = nullptr);

/// An ISO 8601 timestamp as xAPI allows it: extended (`2023-01-10T19:35:00`)
/// or basic (`20230110T193500`) format, seconds optional, a fraction with `.`
/// or `,`, and an offset `Z`, `±hh`, `±hhmm` or `±hh:mm`.  Without an offset
/// a 1.0 timestamp is read in `zone`; a 2.0 one is refused.
[[nodiscard]] std::optional<Instant> parse_xapi_timestamp(std::string_view s, Version version, const TimeZone& zone,
                                                          std::string* error = nullptr);

}  // namespace yanxiu::detail::xapi
