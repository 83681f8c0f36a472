// What a programme change does to whom: rule differences and outcome changes.

#include <yanxiu/diff.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <utility>

namespace yanxiu {

namespace {

using ojson = nlohmann::ordered_json;

std::string compact(const ojson& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string member_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

/// Whether every element of `a` is an object with a string "id" (lists of
/// lessons, milestones, support channels): those are matched by id.
bool listed_by_id(const ojson& a) {
    for (const ojson& x : a)
        if (!x.is_object() || !x.contains("id") || !x["id"].is_string()) return false;
    return true;
}

const ojson* find_by_id(const ojson& list, const std::string& id) {
    for (const ojson& x : list)
        if (x["id"].get<std::string>() == id) return &x;
    return nullptr;
}

void compare(const std::string& path, const ojson* a, const ojson* b, std::vector<RuleChange>& out) {
    if (a && b && *a == *b) return;
    if (a && b && a->is_object() && b->is_object()) {
        for (const auto& [key, value] : a->items()) {
            auto other = b->find(key);
            compare(member_path(path, key), &value, other == b->end() ? nullptr : &*other, out);
        }
        for (const auto& [key, value] : b->items())
            if (!a->contains(key)) compare(member_path(path, key), nullptr, &value, out);
        return;
    }
    if (a && b && a->is_array() && b->is_array()) {
        if (listed_by_id(*a) && listed_by_id(*b) && !(a->empty() && b->empty())) {
            for (const ojson& x : *a) {
                const std::string id = x["id"].get<std::string>();
                compare(path + "[" + id + "]", &x, find_by_id(*b, id), out);
            }
            for (const ojson& y : *b) {
                const std::string id = y["id"].get<std::string>();
                if (!find_by_id(*a, id)) compare(path + "[" + id + "]", nullptr, &y, out);
            }
            return;
        }
        if (a->size() == b->size()) {
            for (std::size_t i = 0; i < a->size(); ++i)
                compare(path + "[" + std::to_string(i) + "]", &(*a)[i], &(*b)[i], out);
            return;
        }
    }
    RuleChange change;
    change.path = path;
    if (a) change.before = compact(*a);
    if (b) change.after = compact(*b);
    out.push_back(std::move(change));
}

OutcomeSide side_of(const Outcome& o) {
    OutcomeSide s;
    s.category = o.category;
    s.status = o.status;
    s.certificate = o.certificate;
    s.hours_credited = o.hours_credited;
    s.completed_at = o.completed_at;
    return s;
}

ojson side_json(const std::optional<OutcomeSide>& s, const TimeZone& zone) {
    if (!s) return nullptr;
    ojson j;
    j["category"] = s->category;
    j["status"] = to_string(s->status);
    j["certificate"] = s->certificate;
    j["hours_credited"] = s->hours_credited;
    j["completed_at"] = s->completed_at ? ojson(format_instant(*s->completed_at, zone)) : ojson(nullptr);
    return j;
}

ojson counts_json(const ChangeCounts& c) {
    ojson j;
    j["participants"] = c.participants;
    j["changed"] = c.changed;
    j["completed_gained"] = c.completed_gained;
    j["completed_lost"] = c.completed_lost;
    j["status_changed"] = c.status_changed;
    j["hours_changed"] = c.hours_changed;
    j["completed_at_changed"] = c.completed_at_changed;
    return j;
}

}  // namespace

std::vector<RuleChange> diff_rules(const Program& before, const Program& after) {
    std::vector<RuleChange> out;
    compare("", &before.to_json(), &after.to_json(), out);
    return out;
}

bool OutcomeChange::status_changed() const noexcept {
    return !before || !after || before->status != after->status;
}
bool OutcomeChange::certificate_changed() const noexcept {
    return (before && before->certificate) != (after && after->certificate);
}
bool OutcomeChange::hours_changed() const noexcept {
    return (before ? before->hours_credited : 0) != (after ? after->hours_credited : 0);
}
bool OutcomeChange::completed_at_changed() const noexcept {
    const std::optional<Instant> none;
    return (before ? before->completed_at : none) != (after ? after->completed_at : none);
}

ChangeCounts& ChangeCounts::operator+=(const ChangeCounts& o) noexcept {
    participants += o.participants, changed += o.changed;
    completed_gained += o.completed_gained, completed_lost += o.completed_lost;
    status_changed += o.status_changed, hours_changed += o.hours_changed;
    completed_at_changed += o.completed_at_changed;
    return *this;
}

ProgramDiff diff(const Evaluation& before, const Evaluation& after) {
    ProgramDiff d;
    d.before_id = before.program->id(), d.before_version = before.program->version();
    d.after_id = after.program->id(), d.after_version = after.program->version();
    d.as_of = after.as_of ? after.as_of : before.as_of;
    d.rules = diff_rules(*before.program, *after.program);

    std::map<std::pair<std::string, std::string>, ChangeCounts> cells;
    auto count = [&](const std::string& unit, const std::string& category, const OutcomeChange* change) {
        ChangeCounts& c = cells[{unit, category}];
        ++c.participants;
        if (!change) return;
        ++c.changed;
        const bool had = change->before && change->before->certificate;
        const bool has = change->after && change->after->certificate;
        if (has && !had) ++c.completed_gained;
        if (had && !has) ++c.completed_lost;
        if (change->status_changed()) ++c.status_changed;
        if (change->hours_changed()) ++c.hours_changed;
        if (change->completed_at_changed()) ++c.completed_at_changed;
    };
    // Both lists are sorted by participant id: one merge pass.
    const auto& a = before.outcomes;
    const auto& b = after.outcomes;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        const bool take_a = j == b.size() || (i < a.size() && a[i].participant <= b[j].participant);
        const bool take_b = i == a.size() || (j < b.size() && b[j].participant <= a[i].participant);
        OutcomeChange change;
        if (take_a) change.before = side_of(a[i]);
        if (take_b) change.after = side_of(b[j]);
        const Outcome& shown = take_b ? b[j] : a[i];
        change.participant = shown.participant;
        change.unit = shown.unit;
        change.category = shown.category;
        if (take_a) ++i;
        if (take_b) ++j;
        if (change.before && change.after && *change.before == *change.after) {
            count(change.unit, change.category, nullptr);
            continue;
        }
        count(change.unit, change.category, &change);
        d.changes.push_back(std::move(change));
    }
    for (auto& [key, c] : cells) {
        c.unit = key.first;
        c.category = key.second;
        d.total += c;
        d.by_unit.push_back(c);
    }
    return d;
}

nlohmann::ordered_json to_json(const ProgramDiff& d, const TimeZone& zone) {
    ojson j;
    j["old"] = {{"id", d.before_id}, {"version", d.before_version}};
    j["new"] = {{"id", d.after_id}, {"version", d.after_version}};
    j["as_of"] = d.as_of ? ojson(format_instant(*d.as_of, zone)) : ojson(nullptr);
    ojson rules = ojson::array();
    for (const RuleChange& r : d.rules) {
        ojson x;
        x["path"] = r.path;
        x["old"] = r.before ? ojson::parse(*r.before) : ojson(nullptr);
        x["new"] = r.after ? ojson::parse(*r.after) : ojson(nullptr);
        if (!r.before) x["added"] = true;
        if (!r.after) x["removed"] = true;
        rules.push_back(std::move(x));
    }
    j["rules"] = std::move(rules);
    j["total"] = counts_json(d.total);
    ojson by_unit = ojson::array();
    for (const ChangeCounts& c : d.by_unit) {
        ojson x;
        x["unit"] = c.unit;
        x["category"] = c.category;
        const ojson counts = counts_json(c);
        for (const auto& [key, value] : counts.items()) x[key] = value;
        by_unit.push_back(std::move(x));
    }
    j["by_unit"] = std::move(by_unit);
    ojson participants = ojson::array();
    for (const OutcomeChange& c : d.changes) {
        ojson x;
        x["participant"] = c.participant;
        x["unit"] = c.unit;
        x["category"] = c.category;
        ojson changed = ojson::array();
        if (!c.before || !c.after) changed.push_back("evaluated");
        if (c.before && c.after && c.before->category != c.after->category) changed.push_back("category");
        if (c.status_changed()) changed.push_back("status");
        if (c.certificate_changed()) changed.push_back("certificate");
        if (c.hours_changed()) changed.push_back("hours_credited");
        if (c.completed_at_changed()) changed.push_back("completed_at");
        x["changed"] = std::move(changed);
        x["old"] = side_json(c.before, zone);
        x["new"] = side_json(c.after, zone);
        participants.push_back(std::move(x));
    }
    j["participants"] = std::move(participants);
    return j;
}

}  // namespace yanxiu
