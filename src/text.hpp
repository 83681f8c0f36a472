#pragma once
// Text helpers shared by the compiled parts: UTF-8 validation and the one way
// a value from the input is quoted in a message.

#include <cstddef>
#include <string>
#include <string_view>

namespace yanxiu::text {

/// The byte offset of the first sequence that is not well-formed UTF-8
/// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
[[nodiscard]] std::size_t find_invalid_utf8(std::string_view s) noexcept;

/// Text made safe for a one-line message: control characters and bytes that
/// are not UTF-8 are escaped (`\u001b`, `\xff`), other characters, Chinese
/// included, are kept as they are, and text longer than `max_bytes` is cut
/// at a character boundary with "…".
[[nodiscard]] std::string printable(std::string_view s, std::size_t max_bytes = 120);

/// A value from the input quoted for a message: `printable` between `mark`s.
[[nodiscard]] std::string quote(std::string_view s, std::size_t max_bytes = 80, char mark = '"');

/// Line and column (both from 1; columns count characters) of a byte offset,
/// as "line L, column C (byte B)".
[[nodiscard]] std::string position(std::string_view text, std::size_t offset);

/// An ASCII digit.
[[nodiscard]] constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Whether `s` is empty or holds only spaces, tabs and line ends.
[[nodiscard]] inline bool is_blank(std::string_view s) noexcept {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    return true;
}

/// The length of a UTF-8 BOM at the start of `text` (3 or 0).
/// Whether `s` ends in `suffix` (lower-case ASCII), ignoring ASCII case: a file's extension.
[[nodiscard]] inline bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) noexcept {
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        char c = s[s.size() - suffix.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

[[nodiscard]] inline std::size_t bom_length(std::string_view text) noexcept {
    return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

}  // namespace yanxiu::text
