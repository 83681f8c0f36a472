#pragma once
/// \file auth.hpp
/// Who may write what to a service: bearer tokens, kept only as their
/// SHA-256, each naming a writer with one role and, for a unit, the units it
/// answers for.
///
/// A token file holds one JSON object a line:
///
///     {"name": "长沙市教育局", "sha256": "<64 hex digits>", "role": "unit", "units": ["长沙市"]}
///
/// Roles: `reader` may read; `platform` may also write participants and
/// study, quiz and exam records (and xAPI statements); `unit` may also write
/// approvals and manual credits, for participants of its units only.
/// Nobody may write what their role does not name.

#include <yanxiu/dataset.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// What a writer may do.
enum class Role : std::uint8_t {
    reader,    ///< read outcomes, reports and the audit listing
    platform,  ///< a learning platform's back end: participants, study, quiz and exam records
    unit,      ///< a unit's administrator: approvals and manual credits for its units' participants
};

/// "reader", "platform" or "unit".
[[nodiscard]] constexpr std::string_view to_string(Role r) noexcept {
    switch (r) {
        case Role::reader: return "reader";
        case Role::platform: return "platform";
        case Role::unit: return "unit";
    }
    return "reader";
}

/// The role spelled `text`, if it is one.
[[nodiscard]] std::optional<Role> parse_role(std::string_view text) noexcept;

/// A right a request needs.
enum class Right : std::uint8_t {
    read,         ///< any GET
    participants, ///< POST participant records
    events,       ///< POST study, quiz and exam records, xAPI statements
    sign_off,     ///< POST approvals and manual credits
};

/// Whether `role` holds `right` (a unit's sign-offs are further limited to its units).
[[nodiscard]] constexpr bool holds(Role role, Right right) noexcept {
    switch (right) {
        case Right::read: return true;
        case Right::participants:
        case Right::events: return role == Role::platform;
        case Right::sign_off: return role == Role::unit;
    }
    return false;
}

/// The right an event record of `kind` needs.
[[nodiscard]] constexpr Right right_for(EventKind kind) noexcept {
    return kind == EventKind::approval || kind == EventKind::credit ? Right::sign_off : Right::events;
}

/// What a right is, in words ("write approvals and manual credits", …).
[[nodiscard]] std::string_view describe(Right right) noexcept;

/// One line of a token file.
struct Writer {
    std::string name;                ///< who writes: what the audit log and `recorded_by` say
    Role role = Role::reader;
    std::vector<std::string> units;  ///< a unit role's units (its participants' `unit`); on another role they limit nothing
    std::string sha256;              ///< the token's SHA-256, lower-case hex (the file may write it in either case)
    std::array<unsigned char, 32> digest{};  ///< the same as bytes, what `Tokens::find` compares
    std::size_t line = 0;            ///< its line in the token file

    [[nodiscard]] bool holds(Right right) const noexcept { return yanxiu::holds(role, right); }
    /// Whether this writer answers for participants of `unit`.
    [[nodiscard]] bool covers(std::string_view unit) const noexcept;
};

/// A token file that cannot be used: names the file, the line and the field.
class AuthError : public std::runtime_error {
public:
    AuthError(std::string file, std::size_t line, std::string field, const std::string& message);
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    [[nodiscard]] const std::string& field() const noexcept { return field_; }

private:
    std::string file_;
    std::size_t line_;
    std::string field_;
};

/// The writers of a token file.
class Tokens {
public:
    /// Reads a token file; throws AuthError at the first bad line (not a
    /// JSON object, a key other than name, sha256, role and units, a missing
    /// or empty name, sha256 not 64 hex digits, an unknown role, a unit role
    /// without units; a name or a token twice, a file with no line, are bad
    /// too), io_error when it cannot be read.
    [[nodiscard]] static Tokens load(const std::string& path);
    /// The same from text; `source` names it in errors.
    [[nodiscard]] static Tokens parse(std::string_view text, std::string_view source);

    /// The writer whose token this is, or nullptr.  Hashes the token and
    /// compares it with every writer's digest in constant time (the time
    /// does not depend on which, if any, matches).
    [[nodiscard]] const Writer* find(std::string_view token) const;

    [[nodiscard]] const std::vector<Writer>& writers() const noexcept { return writers_; }
    [[nodiscard]] std::size_t size() const noexcept { return writers_.size(); }

private:
    std::vector<Writer> writers_;
};

/// Why a writer may not write a record: the right it lacks and, in words, why.
struct Refusal {
    Right right = Right::events;
    std::string why;
};

/// Whether `writer` may write event record `event`: nullopt when it may.
/// An approval or a manual credit needs the sign-off right and a participant
/// of one of the writer's units (`unit_of(participant)` gives a known
/// participant's unit, nullopt for one not known: nobody can vouch for a
/// participant the platform has not sent yet); any other record needs the
/// events right.  A record naming no participant passes: it is no write, and
/// the ledger rejects it.
[[nodiscard]] std::optional<Refusal> check_event(
    const Writer& writer, const Record& event,
    const std::function<std::optional<std::string>(const std::string& participant)>& unit_of);

/// A new token and its line for a token file.
struct NewToken {
    std::string token;  ///< "yx_" and 43 characters of base64url: 256 random bits (give it once; it is not kept)
    std::string line;   ///< the token file's line for it (its SHA-256, never the token)
};

/// Makes a random token for a writer; throws std::invalid_argument when the
/// name is empty, or a unit role names no unit (or another role names one).
[[nodiscard]] NewToken make_token(const std::string& name, Role role, const std::vector<std::string>& units);

/// The token an `Authorization: Bearer TOKEN` header carries ("" when none).
[[nodiscard]] std::string_view bearer_token(std::string_view authorization) noexcept;

}  // namespace yanxiu
