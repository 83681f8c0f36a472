#pragma once
/// \file rules.hpp
/// The rules, one function each, named after the rule it decides (the exact
/// reading of each is in docs/rules.md).  `Evaluator` (evaluate.hpp) only
/// orchestrates: it feeds a participant's events through these functions in
/// order, and no other code decides any of them.
///
/// Instants are whole seconds since the epoch (`std::int64_t`) here, as the
/// evaluator's inner loops hold them; the public types around them are
/// `Instant` and `Seconds`.

#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace yanxiu {

/// A half-open span of instants [begin, end), in seconds since the epoch.
struct Span {
    std::int64_t begin = 0;
    std::int64_t end = 0;
    [[nodiscard]] std::int64_t length() const noexcept { return end > begin ? end - begin : 0; }
    [[nodiscard]] bool empty() const noexcept { return end <= begin; }
};

/// No instant: the value of "not yet" in the rules below.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------------------
// Study time

/// Counted range (R1 and as_of): study counts only inside the window and
/// before `as_of`, i.e. in [window begin, min(window end, as_of)).
[[nodiscard]] inline Span rule_counted_range(const Window& window, Instant as_of) noexcept {
    const std::int64_t end = window.end().time_since_epoch().count();
    return Span{window.begin().time_since_epoch().count(), std::min(end, as_of.time_since_epoch().count())};
}

/// As of (study): a session counts only if it began before `as_of`.
[[nodiscard]] inline bool rule_session_begins_before(std::int64_t start, Instant as_of) noexcept {
    return start < as_of.time_since_epoch().count();
}

/// Owned study time, the order of ownership: at an instant covered by several
/// sessions the time belongs to the session that started first; on a tie, to
/// the smaller lesson id (`rank`: the lesson's place in byte order of ids);
/// then the shorter session.  Sessions sorted by this order are walked once.
struct SessionKey {
    std::int64_t start, end;
    std::uint32_t rank;
};
[[nodiscard]] inline bool rule_owns_first(const SessionKey& a, const SessionKey& b) noexcept {
    if (a.start != b.start) return a.start < b.start;
    if (a.rank != b.rank) return a.rank < b.rank;
    return a.end < b.end;
}

/// Owned study time, the part a session owns: walked in `rule_owns_first`
/// order, every earlier session started no later, so the time they cover is
/// [their start, `covered_until`); this session owns what is left of it
/// inside the counted range.  Advances `covered_until`.
[[nodiscard]] inline Span rule_owned_part(std::int64_t start, std::int64_t end, std::int64_t& covered_until,
                                          const Span& counted_range) noexcept {
    const Span owned{std::max(std::max(start, covered_until), counted_range.begin), std::min(end, counted_range.end)};
    covered_until = std::max(covered_until, end);
    return owned;
}

/// Lesson cap: the length a lesson's time is capped at (its catalogue
/// length with `cap_at_lesson_length`), or -1 for no cap.
[[nodiscard]] inline std::int64_t rule_lesson_cap_seconds(const CreditRule& credit, const Lesson* lesson) noexcept {
    if (!lesson || !credit.cap_at_lesson_length) return -1;
    return lesson->length.count();
}

/// Counted time: a lesson's owned time, capped (cap < 0: no cap).
[[nodiscard]] inline std::int64_t rule_counted_time(std::int64_t owned, std::int64_t cap) noexcept {
    return cap >= 0 ? std::min(owned, cap) : owned;
}

/// Minimum study: the seconds a lesson needs (`min_study_ratio` × its
/// catalogue length, rounded up; 0 without a catalogue entry or ratio).
[[nodiscard]] inline std::int64_t rule_minimum_study_seconds(const CreditRule& credit, const Lesson* lesson) noexcept {
    if (!lesson || credit.min_study_ratio <= 0) return 0;
    const long double need = static_cast<long double>(credit.min_study_ratio) * lesson->length.count();
    return static_cast<std::int64_t>(std::ceil(need - 1e-9L));
}

/// Minimum study: a lesson can be credited only if its counted time is more
/// than 0 and at least its minimum.
[[nodiscard]] inline bool rule_meets_minimum_study(std::int64_t counted, std::int64_t minimum) noexcept {
    return counted > 0 && counted >= minimum;
}

// ---------------------------------------------------------------------------
// The quiz gate (R5)

/// Quiz gate, which attempts qualify: under `completed` any attempt not
/// marked `"completed": false`; under `passed` a score at or above
/// `pass_score` (no score is not a pass); under `none` every attempt.
[[nodiscard]] inline bool rule_quiz_qualifies(const QuizRule& quiz, double score, bool completed) noexcept {
    switch (quiz.mode) {
        case QuizMode::completed: return completed;
        case QuizMode::passed: return !std::isnan(score) && score >= quiz.pass_score;
        case QuizMode::none: return true;
    }
    return false;
}

/// As of (quizzes): an attempt counts only at or before `as_of`.
[[nodiscard]] inline bool rule_attempt_counts_as_of(std::int64_t at, Instant as_of) noexcept {
    return at <= as_of.time_since_epoch().count();
}

/// Quiz gate, its timing: a qualifying attempt opens a lesson when it lies
/// inside the window and at or after the first instant of the lesson's
/// counted time.
[[nodiscard]] inline bool rule_attempt_opens_lesson(std::int64_t at, const Window& window,
                                                    std::int64_t first_counted_instant) noexcept {
    return window.contains(Instant{Seconds{at}}) && at >= first_counted_instant;
}

/// Credit instant: a lesson is credited at its first opening attempt; with
/// the gate off (`quiz.mode: none`), at the end of its counted time (the
/// instant the cap was reached, when it was).  kNever: not credited.
[[nodiscard]] inline std::int64_t rule_credit_instant(const QuizRule& quiz, std::int64_t first_opening_attempt,
                                                      std::int64_t end_of_counted_time) noexcept {
    return quiz.mode == QuizMode::none ? end_of_counted_time : first_opening_attempt;
}

/// Credit as of: the earliest `as_of` at which an evaluation credits the
/// lesson: its opening attempt has happened (at or before as_of) and its
/// minimum study lies before as_of.
[[nodiscard]] inline std::int64_t rule_credited_from(const QuizRule& quiz, std::int64_t first_opening_attempt,
                                                     std::int64_t minimum_reached_at) noexcept {
    return quiz.mode == QuizMode::none ? minimum_reached_at : std::max(first_opening_attempt, minimum_reached_at);
}

// ---------------------------------------------------------------------------
// Hours, real name, categories, certificate, status

/// Hours, exactly: time is counted in microseconds here, so that a cap of
/// `max_hours` (to 6 decimals) is a whole number of them.  One 学时 is
/// `minutes_per_hour` × 60 × 10^6 µs.
[[nodiscard]] inline std::int64_t rule_microseconds_per_hour(const CreditRule& credit) noexcept {
    return static_cast<std::int64_t>(credit.minutes_per_hour) * 60 * 1000000;
}

/// Hours with caps, a cap: `max_hours` as microseconds of study (none: the largest value).
[[nodiscard]] inline std::int64_t rule_hours_cap_us(const std::optional<double>& max_hours,
                                                    const CreditRule& credit) noexcept {
    if (!max_hours) return std::numeric_limits<std::int64_t>::max();
    const auto micro_hours = static_cast<std::int64_t>(std::llround(*max_hours * 1e6));
    const std::int64_t seconds_per_hour = static_cast<std::int64_t>(credit.minutes_per_hour) * 60;
    if (micro_hours > std::numeric_limits<std::int64_t>::max() / seconds_per_hour)
        return std::numeric_limits<std::int64_t>::max();
    return micro_hours * seconds_per_hour;  // µh × s/h = µs
}

/// Hours (R6), the rounding: microseconds of credited study as hours,
/// rounded down to a multiple of `hour_step` exactly (in integers).  Caps are
/// applied before (`rule_hours_cap_us`), so this is the one rounding.
[[nodiscard]] inline std::int64_t rule_rounded_micro_hours(std::int64_t us, const CreditRule& credit) noexcept {
    const std::int64_t seconds_per_hour = static_cast<std::int64_t>(credit.minutes_per_hour) * 60;
    const auto step_micro = static_cast<std::int64_t>(std::llround(credit.hour_step * 1e6));
    if (seconds_per_hour <= 0 || step_micro <= 0 || us <= 0) return 0;
    // k whole steps: us / (seconds_per_hour × 10^6 × step), with step = step_micro / 10^6.
    const std::int64_t steps = us / (seconds_per_hour * step_micro);
    return steps * step_micro;
}

/// Hours (R6): credited seconds over the 学时 length, capped at `max_hours`,
/// then rounded down to a multiple of `hour_step`, exactly.
[[nodiscard]] inline double rule_hours_credited(Seconds credited, const CreditRule& credit) noexcept {
    const std::int64_t us = std::min(credited.count() * 1000000, rule_hours_cap_us(credit.max_hours, credit));
    return static_cast<double>(rule_rounded_micro_hours(us, credit)) / 1e6;
}

/// Real name (R3): a participant who is not verified earns nothing, where
/// the programme requires verification.
[[nodiscard]] inline bool rule_earns_nothing_unverified(const Program& program, bool verified) noexcept {
    return program.require_verified() && !verified;
}

/// Categories (R2/R7): a category chosen outside its sectors is flagged.
[[nodiscard]] inline bool rule_category_sector_mismatch(const Category& category, Sector sector) noexcept {
    return !category.allows(sector);
}

/// Certificate (R4/R6/R7): a certificate category, some counted time (no
/// counted time is `not_started`, whatever else holds), and its requirement met.
[[nodiscard]] inline bool rule_certificate(const Category& category, Seconds studied, bool requirement_holds) noexcept {
    return category.certificate && studied.count() > 0 && requirement_holds;
}

/// Lesson count (R4): the category's bare `{"lessons": N}` (its `min_lessons`) is met.
[[nodiscard]] inline bool rule_lesson_count_met(const Category& category, int lessons_credited) noexcept {
    return lessons_credited >= category.min_lessons;
}

/// Certificate, completed_at: the instant the minimum was reached, i.e. the
/// Nth earliest of the credited lessons' `instants` (N = min_lessons; the
/// first counted instant when the minimum is 0).  Reorders `instants`.
[[nodiscard]] inline std::int64_t rule_completed_at(const Category& category, std::vector<std::int64_t>& instants,
                                                    std::int64_t first_counted_instant) {
    if (category.min_lessons <= 0 || instants.empty()) return first_counted_instant;
    const auto nth = instants.begin() + (std::min<std::size_t>(category.min_lessons, instants.size()) - 1);
    std::nth_element(instants.begin(), nth, instants.end());
    return *nth;
}

/// Statuses: the first that applies.
[[nodiscard]] inline Status rule_status(bool unverified, Seconds studied, bool certificate,
                                        const Category& category) noexcept {
    if (unverified) return Status::unverified;
    if (studied.count() == 0) return Status::not_started;
    if (certificate) return Status::completed;
    if (!category.certificate) return Status::recorded;
    return Status::in_progress;
}

// ---------------------------------------------------------------------------
// Requirements: a category's completion rule as data

/// Selections: whether a lesson (its catalogue entry; nullptr when the
/// programme has no catalogue) is among those `sel` selects.
[[nodiscard]] inline bool rule_selects(const Selection& sel, const Lesson* lesson) noexcept {
    switch (sel.kind) {
        case Selection::Kind::all: return true;
        case Selection::Kind::group: return lesson && lesson->group == sel.name;
        case Selection::Kind::theme: return lesson && lesson->theme == sel.name;
        case Selection::Kind::lessons:
            if (!lesson) return false;
            for (const std::string& id : sel.lessons)
                if (id == lesson->id) return true;
            return false;
    }
    return false;
}

/// What a requirement tree is evaluated against: each studied lesson (its
/// catalogue entry, whether it is credited, its credited seconds), the
/// exams (best score and whether one attempt passed) and the approval.
struct LessonCredit {
    const Lesson* catalogue = nullptr;
    bool credited = false;
    std::int64_t seconds = 0;  ///< counted seconds, when credited
};
struct ExamStanding {
    bool attempted = false;  ///< a scored attempt in the window, not after as_of
    double best = 0;         ///< the best such score
    bool passed = false;     ///< one of them is a pass
};
struct RequirementInput {
    const std::vector<LessonCredit>* lessons = nullptr;
    const std::vector<ExamStanding>* exams = nullptr;  ///< by index in Program::exams()
    bool approved = false;
};

/// Hours with caps, of the lessons `sel` selects: each credited lesson's
/// seconds capped at its `max_hours`, summed by group and capped at the
/// group's `max_hours`, plus the selected lessons in no group; in µs, not
/// rounded (`rule_rounded_micro_hours` rounds, once).
[[nodiscard]] inline std::int64_t rule_selection_us(const Program& program, const Selection& sel,
                                                    const std::vector<LessonCredit>& lessons) {
    const CreditRule& credit = program.credit();
    std::vector<std::int64_t> by_group(program.groups().size(), 0);
    std::int64_t ungrouped = 0;
    for (const LessonCredit& l : lessons) {
        if (!l.credited || !rule_selects(sel, l.catalogue)) continue;
        std::int64_t us = l.seconds * 1000000;
        if (l.catalogue) us = std::min(us, rule_hours_cap_us(l.catalogue->max_hours, credit));
        const Group* group = l.catalogue && !l.catalogue->group.empty() ? program.find_group(l.catalogue->group) : nullptr;
        if (group) by_group[static_cast<std::size_t>(group - program.groups().data())] += us;
        else ungrouped += us;
    }
    std::int64_t total = ungrouped;
    for (std::size_t g = 0; g < by_group.size(); ++g)
        total += std::min(by_group[g], rule_hours_cap_us(program.groups()[g].max_hours, credit));
    return total;
}

/// Requirement `{"lessons": N, "from": SEL}`: at least N credited lessons among those selected.
[[nodiscard]] inline RequirementResult rule_requirement_lessons(const Requirement& r, const RequirementInput& in) {
    RequirementResult s;
    s.kind = r.kind;
    int credited = 0;
    for (const LessonCredit& l : *in.lessons) credited += (l.credited && rule_selects(r.from, l.catalogue)) ? 1 : 0;
    s.have = credited;
    s.need = r.lessons;
    s.holds = credited >= r.lessons;
    return s;
}

/// Requirement `{"hours": H, "from": SEL}`: the selected lessons' hours,
/// after the caps and rounded down to hour_step, reach H.
[[nodiscard]] inline RequirementResult rule_requirement_hours(const Requirement& r, const RequirementInput& in,
                                                                const Program& program) {
    RequirementResult s;
    s.kind = r.kind;
    const std::int64_t micro_hours = rule_rounded_micro_hours(rule_selection_us(program, r.from, *in.lessons), program.credit());
    s.have = static_cast<double>(micro_hours) / 1e6;
    s.need = r.hours;
    s.holds = micro_hours >= std::llround(r.hours * 1e6);
    return s;
}

/// Requirement `{"exam": ID}`: a passed attempt, in the window and not after as_of.
[[nodiscard]] inline RequirementResult rule_requirement_exam(const Requirement& r, const RequirementInput& in,
                                                               const Program& program) {
    RequirementResult s;
    s.kind = r.kind;
    const Exam* exam = program.find_exam(r.exam);
    s.need = exam ? exam->pass_score : 0;
    if (exam && in.exams) {
        const ExamStanding& e = (*in.exams)[static_cast<std::size_t>(exam - program.exams().data())];
        if (e.attempted) s.have = e.best;
        s.holds = e.passed;
    }
    return s;
}

/// Requirement `{"approval": true}`: an approval record, in the window and not after as_of.
[[nodiscard]] inline RequirementResult rule_requirement_approval(const Requirement& r, const RequirementInput& in) {
    RequirementResult s;
    s.kind = r.kind;
    s.have = in.approved ? 1 : 0;
    s.need = 1;
    s.holds = in.approved;
    return s;
}

/// Requirements `{"all": [...]}` / `{"any": [...]}`: every one / at least one
/// of the listed requirements holds (`held` of `listed` do).
[[nodiscard]] inline RequirementResult rule_requirement_all_any(const Requirement& r, int held, int listed) {
    RequirementResult s;
    s.kind = r.kind;
    s.have = held;
    if (r.kind == Requirement::Kind::all) {
        s.need = listed;
        s.holds = held == listed;
    } else {
        s.need = 1;
        s.holds = held >= 1;
    }
    return s;
}

/// A requirement tree, evaluated node by node (pre-order, each node's
/// standing appended to `out` before its children's); returns whether the
/// root holds.
inline bool rule_requirement(const Requirement& r, const RequirementInput& in, const Program& program,
                             const std::string& path, std::vector<RequirementResult>& out) {
    const std::size_t at = out.size();
    out.emplace_back();
    RequirementResult s;
    switch (r.kind) {
        case Requirement::Kind::lessons: s = rule_requirement_lessons(r, in); break;
        case Requirement::Kind::hours: s = rule_requirement_hours(r, in, program); break;
        case Requirement::Kind::exam: s = rule_requirement_exam(r, in, program); break;
        case Requirement::Kind::approval: s = rule_requirement_approval(r, in); break;
        case Requirement::Kind::all:
        case Requirement::Kind::any: {
            int held = 0;
            const std::string prefix = path + "." + std::string(to_string(r.kind)) + "[";
            for (std::size_t i = 0; i < r.children.size(); ++i)
                held += rule_requirement(r.children[i], in, program, prefix + std::to_string(i) + "]", out) ? 1 : 0;
            s = rule_requirement_all_any(r, held, static_cast<int>(r.children.size()));
            break;
        }
    }
    s.path = path;
    const bool holds = s.holds;
    out[at] = std::move(s);
    return holds;
}

/// As of (manual credits, exams and approvals): each counts at or before as_of.
[[nodiscard]] inline bool rule_dated_record_counts_as_of(std::int64_t at, Instant as_of) noexcept {
    return at <= as_of.time_since_epoch().count();
}

/// Exams: an attempt passes with a score at or above the exam's pass score.
[[nodiscard]] inline bool rule_exam_passed(const Exam& exam, double score) noexcept {
    return !std::isnan(score) && score >= exam.pass_score;
}

}  // namespace yanxiu
