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

/// Hours (R6): seconds over the 学时 length, rounded down to a multiple of
/// `hour_step` exactly (in integers), then capped at `max_hours`.
[[nodiscard]] inline double rule_hours_credited(Seconds credited, const CreditRule& rule) noexcept {
    const std::int64_t seconds_per_hour = static_cast<std::int64_t>(rule.minutes_per_hour) * 60;
    const auto step_micro = static_cast<std::int64_t>(std::llround(rule.hour_step * 1e6));
    double hours = 0;
    if (seconds_per_hour > 0 && step_micro > 0) {
        // k whole steps: credited / (seconds_per_hour * step), all scaled by 1e6.
        const std::int64_t steps = (credited.count() * 1000000) / (seconds_per_hour * step_micro);
        hours = static_cast<double>(steps * step_micro) / 1e6;
    }
    if (rule.max_hours && hours > *rule.max_hours) hours = *rule.max_hours;
    return hours;
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

/// Certificate (R6/R7): a certificate category, some counted time, and the
/// minimum number of credited lessons reached.
[[nodiscard]] inline bool rule_certificate(const Category& category, Seconds studied, int lessons_credited) noexcept {
    return category.certificate && studied.count() > 0 && lessons_credited >= category.min_lessons;
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

}  // namespace yanxiu
