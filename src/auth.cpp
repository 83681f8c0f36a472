// Bearer tokens for a service: a token file read and checked line by line,
// tokens found by their SHA-256 in constant time, new tokens from libsodium.

#include <yanxiu/auth.hpp>
#include <yanxiu/certificate.hpp>  // sha256_hex
#include <yanxiu/io/error.hpp>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace yanxiu {

std::optional<Role> parse_role(std::string_view text) noexcept {
    for (Role r : {Role::reader, Role::platform, Role::unit})
        if (text == to_string(r)) return r;
    return std::nullopt;
}

std::string_view describe(Right right) noexcept {
    switch (right) {
        case Right::read: return "read";
        case Right::participants: return "write participant records";
        case Right::events: return "write study, quiz and exam records";
        case Right::sign_off: return "write approvals and manual credits";
    }
    return "write";
}

bool Writer::covers(std::string_view unit) const noexcept {
    return role == Role::unit && std::find(units.begin(), units.end(), unit) != units.end();
}

AuthError::AuthError(std::string file, std::size_t line, std::string field, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + (field.empty() ? "" : ": " + field) + ": " + message),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

namespace {

bool is_hex_digest(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

/// Hex digits in lower case (a digest may be written in either).
std::string lower_hex(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

/// The 32 bytes of a lower-case hex digest (checked by is_hex_digest).
std::array<unsigned char, 32> digest_bytes(std::string_view hex) {
    std::array<unsigned char, 32> out{};
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<unsigned char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

Writer parse_line(const std::string& line, const std::string& source, std::size_t number) {
    auto fail = [&](std::string field, const std::string& message) -> AuthError {
        return AuthError(source, number, std::move(field), message);
    };
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw fail("", "not a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "name" && it.key() != "sha256" && it.key() != "role" && it.key() != "units")
            throw fail(it.key(), "not a field of a token line (name, sha256, role, units)");
    Writer w;
    w.line = number;
    auto text = [&](const char* key) {
        const auto it = j.find(key);
        if (it == j.end()) throw fail(key, "missing");
        if (!it->is_string() || it->get<std::string>().empty()) throw fail(key, "must be a non-empty string");
        return it->get<std::string>();
    };
    w.name = text("name");
    w.sha256 = lower_hex(text("sha256"));
    if (!is_hex_digest(w.sha256))
        throw fail("sha256", "must be the token's SHA-256 as 64 hex digits (never the token itself)");
    const std::string role = text("role");
    const auto r = parse_role(role);
    if (!r) throw fail("role", "expected platform, unit or reader, not \"" + role + "\"");
    w.role = *r;
    w.digest = digest_bytes(w.sha256);
    if (const auto units = j.find("units"); units != j.end()) {
        if (!units->is_array()) throw fail("units", "must be an array of unit names");
        for (const auto& u : *units) {
            if (!u.is_string() || u.get<std::string>().empty()) throw fail("units", "must hold non-empty strings");
            w.units.push_back(u.get<std::string>());
        }
    }
    if (w.role == Role::unit && w.units.empty()) throw fail("units", "a unit token must name its units");
    // Units on another role are allowed and limit nothing: a platform or a
    // reader is not confined to units (Writer::covers is false for them).
    return w;
}

}  // namespace

Tokens Tokens::parse(std::string_view text, std::string_view source_view) {
    const std::string source(source_view);
    Tokens tokens;
    std::set<std::string> names, digests;
    std::size_t number = 0, start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string line(text.substr(start, end - start));
        start = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are allowed
        Writer w = parse_line(line, source, number);
        if (!names.insert(w.name).second) throw AuthError(source, number, "name", "\"" + w.name + "\" is named twice");
        if (!digests.insert(w.sha256).second)
            throw AuthError(source, number, "sha256", "the same token is given twice");
        tokens.writers_.push_back(std::move(w));
    }
    if (tokens.writers_.empty()) throw AuthError(source, number, "", "no tokens: nobody could use the service");
    return tokens;
}

Tokens Tokens::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "cannot open", errno);
    std::stringstream s;
    s << in.rdbuf();
    if (in.bad()) throw io_error(path, "cannot read", errno);
    return parse(s.str(), path);
}

const Writer* Tokens::find(std::string_view token) const {
    if (token.empty()) return nullptr;
    const auto presented = digest_bytes(sha256_hex(token));
    const Writer* found = nullptr;
    for (const Writer& w : writers_) {
        // Every digest is compared, whatever matched before.
        const bool same = sodium_memcmp(presented.data(), w.digest.data(), w.digest.size()) == 0;
        if (same) found = &w;
    }
    return found;
}

std::optional<Refusal> check_event(
    const Writer& writer, const Record& event,
    const std::function<std::optional<std::string>(const std::string&)>& unit_of) {
    const Value& kind = event.get(Field::kind);
    const bool sign_off = kind.type == ValueType::string && (kind.text == "approval" || kind.text == "credit");
    const Right right = sign_off ? Right::sign_off : Right::events;
    if (!writer.holds(right))
        return Refusal{right, "a " + std::string(to_string(writer.role)) + " token may not " + std::string(describe(right))};
    if (!sign_off) return std::nullopt;
    const auto participant = record_id(event.get(Field::participant));
    if (!participant || participant->empty()) return std::nullopt;
    const auto unit = unit_of(*participant);
    if (!unit)
        return Refusal{right, "participant " + yanxiu::quoted(*participant) +
                                  " is not known yet: a unit signs off only for participants the platform has sent"};
    if (!writer.covers(*unit))
        return Refusal{right, "participant " + yanxiu::quoted(*participant) + " belongs to unit " + yanxiu::quoted(*unit) +
                                  ", which this token does not answer for"};
    return std::nullopt;
}

NewToken make_token(const std::string& name, Role role, const std::vector<std::string>& units) {
    if (name.empty()) throw std::invalid_argument("a token needs a name (who writes with it)");
    if (role == Role::unit && units.empty()) throw std::invalid_argument("a unit token needs at least one --unit");
    if (role != Role::unit && !units.empty()) throw std::invalid_argument("only a unit token names units");
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    std::array<unsigned char, 32> random{};
    randombytes_buf(random.data(), random.size());
    std::string encoded(sodium_base64_ENCODED_LEN(random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(encoded.data(), encoded.size(), random.data(), random.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    encoded.resize(std::strlen(encoded.c_str()));
    sodium_memzero(random.data(), random.size());
    NewToken out;
    out.token = "yx_" + encoded;
    nlohmann::ordered_json line;
    line["name"] = name;
    line["sha256"] = sha256_hex(out.token);
    line["role"] = std::string(to_string(role));
    if (!units.empty()) line["units"] = units;
    out.line = line.dump(-1, ' ', false);
    return out;
}

std::string_view bearer_token(std::string_view authorization) noexcept {
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size()) return {};
    for (std::size_t i = 0; i < scheme.size(); ++i)  // the scheme is case-insensitive (RFC 7235)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return {};
    std::string_view token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    return token;
}

}  // namespace yanxiu
