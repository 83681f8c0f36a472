#include "text.hpp"

#include <yanxiu/record.hpp>

#include <cstdint>
#include <cstring>

namespace yanxiu::text {

std::size_t find_invalid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time: most text is ASCII.
        while (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, p + i, 8);
            if (word & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) length = 2;
        else if (c == 0xE0) length = 3, low = 0xA0;  // no overlongs
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) length = 3;
        else if (c == 0xED) length = 3, high = 0x9F;  // no surrogates
        else if (c == 0xF0) length = 4, low = 0x90;   // no overlongs
        else if (c >= 0xF1 && c <= 0xF3) length = 4;
        else if (c == 0xF4) length = 4, high = 0x8F;  // at most U+10FFFF
        else return i;
        if (n - i < length) return i;
        if (p[i + 1] < low || p[i + 1] > high) return i;
        for (std::size_t k = 2; k < length; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
        i += length;
    }
    return std::string_view::npos;
}

std::string printable(std::string_view s, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (out.size() >= max_bytes) {
            out += "…";
            break;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
            ++i;
            continue;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t length = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : 2;
        if (i + length > s.size() || find_invalid_utf8(s.substr(i, length)) != std::string_view::npos) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
            ++i;
            continue;
        }
        out.append(s.substr(i, length));
        i += length;
    }
    return out;
}

std::string quote(std::string_view s, std::size_t max_bytes, char mark) {
    std::string out(1, mark);
    out += printable(s, max_bytes);
    out += mark;
    return out;
}

std::string position(std::string_view text, std::size_t offset) {
    if (offset > text.size()) offset = text.size();
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') line += 1, column = 1;
        else if ((c & 0xC0) != 0x80) column += 1;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " +
           std::to_string(offset) + ")";
}

}  // namespace yanxiu::text

namespace yanxiu {

std::string quoted(std::string_view s, std::size_t max_bytes) { return text::quote(s, max_bytes, '\''); }

namespace {

/// Chinese column headers and the fields they name.
constexpr std::pair<std::string_view, Field> kHeaderAliases[] = {
    {"工号", Field::id},           {"编号", Field::id},           {"教师编号", Field::id},
    {"人员编号", Field::id},       {"用户编号", Field::id},       {"学员编号", Field::id},
    {"单位", Field::unit},         {"所在单位", Field::unit},     {"工作单位", Field::unit},
    {"学校", Field::unit},         {"学段", Field::sector},       {"类别", Field::category},
    {"参训类别", Field::category}, {"培训类别", Field::category}, {"人员类别", Field::category},
    {"是否实名", Field::verified}, {"实名认证", Field::verified}, {"是否实名认证", Field::verified},
    {"姓名", Field::name},         {"类型", Field::kind},         {"记录类型", Field::kind},
    {"参训人", Field::participant}, {"参训人编号", Field::participant}, {"学员", Field::participant},
    {"教师", Field::participant},  {"课程", Field::lesson},       {"课程编号", Field::lesson},
    {"开始时间", Field::start},    {"结束时间", Field::end},      {"时长", Field::duration},
    {"学习时长", Field::duration}, {"时间", Field::at},           {"完成时间", Field::at},
    {"提交时间", Field::at},       {"成绩", Field::score},        {"得分", Field::score},
    {"分数", Field::score},        {"是否完成", Field::completed}, {"是否通过", Field::completed},
    {"应参训人数", Field::expected}, {"应训人数", Field::expected}, {"考试", Field::exam},
    {"审核人", Field::by},         {"认定人", Field::by},         {"原因", Field::reason},
    {"理由", Field::reason},       {"认定时长", Field::seconds},    {"录入人", Field::recorded_by},
    {"联系人", Field::name},       {"联系人姓名", Field::name},   {"职务", Field::title},
    {"座机", Field::phone},        {"办公电话", Field::phone},    {"手机", Field::mobile},
    {"手机号", Field::mobile},     {"手机号码", Field::mobile},   {"微信", Field::wechat},
    {"微信号", Field::wechat},     {"更新时间", Field::updated_at}, {"更新日期", Field::updated_at},
    {"变更时间", Field::updated_at},
};

}  // namespace

std::optional<Field> field_from_header(std::string_view header) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t' || header.back() == '\r'))
        header.remove_suffix(1);
    if (auto exact = field_from_name(header)) return exact;
    if (header.size() <= 16) {
        std::string lower(header);
        for (char& c : lower)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (auto named = field_from_name(lower)) return named;
    }
    for (const auto& [alias, field] : kHeaderAliases)
        if (alias == header) return field;
    return std::nullopt;
}

}  // namespace yanxiu
