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

}  // namespace yanxiu::render
