// A report's aggregation: counts over outcomes by unit and category, the
// census, the ranking, the daily series.

#include <yanxiu/report.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace yanxiu {

namespace detail::report {

/// Whether a status counts as started (not not_started or unverified).
[[nodiscard]] inline bool is_started(Status s) noexcept {
    return s == Status::in_progress || s == Status::completed || s == Status::recorded;
}

/// a/b < c/d for non-negative integers with positive b, d, without rounding.
[[nodiscard]] inline bool ratio_less(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) noexcept {
    // Counts stay far below 2^31, so the products fit in 64 bits.
    return a * d < c * b;
}

/// Ranking order: coverage high first, then more completed, then unit name;
/// units with no coverage at all last, by name.
[[nodiscard]] inline bool ranks_before(const UnitReport& x, const UnitReport& y) noexcept {
    const bool hx = x.target.coverage_base > 0, hy = y.target.coverage_base > 0;
    if (hx != hy) return hx;
    if (hx) {
        const auto cx = static_cast<std::int64_t>(x.target.completed), cy = static_cast<std::int64_t>(y.target.completed);
        if (ratio_less(cy, y.target.coverage_base, cx, x.target.coverage_base)) return true;
        if (ratio_less(cx, x.target.coverage_base, cy, y.target.coverage_base)) return false;
        if (cx != cy) return cx > cy;
    }
    return x.unit < y.unit;
}

}  // namespace detail::report

namespace detail::report {

/// The daily series' points: the end of each local day of the window up to
/// `as_of` (a last, partial day ends at `as_of`).
[[nodiscard]] inline std::vector<DayPoint> day_points(const Program& program, std::optional<Instant> as_of) {
    const Window& window = program.window();
    const TimeZone& zone = program.time_zone();
    std::vector<DayPoint> days;
    const Instant limit = as_of.value_or(kEndOfTime);
    date::sys_days day{window.start_date()};
    for (int i = 0; i < window.days(); ++i, day += date::days{1}) {
        const Instant end = start_of_day(LocalDate{day + date::days{1}}, zone);
        if (end <= limit) {
            days.push_back(DayPoint{LocalDate{day}, end, false, 0, 0});
        } else {
            if (limit > start_of_day(LocalDate{day}, zone)) days.push_back(DayPoint{LocalDate{day}, limit, true, 0, 0});
            break;
        }
    }
    return days;
}

/// Whether the programme gives `category` a certificate (unknown ids: no).
[[nodiscard]] inline bool is_target_category(const Program& program, const std::string& category) {
    const Category* c = program.find_category(category);
    return c != nullptr && c->certificate;
}

}  // namespace detail::report


/// Accumulates `outcomes` (evaluated under `program`, as of `as_of` if given)
/// into a partial report.
ReportPartial report_partial(const Program& program, const std::vector<Outcome>& outcomes,
                                                  std::optional<Instant> as_of) {
    ReportPartial out;
    const std::vector<DayPoint> days = detail::report::day_points(program, as_of);
    std::vector<Instant> ends;
    for (const DayPoint& d : days) ends.push_back(d.as_of);
    out.completed_on.assign(days.size() + 1, 0);
    out.started_on.assign(days.size() + 1, 0);
    // The first point whose as_of is at or after `t` (as of T, a participant
    // counts once t <= T).
    auto first_point = [&](Instant t) {
        return static_cast<std::size_t>(std::lower_bound(ends.begin(), ends.end(), t) - ends.begin());
    };
    std::map<std::string, bool> target;  // category id -> certificate
    std::map<std::string, Counts>* row = nullptr;
    const std::string* row_unit = nullptr;
    for (const Outcome& o : outcomes) {
        // Outcomes usually come grouped by unit: look the unit up only when it changes.
        if (row_unit == nullptr || *row_unit != o.unit) {
            auto it = out.cells.find(o.unit);
            if (it == out.cells.end()) it = out.cells.emplace(o.unit, std::map<std::string, Counts>{}).first;
            row = &it->second;
            row_unit = &it->first;
        }
        Counts& cell = (*row)[o.category];
        ++cell.registered;
        if (o.status == Status::unverified) {
            ++cell.unverified;
        } else {
            ++cell.verified;
            cell.micro_hours += std::llround(o.hours_credited * 1e6);
            cell.hours_credited = static_cast<double>(cell.micro_hours) / 1e6;
            cell.seconds_studied += o.seconds_studied.count();
            if (!o.group_hours.empty()) {
                const auto& groups = program.groups();
                cell.group_micro_hours.resize(groups.size(), 0);
                cell.group_at_quota.resize(groups.size(), 0);
                for (std::size_t g = 0; g < groups.size() && g < o.group_hours.size(); ++g) {
                    cell.group_micro_hours[g] += std::llround(o.group_hours[g].hours * 1e6);
                    if (groups[g].max_hours && o.group_hours[g].hours >= *groups[g].max_hours) ++cell.group_at_quota[g];
                }
            }
        }
        if (detail::report::is_started(o.status)) ++cell.started;
        if (o.certificate) ++cell.completed;
        auto t = target.find(o.category);
        if (t == target.end())
            t = target.emplace(o.category, detail::report::is_target_category(program, o.category)).first;
        if (t->second) {
            if (o.completed_from) ++out.completed_on[first_point(*o.completed_from)];
            if (o.started_from) ++out.started_on[first_point(*o.started_from)];
        }
    }
    return out;
}

/// Builds the report from a partial (one, or the sum of several over
/// disjoint participants).  With `census`, coverage divides by the census
/// where a unit has a row for the category, else by the registered
/// participants; rows with the same unit and category add up.
Report report(const Program& program, const ReportPartial& partial,
                                   const std::vector<CensusRow>* census, std::optional<Instant> as_of) {
    Report out(program);
    out.as_of = as_of;
    out.has_census = census != nullptr;
    out.latest_record = partial.latest_record;

    // Category columns: the programme's, then any others the inputs name.
    std::vector<std::string> category_ids;
    std::vector<bool> is_target;
    for (const Category& c : program.categories()) category_ids.push_back(c.id), is_target.push_back(c.certificate);
    std::map<std::string, std::size_t> category_index;
    for (std::size_t i = 0; i < category_ids.size(); ++i) category_index.emplace(category_ids[i], i);
    {
        std::vector<std::string> extra;
        auto note = [&](const std::string& id) {
            if (!category_index.count(id)) category_index.emplace(id, 0), extra.push_back(id);
        };
        for (const auto& [unit, row] : partial.cells)
            for (const auto& [category, counts] : row) note(category);
        if (census)
            for (const CensusRow& r : *census) note(r.category);
        std::sort(extra.begin(), extra.end());
        for (const auto& id : extra) {
            category_index[id] = category_ids.size();
            category_ids.push_back(id);
            is_target.push_back(false);  // unknown to the programme: no certificate
        }
    }
    const std::size_t n_categories = category_ids.size();

    struct Cell {
        Counts counts;
        bool census_row = false;
    };
    std::map<std::string, std::vector<Cell>> cells;  // unit -> one cell per category; sorted by name
    auto unit_cells = [&](const std::string& unit) -> std::vector<Cell>& {
        auto it = cells.find(unit);
        if (it == cells.end()) it = cells.emplace(unit, std::vector<Cell>(n_categories)).first;
        return it->second;
    };
    for (const auto& [unit, row] : partial.cells) {
        std::vector<Cell>& target_row = unit_cells(unit);
        for (const auto& [category, counts] : row) target_row[category_index.at(category)].counts = counts;
    }

    std::vector<DayPoint> days = detail::report::day_points(program, as_of);
    std::size_t running_completed = 0, running_started = 0;
    for (std::size_t i = 0; i < days.size(); ++i) {
        if (i < partial.completed_on.size()) running_completed += partial.completed_on[i];
        if (i < partial.started_on.size()) running_started += partial.started_on[i];
        days[i].completed = running_completed, days[i].started = running_started;
    }
    out.daily = std::move(days);

    if (census)
        for (const CensusRow& r : *census) {
            Cell& cell = unit_cells(r.unit)[category_index.at(r.category)];
            cell.census_row = true;
            cell.counts.expected = cell.counts.expected.value_or(0) + r.expected;
        }

    out.categories.resize(n_categories);
    for (std::size_t c = 0; c < n_categories; ++c)
        out.categories[c].category = category_ids[c], out.categories[c].target = is_target[c];
    for (auto& [unit, row] : cells) {
        UnitReport u;
        u.unit = unit;
        for (std::size_t c = 0; c < n_categories; ++c) {
            Cell& cell = row[c];
            if (cell.counts.registered == 0 && !cell.census_row) continue;
            Counts& k = cell.counts;
            if (is_target[c]) {
                if (cell.census_row) k.coverage_base = *k.expected, k.denominator = Denominator::census;
                else k.coverage_base = static_cast<std::int64_t>(k.registered), k.denominator = Denominator::registered;
            }
            if (cell.census_row && k.registered == 0)
                out.census_without_participants.push_back({unit, category_ids[c], *k.expected});
            if (census && is_target[c] && !cell.census_row)
                out.participants_without_census.push_back({unit, category_ids[c], k.registered});
            (is_target[c] ? u.target : u.recorded) += k;
            out.categories[c].counts += k;
            u.categories.push_back(CategoryCounts{category_ids[c], is_target[c], k});
        }
        out.target += u.target;
        out.recorded += u.recorded;
        out.units.push_back(std::move(u));
    }
    // Keep only the categories that occur anywhere, but every target one.
    out.categories.erase(std::remove_if(out.categories.begin(), out.categories.end(),
                                        [](const CategoryCounts& c) {
                                            return !c.target && c.counts.registered == 0 && !c.counts.expected;
                                        }),
                         out.categories.end());

    std::stable_sort(out.units.begin(), out.units.end(), detail::report::ranks_before);
    for (std::size_t i = 0; i < out.units.size(); ++i) out.units[i].rank = i + 1;
    // The census gaps in ranking order (then programme order), as readers scan them.
    std::map<std::string, std::size_t> rank_of;
    for (const UnitReport& u : out.units) rank_of.emplace(u.unit, u.rank);
    auto by_rank = [&](const auto& a, const auto& b) {
        const std::size_t ra = rank_of[a.unit], rb = rank_of[b.unit];
        if (ra != rb) return ra < rb;
        return category_index.at(a.category) < category_index.at(b.category);
    };
    std::sort(out.census_without_participants.begin(), out.census_without_participants.end(), by_rank);
    std::sort(out.participants_without_census.begin(), out.participants_without_census.end(), by_rank);
    return out;
}

/// Builds the report of `outcomes` (evaluated under `program`, as of
/// `as_of` if given): `report(program, report_partial(...), census, as_of)`.
/// The daily series is computed in one pass from each outcome's
/// `started_from`/`completed_from`.
Report report(const Program& program, const std::vector<Outcome>& outcomes,
                                   const std::vector<CensusRow>* census, std::optional<Instant> as_of) {
    return report(program, report_partial(program, outcomes, as_of), census, as_of);
}

/// A partial report as JSON (for moving partials between processes).
nlohmann::json to_json(const ReportPartial& p) {
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& [unit, row] : p.cells) {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [category, k] : row) {
            j[category] = {k.registered, k.started,        k.completed,       k.unverified,
                           k.verified,   k.micro_hours,    k.seconds_studied};
            if (!k.group_micro_hours.empty()) {
                j[category].push_back(k.group_micro_hours);
                j[category].push_back(k.group_at_quota);
            }
        }
        cells[unit] = std::move(j);
    }
    nlohmann::json j = {{"cells", std::move(cells)}, {"completed_on", p.completed_on}, {"started_on", p.started_on}};
    if (p.latest_record) j["latest_record"] = p.latest_record->time_since_epoch().count();  // seconds since the epoch
    return j;
}

/// Reads a partial report written by `to_json(const ReportPartial&)`;
/// throws std::invalid_argument on anything else.
ReportPartial report_partial_from_json(const nlohmann::json& j) {
    auto bad = [] { return std::invalid_argument("not a yanxiu report partial"); };
    if (!j.is_object() || !j.contains("cells") || !j.contains("completed_on") || !j.contains("started_on") ||
        !j["cells"].is_object())
        throw bad();
    ReportPartial p;
    try {
        for (const auto& [unit, row] : j["cells"].items()) {
            if (!row.is_object()) throw bad();
            for (const auto& [category, v] : row.items()) {
                if (!v.is_array() || (v.size() != 7 && v.size() != 9)) throw bad();
                Counts& k = p.cells[unit][category];
                k.registered = v[0].get<std::size_t>(), k.started = v[1].get<std::size_t>();
                k.completed = v[2].get<std::size_t>(), k.unverified = v[3].get<std::size_t>();
                k.verified = v[4].get<std::size_t>(), k.micro_hours = v[5].get<std::int64_t>();
                k.hours_credited = static_cast<double>(k.micro_hours) / 1e6;
                k.seconds_studied = v[6].get<std::int64_t>();
                if (v.size() == 9) {
                    k.group_micro_hours = v[7].get<std::vector<std::int64_t>>();
                    k.group_at_quota = v[8].get<std::vector<std::size_t>>();
                    if (k.group_micro_hours.size() != k.group_at_quota.size()) throw bad();
                }
            }
        }
        p.completed_on = j["completed_on"].get<std::vector<std::size_t>>();
        p.started_on = j["started_on"].get<std::vector<std::size_t>>();
        if (j.contains("latest_record")) p.latest_record = Instant{Seconds{j["latest_record"].get<std::int64_t>()}};
    } catch (const nlohmann::json::exception&) {
        throw bad();
    }
    return p;
}


Report report(const Evaluation& evaluation, const std::vector<CensusRow>* census, const ReadSummary* census_summary) {
    Report out = report(*evaluation.program, evaluation.outcomes, census, evaluation.as_of);
    out.inputs = evaluation.inputs;
    if (census_summary) out.inputs.push_back({"census", *census_summary});
    out.latest_record = evaluation.latest_record;
    return out;
}

PreviousReport previous_report_from_json(const nlohmann::json& j) {
    auto fail = [](const std::string& what) {
        throw std::invalid_argument("not a yanxiu report's JSON: " + what);
    };
    auto figures = [&](const nlohmann::json& counts, const std::string& where) {
        if (!counts.is_object()) fail(where + " is not an object");
        PreviousFigures f;
        auto count = [&](const char* key) -> std::size_t {
            const auto it = counts.find(key);
            if (it == counts.end() || !it->is_number_unsigned()) fail(where + "." + key + " is not a count");
            return it->get<std::size_t>();
        };
        f.registered = count("registered"), f.started = count("started"), f.completed = count("completed");
        if (const auto it = counts.find("coverage"); it != counts.end() && it->is_number()) f.coverage = it->get<double>();
        return f;
    };
    if (!j.is_object()) fail("not an object");
    PreviousReport p;
    if (const auto it = j.find("cut_off"); it != j.end() && it->is_string()) p.cut_off = it->get<std::string>();
    else if (const auto as_of = j.find("as_of"); as_of != j.end() && as_of->is_string()) p.cut_off = as_of->get<std::string>();
    const auto totals = j.find("totals");
    if (totals == j.end() || !totals->is_object() || !totals->contains("target")) fail("no totals.target");
    p.total = figures(totals->at("target"), "totals.target");
    const auto units = j.find("units");
    if (units == j.end() || !units->is_array()) fail("no units array");
    for (std::size_t i = 0; i < units->size(); ++i) {
        const auto& u = (*units)[i];
        const std::string where = "units[" + std::to_string(i) + "]";
        if (!u.is_object() || !u.contains("unit") || !u.at("unit").is_string()) fail(where + ".unit is not a name");
        if (!u.contains("target")) fail(where + ".target is missing");
        p.units[u.at("unit").get<std::string>()] = figures(u.at("target"), where + ".target");
    }
    return p;
}

void without_ranking(Report& r) {
    std::stable_sort(r.units.begin(), r.units.end(),
                     [](const UnitReport& a, const UnitReport& b) { return a.unit < b.unit; });
    for (UnitReport& u : r.units) u.rank = 0;
    r.ranked = false;
}

Instant report_cut_off(const Report& r) noexcept {
    const Instant end = r.program.window().end();
    if (r.as_of) return std::min(*r.as_of, end);
    if (r.latest_record) return std::min(*r.latest_record, end);
    return end;
}

std::int64_t days_remaining(const Report& r) noexcept {
    const auto left = (r.program.window().end() - report_cut_off(r)).count();
    return left > 0 ? left / 86400 : 0;
}

Instant generation_instant() {
    Instant now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
        char* end = nullptr;
        const long long seconds = std::strtoll(epoch, &end, 10);
        if (end && *end == '\0' && seconds >= 0) now = Instant{Seconds{seconds}};
    }
    return now;
}

std::string provenance_time(const std::optional<std::string>& given, const TimeZone& zone) {
    if (!given) return format_instant_utc(generation_instant());
    if (auto at = parse_instant(*given, zone)) return format_instant_utc(*at);
    return *given;  // free text (e.g. "2023-02-11 09:00"), recorded as it was given
}

std::string generated_at_text(const Program& program, std::optional<Instant> now) {
    if (!now) now = generation_instant();
    const std::string full = format_instant(*now, program.time_zone());  // 2023-02-11T09:30:00+08:00
    if (full.size() < 25) return full;  // in UTC beyond ±14:00: "…Z"
    return full.substr(0, 10) + " " + full.substr(11, 5) + " (UTC" + full.substr(19) + ")";
}

void add_contacts(Report& r, const std::vector<Contact>& contacts) {
    ContactCheck check;
    if (const Milestone* m = r.program.find_milestone("contact_update")) check.due = m->date;
    for (const Contact& c : contacts) check.by_unit.emplace(c.unit, c);
    auto late = [&](const Contact& c) {
        return check.due && c.updated_at && date::sys_days{*c.updated_at} > date::sys_days{*check.due};
    };
    std::set<std::string> known;
    for (const UnitReport& u : r.units) {
        known.insert(u.unit);
        const Contact* c = check.find(u.unit);
        if (!c) check.without_contact.push_back(u.unit);
        else if (late(*c)) check.updated_late.push_back(u.unit);
    }
    for (const auto& [unit, c] : check.by_unit) {
        if (known.count(unit)) continue;
        check.not_in_report.push_back(unit);
        if (late(c)) check.updated_late.push_back(unit);  // after the report's units, by name
    }
    r.contacts = std::move(check);
}

}  // namespace yanxiu
