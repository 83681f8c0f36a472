#pragma once
/// \file report.hpp
/// What a province circulates (R10): per unit and in total, by category —
/// census, registered, started, completed, coverage, mean hours — units
/// ranked by coverage, and a daily series over the window.  The model and its
/// aggregation; the census reader is io/census.hpp, and the JSON, CSV and
/// HTML renderings are render/.
///
/// A report is built from outcomes, never from records: every figure is a
/// count over `Outcome`s, so it cannot disagree with `evaluate`.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/provenance.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// One census row: how many teachers of `category` a unit expects to train.
struct CensusRow {
    std::string unit;
    std::string category;
    std::int64_t expected = 0;

    friend bool operator==(const CensusRow& a, const CensusRow& b) {
        return a.unit == b.unit && a.category == b.category && a.expected == b.expected;
    }
};

/// A unit's contact person (工作联系人): a row of the table units keep with
/// the organisers (name, post, landline, mobile, WeChat).  Contact details
/// name a person: they appear only in a report made with contacts, never in
/// a log or a message.
struct Contact {
    std::string unit;
    std::string name;
    std::string title;   ///< 职务
    std::string phone;   ///< 座机
    std::string mobile;  ///< 手机
    std::string wechat;  ///< 微信
    std::optional<LocalDate> updated_at;  ///< the day the row was last changed (the programme's zone), when given

    friend bool operator==(const Contact& a, const Contact& b) {
        return a.unit == b.unit && a.name == b.name && a.title == b.title && a.phone == b.phone &&
               a.mobile == b.mobile && a.wechat == b.wechat && a.updated_at == b.updated_at;
    }
};

/// The largest `expected` accepted (far beyond any unit).
inline constexpr std::int64_t kMaxCensusExpected = 100000000;

// ---------------------------------------------------------------------------
// The report

/// What a coverage figure was divided by.
enum class Denominator : std::uint8_t {
    none,        ///< nothing to divide by (no census row, nobody registered)
    census,      ///< the census `expected`
    registered,  ///< registered participants: no census row for this unit and category
    mixed,       ///< a total over cells of both kinds
};

[[nodiscard]] constexpr std::string_view to_string(Denominator d) noexcept {
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
    /// Where the programme declares groups (modules), by group index: the
    /// sum of verified participants' group hours in millionths, and how
    /// many reached the group's `max_hours` (its quota; 0 without one).
    std::vector<std::int64_t> group_micro_hours;
    std::vector<std::size_t> group_at_quota;

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
    /// Mean hours of group `g` over verified participants; nullopt when there are none.
    [[nodiscard]] std::optional<double> mean_group_hours(std::size_t g) const noexcept {
        if (verified == 0 || g >= group_micro_hours.size()) return std::nullopt;
        return static_cast<double>(group_micro_hours[g]) / (1e6 * static_cast<double>(verified));
    }
    /// Adds another cell or total, keeping track of the denominators used.
    Counts& operator+=(const Counts& o) {
        if (group_micro_hours.size() < o.group_micro_hours.size()) group_micro_hours.resize(o.group_micro_hours.size(), 0);
        if (group_at_quota.size() < o.group_at_quota.size()) group_at_quota.resize(o.group_at_quota.size(), 0);
        for (std::size_t g = 0; g < o.group_micro_hours.size(); ++g) group_micro_hours[g] += o.group_micro_hours[g];
        for (std::size_t g = 0; g < o.group_at_quota.size(); ++g) group_at_quota[g] += o.group_at_quota[g];
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

/// The contacts check (联系人核对) of a report made with contacts.
struct ContactCheck {
    /// The programme's `contact_update` milestone: changes were due by the end of this day.
    std::optional<LocalDate> due;
    std::map<std::string, Contact> by_unit;      ///< every contact read, by unit
    std::vector<std::string> without_contact;    ///< the report's units (ranking order) that sent none
    std::vector<std::string> updated_late;       ///< units whose contact changed after `due` (the report's in ranking order, then the rest by name)
    std::vector<std::string> not_in_report;      ///< contacts' units neither in the census nor registered (by name)

    /// The contact of `unit`, or nullptr.
    [[nodiscard]] const Contact* find(const std::string& unit) const {
        auto it = by_unit.find(unit);
        return it == by_unit.end() ? nullptr : &it->second;
    }
};

/// How many records one input held (for the page's data counts).
/// The figures of an earlier report that a report compares with (较上期).
struct PreviousFigures {
    std::size_t registered = 0, started = 0, completed = 0;
    std::optional<double> coverage;
};

/// An earlier report, as read back from its JSON (`previous_report_from_json`).
struct PreviousReport {
    std::string cut_off;  ///< what it counted up to, as its JSON says it
    PreviousFigures total;
    std::map<std::string, PreviousFigures> units;  ///< by unit name
};

/// Reads the figures `to_json(report)` wrote (units and target totals);
/// throws std::invalid_argument naming what is missing or of the wrong type.
[[nodiscard]] PreviousReport previous_report_from_json(const nlohmann::json& j);

/// A progress report.
struct Report {
    explicit Report(Program p) : program(std::move(p)) {}

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
    /// Where the report came from (library, programme SHA-256, every input
    /// file's SHA-256 and counts, tz database, as_of, generation time); set
    /// by a caller that read files.  The JSON carries it as "provenance",
    /// the HTML page in its footer (and as JSON a checker can read back).
    std::optional<Provenance> provenance;
    /// The latest instant an accepted record names: without as_of, the
    /// report counts every record read, up to this.
    std::optional<Instant> latest_record;
    /// Units ranked by coverage (`rank` from 1); false: in the order of their
    /// names, with no rank (without_ranking), as a notice asking for no
    /// ranking (不排名) wants.
    bool ranked = true;
    /// Who issues the report (e.g. "湖南省教育厅教师工作处"), shown under the
    /// title; set by the caller.
    std::string issuer;
    /// An earlier report to show the change since (较上期); set by the caller.
    std::optional<PreviousReport> previous;
    /// The contacts check, when the report was asked for with contacts (`add_contacts`).
    std::optional<ContactCheck> contacts;
};

/// Checks `contacts` (one a unit) against the report's units: which units
/// sent none, which changed theirs after the programme's `contact_update`
/// milestone, and which contacts are for a unit the report does not know.
/// Call after ranking (or `without_ranking`): the lists follow the units' order.
void add_contacts(Report& r, const std::vector<Contact>& contacts);

/// `r` with its units in the byte order of their names and no ranks, for a
/// circulation that must not rank (不排名).
void without_ranking(Report& r);

/// The instant a report counts up to: its as_of when given (no later than
/// the window's end), else its latest record, else the window's end.
[[nodiscard]] Instant report_cut_off(const Report& r) noexcept;

/// Whole days left in the window after the cut-off (0 once it has closed).
[[nodiscard]] std::int64_t days_remaining(const Report& r) noexcept;


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
    /// The latest instant an accepted record of these participants names
    /// (Evaluation::latest_record); the later of two when added.
    std::optional<Instant> latest_record;

    ReportPartial& operator+=(const ReportPartial& o) {
        if (o.latest_record && (!latest_record || *o.latest_record > *latest_record)) latest_record = o.latest_record;
        for (const auto& [unit, row] : o.cells)
            for (const auto& [category, counts] : row) cells[unit][category] += counts;
        if (completed_on.size() < o.completed_on.size()) completed_on.resize(o.completed_on.size(), 0);
        if (started_on.size() < o.started_on.size()) started_on.resize(o.started_on.size(), 0);
        for (std::size_t i = 0; i < o.completed_on.size(); ++i) completed_on[i] += o.completed_on[i];
        for (std::size_t i = 0; i < o.started_on.size(); ++i) started_on[i] += o.started_on[i];
        return *this;
    }
};


/// Accumulates `outcomes` (evaluated under `program`, as of `as_of` if given)
/// into a partial report.
[[nodiscard]] ReportPartial report_partial(const Program& program, const std::vector<Outcome>& outcomes,
                                           std::optional<Instant> as_of);

/// Builds the report from a partial (one, or the sum of several over
/// disjoint participants).  With `census`, coverage divides by the census
/// where a unit has a row for the category, else by the registered
/// participants; rows with the same unit and category add up.
[[nodiscard]] Report report(const Program& program, const ReportPartial& partial,
                            const std::vector<CensusRow>* census, std::optional<Instant> as_of);

/// Builds the report of `outcomes` (evaluated under `program`, as of
/// `as_of` if given): `report(program, report_partial(...), census, as_of)`.
/// The daily series is computed in one pass from each outcome's
/// `started_from`/`completed_from`.
[[nodiscard]] Report report(const Program& program, const std::vector<Outcome>& outcomes,
                            const std::vector<CensusRow>* census, std::optional<Instant> as_of);

/// The report of an evaluation: its programme, outcomes and as_of, and the
/// record counts of its inputs (then the census's, when given), so that
/// none of them can disagree.  `generated_at` is left for the caller.
[[nodiscard]] Report report(const Evaluation& evaluation, const std::vector<CensusRow>* census = nullptr,
                            const ReadSummary* census_summary = nullptr);

/// A partial report as JSON (for moving partials between processes).
[[nodiscard]] nlohmann::json to_json(const ReportPartial& p);

/// Reads a partial report written by `to_json(const ReportPartial&)`;
/// throws std::invalid_argument on anything else.
[[nodiscard]] ReportPartial report_partial_from_json(const nlohmann::json& j);

/// The text of a report's "generated at" line: `now` (default: the clock,
/// or SOURCE_DATE_EPOCH when set, for reproducible output) in the
/// programme's zone, as "2023-02-11 09:30 (UTC+08:00)".
[[nodiscard]] std::string generated_at_text(const Program& program, std::optional<Instant> now = std::nullopt);
/// The instant a report is generated at: SOURCE_DATE_EPOCH when set (for
/// reproducible builds of a report), else now.
[[nodiscard]] Instant generation_instant();
/// The generation time a report's provenance records: `given` (the caller's
/// --generated-at) in UTC when it reads as an instant in `zone`, else as it
/// was given; without it generation_instant() in UTC.  The same `given` (or
/// SOURCE_DATE_EPOCH) gives the same bytes.
[[nodiscard]] std::string provenance_time(const std::optional<std::string>& given, const TimeZone& zone);

}  // namespace yanxiu
