#pragma once
/// \file diff.hpp
/// What a programme change does to whom: the rule differences between two
/// resolved programmes, key by key, and the outcomes that change when the
/// same records are evaluated under both — counted by unit and category and
/// listed by participant.  "If the province lowers the homeroom minimum to
/// 8, who completes?" before the change ships.  `yanxiu diff` and Python's
/// `yanxiu.diff` print this.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace yanxiu {

/// One difference of the resolved programmes (`Program::to_json()`): where
/// (`categories.homeroom.requires.lessons`; list items with an id by their
/// id, `lessons[L07].minutes`) and the values as compact JSON, absent on the
/// side that lacks the key.
struct RuleChange {
    std::string path;
    std::optional<std::string> before, after;
};

/// The resolved programmes compared key by key, in the order of the old
/// programme's keys (then the new one's additions).
[[nodiscard]] std::vector<RuleChange> diff_rules(const Program& before, const Program& after);

/// The fields of an outcome a programme change is judged by.
struct OutcomeSide {
    std::string category;
    Status status = Status::not_started;
    bool certificate = false;
    double hours_credited = 0;
    std::optional<Instant> completed_at;

    friend bool operator==(const OutcomeSide& a, const OutcomeSide& b) {
        return a.category == b.category && a.status == b.status && a.certificate == b.certificate &&
               a.hours_credited == b.hours_credited && a.completed_at == b.completed_at;
    }
};

/// A participant whose outcome differs (or who is evaluated under one
/// programme only, e.g. because the other rejects their category).
struct OutcomeChange {
    std::string participant, unit, category;  ///< unit and category under the new programme, else the old
    std::optional<OutcomeSide> before, after;

    [[nodiscard]] bool status_changed() const noexcept;
    [[nodiscard]] bool certificate_changed() const noexcept;
    [[nodiscard]] bool hours_changed() const noexcept;
    [[nodiscard]] bool completed_at_changed() const noexcept;
};

/// Changes counted over a unit and category (or in total).
struct ChangeCounts {
    std::string unit, category;
    std::size_t participants = 0;        ///< evaluated under either programme
    std::size_t changed = 0;             ///< some field differs
    std::size_t completed_gained = 0;    ///< a certificate under the new programme only
    std::size_t completed_lost = 0;      ///< a certificate under the old programme only
    std::size_t status_changed = 0;
    std::size_t hours_changed = 0;
    std::size_t completed_at_changed = 0;

    ChangeCounts& operator+=(const ChangeCounts& o) noexcept;
};

/// Everything `yanxiu diff` reports.
struct ProgramDiff {
    std::string before_id, before_version, after_id, after_version;
    std::optional<Instant> as_of;
    std::vector<RuleChange> rules;
    std::vector<OutcomeChange> changes;   ///< by participant id
    std::vector<ChangeCounts> by_unit;    ///< by unit, then category id (every pair with participants)
    ChangeCounts total;
};

/// Compares two evaluations of the same records under two programmes.
[[nodiscard]] ProgramDiff diff(const Evaluation& before, const Evaluation& after);

/// The diff as JSON: {old, new, as_of, rules: [{path, old, new}], total,
/// by_unit: [...], participants: [{participant, unit, category, changed:
/// [field...], old: {...}|null, new: {...}|null}]}; instants in the new
/// programme's zone.
[[nodiscard]] nlohmann::ordered_json to_json(const ProgramDiff& diff, const TimeZone& zone);

}  // namespace yanxiu
