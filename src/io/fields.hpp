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

/// Reads an id-like field into `out`; false when it is not a string or an integer.
inline bool as_id(const Value& v, std::string& out) {
    auto id = record_id(v);
    if (!id) return false;
    out = std::move(*id);
    return true;
}

/// Reads a boolean: JSON true/false, or in CSV true/false/1/0/yes/no.
inline std::optional<bool> field_as_bool(const Value& v) {
    if (v.type == ValueType::boolean) return v.boolean;
    if (v.type == ValueType::string && v.from_text) {
        std::string lower;
        for (char c : v.text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower == "true" || lower == "1" || lower == "yes") return true;
        if (lower == "false" || lower == "0" || lower == "no") return false;
    }
    if (v.type == ValueType::integer && (v.integer == 0 || v.integer == 1)) return v.integer == 1;
    if (v.type == ValueType::unsigned_integer && (v.unsigned_integer <= 1)) return v.unsigned_integer == 1;
    return std::nullopt;
}

/// A parsed number, or why not.
struct NumberRead {
    std::optional<double> value;
    bool out_of_range = false;
};

/// Reads a number: a JSON number, or in CSV a decimal numeral.
inline NumberRead field_as_number(const Value& v) {
    if (v.type == ValueType::integer) return {static_cast<double>(v.integer)};
    if (v.type == ValueType::unsigned_integer) return {static_cast<double>(v.unsigned_integer)};
    if (v.type == ValueType::number) {
        if (!std::isfinite(v.number)) return {std::nullopt, true};
        return {v.number};
    }
    if (v.type == ValueType::string && v.from_text) {
        // A strict decimal numeral: optional sign, digits, optional fraction.
        const std::string& s = v.text;
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
