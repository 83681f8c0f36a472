// xAPI statement validation (src/io/xapi_check.hpp).
//
// One pass over the parsed statement, object by object, as the xAPI Data
// part describes them: the keys each object may have (case-sensitive), the
// type and format of each value, and the rules that tie values together
// (exactly one identifier per agent, raw within [min, max], revision only on
// an Activity, ...).  The first failure is returned, naming its path.

#include "io/xapi_check.hpp"

#include "io/fields.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <set>

namespace yanxiu::detail::xapi {

using json = nlohmann::json;

namespace {

bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

}  // namespace

bool is_iri(std::string_view s) noexcept {
    std::size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
    if (!is_alpha(s[0])) return false;
    for (std::size_t i = 1; i < colon; ++i)
        if (!is_alnum(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
    for (std::size_t i = colon + 1; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c <= 0x20 || c == 0x7f) return false;
        if (std::string_view("<>\"{}|\\^`").find(static_cast<char>(c)) != std::string_view::npos) return false;
        if (c == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))) return false;
    }
    return true;
}

bool is_uuid(std::string_view s) noexcept {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    // RFC 4122's variant: the first hex digit of the fourth group is 8, 9, a
    // or b; or the nil UUID, all zeros (RFC 4122 §4.1.7).
    return std::string_view("89abAB").find(s[19]) != std::string_view::npos ||
           s == "00000000-0000-0000-0000-000000000000";
}

bool is_language_tag(std::string_view s) noexcept {
    // RFC 5646 §2.1, by subtag: language (2-3 letters with up to three
    // 3-letter extlangs, or 4-8 letters), script (4 letters), region (2
    // letters or 3 digits), variants (5-8 alphanumerics, or a digit and 3),
    // extensions (a singleton and subtags of 2-8), private use (x and
    // subtags of 1-8).  A tag may also be private use alone, or one of the
    // irregular grandfathered tags (i-klingon, en-GB-oed, ...).
    static constexpr std::string_view irregular[] = {
        "en-GB-oed", "i-ami",     "i-bnn",      "i-default",  "i-enochian", "i-hak",     "i-klingon",
        "i-lux",     "i-mingo",   "i-navajo",   "i-pwn",      "i-tao",      "i-tay",     "i-tsu",
        "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE"};
    for (auto g : irregular)
        if (iequals(s, g)) return true;
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        auto dash = s.find('-', start);
        parts.push_back(s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
        if (dash == std::string_view::npos) break;
        start = dash + 1;
    }
    auto all = [](std::string_view p, bool (*pred)(char) noexcept) {
        return std::all_of(p.begin(), p.end(), [pred](char c) { return pred(c); });
    };
    for (auto p : parts)
        if (p.empty() || p.size() > 8 || !all(p, is_alnum)) return false;
    std::size_t i = 0;
    auto private_use = [&](std::size_t from) {
        // "x" followed by at least one subtag of 1-8 alphanumerics (checked above).
        return iequals(parts[from], "x") && from + 1 < parts.size();
    };
    if (private_use(0)) return true;
    const auto& lang = parts[i];
    if (!all(lang, is_alpha) || lang.size() < 2) return false;
    ++i;
    if (lang.size() <= 3) {
        for (int ext = 0; ext < 3 && i < parts.size() && parts[i].size() == 3 && all(parts[i], is_alpha); ++ext) ++i;
    }
    if (i < parts.size() && parts[i].size() == 4 && all(parts[i], is_alpha)) ++i;  // script
    if (i < parts.size() && ((parts[i].size() == 2 && all(parts[i], is_alpha)) ||
                             (parts[i].size() == 3 && all(parts[i], is_digit))))
        ++i;  // region
    while (i < parts.size() && ((parts[i].size() >= 5) || (parts[i].size() == 4 && is_digit(parts[i][0])))) ++i;
    std::set<char> singletons;
    while (i < parts.size() && parts[i].size() == 1 && !iequals(parts[i], "x")) {
        if (!singletons.insert(lower(parts[i][0])).second) return false;  // an extension singleton twice
        std::size_t j = i + 1;
        while (j < parts.size() && parts[j].size() >= 2) ++j;
        if (j == i + 1) return false;  // a singleton needs a subtag
        i = j;
    }
    if (i < parts.size() && private_use(i)) return true;
    return i == parts.size();
}

std::optional<IsoDuration> parse_iso_duration(std::string_view s, std::string* error) {
    auto fail = [&](const char* why) -> std::optional<IsoDuration> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (s.size() < 2 || s[0] != 'P') return fail("an ISO 8601 duration starts with P, such as PT45M");
    if (s.size() > 256) return fail("an ISO 8601 duration of more than 256 characters");
    IsoDuration d;
    // Designators in the order they may appear; `T` splits the date part from the time part.
    static constexpr std::string_view date_units = "YMWD", time_units = "HMS";
    bool in_time = false, any = false, fraction_seen = false, weeks = false, others = false;
    std::size_t next_unit = 0;  // index into the current part's units: each at most once, in order
    std::size_t i = 1;
    while (i < s.size()) {
        if (s[i] == 'T') {
            if (in_time) return fail("T appears twice");
            in_time = true;
            next_unit = 0;
            ++i;
            if (i == s.size()) return fail("T must be followed by hours, minutes or seconds");
            continue;
        }
        if (fraction_seen) return fail("only the last component may have a fraction");
        std::size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start) return fail("each component needs digits before its designator");
        std::string number(s.substr(start, i - start));
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            std::size_t frac = ++i;
            while (i < s.size() && is_digit(s[i])) ++i;
            if (i == frac) return fail("a decimal sign needs digits after it");
            number += '.';
            number += s.substr(frac, i - frac);
            fraction_seen = true;
        }
        if (i == s.size()) return fail("a number without a designator (Y, M, W, D, H, M or S)");
        const char unit = s[i++];
        const std::string_view units = in_time ? time_units : date_units;
        const auto at = units.find(unit, next_unit);
        if (at == std::string_view::npos)
            return fail(in_time ? "time components are H, M, S in this order, each once"
                                : "date components are Y, M, W, D in this order, each once (hours need T)");
        next_unit = at + 1;
        const double value = std::strtod(number.c_str(), nullptr);
        any = true;
        if (!in_time && unit == 'W') weeks = true;
        else others = true;
        if (!in_time && unit == 'Y') d.years = value;
        else if (!in_time && unit == 'M') d.months = value;
        else if (!in_time && unit == 'W') d.seconds += value * 7 * 86400;
        else if (!in_time && unit == 'D') d.seconds += value * 86400;
        else if (unit == 'H') d.seconds += value * 3600;
        else if (unit == 'M') d.seconds += value * 60;
        else d.seconds += value;
    }
    if (!any) return fail("an ISO 8601 duration needs at least one component");
    // ISO 8601:2004 has weeks as a form of their own (PnW), not mixed with others.
    if (weeks && others) return fail("weeks (PnW) cannot be combined with other components");
    if (!std::isfinite(d.seconds) || !std::isfinite(d.years) || !std::isfinite(d.months))
        return fail("the duration is too large");
    return d;
}

std::optional<Instant> parse_xapi_timestamp(std::string_view s, Version version, const TimeZone& zone,
                                            std::string* error) {
    auto fail = [&](std::string why) -> std::optional<Instant> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    auto digits = [&](std::size_t at, std::size_t n) {
        if (at + n > s.size()) return false;
        for (std::size_t k = at; k < at + n; ++k)
            if (!is_digit(s[k])) return false;
        return true;
    };
    // Rewrite into the extended form parse_instant reads: date, time with
    // seconds, fraction with '.', offset as ±hh:mm.
    std::string out;
    std::size_t i = 0;
    bool extended;
    if (digits(0, 4) && s.size() > 4 && s[4] == '-') {
        if (!digits(5, 2) || s.size() < 10 || s[7] != '-' || !digits(8, 2))
            return fail("expected a date YYYY-MM-DD");
        out.append(s.substr(0, 10));
        i = 10;
        extended = true;
    } else if (digits(0, 8)) {
        out.append(s.substr(0, 4)).append("-").append(s.substr(4, 2)).append("-").append(s.substr(6, 2));
        i = 8;
        extended = false;
    } else {
        return fail("expected an ISO 8601 date and time such as 2023-01-10T19:35:00+08:00");
    }
    if (i >= s.size() || (s[i] != 'T' && s[i] != 't')) return fail("the date must be followed by T and a time");
    ++i;
    out += 'T';
    if (!digits(i, 2)) return fail("expected hours hh after T");
    out.append(s.substr(i, 2));
    i += 2;
    if (extended && (i >= s.size() || s[i] != ':')) return fail("expected hh:mm (extended format)");
    if (extended) ++i;
    if (!digits(i, 2)) return fail("expected minutes after the hour");
    out += ':';
    out.append(s.substr(i, 2));
    i += 2;
    const bool has_seconds = extended ? (i < s.size() && s[i] == ':') : digits(i, 2);
    if (has_seconds) {
        if (extended) ++i;
        if (!digits(i, 2)) return fail("expected seconds after the minutes");
        out += ':';
        out.append(s.substr(i, 2));
        i += 2;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            std::size_t start = ++i;
            while (i < s.size() && is_digit(s[i])) ++i;
            if (i == start) return fail("a decimal sign needs digits after it");
            out += '.';
            out.append(s.substr(start, i - start));
        }
    } else {
        out += ":00";
    }
    if (i == s.size()) {
        if (version == Version::v2_0) return fail("an xAPI 2.0 timestamp needs a time zone offset (Z or +hh:mm)");
    } else if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != s.size()) return fail("text after the time zone");
        out += 'Z';
    } else if (s[i] == '+' || s[i] == '-') {
        out += s[i++];
        if (!digits(i, 2)) return fail("an offset is ±hh, ±hhmm or ±hh:mm");
        out.append(s.substr(i, 2));
        i += 2;
        out += ':';
        if (i == s.size()) {
            out += "00";
        } else {
            if (s[i] == ':') ++i;
            if (!digits(i, 2) || i + 2 != s.size()) return fail("an offset is ±hh, ±hhmm or ±hh:mm");
            out.append(s.substr(i, 2));
        }
    } else {
        return fail("unexpected text after the time");
    }
    std::string why;
    auto at = parse_instant(out, zone, &why);
    if (!at) return fail(why);
    return at;
}

Version version_of(const json& statement) {
    auto it = statement.find("version");
    if (it != statement.end() && it->is_string()) {
        const auto& v = it->get_ref<const std::string&>();
        if (v.size() >= 3 && v.compare(0, 3, "2.0") == 0) return Version::v2_0;
    }
    return Version::v1_0;
}

namespace {

/// Where a value lies in the statement (`result.score.scaled`,
/// `member[2].mbox`), linked to its parent and made into text only when a
/// check fails, so that a valid statement costs no strings.
struct Path {
    static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
    const Path* parent = nullptr;
    std::string_view key;          ///< a member name (empty for the root or an element)
    std::size_t index = kNoIndex;  ///< an array element's index

    [[nodiscard]] std::string str() const {
        std::string s = parent ? parent->str() : std::string();
        if (index != kNoIndex) return s + "[" + std::to_string(index) + "]";
        if (key.empty()) return s;
        return s.empty() ? std::string(key) : s + "." + std::string(key);
    }
};

/// The walk over one statement; `fail` records the first problem.
class Checker {
public:
    Checker(Version version, const TimeZone& zone) : version_(version), zone_(zone) {}

    std::optional<FieldError> run(const json& s) {
        statement(s, Path{}, false);
        return std::move(error_);
    }

private:
    using Keys = std::initializer_list<std::string_view>;

    bool fail(const Path& field, RejectCode code, std::string message) {
        if (!error_) error_ = FieldError{field.str(), code, std::move(message)};
        return false;
    }
    static Path join(const Path& path, std::string_view key) { return Path{&path, key, Path::kNoIndex}; }
    static Path index(const Path& path, std::size_t i) { return Path{&path, {}, i}; }

    /// An object whose keys are all in `allowed` and whose values are
    /// neither null nor empty objects.
    bool object(const json& j, const Path& path, Keys allowed, const char* what) {
        if (!j.is_object()) return fail(path, RejectCode::bad_type, std::string(what) + " must be an object");
        if (j.empty()) return fail(path, RejectCode::empty_value, std::string(what) + " must not be empty");
        for (auto it = j.begin(); it != j.end(); ++it) {
            const std::string& key = it.key();
            const bool known = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
            if (!known) {
                for (auto k : allowed)
                    if (iequals(k, key))
                        return fail(join(path, key), RejectCode::unknown_key,
                                    "keys are case-sensitive: " + quote_value(key) + " should be " + std::string(k));
                return fail(join(path, key), RejectCode::unknown_key,
                            quote_value(key) + " is not a property of " + what + " in xAPI");
            }
            if (it->is_null()) return fail(join(path, key), RejectCode::empty_value, "a property may not be null");
            if (it->is_object() && it->empty() && key != "extensions")
                return fail(join(path, key), RejectCode::empty_value, "a property may not be an empty object");
        }
        return true;
    }
    static const json* get(const json& j, std::string_view key) {
        auto it = j.find(key);
        return it == j.end() ? nullptr : &*it;
    }
    bool string(const json& j, const Path& path, const char* what) {
        if (!j.is_string()) return fail(path, RejectCode::bad_type, std::string(what) + " must be a string");
        return true;
    }
    /// A string that `valid` accepts, else `code` with what was `expected`.
    bool formatted(const json& j, const Path& path, const char* what, bool (*valid)(std::string_view) noexcept,
                   RejectCode code, const char* expected) {
        if (!string(j, path, what)) return false;
        if (!valid(j.get_ref<const std::string&>()))
            return fail(path, code, quote_value(j.get_ref<const std::string&>()) + " is not " + expected);
        return true;
    }
    bool iri(const json& j, const Path& path, const char* what) {
        return formatted(j, path, what, is_iri, RejectCode::bad_iri, "an IRI (it needs a scheme such as https:)");
    }
    bool uuid(const json& j, const Path& path, const char* what) {
        return formatted(j, path, what, is_uuid, RejectCode::bad_uuid, "a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    }
    bool timestamp(const json& j, const Path& path) {
        if (!string(j, path, "a timestamp")) return false;
        std::string why;
        if (!parse_xapi_timestamp(j.get_ref<const std::string&>(), version_, zone_, &why))
            return fail(path, RejectCode::bad_timestamp, quote_value(j.get_ref<const std::string&>()) + ": " + why);
        return true;
    }
    bool language_map(const json& j, const Path& path) {
        if (!j.is_object()) return fail(path, RejectCode::bad_type, "a language map must be an object");
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!is_language_tag(it.key()))
                return fail(join(path, it.key()), RejectCode::bad_value,
                            quote_value(it.key()) + " is not an RFC 5646 language tag");
            if (!it->is_string()) return fail(join(path, it.key()), RejectCode::bad_type, "a language map holds strings");
        }
        return true;
    }
    bool extensions(const json& j, const Path& path) {
        if (!j.is_object()) return fail(path, RejectCode::bad_type, "extensions must be an object");
        for (auto it = j.begin(); it != j.end(); ++it)
            if (!is_iri(it.key()))
                return fail(join(path, it.key()), RejectCode::bad_iri,
                            "an extension key must be an IRI, not " + quote_value(it.key()));
        return true;  // values may be anything, null included
    }

    // --- agents and groups -------------------------------------------------

    /// Checks the inverse functional identifiers present; returns how many.
    std::optional<int> identifiers(const json& a, const Path& path) {
        int count = 0;
        if (const auto* mbox = get(a, "mbox")) {
            ++count;
            if (!string(*mbox, join(path, "mbox"), "mbox")) return std::nullopt;
            const auto& m = mbox->get_ref<const std::string&>();
            // mailto: and one address: one '@' with text on both sides, no query (?subject=...).
            const auto at = m.find('@');
            if (m.compare(0, 7, "mailto:") != 0 || at == std::string::npos || at == 7 || at + 1 == m.size() ||
                m.find('@', at + 1) != std::string::npos || m.find('?') != std::string::npos || !is_iri(m))
                return fail(join(path, "mbox"), RejectCode::bad_iri,
                            quote_value(m) + " is not a mailto: IRI (mailto:name@example.com)"),
                       std::nullopt;
        }
        if (const auto* sha = get(a, "mbox_sha1sum")) {
            ++count;
            if (!string(*sha, join(path, "mbox_sha1sum"), "mbox_sha1sum")) return std::nullopt;
            const auto& h = sha->get_ref<const std::string&>();
            if (h.size() != 40 || !std::all_of(h.begin(), h.end(), is_hex))
                return fail(join(path, "mbox_sha1sum"), RejectCode::bad_value,
                            "mbox_sha1sum must be 40 hexadecimal digits (a SHA-1 of the mailto IRI)"),
                       std::nullopt;
        }
        if (const auto* openid = get(a, "openid")) {
            ++count;
            if (!iri(*openid, join(path, "openid"), "openid")) return std::nullopt;
        }
        if (const auto* account = get(a, "account")) {
            ++count;
            const Path at = join(path, "account");
            if (!object(*account, at, {"homePage", "name"}, "an account")) return std::nullopt;
            const auto* home = get(*account, "homePage");
            const auto* name = get(*account, "name");
            if (!home) return fail(join(at, "homePage"), RejectCode::missing_field, "an account needs homePage"), std::nullopt;
            if (!iri(*home, join(at, "homePage"), "account.homePage")) return std::nullopt;
            if (!name) return fail(join(at, "name"), RejectCode::missing_field, "an account needs a name"), std::nullopt;
            if (!string(*name, join(at, "name"), "account.name")) return std::nullopt;
        }
        return count;
    }

    /// An Agent (`group_allowed`: or a Group, told apart by objectType).
    bool actor(const json& a, const Path& path, bool group_allowed, const char* what) {
        if (!a.is_object()) return fail(path, RejectCode::bad_type, std::string(what) + " must be an object");
        const auto* type = get(a, "objectType");
        if (type && !string(*type, join(path, "objectType"), "objectType")) return false;
        const std::string kind = type ? type->get<std::string>() : "Agent";
        if (kind == "Group") {
            if (!group_allowed) return fail(join(path, "objectType"), RejectCode::bad_actor, std::string(what) + " must be an Agent");
            return group(a, path);
        }
        if (kind != "Agent")
            return fail(join(path, "objectType"), RejectCode::bad_value,
                        "objectType must be Agent" + std::string(group_allowed ? " or Group" : "") + ", not " + quote_value(kind));
        if (!object(a, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}, "an agent")) return false;
        if (const auto* name = get(a, "name"); name && !string(*name, join(path, "name"), "name")) return false;
        auto count = identifiers(a, path);
        if (!count) return false;
        if (*count != 1)
            return fail(path, RejectCode::bad_actor,
                        "an agent needs exactly one of mbox, mbox_sha1sum, openid, account (it has " +
                            std::to_string(*count) + ")");
        return true;
    }
    bool group(const json& g, const Path& path) {
        if (!object(g, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"}, "a group"))
            return false;
        if (const auto* name = get(g, "name"); name && !string(*name, join(path, "name"), "name")) return false;
        auto count = identifiers(g, path);
        if (!count) return false;
        if (*count > 1)
            return fail(path, RejectCode::bad_actor,
                        "a group has at most one of mbox, mbox_sha1sum, openid, account (it has " + std::to_string(*count) + ")");
        const auto* member = get(g, "member");
        if (member) {
            const Path at = join(path, "member");
            if (!member->is_array()) return fail(at, RejectCode::bad_type, "member must be an array of agents");
            for (std::size_t i = 0; i < member->size(); ++i)
                if (!actor((*member)[i], index(at, i), false, "a group member")) return false;
        }
        if (*count == 0 && (!member || member->empty()))
            return fail(path, RejectCode::bad_actor, "an anonymous group (no identifier) needs at least one member");
        return true;
    }

    /// A Group where only a group may stand (context.team, a contextGroup).
    bool named_group(const json& g, const Path& path, const char* what) {
        const auto* type = g.is_object() ? get(g, "objectType") : nullptr;
        if (!type || *type != "Group")
            return fail(path, RejectCode::bad_actor, std::string(what) + " must be a Group (objectType Group)");
        return group(g, path);
    }

    // --- objects -----------------------------------------------------------

    bool components(const json& list, const Path& path) {
        if (!list.is_array()) return fail(path, RejectCode::bad_type, "interaction components must be an array");
        std::set<std::string> ids;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Path at = index(path, i);
            if (!object(list[i], at, {"id", "description"}, "an interaction component")) return false;
            const auto* id = get(list[i], "id");
            if (!id) return fail(join(at, "id"), RejectCode::missing_field, "an interaction component needs an id");
            if (!string(*id, join(at, "id"), "an interaction component id")) return false;
            if (!ids.insert(id->get<std::string>()).second)
                return fail(join(at, "id"), RejectCode::bad_value, "interaction component ids must be unique");
            if (const auto* d = get(list[i], "description"); d && !language_map(*d, join(at, "description"))) return false;
        }
        return true;
    }
    bool definition(const json& d, const Path& path) {
        if (!object(d, path,
                    {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                     "correctResponsesPattern", "choices", "scale", "source", "target", "steps"},
                    "an activity definition"))
            return false;
        for (const char* key : {"name", "description"})
            if (const auto* m = get(d, key); m && !language_map(*m, join(path, key))) return false;
        if (const auto* t = get(d, "type"); t && !iri(*t, join(path, "type"), "definition.type")) return false;
        if (const auto* t = get(d, "moreInfo"); t && !iri(*t, join(path, "moreInfo"), "definition.moreInfo")) return false;
        if (const auto* e = get(d, "extensions"); e && !extensions(*e, join(path, "extensions"))) return false;
        const auto* interaction = get(d, "interactionType");
        if (interaction) {
            static constexpr std::string_view types[] = {"true-false", "choice",    "fill-in",    "long-fill-in",
                                                         "matching",   "performance", "sequencing", "likert",
                                                         "numeric",    "other"};
            if (!string(*interaction, join(path, "interactionType"), "interactionType")) return false;
            const auto& v = interaction->get_ref<const std::string&>();
            if (std::find(std::begin(types), std::end(types), v) == std::end(types))
                return fail(join(path, "interactionType"), RejectCode::bad_value,
                            quote_value(v) + " is not an xAPI interaction type");
        }
        if (const auto* pattern = get(d, "correctResponsesPattern")) {
            const Path at = join(path, "correctResponsesPattern");
            if (!interaction) return fail(join(path, "interactionType"), RejectCode::missing_field,
                                          "correctResponsesPattern needs an interactionType");
            if (!pattern->is_array()) return fail(at, RejectCode::bad_type, "correctResponsesPattern must be an array of strings");
            for (std::size_t i = 0; i < pattern->size(); ++i)
                if (!string((*pattern)[i], index(at, i), "a correct response pattern")) return false;
        }
        for (const char* key : {"choices", "scale", "source", "target", "steps"})
            if (const auto* c = get(d, key); c && !components(*c, join(path, key))) return false;
        return true;
    }
    bool activity(const json& a, const Path& path) {
        if (!object(a, path, {"objectType", "id", "definition"}, "an activity")) return false;
        if (const auto* type = get(a, "objectType"); type && *type != "Activity")
            return fail(join(path, "objectType"), RejectCode::bad_value, "an activity's objectType is Activity");
        const auto* id = get(a, "id");
        if (!id) return fail(join(path, "id"), RejectCode::missing_field, "an activity needs an id");
        if (!iri(*id, join(path, "id"), "an activity id")) return false;
        if (const auto* d = get(a, "definition"); d && !definition(*d, join(path, "definition"))) return false;
        return true;
    }
    bool statement_ref(const json& r, const Path& path) {
        if (!object(r, path, {"objectType", "id"}, "a statement reference")) return false;
        const auto* type = get(r, "objectType");
        if (!type || *type != "StatementRef")
            return fail(join(path, "objectType"), RejectCode::bad_value, "a statement reference has objectType StatementRef");
        const auto* id = get(r, "id");
        if (!id) return fail(join(path, "id"), RejectCode::missing_field, "a statement reference needs an id");
        return uuid(*id, join(path, "id"), "a statement reference id");
    }
    /// The statement's object; `sub` inside a SubStatement.
    bool object_of(const json& o, const Path& path, bool sub) {
        if (!o.is_object()) return fail(path, RejectCode::bad_type, "object must be an object");
        const auto* type = get(o, "objectType");
        if (type && !string(*type, join(path, "objectType"), "objectType")) return false;
        const std::string kind = type ? type->get<std::string>() : "Activity";
        if (kind == "Activity") return activity(o, path);
        if (kind == "Agent" || kind == "Group") return actor(o, path, true, "object");
        if (kind == "StatementRef") return statement_ref(o, path);
        if (kind == "SubStatement") {
            if (sub) return fail(join(path, "objectType"), RejectCode::bad_value, "a SubStatement cannot hold another SubStatement");
            return statement(o, path, true);
        }
        return fail(join(path, "objectType"), RejectCode::bad_value,
                    "objectType must be Activity, Agent, Group, SubStatement or StatementRef, not " + quote_value(kind));
    }

    // --- result and context --------------------------------------------------

    bool number(const json& j, const Path& path, const char* what) {
        if (!j.is_number()) return fail(path, RejectCode::bad_type, std::string(what) + " must be a number");
        return true;
    }
    bool score(const json& sc, const Path& path) {
        if (!object(sc, path, {"scaled", "raw", "min", "max"}, "a score")) return false;
        const auto* scaled = get(sc, "scaled");
        const auto* raw = get(sc, "raw");
        const auto* min = get(sc, "min");
        const auto* max = get(sc, "max");
        if (scaled && !number(*scaled, join(path, "scaled"), "score.scaled")) return false;
        if (raw && !number(*raw, join(path, "raw"), "score.raw")) return false;
        if (min && !number(*min, join(path, "min"), "score.min")) return false;
        if (max && !number(*max, join(path, "max"), "score.max")) return false;
        if (scaled && !(scaled->get<double>() >= -1 && scaled->get<double>() <= 1))
            return fail(join(path, "scaled"), RejectCode::bad_score, "score.scaled must lie from -1 to 1");
        // The conformance requirements refuse max below min; equal is let through.
        if (min && max && min->get<double>() > max->get<double>())
            return fail(join(path, "min"), RejectCode::bad_score, "score.min is above score.max");
        if (raw && min && raw->get<double>() < min->get<double>())
            return fail(join(path, "raw"), RejectCode::bad_score, "score.raw is below score.min");
        if (raw && max && raw->get<double>() > max->get<double>())
            return fail(join(path, "raw"), RejectCode::bad_score, "score.raw is above score.max");
        return true;
    }
    bool result(const json& r, const Path& path) {
        if (!object(r, path, {"score", "success", "completion", "response", "duration", "extensions"}, "a result"))
            return false;
        if (const auto* sc = get(r, "score"); sc && !score(*sc, join(path, "score"))) return false;
        for (const char* key : {"success", "completion"})
            if (const auto* b = get(r, key); b && !b->is_boolean())
                return fail(join(path, key), RejectCode::bad_type, std::string("result.") + key + " must be true or false");
        if (const auto* response = get(r, "response"); response && !string(*response, join(path, "response"), "result.response"))
            return false;
        if (const auto* d = get(r, "duration")) {
            if (!string(*d, join(path, "duration"), "result.duration")) return false;
            std::string why;
            if (!parse_iso_duration(d->get_ref<const std::string&>(), &why))
                return fail(join(path, "duration"), RejectCode::bad_duration,
                            quote_value(d->get_ref<const std::string&>()) + ": " + why);
        }
        if (const auto* e = get(r, "extensions"); e && !extensions(*e, join(path, "extensions"))) return false;
        return true;
    }
    bool context_activities(const json& c, const Path& path) {
        if (!object(c, path, {"parent", "grouping", "category", "other"}, "contextActivities")) return false;
        for (auto it = c.begin(); it != c.end(); ++it) {
            const Path at = join(path, it.key());
            if (it->is_array()) {
                for (std::size_t i = 0; i < it->size(); ++i)
                    if (!activity((*it)[i], index(at, i))) return false;
            } else if (!activity(*it, at)) {
                return false;
            }
        }
        return true;
    }
    bool relevant_types(const json& r, const Path& path) {
        if (!r.is_array() || r.empty()) return fail(path, RejectCode::bad_type, "relevantTypes must be a non-empty array of IRIs");
        for (std::size_t i = 0; i < r.size(); ++i)
            if (!iri(r[i], index(path, i), "a relevant type")) return false;
        return true;
    }
    bool context_members(const json& list, const Path& path, bool agents) {
        const char* type = agents ? "contextAgent" : "contextGroup";
        const char* inner = agents ? "agent" : "group";
        if (!list.is_array()) return fail(path, RejectCode::bad_type, std::string(agents ? "contextAgents" : "contextGroups") + " must be an array");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Path at = index(path, i);
            if (!object(list[i], at, {"objectType", inner, "relevantTypes"}, type)) return false;
            const auto* t = get(list[i], "objectType");
            if (!t || *t != type)
                return fail(join(at, "objectType"), RejectCode::bad_value, std::string("objectType must be ") + type);
            const auto* who = get(list[i], inner);
            const Path who_path = join(at, inner);
            if (!who) return fail(who_path, RejectCode::missing_field, std::string(type) + " needs " + inner);
            if (agents ? !actor(*who, who_path, false, "agent") : !named_group(*who, who_path, "group")) return false;
            if (const auto* r = get(list[i], "relevantTypes"); r && !relevant_types(*r, join(at, "relevantTypes"))) return false;
        }
        return true;
    }
    bool context(const json& c, const Path& path, const json& statement_object) {
        const bool v2 = version_ == Version::v2_0;
        const bool ok = v2 ? object(c, path,
                                    {"registration", "instructor", "team", "contextActivities", "revision", "platform",
                                     "language", "statement", "extensions", "contextAgents", "contextGroups"},
                                    "a context")
                           : object(c, path,
                                    {"registration", "instructor", "team", "contextActivities", "revision", "platform",
                                     "language", "statement", "extensions"},
                                    "a context (xAPI 1.0; contextAgents and contextGroups are 2.0)");
        if (!ok) return false;
        if (const auto* r = get(c, "registration"); r && !uuid(*r, join(path, "registration"), "context.registration"))
            return false;
        if (const auto* i = get(c, "instructor"); i && !actor(*i, join(path, "instructor"), true, "context.instructor"))
            return false;
        if (const auto* t = get(c, "team"); t && !named_group(*t, join(path, "team"), "context.team")) return false;
        if (const auto* a = get(c, "contextActivities"); a && !context_activities(*a, join(path, "contextActivities")))
            return false;
        const auto* object_type = statement_object.is_object() ? get(statement_object, "objectType") : nullptr;
        const bool on_activity = !object_type || *object_type == "Activity";
        for (const char* key : {"revision", "platform"}) {
            const auto* v = get(c, key);
            if (!v) continue;
            if (!string(*v, join(path, key), key)) return false;
            if (!on_activity)
                return fail(join(path, key), RejectCode::unknown_key,
                            std::string("context.") + key + " is only allowed when the object is an Activity");
        }
        if (const auto* l = get(c, "language");
            l && !formatted(*l, join(path, "language"), "context.language", is_language_tag, RejectCode::bad_value,
                            "an RFC 5646 language tag"))
            return false;
        if (const auto* s = get(c, "statement"); s && !statement_ref(*s, join(path, "statement"))) return false;
        if (const auto* e = get(c, "extensions"); e && !extensions(*e, join(path, "extensions"))) return false;
        if (v2) {
            if (const auto* a = get(c, "contextAgents"); a && !context_members(*a, join(path, "contextAgents"), true))
                return false;
            if (const auto* g = get(c, "contextGroups"); g && !context_members(*g, join(path, "contextGroups"), false))
                return false;
        }
        return true;
    }
    bool attachments(const json& list, const Path& path) {
        if (!list.is_array()) return fail(path, RejectCode::bad_type, "attachments must be an array");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Path at = index(path, i);
            const json& a = list[i];
            if (!object(a, at, {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
                        "an attachment"))
                return false;
            for (const char* key : {"usageType", "display", "contentType", "length", "sha2"})
                if (!get(a, key))
                    return fail(join(at, key), RejectCode::missing_field, std::string("an attachment needs ") + key);
            if (!iri(*get(a, "usageType"), join(at, "usageType"), "usageType")) return false;
            if (!language_map(*get(a, "display"), join(at, "display"))) return false;
            if (const auto* d = get(a, "description"); d && !language_map(*d, join(at, "description"))) return false;
            const json& type = *get(a, "contentType");
            if (!string(type, join(at, "contentType"), "contentType")) return false;
            // type/subtype, then parameters (`; charset=ascii`) if any.
            const auto& t = type.get_ref<const std::string&>();
            const std::string_view media = std::string_view(t).substr(0, t.find(';'));
            const auto slash = media.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == media.size() ||
                media.find_first_of(" \t\r\n") != std::string::npos)
                return fail(join(at, "contentType"), RejectCode::bad_value, quote_value(t) + " is not a media type (type/subtype)");
            const json& length = *get(a, "length");
            // A whole number of octets (27.0 is 27: JSON has no integer type).
            const bool whole = length.is_number_unsigned() ||
                               (length.is_number_integer() && length.get<std::int64_t>() >= 0) ||
                               (length.is_number_float() && length.get<double>() >= 0 &&
                                std::floor(length.get<double>()) == length.get<double>());
            if (!whole)
                return fail(join(at, "length"), RejectCode::bad_type, "length must be a whole number of octets");
            const json& sha = *get(a, "sha2");
            if (!string(sha, join(at, "sha2"), "sha2")) return false;
            const auto& h = sha.get_ref<const std::string&>();
            if (!(h.size() == 56 || h.size() == 64 || h.size() == 96 || h.size() == 128) ||
                !std::all_of(h.begin(), h.end(), is_hex))
                return fail(join(at, "sha2"), RejectCode::bad_value, "sha2 must be a SHA-2 hash in hexadecimal");
            if (const auto* f = get(a, "fileUrl"); f && !iri(*f, join(at, "fileUrl"), "fileUrl")) return false;
        }
        return true;
    }

    // --- the statement ---------------------------------------------------------

    bool statement(const json& s, const Path& path, bool sub) {
        const bool ok = sub ? object(s, path, {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"},
                                     "a SubStatement")
                            : object(s, path, {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                                               "authority", "version", "attachments"},
                                     "a statement");
        if (!ok) return false;
        if (!sub) {
            if (const auto* v = get(s, "version")) {
                if (!string(*v, join(path, "version"), "version")) return false;
                const auto& text = v->get_ref<const std::string&>();
                if (!valid_version(text))
                    return fail(join(path, "version"), RejectCode::bad_value,
                                quote_value(text) + " is not an xAPI version (1.0, 1.0.x, 2.0 or 2.0.x)");
            }
            if (const auto* id = get(s, "id"); id && !uuid(*id, join(path, "id"), "the statement id")) return false;
        }
        for (const char* key : {"actor", "verb", "object"})
            if (!get(s, key)) return fail(join(path, key), RejectCode::missing_field, std::string("a statement needs ") + key);
        if (!actor(s["actor"], join(path, "actor"), true, "actor")) return false;
        const json& verb = s["verb"];
        if (!object(verb, join(path, "verb"), {"id", "display"}, "a verb")) return false;
        const auto* verb_id = get(verb, "id");
        if (!verb_id) return fail(join(path, "verb.id"), RejectCode::missing_field, "a statement needs verb.id");
        if (!iri(*verb_id, join(path, "verb.id"), "verb.id")) return false;
        if (const auto* d = get(verb, "display"); d && !language_map(*d, join(path, "verb.display"))) return false;
        if (!object_of(s["object"], join(path, "object"), sub)) return false;
        if (!sub && *verb_id == "http://adlnet.gov/expapi/verbs/voided") {  // a SubStatement voids nothing
            const auto* type = get(s["object"], "objectType");
            if (!type || *type != "StatementRef")
                return fail(join(path, "object.objectType"), RejectCode::bad_value,
                            "a voiding statement's object must be a StatementRef");
        }
        if (const auto* r = get(s, "result"); r && !result(*r, join(path, "result"))) return false;
        if (const auto* c = get(s, "context"); c && !context(*c, join(path, "context"), s["object"])) return false;
        if (const auto* t = get(s, "timestamp"); t && !timestamp(*t, join(path, "timestamp"))) return false;
        if (!sub) {
            if (const auto* t = get(s, "stored"); t && !timestamp(*t, join(path, "stored"))) return false;
            if (const auto* a = get(s, "authority")) {
                if (!actor(*a, join(path, "authority"), true, "authority")) return false;
                const auto* type = get(*a, "objectType");
                const auto* member = get(*a, "member");
                if (type && *type == "Group" && (!member || member->size() != 2))
                    return fail(join(path, "authority"), RejectCode::bad_actor,
                                "a group authority has exactly two agents (OAuth consumer and user)");
            }
        }
        if (const auto* a = get(s, "attachments"); a && !attachments(*a, join(path, "attachments"))) return false;
        return true;
    }

    static bool valid_version(std::string_view v) {
        // "1.0" or "2.0", optionally ".N" for a patch number (digits).
        if (v.size() < 3 || !(v.substr(0, 3) == "1.0" || v.substr(0, 3) == "2.0")) return false;
        if (v.size() == 3) return true;
        if (v[3] != '.' || v.size() == 4) return false;
        return std::all_of(v.begin() + 4, v.end(), [](char c) { return is_digit(c); });
    }

    Version version_;
    const TimeZone& zone_;
    std::optional<FieldError> error_;
};

}  // namespace

std::optional<FieldError> check_statement(const json& statement, const TimeZone& zone) {
    return Checker(version_of(statement), zone).run(statement);
}

}  // namespace yanxiu::detail::xapi
