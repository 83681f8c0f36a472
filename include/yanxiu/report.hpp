#pragma once
/// \file report.hpp
/// What a province circulates (SPEC §6, R10): per unit and in total, by
/// category — census, registered, started, completed, coverage, mean hours —
/// units ranked by coverage, a daily series over the window, the milestones
/// and support channels; as JSON, CSV and one self-contained HTML page.
///
/// A report is built from outcomes, never from records: every figure is a
/// count over `Outcome`s, so it cannot disagree with `evaluate`.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/messages.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/records.hpp>
#include <yanxiu/rejection.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yanxiu {

// ---------------------------------------------------------------------------
// Census (摸底, R10)

/// One census row: how many teachers of `category` a unit expects to train.
struct CensusRow {
    std::string unit;
    std::string category;
    std::int64_t expected = 0;

    friend bool operator==(const CensusRow& a, const CensusRow& b) {
        return a.unit == b.unit && a.category == b.category && a.expected == b.expected;
    }
};

/// The largest `expected` accepted (far beyond any unit).
inline constexpr std::int64_t kMaxCensusExpected = 100000000;

/// Census rows read from CSV or JSON Lines (`unit,category,expected`), with a
/// rejection for every row that cannot be used: read = accepted + rejected +
/// duplicates.  A row repeating a unit and category with the same `expected`
/// is a duplicate; with a different one, the later row is rejected
/// `duplicate_id`.
class Census {
public:
    /// `program` names the categories a row may use; it must outlive the census.
    explicit Census(const Program& program) : program_(&program) {}

    /// Reads census rows from text; `file` names it in rejections.
    ReadSummary read(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads a census file (format from the extension, else sniffed).
    ReadSummary read_file(const std::string& path, Format format = Format::automatic);

    /// Accepted rows, in the order read.
    [[nodiscard]] const std::vector<CensusRow>& rows() const noexcept { return rows_; }
    [[nodiscard]] const std::vector<Rejection>& rejections() const noexcept { return rejections_; }
    /// Counts over every row read so far.
    [[nodiscard]] const ReadSummary& summary() const noexcept { return summary_; }

private:
    enum class Verdict : std::uint8_t { accepted, rejected, duplicate };
    Verdict accept(const detail::RecordFields& f, std::string_view file, std::size_t line);

    const Program* program_;
    std::vector<CensusRow> rows_;
    std::map<std::pair<std::string, std::string>, std::size_t> by_key_;
    std::vector<Rejection> rejections_;
    ReadSummary summary_;
};

// ---------------------------------------------------------------------------
// The report

/// What a coverage figure was divided by.
enum class Denominator : std::uint8_t {
    none,        ///< nothing to divide by (no census row, nobody registered)
    census,      ///< the census `expected`
    registered,  ///< registered participants: no census row for this unit and category
    mixed,       ///< a total over cells of both kinds
};

[[nodiscard]] inline std::string_view to_string(Denominator d) noexcept {
    switch (d) {
        case Denominator::none: return "none";
        case Denominator::census: return "census";
        case Denominator::registered: return "registered";
        case Denominator::mixed: return "mixed";
    }
    return "none";
}

/// The figures of one cell (a unit and category) or of a total.
struct Counts {
    std::optional<std::int64_t> expected;  ///< census, summed over the cells that have a row
    std::size_t registered = 0;            ///< participants
    std::size_t started = 0;               ///< status in_progress, completed or recorded
    std::size_t completed = 0;             ///< with a certificate
    std::size_t unverified = 0;
    std::size_t verified = 0;              ///< registered − unverified: the base of mean hours
    double hours_credited = 0;             ///< sum over verified participants (= micro_hours / 1e6)
    /// The same sum in millionths of an hour, added as integers, so that the
    /// sum (and the mean) do not depend on the order participants are added
    /// in -- one process or the partitions of many give the same figures.
    std::int64_t micro_hours = 0;
    std::int64_t seconds_studied = 0;      ///< sum over verified participants
    std::int64_t coverage_base = 0;        ///< what `completed` is divided by
    Denominator denominator = Denominator::none;

    /// completed / coverage_base; nullopt when the base is 0.
    [[nodiscard]] std::optional<double> coverage() const noexcept {
        if (coverage_base <= 0) return std::nullopt;
        return static_cast<double>(completed) / static_cast<double>(coverage_base);
    }
    /// Mean credited hours over verified participants; nullopt when there are none.
    [[nodiscard]] std::optional<double> mean_hours() const noexcept {
        if (verified == 0) return std::nullopt;
        return static_cast<double>(micro_hours) / (1e6 * static_cast<double>(verified));
    }
    /// Adds another cell or total, keeping track of the denominators used.
    Counts& operator+=(const Counts& o) noexcept {
        if (o.expected) expected = expected.value_or(0) + *o.expected;
        registered += o.registered, started += o.started, completed += o.completed;
        unverified += o.unverified, verified += o.verified;
        micro_hours += o.micro_hours, seconds_studied += o.seconds_studied;
        hours_credited = static_cast<double>(micro_hours) / 1e6;
        coverage_base += o.coverage_base;
        if (o.denominator != Denominator::none) {
            if (denominator == Denominator::none) denominator = o.denominator;
            else if (denominator != o.denominator) denominator = Denominator::mixed;
        }
        return *this;
    }
};

/// One category's figures.  `target`: the category gives certificates and
/// counts towards coverage; the others are only recorded (R7).
struct CategoryCounts {
    std::string category;
    bool target = false;
    Counts counts;
};

/// One unit's figures.
struct UnitReport {
    std::string unit;
    std::size_t rank = 0;                     ///< 1-based position in the ranking
    Counts target;                            ///< certificate categories: coverage
    Counts recorded;                          ///< other categories: 记录学时 only
    std::vector<CategoryCounts> categories;   ///< in programme order; those with participants or a census row
};

/// One point of the daily series: as of `as_of` (the end of `date`, or the
/// report's `as_of` for a last, partial day).
struct DayPoint {
    LocalDate date;
    Instant as_of;
    bool partial = false;    ///< as of an instant inside the day, not its end
    std::size_t completed = 0;  ///< target participants completed as of then
    std::size_t started = 0;    ///< target participants started as of then
};

/// A census row whose unit and category have no participants.
struct CensusWithoutParticipants {
    std::string unit;
    std::string category;
    std::int64_t expected = 0;
};

/// Participants of a target category whose unit has no census row for it.
struct ParticipantsWithoutCensus {
    std::string unit;
    std::string category;
    std::size_t registered = 0;
};

/// How many records one input held (for the page's data counts).
struct InputCount {
    std::string name;  ///< "participants", "events", "census", …
    ReadSummary summary;
};

/// A progress report (SPEC §6).
struct Report {
    Program program;                     ///< the programme the outcomes were evaluated under
    std::optional<Instant> as_of;        ///< the evaluation's as_of, if any
    bool has_census = false;
    std::vector<UnitReport> units;       ///< ranked by target coverage
    Counts target;                       ///< all units, certificate categories
    Counts recorded;                     ///< all units, other categories
    std::vector<CategoryCounts> categories;  ///< all units, by category (programme order)
    std::vector<DayPoint> daily;         ///< each local day of the window up to as_of
    std::vector<CensusWithoutParticipants> census_without_participants;
    std::vector<ParticipantsWithoutCensus> participants_without_census;
    /// Shown at the foot of the page and in the JSON; set by the caller, so
    /// that the same inputs and the same string give the same bytes.
    std::string generated_at;
    /// Record counts of the inputs; set by the caller.
    std::vector<InputCount> inputs;
};

namespace detail::report {

/// Whether a status counts as started (SPEC §6: not not_started/unverified).
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

/// The additive part of a report: what `report()` accumulates from outcomes
/// before it adds the census and ranks the units.  Partials of disjoint sets
/// of participants (e.g. the partitions of a distributed evaluation) add up
/// with `+=` to the partial of all of them, so a report built from the sum
/// is the report of the whole cohort: counts are summed, never averages.
struct ReportPartial {
    /// Counts by unit, then by category id (outcome fields only: no census).
    std::map<std::string, std::map<std::string, Counts>> cells;
    /// Target participants whose completion / start falls at each point of
    /// the daily series (index = first day point at or after it; one more
    /// slot for "after the last point").
    std::vector<std::size_t> completed_on, started_on;

    ReportPartial& operator+=(const ReportPartial& o) {
        for (const auto& [unit, row] : o.cells)
            for (const auto& [category, counts] : row) cells[unit][category] += counts;
        if (completed_on.size() < o.completed_on.size()) completed_on.resize(o.completed_on.size(), 0);
        if (started_on.size() < o.started_on.size()) started_on.resize(o.started_on.size(), 0);
        for (std::size_t i = 0; i < o.completed_on.size(); ++i) completed_on[i] += o.completed_on[i];
        for (std::size_t i = 0; i < o.started_on.size(); ++i) started_on[i] += o.started_on[i];
        return *this;
    }
};

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
[[nodiscard]] inline ReportPartial report_partial(const Program& program, const std::vector<Outcome>& outcomes,
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
[[nodiscard]] inline Report report(const Program& program, const ReportPartial& partial,
                                   const std::vector<CensusRow>* census, std::optional<Instant> as_of) {
    Report out;
    out.program = program;
    out.as_of = as_of;
    out.has_census = census != nullptr;

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
[[nodiscard]] inline Report report(const Program& program, const std::vector<Outcome>& outcomes,
                                   const std::vector<CensusRow>* census, std::optional<Instant> as_of) {
    return report(program, report_partial(program, outcomes, as_of), census, as_of);
}

/// A partial report as JSON (for moving partials between processes).
[[nodiscard]] inline nlohmann::json to_json(const ReportPartial& p) {
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& [unit, row] : p.cells) {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [category, k] : row)
            j[category] = {k.registered, k.started,        k.completed,       k.unverified,
                           k.verified,   k.micro_hours,    k.seconds_studied};
        cells[unit] = std::move(j);
    }
    return {{"cells", std::move(cells)}, {"completed_on", p.completed_on}, {"started_on", p.started_on}};
}

/// Reads a partial report written by `to_json(const ReportPartial&)`;
/// throws std::invalid_argument on anything else.
[[nodiscard]] inline ReportPartial report_partial_from_json(const nlohmann::json& j) {
    auto bad = [] { return std::invalid_argument("not a yanxiu report partial"); };
    if (!j.is_object() || !j.contains("cells") || !j.contains("completed_on") || !j.contains("started_on") ||
        !j["cells"].is_object())
        throw bad();
    ReportPartial p;
    try {
        for (const auto& [unit, row] : j["cells"].items()) {
            if (!row.is_object()) throw bad();
            for (const auto& [category, v] : row.items()) {
                if (!v.is_array() || v.size() != 7) throw bad();
                Counts& k = p.cells[unit][category];
                k.registered = v[0].get<std::size_t>(), k.started = v[1].get<std::size_t>();
                k.completed = v[2].get<std::size_t>(), k.unverified = v[3].get<std::size_t>();
                k.verified = v[4].get<std::size_t>(), k.micro_hours = v[5].get<std::int64_t>();
                k.hours_credited = static_cast<double>(k.micro_hours) / 1e6;
                k.seconds_studied = v[6].get<std::int64_t>();
            }
        }
        p.completed_on = j["completed_on"].get<std::vector<std::size_t>>();
        p.started_on = j["started_on"].get<std::vector<std::size_t>>();
    } catch (const nlohmann::json::exception&) {
        throw bad();
    }
    return p;
}

// ---------------------------------------------------------------------------
// JSON

namespace detail::report {

/// `x` rounded to `places` decimals, for stable, readable output.
[[nodiscard]] inline double rounded(double x, int places) {
    const double scale = std::pow(10.0, places);
    return std::round(x * scale) / scale;
}

/// Adds the figures of `k` to the object `j`.
inline void add_counts(nlohmann::ordered_json& j, const Counts& k, bool target) {
    j["expected"] = k.expected ? nlohmann::ordered_json(*k.expected) : nullptr;
    j["registered"] = k.registered;
    j["started"] = k.started;
    j["completed"] = k.completed;
    j["unverified"] = k.unverified;
    if (target) {
        auto coverage = k.coverage();
        j["coverage"] = coverage ? nlohmann::ordered_json(rounded(*coverage, 6)) : nullptr;
        j["coverage_base"] = k.coverage_base;
        j["coverage_denominator"] =
            k.denominator == Denominator::none ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(std::string(to_string(k.denominator)));
    }
    auto mean = k.mean_hours();
    j["mean_hours"] = mean ? nlohmann::ordered_json(rounded(*mean, 2)) : nullptr;
    j["hours_credited"] = rounded(k.hours_credited, 1);
    j["seconds_studied"] = k.seconds_studied;
}

[[nodiscard]] inline nlohmann::ordered_json counts_json(const Counts& k, bool target) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    add_counts(j, k, target);
    return j;
}

[[nodiscard]] inline nlohmann::ordered_json category_json(const CategoryCounts& c) {
    nlohmann::ordered_json j;
    j["category"] = c.category;
    j["target"] = c.target;
    add_counts(j, c.counts, c.target);
    return j;
}

[[nodiscard]] inline nlohmann::ordered_json label_json(const Label& l) {
    return nlohmann::ordered_json{{"zh", l.zh}, {"en", l.en}};
}

}  // namespace detail::report

/// The report as JSON: the programme's rules, totals, units in rank order,
/// the daily series, the census gaps, the inputs' counts.  Coverage is a
/// ratio (6 decimals) with its base and denominator; hours to 2 decimals.
[[nodiscard]] inline nlohmann::ordered_json to_json(const Report& r) {
    using detail::report::counts_json;
    using detail::report::label_json;
    using json = nlohmann::ordered_json;
    const Program& p = r.program;
    const TimeZone& zone = p.time_zone();
    json j;
    json program;
    program["id"] = p.id();
    program["version"] = p.version();
    program["title"] = label_json(p.title());
    program["authority"] = p.authority();
    program["time_zone"] = p.time_zone_name();
    program["window"] = {{"start", format_local_date(p.window().start_date())},
                         {"end", format_local_date(p.window().end_date())}};
    json categories = json::array();
    for (const Category& c : p.categories())
        categories.push_back({{"id", c.id}, {"label", label_json(c.label)}, {"min_lessons", c.min_lessons},
                              {"certificate", c.certificate}});
    program["categories"] = std::move(categories);
    program["quiz"] = {{"mode", p.quiz().mode == QuizMode::completed ? "completed"
                                : p.quiz().mode == QuizMode::passed  ? "passed"
                                                                     : "none"},
                       {"pass_score", p.quiz().pass_score}};
    program["minutes_per_hour"] = p.credit().minutes_per_hour;
    json milestones = json::array();
    for (const Milestone& m : p.milestones())
        milestones.push_back({{"id", m.id}, {"date", format_local_date(m.date)}, {"label", label_json(m.label)}});
    program["milestones"] = std::move(milestones);
    json support = json::array();
    for (const SupportChannel& s : p.support()) {
        json sectors = json::array();
        for (Sector sector : s.sectors) sectors.push_back(to_string(sector));
        support.push_back({{"id", s.id}, {"kind", s.kind}, {"value", s.value}, {"label", label_json(s.label)},
                           {"sectors", std::move(sectors)}});
    }
    program["support"] = std::move(support);
    j["program"] = std::move(program);
    j["as_of"] = r.as_of ? json(format_instant(*r.as_of, zone)) : json(nullptr);
    j["generated_at"] = r.generated_at;
    json inputs = json::object();
    for (const InputCount& in : r.inputs)
        inputs[in.name] = {{"read", in.summary.read}, {"accepted", in.summary.accepted},
                           {"rejected", in.summary.rejected}, {"duplicates", in.summary.duplicates}};
    j["inputs"] = std::move(inputs);
    j["census"] = r.has_census;

    json totals;
    totals["target"] = counts_json(r.target, true);
    totals["recorded"] = counts_json(r.recorded, false);
    json by_category = json::array();
    for (const CategoryCounts& c : r.categories) by_category.push_back(detail::report::category_json(c));
    totals["by_category"] = std::move(by_category);
    j["totals"] = std::move(totals);

    json units = json::array();
    for (const UnitReport& u : r.units) {
        json x;
        x["rank"] = u.rank;
        x["unit"] = u.unit;
        x["target"] = counts_json(u.target, true);
        x["recorded"] = counts_json(u.recorded, false);
        json cats = json::array();
        for (const CategoryCounts& c : u.categories) cats.push_back(detail::report::category_json(c));
        x["categories"] = std::move(cats);
        units.push_back(std::move(x));
    }
    j["units"] = std::move(units);

    json daily = json::array();
    for (const DayPoint& d : r.daily) {
        json x;
        x["date"] = format_local_date(d.date);
        x["as_of"] = format_instant(d.as_of, zone);
        if (d.partial) x["partial"] = true;
        x["completed"] = d.completed;
        x["started"] = d.started;
        daily.push_back(std::move(x));
    }
    j["daily"] = std::move(daily);
    json gaps = json::array();
    for (const auto& g : r.census_without_participants)
        gaps.push_back({{"unit", g.unit}, {"category", g.category}, {"expected", g.expected}});
    j["census_without_participants"] = std::move(gaps);
    json missing = json::array();
    for (const auto& g : r.participants_without_census)
        missing.push_back({{"unit", g.unit}, {"category", g.category}, {"registered", g.registered}});
    j["participants_without_census"] = std::move(missing);
    return j;
}

// ---------------------------------------------------------------------------
// CSV

/// How `write_csv` writes.
struct CsvOptions {
    Lang lang = Lang::zh;  ///< language of the header and of category labels
    bool bom = false;      ///< start with a UTF-8 byte-order mark (Excel then reads UTF-8)
};

/// One CSV cell from text: a cell that a spreadsheet would read as a formula
/// (beginning with `=`, `+`, `-`, `@`, tab or carriage return) gets a
/// leading `'`; a cell holding a comma, quote or line break is quoted.
[[nodiscard]] inline std::string csv_text_cell(std::string_view s) {
    std::string cell;
    if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
        cell += '\'';
    cell += s;
    if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
    std::string quoted = "\"";
    for (char c : cell) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

namespace detail::report {

[[nodiscard]] inline std::string fixed(double x, int places) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", places, x);
    return buffer;
}

[[nodiscard]] inline std::string_view denominator_label(Denominator d, Lang lang) noexcept {
    switch (d) {
        case Denominator::census: return label(ReportLabel::denominator_census, lang);
        case Denominator::registered: return label(ReportLabel::denominator_registered, lang);
        case Denominator::mixed: return label(ReportLabel::denominator_mixed, lang);
        case Denominator::none: return "";
    }
    return "";
}

[[nodiscard]] inline std::string unit_label(const std::string& unit, Lang lang) {
    return unit.empty() ? std::string(label(ReportLabel::no_unit, lang)) : unit;
}

}  // namespace detail::report

/// Writes the report as one CSV table (UTF-8): for each unit in rank order,
/// a row per category and a total row over target categories; then the
/// totals.  Coverage is a ratio (0.8234), hours to 2 decimals.
inline void write_csv(std::ostream& out, const Report& r, const CsvOptions& options = {}) {
    using detail::report::fixed;
    const Lang lang = options.lang;
    if (options.bom) out << "\xEF\xBB\xBF";
    const ReportLabel columns[] = {ReportLabel::rank,      ReportLabel::unit,        ReportLabel::category,
                                   ReportLabel::category_id, ReportLabel::expected,  ReportLabel::registered,
                                   ReportLabel::started,   ReportLabel::completed,   ReportLabel::unverified,
                                   ReportLabel::coverage,  ReportLabel::denominator, ReportLabel::mean_hours};
    bool first = true;
    for (ReportLabel c : columns) {
        if (!first) out << ',';
        first = false;
        out << csv_text_cell(label(c, lang));
    }
    out << "\r\n";
    auto row = [&](const std::string& rank, const std::string& unit, const std::string& category_text,
                   const std::string& category_id, const Counts& k, bool target) {
        out << rank << ',' << csv_text_cell(unit) << ',' << csv_text_cell(category_text) << ','
            << csv_text_cell(category_id) << ',';
        if (k.expected) out << *k.expected;
        out << ',' << k.registered << ',' << k.started << ',' << k.completed << ',' << k.unverified << ',';
        if (target)
            if (auto coverage = k.coverage()) out << fixed(*coverage, 4);
        out << ',';
        if (target) out << csv_text_cell(detail::report::denominator_label(k.denominator, lang));
        out << ',';
        if (auto mean = k.mean_hours()) out << fixed(*mean, 2);
        out << "\r\n";
    };
    const std::string total(label(ReportLabel::total, lang));
    for (const UnitReport& u : r.units) {
        const std::string unit = detail::report::unit_label(u.unit, lang);
        const std::string rank = std::to_string(u.rank);
        for (const CategoryCounts& c : u.categories)
            row(rank, unit, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
        row(rank, unit, total, "", u.target, true);
    }
    for (const CategoryCounts& c : r.categories)
        row("", total, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
    row("", total, total, "", r.target, true);
}

// ---------------------------------------------------------------------------
// HTML

namespace detail::report {

/// Escapes text for HTML content and attribute values.
[[nodiscard]] inline std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

/// The first `n` code points of UTF-8 text, with "…" when cut.
[[nodiscard]] inline std::string clip(std::string_view s, std::size_t n) {
    std::size_t points = 0, i = 0;
    while (i < s.size()) {
        if (points == n) return std::string(s.substr(0, i)) + "…";
        const auto c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        ++points;
    }
    return std::string(s);
}

/// Display width of text in em-ish units: CJK counts 1, ASCII 0.55.
[[nodiscard]] inline double text_width(std::string_view s) {
    double w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) w += 0.55, i += 1;
        else w += 1.0, i += c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    return w;
}

[[nodiscard]] inline std::string percent(std::optional<double> x) {
    if (!x) return "—";
    return fixed(*x * 100, 1) + "%";
}

[[nodiscard]] inline std::string optional_number(const std::optional<std::int64_t>& x) {
    return x ? std::to_string(*x) : "—";
}

[[nodiscard]] inline std::string hours_text(std::optional<double> x) { return x ? fixed(*x, 2) : "—"; }

/// A number for SVG coordinates (one decimal is plenty).
[[nodiscard]] inline std::string num(double x) {
    std::string s = fixed(x, 1);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    if (s == "-0") s = "0";
    return s;
}

inline constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                              "July",    "August",   "September", "October", "November", "December"};

/// A date as people write it: 2023年1月9日 / 9 January 2023.
[[nodiscard]] inline std::string long_date(LocalDate d, Lang lang) {
    const int y = static_cast<int>(d.year());
    const unsigned m = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
    char buffer[64];
    if (lang == Lang::zh) std::snprintf(buffer, sizeof buffer, "%d年%u月%u日", y, m, day);
    else std::snprintf(buffer, sizeof buffer, "%u %s %d", day, kMonthNames[m - 1], y);
    return buffer;
}

/// A date on a chart axis: 1/9 / 9 Jan.
[[nodiscard]] inline std::string short_date(LocalDate d, Lang lang) {
    const unsigned m = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
    char buffer[32];
    if (lang == Lang::zh) std::snprintf(buffer, sizeof buffer, "%u/%u", m, day);
    else std::snprintf(buffer, sizeof buffer, "%u %.3s", day, kMonthNames[m - 1]);
    return buffer;
}

/// The zone as readers know it.
[[nodiscard]] inline std::string zone_words(const Program& p, Lang lang) {
    if (p.time_zone_name() == "Asia/Shanghai") return lang == Lang::zh ? "北京时间" : "China time";
    return p.time_zone_name();
}

/// An instant as a local date and time; midnight is written as 24:00 of the
/// day before, as notices do ("截至2月10日24时").
[[nodiscard]] inline std::string local_moment(Instant t, const Program& p, Lang lang) {
    const auto local = p.time_zone().to_local(t);
    auto day = date::floor<date::days>(local);
    auto time = date::make_time(local - day);
    int hours = static_cast<int>(time.hours().count());
    const int minutes = static_cast<int>(time.minutes().count());
    if (hours == 0 && minutes == 0 && time.seconds().count() == 0) day -= date::days{1}, hours = 24;
    char clock[16];
    std::snprintf(clock, sizeof clock, "%02d:%02d", hours, minutes);
    return long_date(LocalDate{day}, lang) + " " + clock;
}

/// Axis ticks: 0, step, 2·step, … covering `max`, with step 1, 2 or 5 × 10^k.
[[nodiscard]] inline std::vector<double> nice_ticks(double max, int target = 5) {
    if (max <= 0) max = 1;
    const double raw = max / target;
    double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (f * magnitude >= raw) {
            step = f * magnitude;
            break;
        }
    if (step < 1) step = 1;
    std::vector<double> ticks;
    for (double v = 0; v < max + step - 1e-9; v += step) ticks.push_back(v);
    return ticks;
}

/// Joins texts with a separator.
[[nodiscard]] inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}

inline const char* const kStyle = R"CSS(
:root { --ink:#1d2228; --muted:#5c6670; --line:#cfd6dd; --head:#edf1f5; --accent:#a8201a; --blue:#2d65a8; --green:#2e7d4f; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #fff; color: var(--ink);
  font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
  font-size: 14px; line-height: 1.65; }
main { max-width: 880px; margin: 0 auto; padding: 36px 40px 40px; }
header.masthead { text-align: center; padding-bottom: 12px; border-bottom: 3px solid var(--accent); }
header.masthead .programme { font-size: 19px; margin: 0; }
header.masthead h1 { font-size: 30px; color: var(--accent); margin: 2px 0 4px; font-weight: 700; }
html[lang="zh-CN"] header.masthead .programme { letter-spacing: .08em; }
html[lang="zh-CN"] header.masthead h1 { letter-spacing: .25em; }
header.masthead .authority { color: var(--muted); font-size: 13px; margin: 0; }
.dateline { display: flex; justify-content: space-between; color: var(--muted); font-size: 13px;
  border-bottom: 1px solid var(--line); padding: 6px 0; margin-bottom: 18px; }
h2 { font-size: 17px; margin: 26px 0 10px; padding-left: 10px; border-left: 4px solid var(--accent); line-height: 1.4; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 6px 0; }
p.lead { text-indent: 2em; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; margin: 14px 0 6px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 6px 6px; text-align: center; background: #fbfcfd; }
.card .value { font-size: 24px; font-weight: 700; line-height: 1.25; font-variant-numeric: tabular-nums; }
.card .value.accent { color: var(--accent); }
.card .name { font-size: 12px; color: var(--muted); }
ul.rules { margin: 6px 0; padding-left: 1.4em; }
ul.rules li { margin: 2px 0; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; margin: 6px 0 4px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; vertical-align: middle; }
th { background: var(--head); font-weight: 700; text-align: center; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
td.center { text-align: center; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #f8fafb; }
tr.total td { font-weight: 700; background: var(--head) !important; }
table.detail { font-size: 12px; }
table.detail th { white-space: normal; }
table.detail td.category, table.detail td.center { white-space: nowrap; }
table.detail tbody tr td { background: none; }
table.detail tbody { border-top: 2px solid #9aa5b0; }
td.muted, span.muted { color: var(--muted); }
.note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
figure { margin: 8px 0 4px; }
figure svg { display: block; width: 100%; height: auto; font-family: inherit; }
figcaption { color: var(--muted); font-size: 12px; text-align: center; margin-top: 2px; }
.two-col { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
footer { margin-top: 28px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
footer p { margin: 2px 0; }
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 12.5px; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, .cards, ul.rules, tr, .keep { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .page-break { break-before: page; page-break-before: always; }
  table.detail { font-size: 11px; }
  table.detail th, table.detail td { padding: 2px 5px; }
}
)CSS";

/// Section numbers: 一、二、… / 1. 2. …
[[nodiscard]] inline std::string section_number(int n, Lang lang) {
    static const char* const zh[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    if (lang == Lang::zh && n >= 1 && n <= 10) return std::string(zh[n - 1]) + "、";
    return std::to_string(n) + ". ";
}

/// The coverage-by-unit bar chart, units in rank order.
[[nodiscard]] inline std::string bar_chart(const Report& r, Lang lang) {
    std::vector<const UnitReport*> units;
    for (const UnitReport& u : r.units)
        if (u.target.coverage_base > 0) units.push_back(&u);
    double max_coverage = 0;
    for (const UnitReport* u : units) max_coverage = std::max(max_coverage, u->target.coverage().value_or(0));
    // The scale: 100% once any unit passes half way (beyond 100% for a stale
    // census, up to 200%); early in the window, the smallest that fits, so
    // that units can still be told apart.  The axis says which.
    double scale_max = 1.0;
    int step = 10;  // grid every `step` percent
    if (max_coverage > 1.0) {
        scale_max = std::min(2.0, std::ceil(max_coverage * 10 - 1e-9) / 10), step = 20;
    } else if (max_coverage * 1.05 <= 0.5) {
        const std::pair<double, int> scales[] = {{0.05, 1}, {0.1, 2}, {0.2, 5}, {0.3, 5}, {0.4, 10}, {0.5, 10}};
        for (const auto& [scale, grid] : scales)
            if (scale >= max_coverage * 1.05) {
                scale_max = scale, step = grid;
                break;
            }
    }
    const double width = 760, label_width = 178, right = 62, row = 19, top = 30, bottom = 40;
    const double plot_width = width - label_width - right;
    const double height = top + row * static_cast<double>(std::max<std::size_t>(units.size(), 1)) + bottom;
    auto x_of = [&](double coverage) { return label_width + plot_width * std::min(coverage, scale_max) / scale_max; };
    std::string s;
    s += "<svg class=\"chart bar-chart\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" role=\"img\" aria-label=\"" + escape(lang == Lang::zh ? "各单位完成率" : "Coverage by unit") + "\">\n";
    for (int pct = 0; pct <= static_cast<int>(std::lround(scale_max * 100)); pct += step) {
        const double x = x_of(pct / 100.0);
        s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top - 4) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(height - bottom) + "\" stroke=\"" + (pct == 0 ? "#8a949e" : "#e3e8ed") + "\" stroke-width=\"1\"/>\n";
        s += "<text x=\"" + num(x) + "\" y=\"" + num(height - bottom + 15) +
             "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6670\">" + std::to_string(pct) + "%</text>\n";
    }
    s += "<text class=\"axis-label\" x=\"" + num(label_width + plot_width / 2) + "\" y=\"" + num(height - 6) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(lang == Lang::zh ? "完成率（%）" : "Coverage (%)") + "</text>\n";
    s += "<text class=\"axis-label\" x=\"" + num(label_width - 8) + "\" y=\"" + num(top - 12) +
         "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2228\">" + escape(label(ReportLabel::unit, lang)) +
         "</text>\n";
    for (std::size_t i = 0; i < units.size(); ++i) {
        const UnitReport& u = *units[i];
        const double coverage = u.target.coverage().value_or(0);
        const double y = top + row * static_cast<double>(i);
        const std::string name = unit_label(u.unit, lang);
        s += "<g class=\"bar\" data-unit=\"" + escape(u.unit) + "\" data-rank=\"" + std::to_string(u.rank) +
             "\" data-coverage=\"" + fixed(coverage, 6) + "\">";
        s += "<title>" + escape(name) + " " + percent(coverage) + "</title>";
        s += "<text x=\"" + num(label_width - 8) + "\" y=\"" + num(y + row / 2 + 4) +
             "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2228\">" + escape(clip(name, 13)) + "</text>";
        const double x_end = x_of(coverage);
        s += "<rect x=\"" + num(label_width) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(x_end - label_width) +
             "\" height=\"" + num(row - 6) + "\" fill=\"" + (coverage > scale_max ? "#1b4a80" : "#2d65a8") + "\"/>";
        // A white halo keeps the figure legible where it crosses the reference line.
        s += "<text x=\"" + num(x_end + 4) + "\" y=\"" + num(y + row / 2 + 4) +
             "\" font-size=\"11\" fill=\"#1d2228\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" +
             percent(coverage) + "</text>";
        s += "</g>\n";
    }
    // The overall coverage as a reference line.
    if (auto overall = r.target.coverage(); overall && !units.empty()) {
        const double x = x_of(*overall);
        s += "<line class=\"overall\" x1=\"" + num(x) + "\" y1=\"" + num(top - 4) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(height - bottom) + "\" stroke=\"#a8201a\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n";
        s += "<text x=\"" + num(x + 4) + "\" y=\"" + num(top - 10) + "\" font-size=\"11\" fill=\"#a8201a\">" +
             escape(std::string(label(ReportLabel::total, lang))) + " " + percent(*overall) + "</text>\n";
    }
    s += "</svg>\n";
    return s;
}

/// The daily progress chart: cumulative completions and started learners.
[[nodiscard]] inline std::string line_chart(const Report& r, Lang lang) {
    const Program& p = r.program;
    const double width = 760, height = 340, left = 64, right = 20, top = 44, bottom = 56;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    const int n_days = std::max(1, p.window().days());
    const date::sys_days first{p.window().start_date()};
    std::size_t max_value = 1;
    for (const DayPoint& d : r.daily) max_value = std::max({max_value, d.completed, d.started});
    const std::vector<double> ticks = nice_ticks(static_cast<double>(max_value));
    const double y_max = ticks.back();
    auto x_of_day = [&](double index) { return left + plot_w * (index + 0.5) / n_days; };
    auto y_of = [&](double v) { return top + plot_h * (1 - v / y_max); };
    auto index_of = [&](LocalDate d) { return static_cast<double>((date::sys_days{d} - first).count()); };

    std::string s;
    s += "<svg class=\"chart line-chart\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" role=\"img\" aria-label=\"" + escape(lang == Lang::zh ? "每日研修进度" : "Daily progress") + "\">\n";
    for (double t : ticks) {
        const double y = y_of(t);
        s += "<line x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(width - right) + "\" y2=\"" + num(y) +
             "\" stroke=\"" + (t == 0 ? "#8a949e" : "#e3e8ed") + "\" stroke-width=\"1\"/>\n";
        s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) +
             "\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6670\">" + fixed(t, 0) + "</text>\n";
    }
    // Day ticks, with a label each week and on the last day.
    for (int i = 0; i < n_days; ++i) {
        const double x = x_of_day(i);
        const bool labelled = i % 7 == 0 || (i == n_days - 1 && (n_days - 1) % 7 >= 3);
        s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top + plot_h) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(top + plot_h + (labelled ? 6 : 3)) + "\" stroke=\"#8a949e\" stroke-width=\"1\"/>\n";
        if (labelled)
            s += "<text x=\"" + num(x) + "\" y=\"" + num(top + plot_h + 19) +
                 "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6670\">" +
                 escape(short_date(LocalDate{first + date::days{i}}, lang)) + "</text>\n";
    }
    s += "<text class=\"axis-label\" x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(height - 10) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(lang == Lang::zh ? "日期（每日 24 时）" : "Date (end of each day)") + "</text>\n";
    s += "<text class=\"axis-label\" transform=\"translate(16 " + num(top + plot_h / 2) +
         ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(lang == Lang::zh ? "人数" : "Participants") + "</text>\n";
    // Milestones as dashed lines at the end of their day.
    for (const Milestone& m : p.milestones()) {
        const double index = index_of(m.date);
        if (index < 0 || index >= n_days) continue;
        const double x = left + plot_w * (index + 1) / n_days;
        const std::string& text = lang == Lang::zh ? m.label.zh : m.label.en;
        s += "<line class=\"milestone\" x1=\"" + num(x) + "\" y1=\"" + num(top) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(top + plot_h) + "\" stroke=\"#a8201a\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n";
        const bool at_right = x > left + plot_w * 0.8;
        s += "<text x=\"" + num(at_right ? x - 4 : x + 4) + "\" y=\"" + num(top + 12) + "\" font-size=\"11\" text-anchor=\"" +
             (at_right ? "end" : "start") + "\" fill=\"#a8201a\">" +
             escape(short_date(m.date, lang) + " " + (text.empty() ? m.id : text)) + "</text>\n";
    }
    struct Series {
        const char* key;
        ReportLabel name;
        const char* colour;
    };
    const Series series[] = {{"started", ReportLabel::cumulative_started, "#2d65a8"},
                             {"completed", ReportLabel::cumulative_completed, "#a8201a"}};
    for (const Series& k : series) {
        std::string points;
        std::string dots;
        for (const DayPoint& d : r.daily) {
            const std::size_t v = std::string_view(k.key) == "completed" ? d.completed : d.started;
            const double x = x_of_day(index_of(d.date)), y = y_of(static_cast<double>(v));
            points += num(x) + "," + num(y) + " ";
            dots += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.4\" fill=\"" + k.colour +
                    "\" data-date=\"" + format_local_date(d.date) + "\" data-value=\"" + std::to_string(v) +
                    "\"><title>" + escape(format_local_date(d.date) + " " + std::string(label(k.name, lang)) + " " +
                                          std::to_string(v)) +
                    "</title></circle>";
        }
        if (!points.empty()) points.pop_back();
        s += "<g class=\"series\" data-series=\"" + std::string(k.key) + "\"><polyline points=\"" + points +
             "\" fill=\"none\" stroke=\"" + k.colour + "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>" + dots +
             "</g>\n";
    }
    // Legend above the plot.
    double lx = left;
    for (const Series& k : series) {
        const std::string name(label(k.name, lang));
        s += "<line x1=\"" + num(lx) + "\" y1=\"" + num(top - 22) + "\" x2=\"" + num(lx + 22) + "\" y2=\"" +
             num(top - 22) + "\" stroke=\"" + k.colour + "\" stroke-width=\"2.5\"/>";
        s += "<text x=\"" + num(lx + 28) + "\" y=\"" + num(top - 18) + "\" font-size=\"12\" fill=\"#1d2228\">" +
             escape(name) + "</text>\n";
        lx += 28 + text_width(name) * 12 + 26;
    }
    s += "</svg>\n";
    return s;
}

}  // namespace detail::report

/// The report as ONE self-contained HTML page for circulation: the rules at
/// the top, key figures, the ranking of units, a coverage bar chart and a
/// daily progress chart (inline SVG), the categories, the census gaps, the
/// milestones and support channels, and the data counts at the foot.
/// Nothing is fetched from the network; printable on A4.  Every string from
/// the data is escaped; the same report gives the same bytes.
[[nodiscard]] inline std::string to_html(const Report& r, Lang lang = Lang::zh) {
    using namespace detail::report;
    const bool zh = lang == Lang::zh;
    const Program& p = r.program;
    auto L = [&](ReportLabel l) { return std::string(label(l, lang)); };
    auto cat_label = [&](const std::string& id) { return escape(category_label(id, lang, &p)); };
    const std::string title_text = zh ? p.title().zh : (p.title().en.empty() ? p.title().zh : p.title().en);
    const std::string report_word = zh ? "研修进度通报" : "Progress report";
    const Instant as_of = r.as_of ? std::min(*r.as_of, p.window().end()) : p.window().end();
    const std::string as_of_text = local_moment(as_of, p, lang) + (zh ? "（" : " (") + zone_words(p, lang) + (zh ? "）" : ")");
    auto count_text = [&](std::size_t n) { return std::to_string(n); };

    std::string h;
    h.reserve(1 << 16);
    h += "<!DOCTYPE html>\n<html lang=\"";
    h += zh ? "zh-CN" : "en";
    h += "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>" + escape(title_text) + " " + escape(report_word) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";

    // Masthead and date line.
    h += "<header class=\"masthead\">\n<p class=\"programme\">" + escape(title_text) + "</p>\n<h1>" + escape(report_word) +
         "</h1>\n";
    if (!p.authority().empty())
        h += "<p class=\"authority\">" + escape((zh ? "依据：" : "Under: ") + p.authority()) + "</p>\n";
    h += "</header>\n<div class=\"dateline\"><span>" + escape((zh ? "数据截至：" : "Data as of: ") + as_of_text) +
         "</span><span>" + escape((zh ? "培训方案：" : "Programme: ") + p.id() + (zh ? "（版本 " : " (version ") +
                                  p.version() + (zh ? "）" : ")")) +
         "</span></div>\n";

    // The rules in brief.
    int section = 0;
    h += "<section class=\"rules keep\">\n<h2>" + section_number(++section, lang) + escape(zh ? "研修要求" : "The rules") +
         "</h2>\n<ul class=\"rules\">\n";
    h += "<li><b>" + escape(zh ? "研修时间：" : "Window: ") + "</b>" +
         escape(long_date(p.window().start_date(), lang) + (zh ? "至" : " to ") + long_date(p.window().end_date(), lang) +
                (zh ? "（" : " (") + zone_words(p, lang) + (zh ? "，含首尾两日）" : ", both days included)")) +
         "</li>\n";
    {
        // Target categories grouped by their minimum, in programme order.
        std::vector<std::pair<int, std::vector<std::string>>> groups;
        std::vector<std::string> recorded_only;
        for (const Category& c : p.categories()) {
            const std::string name = zh ? c.label.zh : c.label.en;
            if (!c.certificate) {
                recorded_only.push_back(name.empty() ? c.id : name);
                continue;
            }
            auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == c.min_lessons; });
            if (it == groups.end()) groups.push_back({c.min_lessons, {}}), it = groups.end() - 1;
            it->second.push_back(name.empty() ? c.id : name);
        }
        std::vector<std::string> parts;
        for (const auto& [minimum, names] : groups)
            parts.push_back(zh ? join(names, "、") + "须完成不少于 " + std::to_string(minimum) + " 节课程"
                               : join(names, ", ") + ": at least " + std::to_string(minimum) + " lessons");
        h += "<li><b>" + escape(zh ? "学习要求：" : "Minimums: ") + "</b>" + escape(join(parts, zh ? "；" : "; ")) +
             (zh ? "。" : ".") + "</li>\n";
        if (!recorded_only.empty())
            h += "<li><b>" + escape(zh ? "非培训对象：" : "Others: ") + "</b>" +
                 escape(zh ? join(recorded_only, "、") + "只记录学习时长，不发放学时记录证书，不计入完成率。"
                           : join(recorded_only, ", ") + ": study time is recorded; no certificate; not in coverage.") +
                 "</li>\n";
    }
    {
        std::string quiz;
        char score[32];
        std::snprintf(score, sizeof score, "%g", p.quiz().pass_score);
        switch (p.quiz().mode) {
            case QuizMode::completed:
                quiz = zh ? "每节课程学习结束后须完成答题，方可获得该节课程学时。"
                          : "after each lesson the quiz must be completed to earn its hours.";
                break;
            case QuizMode::passed:
                quiz = zh ? std::string("每节课程学习结束后须完成答题且成绩不低于 ") + score + " 分，方可获得该节课程学时。"
                          : std::string("after each lesson the quiz must be passed (score ") + score +
                                " or more) to earn its hours.";
                break;
            case QuizMode::none: quiz = zh ? "不设答题要求。" : "no quiz is required."; break;
        }
        h += "<li><b>" + escape(zh ? "答题要求：" : "Quiz: ") + "</b>" + escape(quiz) + "</li>\n";
    }
    {
        const CreditRule& credit = p.credit();
        char step[32];
        std::snprintf(step, sizeof step, "%g", credit.hour_step);
        std::string text = zh ? "按实际学习时长记录，每 " + std::to_string(credit.minutes_per_hour) +
                                    " 分钟计 1 学时（按 " + step + " 学时向下取整）"
                              : "actual study time; " + std::to_string(credit.minutes_per_hour) +
                                    " minutes make one hour (学时), rounded down to " + step;
        if (credit.max_hours) {
            char cap[32];
            std::snprintf(cap, sizeof cap, "%g", *credit.max_hours);
            text += zh ? std::string("，最多计 ") + cap + " 学时" : std::string(", at most ") + cap;
        }
        if (!p.lessons().empty() && credit.cap_at_lesson_length)
            text += zh ? "；每节课程最多按课程时长计" : "; a lesson counts at most its length";
        text += zh ? "；学时记录证书由各地各校按规定计入培训学时。" : "; certificates are credited by local rules.";
        h += "<li><b>" + escape(zh ? "学时计算：" : "Hours: ") + "</b>" + escape(text) + "</li>\n";
    }
    if (p.require_verified())
        h += "<li><b>" + escape(zh ? "实名学习：" : "Real name: ") + "</b>" +
             escape(zh ? "须实名登录学习，未完成实名认证的学习不计学时。" : "study under an unverified account earns nothing.") +
             "</li>\n";
    h += "</ul>\n</section>\n";

    // Key figures.
    const Counts& t = r.target;
    h += "<section class=\"summary\">\n<h2>" + section_number(++section, lang) + escape(zh ? "总体情况" : "Overview") + "</h2>\n";
    h += "<div class=\"cards\">\n";
    auto card = [&](const std::string& value, const std::string& name, bool accent = false) {
        h += "<div class=\"card\"><div class=\"value" + std::string(accent ? " accent" : "") + "\">" + escape(value) +
             "</div><div class=\"name\">" + escape(name) + "</div></div>\n";
    };
    card(t.expected ? std::to_string(*t.expected) : "—", L(ReportLabel::expected));
    card(count_text(t.registered), L(ReportLabel::registered));
    card(count_text(t.started), L(ReportLabel::started));
    card(count_text(t.completed), L(ReportLabel::completed));
    card(percent(t.coverage()), L(ReportLabel::coverage), true);
    h += "</div>\n";
    {
        std::string lead;
        if (zh) {
            lead = "截至" + local_moment(as_of, p, lang) + "，";
            if (t.expected) lead += "各单位摸底应参训教师 " + std::to_string(*t.expected) + " 人，";
            lead += "已注册 " + count_text(t.registered) + " 人，已参学 " + count_text(t.started) + " 人，已完成 " +
                    count_text(t.completed) + " 人，完成率 " + percent(t.coverage());
            if (t.denominator == Denominator::census) lead += "（按摸底人数计算）";
            else if (t.denominator == Denominator::registered) lead += "（按注册人数计算）";
            else if (t.denominator == Denominator::mixed) lead += "（按摸底人数计算，无摸底数据的单位类别按注册人数计算）";
            lead += "，人均 " + hours_text(t.mean_hours()) + " 学时。";
            if (t.unverified) lead += "另有 " + count_text(t.unverified) + " 人未完成实名认证。";
            if (r.recorded.registered)
                lead += "非培训对象教师 " + count_text(r.recorded.registered) + " 人参加学习，其中 " +
                        count_text(r.recorded.started) + " 人已记录学时，人均 " + hours_text(r.recorded.mean_hours()) +
                        " 学时。";
        } else {
            lead = "As of " + local_moment(as_of, p, lang) + ", ";
            if (t.expected) lead += "the units' census counts " + std::to_string(*t.expected) + " target teachers; ";
            lead += count_text(t.registered) + " have registered, " + count_text(t.started) + " have started and " +
                    count_text(t.completed) + " have completed: coverage " + percent(t.coverage());
            if (t.denominator == Denominator::census) lead += " (of the census)";
            else if (t.denominator == Denominator::registered) lead += " (of those registered)";
            else if (t.denominator == Denominator::mixed) lead += " (of the census; of those registered where a unit has no census row)";
            lead += ", " + hours_text(t.mean_hours()) + " hours each on average.";
            if (t.unverified) lead += " " + count_text(t.unverified) + " more are not verified.";
            if (r.recorded.registered)
                lead += " " + count_text(r.recorded.registered) + " teachers outside the target groups take part; " +
                        count_text(r.recorded.started) + " have recorded study, " +
                        hours_text(r.recorded.mean_hours()) + " hours each on average.";
        }
        h += "<p class=\"lead\">" + escape(lead) + "</p>\n";
    }
    h += "</section>\n";

    // Ranking.
    h += "<section class=\"ranking\">\n<h2>" + section_number(++section, lang) +
         escape(zh ? "各单位完成情况排名" : "Units ranked by coverage") + "</h2>\n";
    h += "<table class=\"ranking\">\n<thead><tr>";
    for (ReportLabel c : {ReportLabel::rank, ReportLabel::unit, ReportLabel::expected, ReportLabel::registered,
                          ReportLabel::started, ReportLabel::completed, ReportLabel::coverage, ReportLabel::denominator,
                          ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    auto ranking_cells = [&](const Counts& k) {
        h += "<td class=\"num\">" + optional_number(k.expected) + "</td><td class=\"num\">" + count_text(k.registered) +
             "</td><td class=\"num\">" + count_text(k.started) + "</td><td class=\"num\">" + count_text(k.completed) +
             "</td><td class=\"num\">" + percent(k.coverage()) + "</td><td class=\"center\">" +
             escape(denominator_label(k.denominator, lang)) + "</td><td class=\"num\">" + hours_text(k.mean_hours()) +
             "</td>";
    };
    for (const UnitReport& u : r.units) {
        h += "<tr data-unit=\"" + escape(u.unit) + "\"><td class=\"center\">" + std::to_string(u.rank) + "</td><td>" +
             escape(unit_label(u.unit, lang)) + "</td>";
        ranking_cells(u.target);
        h += "</tr>\n";
    }
    h += "<tr class=\"total\"><td></td><td>" + escape(L(ReportLabel::total)) + "</td>";
    ranking_cells(t);
    h += "</tr>\n</tbody>\n</table>\n";
    h += "<p class=\"note\">" +
         escape(zh ? "完成率 = 已完成人数 ÷ 摸底人数；某单位某类别无摸底数据时按注册人数计算，见“完成率口径”栏。"
                     "人均学时按已实名注册人员计算。排名依完成率，完成率相同时已完成人数多者在前。"
                   : "Coverage = completed ÷ census; where a unit has no census row for a category, ÷ registered "
                     "(see the coverage base). Mean hours over verified participants. Ties: more completed first.") +
         "</p>\n</section>\n";

    // Charts.
    h += "<section class=\"charts\">\n<h2 class=\"page-break\">" + section_number(++section, lang) +
         escape(zh ? "各单位完成率" : "Coverage by unit") + "</h2>\n<figure>\n" + bar_chart(r, lang) +
         "<figcaption>" + escape(zh ? "红色虚线为全部单位合计完成率。" : "The dashed red line is the overall coverage.") +
         "</figcaption>\n</figure>\n";
    h += "<h2>" + section_number(++section, lang) + escape(zh ? "每日研修进度" : "Daily progress") + "</h2>\n<figure class=\"keep\">\n" +
         line_chart(r, lang) + "<figcaption>" +
         escape(zh ? "培训对象（专兼职心理健康教育教师、中小学班主任、高校辅导员等）截至每日 24 时的累计人数。"
                   : "Target participants, cumulative, as of the end of each day.") +
         "</figcaption>\n</figure>\n</section>\n";

    // By category.
    h += "<section class=\"categories keep\">\n<h2>" + section_number(++section, lang) +
         escape(zh ? "分类别情况" : "By category") + "</h2>\n<table class=\"by-category\">\n<thead><tr>";
    for (ReportLabel c : {ReportLabel::category, ReportLabel::expected, ReportLabel::registered, ReportLabel::started,
                          ReportLabel::completed, ReportLabel::unverified, ReportLabel::coverage, ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    for (const CategoryCounts& c : r.categories) {
        const Counts& k = c.counts;
        h += "<tr><td>" + cat_label(c.category) + "</td><td class=\"num\">" + optional_number(k.expected) +
             "</td><td class=\"num\">" + count_text(k.registered) + "</td><td class=\"num\">" + count_text(k.started) +
             "</td><td class=\"num\">" + (c.target ? count_text(k.completed) : "—") + "</td><td class=\"num\">" +
             count_text(k.unverified) + "</td><td class=\"num\">" +
             (c.target ? percent(k.coverage()) : escape(L(ReportLabel::recorded_hours))) + "</td><td class=\"num\">" +
             hours_text(k.mean_hours()) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
    if (r.recorded.registered)
        h += "<p class=\"note\">" +
             escape(zh ? "非培训对象只记录学习时长（记录学时），不发放证书，不计入完成率；“已参学人数”为已记录学时人数。"
                       : "Teachers outside the target groups have their study recorded only: no certificate, not in coverage.") +
             "</p>\n";
    h += "</section>\n";

    // Census reconciliation.
    h += "<section class=\"census-check\">\n<h2>" + section_number(++section, lang) +
         escape(zh ? "摸底数据核对" : "Census reconciliation") + "</h2>\n";
    if (!r.has_census) {
        h += "<p>" + escape(zh ? "未提供摸底数据，完成率按注册人数计算。" : "No census was given: coverage is of those registered.") +
             "</p>\n";
    } else {
        h += "<div class=\"two-col\">\n<div>\n<h3>" +
             escape(zh ? "有摸底数、尚无人注册" : "In the census, nobody registered") + "</h3>\n";
        if (r.census_without_participants.empty()) {
            h += "<p class=\"muted\">" + escape(zh ? "无。" : "None.") + "</p>\n";
        } else {
            h += "<table class=\"census-without-participants\">\n<thead><tr><th>" + escape(L(ReportLabel::unit)) + "</th><th>" +
                 escape(L(ReportLabel::category)) + "</th><th>" + escape(L(ReportLabel::expected)) + "</th></tr></thead>\n<tbody>\n";
            for (const auto& g : r.census_without_participants)
                h += "<tr><td>" + escape(unit_label(g.unit, lang)) + "</td><td>" + cat_label(g.category) +
                     "</td><td class=\"num\">" + std::to_string(g.expected) + "</td></tr>\n";
            h += "</tbody>\n</table>\n";
        }
        h += "</div>\n<div>\n<h3>" + escape(zh ? "已注册、无摸底数据" : "Registered, no census row") + "</h3>\n";
        if (r.participants_without_census.empty()) {
            h += "<p class=\"muted\">" + escape(zh ? "无。" : "None.") + "</p>\n";
        } else {
            h += "<table class=\"participants-without-census\">\n<thead><tr><th>" + escape(L(ReportLabel::unit)) + "</th><th>" +
                 escape(L(ReportLabel::category)) + "</th><th>" + escape(L(ReportLabel::registered)) +
                 "</th></tr></thead>\n<tbody>\n";
            for (const auto& g : r.participants_without_census)
                h += "<tr><td>" + escape(unit_label(g.unit, lang)) + "</td><td>" + cat_label(g.category) +
                     "</td><td class=\"num\">" + std::to_string(g.registered) + "</td></tr>\n";
            h += "</tbody>\n</table>\n";
        }
        h += "</div>\n</div>\n<p class=\"note\">" +
             escape(zh ? "请相关单位核实摸底数据，做到底数清楚、应培尽培。"
                       : "Units concerned are asked to check their census.") +
             "</p>\n";
    }
    h += "</section>\n";

    // Milestones and support.
    h += "<section class=\"milestones keep\">\n<h2>" + section_number(++section, lang) +
         escape(zh ? "时间节点与支持服务" : "Milestones and support") + "</h2>\n";
    h += "<table class=\"milestones\">\n<thead><tr><th>" + escape(L(ReportLabel::date)) + "</th><th>" +
         escape(zh ? "事项" : "Milestone") + "</th></tr></thead>\n<tbody>\n";
    h += "<tr><td class=\"center\">" + escape(long_date(p.window().start_date(), lang)) + "</td><td>" +
         escape(zh ? "研修开始" : "Training opens") + "</td></tr>\n";
    bool has_end_milestone = false;
    for (const Milestone& m : p.milestones()) {
        has_end_milestone = has_end_milestone || m.date == p.window().end_date();
        const std::string& text = zh ? m.label.zh : m.label.en;
        h += "<tr><td class=\"center\">" + escape(long_date(m.date, lang)) + "</td><td>" + escape(text.empty() ? m.id : text) +
             "</td></tr>\n";
    }
    if (!has_end_milestone)
        h += "<tr><td class=\"center\">" + escape(long_date(p.window().end_date(), lang)) + "</td><td>" +
             escape(zh ? "研修截止" : "Training closes") + "</td></tr>\n";
    h += "</tbody>\n</table>\n";
    if (!p.support().empty()) {
        h += "<table class=\"support\">\n<thead><tr><th>" + escape(zh ? "支持服务渠道" : "Support channel") + "</th><th>" +
             escape(zh ? "号码" : "Number") + "</th><th>" + escape(zh ? "服务对象" : "Serves") + "</th></tr></thead>\n<tbody>\n";
        for (const SupportChannel& c : p.support()) {
            std::vector<std::string> sectors;
            for (Sector s : c.sectors) sectors.emplace_back(message(s, lang));
            const std::string& name = zh ? c.label.zh : c.label.en;
            std::string kind = c.kind == "qq_group" ? (zh ? "QQ 群 " : "QQ group ") : "";
            h += "<tr><td>" + escape(name.empty() ? c.id : name) + "</td><td class=\"center\">" + escape(kind + c.value) +
                 "</td><td>" + escape(sectors.empty() ? std::string(zh ? "全部学段" : "all sectors") : join(sectors, zh ? "、" : ", ")) +
                 "</td></tr>\n";
        }
        h += "</tbody>\n</table>\n";
    }
    h += "</section>\n";

    // Appendix: every unit by category.
    h += "<section class=\"detail\">\n<h2 class=\"page-break\">" + escape(zh ? "附表：各单位分类别情况" : "Appendix: units by category") +
         "</h2>\n<table class=\"detail\">\n<thead><tr>";
    for (ReportLabel c : {ReportLabel::rank, ReportLabel::unit, ReportLabel::category, ReportLabel::expected,
                          ReportLabel::registered, ReportLabel::started, ReportLabel::completed, ReportLabel::unverified,
                          ReportLabel::coverage, ReportLabel::denominator, ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    h += "</tr></thead>\n";
    for (const UnitReport& u : r.units) {
        // One tbody per unit keeps its rows together on a printed page.
        h += "<tbody class=\"keep\">\n";
        const std::size_t rows = u.categories.size();
        bool first_row = true;
        for (const CategoryCounts& c : u.categories) {
            const Counts& k = c.counts;
            h += "<tr>";
            if (first_row)
                h += "<td class=\"center\" rowspan=\"" + std::to_string(rows) + "\">" + std::to_string(u.rank) +
                     "</td><td rowspan=\"" + std::to_string(rows) + "\">" + escape(unit_label(u.unit, lang)) + "</td>";
            first_row = false;
            h += "<td class=\"category\">" + cat_label(c.category) + "</td><td class=\"num\">" + optional_number(k.expected) +
                 "</td><td class=\"num\">" + count_text(k.registered) + "</td><td class=\"num\">" + count_text(k.started) +
                 "</td><td class=\"num\">" + (c.target ? count_text(k.completed) : "—") + "</td><td class=\"num\">" +
                 count_text(k.unverified) + "</td><td class=\"num\">" +
                 (c.target ? percent(k.coverage()) : escape(L(ReportLabel::recorded_hours))) + "</td><td class=\"center\">" +
                 escape(c.target ? std::string(denominator_label(k.denominator, lang)) : std::string()) +
                 "</td><td class=\"num\">" + hours_text(k.mean_hours()) + "</td></tr>\n";
        }
        h += "</tbody>\n";
    }
    h += "</table>\n</section>\n";

    // Data counts.
    h += "<footer>\n";
    for (const InputCount& in : r.inputs) {
        std::string name = in.name;
        if (zh) {
            if (name == "participants") name = "参训人员记录";
            else if (name == "events") name = "学习与答题记录";
            else if (name == "census") name = "摸底记录";
        }
        const ReadSummary& s = in.summary;
        h += "<p>" +
             escape(zh ? name + "：读取 " + std::to_string(s.read) + " 条，其中有效 " + std::to_string(s.accepted) +
                             " 条、拒收 " + std::to_string(s.rejected) + " 条、重复 " + std::to_string(s.duplicates) + " 条。"
                       : name + ": read " + std::to_string(s.read) + " = accepted " + std::to_string(s.accepted) +
                             " + rejected " + std::to_string(s.rejected) + " + duplicates " +
                             std::to_string(s.duplicates) + ".") +
             "</p>\n";
    }
    if (!r.generated_at.empty())
        h += "<p>" + escape((zh ? "生成时间：" : "Generated: ") + r.generated_at) + "</p>\n";
    h += "<p>" + escape(zh ? "本通报由 yanxiu 依据培训方案与平台学习记录自动生成。"
                           : "Generated by yanxiu from the programme and the platform's records.") +
         "</p>\n</footer>\n</main>\n</body>\n</html>\n";
    return h;
}

// ---------------------------------------------------------------------------
// Census implementation

inline Census::Verdict Census::accept(const detail::RecordFields& f, std::string_view file, std::size_t line) {
    using detail::Field;
    auto reject = [&](std::string_view field, RejectCode code, std::string message) {
        rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
        return Verdict::rejected;
    };
    CensusRow row;
    const auto& unit = f.get(Field::unit);
    if (detail::field_empty(unit)) return reject("unit", RejectCode::missing_field, "a census row needs a unit");
    if (!detail::field_as_id(unit, row.unit)) return reject("unit", RejectCode::bad_type, "unit must be a string");
    const auto& category = f.get(Field::category);
    if (detail::field_empty(category))
        return reject("category", RejectCode::missing_field, "a census row needs a category");
    if (category.type != detail::ValueType::string)
        return reject("category", RejectCode::bad_type, "category must be a string");
    if (!program_->find_category(category.text))
        return reject("category", RejectCode::unknown_category,
                      "unknown category " + detail::quote_for_message(category.text) + " for programme " +
                          program_->id());
    row.category = category.text;
    const auto& expected = f.get(Field::expected);
    if (detail::field_empty(expected))
        return reject("expected", RejectCode::missing_field, "a census row needs expected (a number of teachers)");
    const auto number = detail::field_as_number(expected);
    if (number.out_of_range) return reject("expected", RejectCode::number_out_of_range, "expected is too large");
    if (!number.value || *number.value != std::floor(*number.value))
        return reject("expected", RejectCode::bad_type, "expected must be a whole number");
    if (*number.value < 0 || *number.value > static_cast<double>(kMaxCensusExpected))
        return reject("expected", RejectCode::number_out_of_range,
                      "expected must lie between 0 and " + std::to_string(kMaxCensusExpected));
    row.expected = static_cast<std::int64_t>(*number.value);
    auto key = std::make_pair(row.unit, row.category);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
        if (rows_[it->second] == row) return Verdict::duplicate;
        return reject("expected", RejectCode::duplicate_id,
                      "the unit and category were already read with a different expected");
    }
    by_key_.emplace(std::move(key), rows_.size());
    rows_.push_back(std::move(row));
    return Verdict::accepted;
}

inline ReadSummary Census::read(std::string_view text, std::string_view file, Format format) {
    ReadSummary summary;
    if (format == Format::automatic) format = detail::detect_format(file, text);
    auto on_record = [&](const detail::RecordFields& fields, std::size_t line) {
        ++summary.read;
        switch (accept(fields, file, line)) {
            case Verdict::accepted: ++summary.accepted; break;
            case Verdict::rejected: ++summary.rejected; break;
            case Verdict::duplicate: ++summary.duplicates; break;
        }
    };
    auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
        ++summary.read;
        ++summary.rejected;
        rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
    };
    if (format == Format::csv) detail::scan_csv(text, on_record, on_error);
    else detail::scan_jsonl(text, on_record, on_error);
    summary_ += summary;
    return summary;
}

inline ReadSummary Census::read_file(const std::string& path, Format format) {
    // A census has a row per unit and category: small enough to read whole.
    const std::string text = detail::read_file(path);
    return read(text, path, format);
}

}  // namespace yanxiu
