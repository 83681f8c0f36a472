#pragma once
/// \file messages.hpp
/// Chinese and English wording for everything yanxiu says to people:
/// reasons, statuses, rejection codes, sectors, and every label and
/// sentence of a report.
///
/// Codes stay the machine interface (outcomes and rejections are written as
/// codes); these messages are for people reading a report or a learner's
/// standing.  The Chinese is the register of an education office's notice.
/// The wording itself is compiled (src/messages.cpp), so it lives in one place.

#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yanxiu {

/// The language of a message or a report.
enum class Lang : std::uint8_t { zh, en };

/// Parses "zh" or "en"; nullopt otherwise.
[[nodiscard]] inline std::optional<Lang> parse_lang(std::string_view s) noexcept {
    if (s == "zh") return Lang::zh;
    if (s == "en") return Lang::en;
    return std::nullopt;
}

/// A short description of a reason code, without its details.
[[nodiscard]] std::string_view message(ReasonCode code, Lang lang) noexcept;
/// The wording of a status.
[[nodiscard]] std::string_view message(Status status, Lang lang) noexcept;
/// The wording of a rejection code.
[[nodiscard]] std::string_view message(RejectCode code, Lang lang) noexcept;
/// The wording of a school sector.
[[nodiscard]] std::string_view message(Sector sector, Lang lang) noexcept;

/// A category's label in `lang`: from the programme when given and it knows
/// the id, else the id itself.
[[nodiscard]] std::string category_label(std::string_view id, Lang lang, const Program* program = nullptr);

/// One reason as a sentence, e.g. "第 L07 课未完成答题，不计学时" /
/// "Lesson L07: quiz not completed, so its hours are not credited".
/// `program`, when given, names categories by their labels.
[[nodiscard]] std::string explain(const Reason& reason, Lang lang, const Program* program = nullptr);

/// A length of time for a sentence: "12 分钟", "12 分 30 秒" / "12 min", "12 min 30 s".
[[nodiscard]] std::string duration_words(std::int64_t seconds, Lang lang);

/// The columns and headings of a report.
enum class ReportLabel : std::uint8_t {
    rank,
    unit,
    category,
    category_id,
    expected,
    registered,
    started,
    completed,
    unverified,
    coverage,
    denominator,
    mean_hours,
    date,
    cumulative_completed,
    cumulative_started,
    total,
    no_unit,
    denominator_census,
    denominator_registered,
    denominator_mixed,
    recorded_hours,
};

/// A report column's or heading's label.
[[nodiscard]] std::string_view label(ReportLabel l, Lang lang) noexcept;

}  // namespace yanxiu
