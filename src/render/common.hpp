#pragma once
// Formatting shared by the report's renderers (CSV and HTML).

#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace yanxiu::render {

/// Escapes text for HTML content and attribute values.
[[nodiscard]] inline std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

/// `x` with exactly `places` decimals.
[[nodiscard]] inline std::string fixed(double x, int places) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", places, x);
    return buffer;
}

/// What a coverage figure was divided by, in words.
[[nodiscard]] inline std::string_view denominator_label(Denominator d, Lang lang) noexcept {
    switch (d) {
        case Denominator::census: return label(ReportLabel::denominator_census, lang);
        case Denominator::registered: return label(ReportLabel::denominator_registered, lang);
        case Denominator::mixed: return label(ReportLabel::denominator_mixed, lang);
        case Denominator::none: return "";
    }
    return "";
}

/// A unit's name, or "(no unit)" in words.
[[nodiscard]] inline std::string unit_label(const std::string& unit, Lang lang) {
    return unit.empty() ? std::string(label(ReportLabel::no_unit, lang)) : unit;
}

/// The columns of a follow-up list (未完成名单), in every format.
inline constexpr ReportLabel kFollowUpColumns[] = {
    ReportLabel::participant,      ReportLabel::name,           ReportLabel::unit,
    ReportLabel::category,         ReportLabel::status,         ReportLabel::lessons_credited,
    ReportLabel::lessons_required, ReportLabel::hours_credited, ReportLabel::hours_required,
    ReportLabel::missing};

/// The columns of an outcomes table, in every format (with a last column
/// of explanations when asked for).
inline constexpr ReportLabel kOutcomeColumns[] = {
    ReportLabel::participant,      ReportLabel::unit,            ReportLabel::category,
    ReportLabel::category_id,      ReportLabel::status,          ReportLabel::status_code,
    ReportLabel::lessons_credited, ReportLabel::lessons_required, ReportLabel::seconds_studied,
    ReportLabel::seconds_credited, ReportLabel::hours_credited,  ReportLabel::certificate,
    ReportLabel::completed_at,     ReportLabel::reason_codes};

/// An outcome's reason codes as one cell: "quiz_missing:L02;below_minimum".
[[nodiscard]] inline std::string reason_codes(const Outcome& o) {
    std::string out;
    for (const Reason& r : o.reasons) {
        if (!out.empty()) out += ';';
        out += to_string(r.code);
        if (!r.lesson.empty()) out += ':' + r.lesson;
    }
    return out;
}

/// An outcome's reasons in words, joined by "；" / "; ".
[[nodiscard]] inline std::string explanation_text(const Outcome& o, const Program& program, Lang lang) {
    std::string out;
    const std::string separator = phrase(Phrase::missing_separator, lang);
    for (const Reason& r : o.reasons) {
        if (!out.empty()) out += separator;
        out += explain(r, lang, &program);
    }
    return out;
}

/// Yes/no in words ("是"/"否", "yes"/"no").
[[nodiscard]] inline std::string_view yes_no(bool b, Lang lang) noexcept {
    return lang == Lang::zh ? (b ? "是" : "否") : (b ? "yes" : "no");
}

}  // namespace yanxiu::render
