#pragma once
// Reading typed values out of a Record's fields, as every acceptance
// (participants, events, census rows) does it.  Private to the library.

#include <yanxiu/record.hpp>
#include <yanxiu/time.hpp>

#include "text.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace yanxiu::detail {

using text::is_digit;

/// A value from a record quoted for a rejection message: 'like this', UTF-8
/// kept readable, control characters and invalid bytes escaped, at most 40 bytes.
[[nodiscard]] inline std::string quote_value(std::string_view s) { return quoted(s, 40); }

/// `s` without leading and trailing white space: ASCII spaces, tabs and line
/// ends, and the ideographic (full-width) space U+3000 that Chinese input
/// methods type.
[[nodiscard]] inline std::string_view trim_space(std::string_view s) noexcept {
    constexpr std::string_view ideographic = "\xE3\x80\x80";
    for (;;) {
        if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
            s.remove_prefix(1);
        else if (s.substr(0, 3) == ideographic)
            s.remove_prefix(3);
        else
            break;
    }
    for (;;) {
        if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
            s.remove_suffix(1);
        else if (s.size() >= 3 && s.substr(s.size() - 3) == ideographic)
            s.remove_suffix(3);
        else
            break;
    }
    return s;
}

/// The largest magnitude below which every whole double is exact (2^53).
inline constexpr double kExactWhole = 9007199254740992.0;

/// Reads an id-like field into `out`: a string as it is, an integer in
/// decimal, and a number that is whole (what pandas makes of an integer
/// column with a gap: 1234.0) as that integer; false for anything else.
inline bool as_id(const Value& v, std::string& out) {
    if (v.type == ValueType::number) {
        if (!std::isfinite(v.number) || v.number != std::floor(v.number) || std::fabs(v.number) >= kExactWhole)
            return false;
        out = std::to_string(static_cast<std::int64_t>(v.number));
        return true;
    }
    auto id = record_id(v);
    if (!id) return false;
    out = std::move(*id);
    return true;
}

/// Reads a boolean: true/false; 1/0 (as integers or whole numbers); and as
/// text, from any source (a CSV cell, a JSON string, a pandas column read as
/// text), any case, surrounding space ignored: true/false, t/f, yes/no, y/n,
/// 1/0, 1.0/0.0 and the Chinese 是/否, 真/假, 对/错, 已/未, 已认证/未认证, 已实名/未实名.
inline std::optional<bool> field_as_bool(const Value& v) {
    if (v.type == ValueType::boolean) return v.boolean;
    if (v.type == ValueType::string) {
        const std::string_view t = trim_space(v.text);
        if (t.size() > 12) return std::nullopt;
        std::string lower(t);
        for (char& c : lower)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        for (std::string_view yes : {"true", "t", "yes", "y", "1", "1.0", "\xE6\x98\xAF" /*是*/, "\xE7\x9C\x9F" /*真*/,
                                     "\xE5\xAF\xB9" /*对*/, "\xE5\xB7\xB2" /*已*/,
                                     "\xE5\xB7\xB2\xE8\xAE\xA4\xE8\xAF\x81" /*已认证*/, "\xE5\xB7\xB2\xE5\xAE\x9E\xE5\x90\x8D" /*已实名*/})
            if (lower == yes) return true;
        for (std::string_view no : {"false", "f", "no", "n", "0", "0.0", "\xE5\x90\xA6" /*否*/, "\xE5\x81\x87" /*假*/,
                                    "\xE9\x94\x99" /*错*/, "\xE6\x9C\xAA" /*未*/,
                                    "\xE6\x9C\xAA\xE8\xAE\xA4\xE8\xAF\x81" /*未认证*/, "\xE6\x9C\xAA\xE5\xAE\x9E\xE5\x90\x8D" /*未实名*/})
            if (lower == no) return false;
        return std::nullopt;
    }
    if (v.type == ValueType::integer && (v.integer == 0 || v.integer == 1)) return v.integer == 1;
    if (v.type == ValueType::unsigned_integer && (v.unsigned_integer <= 1)) return v.unsigned_integer == 1;
    if (v.type == ValueType::number && (v.number == 0.0 || v.number == 1.0)) return v.number == 1.0;
    return std::nullopt;
}

/// A parsed number, or why not.
struct NumberRead {
    std::optional<double> value;
    bool out_of_range = false;
};

/// Reads a number: a JSON number, or a decimal numeral as text from any
/// source (a CSV cell, a JSON string "80", a column pandas read as text),
/// surrounding space ignored.
inline NumberRead field_as_number(const Value& v) {
    if (v.type == ValueType::integer) return {static_cast<double>(v.integer)};
    if (v.type == ValueType::unsigned_integer) return {static_cast<double>(v.unsigned_integer)};
    if (v.type == ValueType::number) {
        if (!std::isfinite(v.number)) return {std::nullopt, true};
        return {v.number};
    }
    if (v.type == ValueType::string) {
        // A strict decimal numeral: optional sign, digits, optional fraction.
        const std::string s(trim_space(v.text));
        std::size_t i = 0;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++digits;
        if (i < s.size() && s[i] == '.') {
            ++i;
            while (i < s.size() && is_digit(s[i])) ++i, ++digits;
        }
        if (digits == 0 || i != s.size() || s.size() > 64) return {};
        double value = std::strtod(s.c_str(), nullptr);
        if (!std::isfinite(value)) return {std::nullopt, true};
        return {value};
    }
    return {};
}

/// The first field holding a string that is not valid UTF-8, if any.
inline std::optional<Field> first_invalid_utf8_field(const Record& record) noexcept {
    for (std::size_t i = 0; i < kFieldCount; ++i) {
        const Value& v = record.get(static_cast<Field>(i));
        if (v.type == ValueType::string && text::find_invalid_utf8(v.text) != std::string_view::npos)
            return static_cast<Field>(i);
    }
    return std::nullopt;
}

}  // namespace yanxiu::detail
