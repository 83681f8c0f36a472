#pragma once
/// \file evaluate.hpp
/// Evaluation: one participant's events under a programme → an `Outcome`
/// with every reason (SPEC §2, §5; the exact reading is docs/rules.md).
///
/// Each clause of SPEC §2 is one function below, named after it.  Batch
/// evaluation, the streaming ledger, Python and the CLI all call
/// `Evaluator::evaluate`; none re-implements a rule.

#include <yanxiu/program.hpp>
#include <yanxiu/records.hpp>
#include <yanxiu/time.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace yanxiu {

/// A participant's standing (SPEC §2 "Statuses").
enum class Status : std::uint8_t { unverified, not_started, completed, recorded, in_progress };

[[nodiscard]] inline std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::unverified: return "unverified";
        case Status::not_started: return "not_started";
        case Status::completed: return "completed";
        case Status::recorded: return "recorded";
        case Status::in_progress: return "in_progress";
    }
    return "in_progress";
}

/// Why a lesson was not credited, or what stands in a participant's way (SPEC §5).
enum class ReasonCode : std::uint8_t {
    quiz_missing,
    quiz_not_passed,
    quiz_before_study,
    outside_window,
    below_minimum,
    capped_at_lesson_length,
    overlap,
    not_verified,
    category_sector_mismatch,
    no_certificate_for_category,
};

[[nodiscard]] inline std::string_view to_string(ReasonCode c) noexcept {
    switch (c) {
        case ReasonCode::quiz_missing: return "quiz_missing";
        case ReasonCode::quiz_not_passed: return "quiz_not_passed";
        case ReasonCode::quiz_before_study: return "quiz_before_study";
        case ReasonCode::outside_window: return "outside_window";
        case ReasonCode::below_minimum: return "below_minimum";
        case ReasonCode::capped_at_lesson_length: return "capped_at_lesson_length";
        case ReasonCode::overlap: return "overlap";
        case ReasonCode::not_verified: return "not_verified";
        case ReasonCode::category_sector_mismatch: return "category_sector_mismatch";
        case ReasonCode::no_certificate_for_category: return "no_certificate_for_category";
    }
    return "quiz_missing";
}

/// One reason; fields that do not apply are empty.
struct Reason {
    ReasonCode code = ReasonCode::quiz_missing;
    std::string lesson;                 ///< lesson-level reasons
    std::optional<std::int64_t> have;   ///< below_minimum, capped_at_lesson_length
    std::optional<std::int64_t> need;
    std::optional<std::int64_t> seconds;  ///< overlap: seconds lost to other sessions
    std::string sector;                 ///< category_sector_mismatch
    std::string category;               ///< category_sector_mismatch, no_certificate_for_category

    friend bool operator==(const Reason& a, const Reason& b) {
        return a.code == b.code && a.lesson == b.lesson && a.have == b.have && a.need == b.need &&
               a.seconds == b.seconds && a.sector == b.sector && a.category == b.category;
    }
};

/// How one studied lesson came out (the explanation behind the counts).
struct LessonResult {
    std::string lesson;
    Seconds seconds_counted{0};       ///< after window, as_of, overlap and cap
    bool credited = false;
    std::optional<Instant> first_instant;  ///< first instant of counted time
    std::optional<Instant> credited_at;
    /// The earliest `as_of` at which an evaluation would credit this lesson
    /// (its quiz has happened and enough study lies before `as_of`).
    std::optional<Instant> credited_from;

    friend bool operator==(const LessonResult& a, const LessonResult& b) {
        return a.lesson == b.lesson && a.seconds_counted == b.seconds_counted && a.credited == b.credited &&
               a.first_instant == b.first_instant && a.credited_at == b.credited_at &&
               a.credited_from == b.credited_from;
    }
};

/// One participant's evaluation (SPEC §5).
struct Outcome {
    std::string participant;
    std::string unit;
    std::string category;
    Status status = Status::not_started;
    int lessons_credited = 0;
    int lessons_required = 0;
    Seconds seconds_studied{0};
    Seconds seconds_credited{0};
    double hours_credited = 0;
    bool certificate = false;
    std::optional<Instant> completed_at;
    std::vector<Reason> reasons;
    std::vector<LessonResult> lessons;  ///< studied lessons, by lesson id
    /// The earliest `as_of` at which the status would no longer be `not_started`.
    std::optional<Instant> started_from;
    /// The earliest `as_of` at which the status would be `completed`.  Equal
    /// to or later than `completed_at`; the daily series of a report uses it
    /// so that it matches evaluating as of each day's end.
    std::optional<Instant> completed_from;

    friend bool operator==(const Outcome& a, const Outcome& b) {
        return a.participant == b.participant && a.unit == b.unit && a.category == b.category &&
               a.status == b.status && a.lessons_credited == b.lessons_credited &&
               a.lessons_required == b.lessons_required && a.seconds_studied == b.seconds_studied &&
               a.seconds_credited == b.seconds_credited && a.hours_credited == b.hours_credited &&
               a.certificate == b.certificate && a.completed_at == b.completed_at && a.reasons == b.reasons &&
               a.lessons == b.lessons && a.started_from == b.started_from && a.completed_from == b.completed_from;
    }
};

// ---------------------------------------------------------------------------
// The rules, one function each.

/// Hours (R6): seconds over the 学时 length, rounded down to a multiple of
/// `hour_step` exactly (in integers), then capped at `max_hours`.
[[nodiscard]] inline double rule_hours_credited(Seconds credited, const CreditRule& rule) {
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

/// Quiz gate (R5): whether one attempt qualifies under the programme's mode.
[[nodiscard]] inline bool rule_quiz_qualifies(const QuizRule& quiz, double score, bool completed) noexcept {
    switch (quiz.mode) {
        case QuizMode::completed: return completed;
        case QuizMode::passed: return !std::isnan(score) && score >= quiz.pass_score;
        case QuizMode::none: return true;
    }
    return false;
}

/// Minimum study: the seconds a lesson needs, rounded up (0 without a catalogue entry).
[[nodiscard]] inline std::int64_t rule_minimum_study_seconds(const CreditRule& credit, const Lesson* lesson) {
    if (!lesson || credit.min_study_ratio <= 0) return 0;
    long double need = static_cast<long double>(credit.min_study_ratio) * lesson->length.count();
    return static_cast<std::int64_t>(std::ceil(need - 1e-9L));
}

/// Lesson cap: the length a lesson's time is capped at, or -1 for no cap.
[[nodiscard]] inline std::int64_t rule_lesson_cap_seconds(const CreditRule& credit, const Lesson* lesson) {
    if (!lesson || !credit.cap_at_lesson_length) return -1;
    return lesson->length.count();
}

/// Categories (R2/R7): whether a sector mismatch is to be flagged.
[[nodiscard]] inline bool rule_category_sector_mismatch(const Category& category, Sector sector) noexcept {
    return !category.allows(sector);
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

/// One event as the evaluator reads it: every field it needs in one 32-byte
/// row, so a participant's events can sit side by side in memory.
struct PackedEvent {
    std::int64_t start = 0;  ///< seconds since the epoch (a quiz: its instant)
    std::int64_t end = 0;
    double score = 0;
    std::uint32_t lesson = 0;
    EventKind kind = EventKind::study;
    std::uint8_t completed = 0;

    [[nodiscard]] static PackedEvent from(const EventColumns& events, std::size_t i) noexcept {
        PackedEvent e;
        e.start = events.start[i];
        e.end = events.end[i];
        e.score = events.score[i];
        e.lesson = events.lesson[i];
        e.kind = events.kind[i];
        e.completed = events.completed[i];
        return e;
    }
};

/// Evaluates participants one at a time, reusing its scratch buffers (one per thread).
class Evaluator {
public:
    /// `lessons` names the interned lesson ids used by the events.
    Evaluator(const Program& program, const Interner& lessons) : program_(&program), lessons_(&lessons) {}

    /// Evaluates one participant from the events at `indices` of `events`
    /// (all of them this participant's), as of `as_of` (kEndOfTime: no limit).
    [[nodiscard]] Outcome evaluate(const Participant& participant, const EventColumns& events,
                                   const std::uint32_t* indices, std::size_t count, Instant as_of = kEndOfTime);

    /// The same, from the participant's events packed side by side (what
    /// `evaluate_all` hands it: no gathering from the columns).
    [[nodiscard]] Outcome evaluate(const Participant& participant, const PackedEvent* events, std::size_t count,
                                   Instant as_of = kEndOfTime);

    /// Whether outcomes carry `lessons` (the per-lesson explanation); on by default.
    void set_keep_lessons(bool keep) noexcept { keep_lessons_ = keep; }

    /// Summary only: status, counts, seconds, hours and instants, without
    /// reasons, lessons or the participant's id, unit and category (no string
    /// is copied, so nothing is allocated).  What a live `Ledger::add` needs.
    void set_summary_only(bool summary) noexcept { summary_ = summary; }

private:
    struct Session {
        std::int64_t start, end;
        std::uint32_t rank, lesson;
    };
    struct LessonAcc {
        std::uint32_t lesson = 0;
        const Lesson* catalogue = nullptr;
        std::int64_t cap = -1;
        std::int64_t in_range = 0;   // Σ |session ∩ C|
        std::int64_t raw = 0;        // Σ |owned ∩ C|
        std::int64_t first = std::numeric_limits<std::int64_t>::max();
        std::int64_t last_end = 0;
        std::int64_t cap_reached = -1;  // instant the cap was reached
        std::int64_t need = 1;          // seconds of study a credit needs (at least 1)
        std::int64_t need_reached = -1; // instant raw time reached `need`
        std::int64_t opened_at = std::numeric_limits<std::int64_t>::max();
        bool studied = false;
        bool has_length = false;  // some session of it lasts more than 0 s
        bool qualifying_in_window = false;
        bool qualifying_any = false;
        bool attempt_in_window = false;
    };

    LessonAcc& acc_for(std::uint32_t lesson);

    /// What the programme says of one interned lesson id, looked up once.
    struct LessonRule {
        bool known = false;
        const Lesson* catalogue = nullptr;
        std::int64_t cap = -1;
        std::int64_t need = 1;
    };

    const Program* program_;
    const Interner* lessons_;
    std::vector<Session> sessions_;
    std::vector<LessonAcc> accs_;
    std::vector<std::int32_t> slot_;  // lesson id -> index in accs_, -1 if none
    std::vector<LessonRule> rules_;   // lesson id -> its rule (filled on first sight)
    std::vector<Reason> lesson_reasons_;
    std::vector<PackedEvent> gathered_;  // the columns' rows, for the index-based overload
    std::vector<std::int64_t> credit_instants_;
    std::vector<std::int64_t> credit_from_instants_;
    bool keep_lessons_ = true;
    bool summary_ = false;
};

inline Evaluator::LessonAcc& Evaluator::acc_for(std::uint32_t lesson) {
    if (lesson >= slot_.size()) {
        const std::size_t size = std::max<std::size_t>(lessons_->size(), lesson + 1);
        slot_.resize(size, -1);
        rules_.resize(size);
    }
    std::int32_t& s = slot_[lesson];
    if (s < 0) {
        LessonRule& rule = rules_[lesson];
        if (!rule.known) {
            rule.catalogue = program_->lessons().empty() ? nullptr : program_->find_lesson(lessons_->str(lesson));
            rule.cap = rule_lesson_cap_seconds(program_->credit(), rule.catalogue);
            rule.need = std::max<std::int64_t>(1, rule_minimum_study_seconds(program_->credit(), rule.catalogue));
            rule.known = true;
        }
        s = static_cast<std::int32_t>(accs_.size());
        LessonAcc acc;
        acc.lesson = lesson;
        acc.catalogue = rule.catalogue;
        acc.cap = rule.cap;
        acc.need = rule.need;
        accs_.push_back(acc);
    }
    return accs_[static_cast<std::size_t>(s)];
}

inline Outcome Evaluator::evaluate(const Participant& participant, const EventColumns& events,
                                   const std::uint32_t* indices, std::size_t count, Instant as_of) {
    gathered_.clear();
    gathered_.reserve(count);
    for (std::size_t k = 0; k < count; ++k) gathered_.push_back(PackedEvent::from(events, indices[k]));
    return evaluate(participant, gathered_.data(), gathered_.size(), as_of);
}

inline Outcome Evaluator::evaluate(const Participant& participant, const PackedEvent* events, std::size_t count,
                                   Instant as_of) {
    const Program& program = *program_;
    const Category& category = program.categories()[participant.category];
    const std::int64_t wb = program.window().begin().time_since_epoch().count();
    const std::int64_t we = program.window().end().time_since_epoch().count();
    const std::int64_t limit = as_of.time_since_epoch().count();  // T
    const std::int64_t range_end = std::min(we, limit);            // C = [wb, min(we, T))
    const QuizRule& quiz = program.quiz();

    const bool explain = !summary_;
    const bool keep_lessons = keep_lessons_ && explain;
    Outcome out;
    if (explain) {
        out.participant = participant.id;
        out.unit = participant.unit;
        out.category = category.id;
    }
    out.lessons_required = category.min_lessons;

    const bool unverified = program.require_verified() && !participant.verified;
    if (unverified && explain) out.reasons.push_back(Reason{ReasonCode::not_verified, {}, {}, {}, {}, {}, {}});
    if (explain && rule_category_sector_mismatch(category, participant.sector))
        out.reasons.push_back(Reason{ReasonCode::category_sector_mismatch, {}, {}, {}, {},
                                     std::string(to_string(participant.sector)), category.id});
    if (explain && !category.certificate)
        out.reasons.push_back(Reason{ReasonCode::no_certificate_for_category, {}, {}, {}, {}, {}, category.id});
    if (unverified) {
        // Real name (R3): an unverified participant earns nothing.
        out.status = Status::unverified;
        return out;
    }

    // Study time: sessions that began before T, in the order that decides
    // who owns shared instants (start, lesson id, end).
    const auto& ranks = lessons_->ranks();
    sessions_.clear();
    for (std::size_t k = 0; k < count; ++k) {
        const PackedEvent& e = events[k];
        if (e.kind != EventKind::study || e.start >= limit) continue;
        sessions_.push_back(Session{e.start, e.end, ranks[e.lesson], e.lesson});
    }
    std::sort(sessions_.begin(), sessions_.end(), [](const Session& a, const Session& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.rank != b.rank) return a.rank < b.rank;
        return a.end < b.end;
    });

    accs_.clear();
    std::int64_t covered_until = std::numeric_limits<std::int64_t>::min();
    for (const Session& s : sessions_) {
        LessonAcc& acc = acc_for(s.lesson);
        acc.studied = true;
        acc.has_length = acc.has_length || s.end > s.start;
        acc.in_range += std::max<std::int64_t>(0, std::min(s.end, range_end) - std::max(s.start, wb));
        // Every earlier session started no later, so the part they cover is [start, covered_until).
        const std::int64_t owned_start = std::max(std::max(s.start, covered_until), wb);
        const std::int64_t owned_end = std::min(s.end, range_end);
        covered_until = std::max(covered_until, s.end);
        if (owned_end <= owned_start) continue;
        const std::int64_t length = owned_end - owned_start;
        if (acc.cap >= 0 && acc.raw < acc.cap && acc.raw + length >= acc.cap)
            acc.cap_reached = owned_start + (acc.cap - acc.raw);
        if (acc.raw < acc.need && acc.raw + length >= acc.need) acc.need_reached = owned_start + (acc.need - acc.raw);
        acc.raw += length;
        acc.first = std::min(acc.first, owned_start);
        acc.last_end = owned_end;
    }

    // Quiz gate: attempts at or before T.
    for (std::size_t k = 0; k < count; ++k) {
        const PackedEvent& e = events[k];
        if (e.kind != EventKind::quiz || e.start > limit) continue;
        if (e.lesson >= slot_.size() || slot_[e.lesson] < 0) continue;  // lesson never studied
        LessonAcc& acc = accs_[static_cast<std::size_t>(slot_[e.lesson])];
        const std::int64_t at = e.start;
        const bool in_window = at >= wb && at < we;
        if (in_window) acc.attempt_in_window = true;
        if (!rule_quiz_qualifies(quiz, e.score, e.completed != 0)) continue;
        acc.qualifying_any = true;
        if (!in_window) continue;
        acc.qualifying_in_window = true;
        if (at >= acc.first) acc.opened_at = std::min(acc.opened_at, at);
    }

    // Crediting, lesson by lesson in id order.
    std::sort(accs_.begin(), accs_.end(),
              [&](const LessonAcc& a, const LessonAcc& b) { return ranks[a.lesson] < ranks[b.lesson]; });
    credit_instants_.clear();
    credit_from_instants_.clear();
    std::vector<Reason>& lesson_reasons = lesson_reasons_;
    lesson_reasons.clear();
    if (keep_lessons) out.lessons.reserve(accs_.size());
    std::int64_t first_overall = std::numeric_limits<std::int64_t>::max();
    for (LessonAcc& acc : accs_) {
        slot_[acc.lesson] = -1;
        const std::string& lesson_id = lessons_->str(acc.lesson);
        const std::int64_t counted = acc.cap >= 0 ? std::min(acc.raw, acc.cap) : acc.raw;
        LessonResult result;
        if (keep_lessons) result.lesson = lesson_id;
        result.seconds_counted = Seconds{counted};
        out.seconds_studied += Seconds{counted};
        if (const std::int64_t lost = acc.in_range - acc.raw; explain && lost > 0)
            lesson_reasons.push_back(Reason{ReasonCode::overlap, lesson_id, {}, {}, lost, {}, {}});
        if (counted == 0) {
            if (explain && acc.in_range == 0 && acc.has_length)
                lesson_reasons.push_back(Reason{ReasonCode::outside_window, lesson_id, {}, {}, {}, {}, {}});
            if (keep_lessons) out.lessons.push_back(std::move(result));
            continue;
        }
        first_overall = std::min(first_overall, acc.first);
        result.first_instant = Instant{Seconds{acc.first}};
        if (explain && acc.cap >= 0 && acc.raw > acc.cap)
            lesson_reasons.push_back(
                Reason{ReasonCode::capped_at_lesson_length, lesson_id, acc.raw, acc.cap, {}, {}, {}});
        const std::int64_t need = rule_minimum_study_seconds(program.credit(), acc.catalogue);
        const bool enough = counted >= need;
        std::optional<std::int64_t> credited_at;
        if (enough) {
            if (quiz.mode == QuizMode::none)
                credited_at = (acc.cap >= 0 && acc.raw >= acc.cap) ? acc.cap_reached : acc.last_end;
            else if (acc.opened_at != std::numeric_limits<std::int64_t>::max())
                credited_at = acc.opened_at;
        }
        if (credited_at) {
            result.credited = true;
            result.credited_at = Instant{Seconds{*credited_at}};
            // As of T, the lesson counts once its opening quiz is at or before T
            // and its needed study lies before T.
            const std::int64_t from =
                quiz.mode == QuizMode::none ? acc.need_reached : std::max(acc.opened_at, acc.need_reached);
            result.credited_from = Instant{Seconds{from}};
            credit_from_instants_.push_back(from);
            ++out.lessons_credited;
            out.seconds_credited += Seconds{counted};
            credit_instants_.push_back(*credited_at);
        } else if (explain) {
            // Why the lesson is not credited.
            if (!enough)
                lesson_reasons.push_back(Reason{ReasonCode::below_minimum, lesson_id, counted, need, {}, {}, {}});
            else if (acc.qualifying_in_window)
                lesson_reasons.push_back(Reason{ReasonCode::quiz_before_study, lesson_id, {}, {}, {}, {}, {}});
            else if (acc.qualifying_any)
                lesson_reasons.push_back(Reason{ReasonCode::outside_window, lesson_id, {}, {}, {}, {}, {}});
            else if (quiz.mode == QuizMode::passed && acc.attempt_in_window)
                lesson_reasons.push_back(Reason{ReasonCode::quiz_not_passed, lesson_id, {}, {}, {}, {}, {}});
            else
                lesson_reasons.push_back(Reason{ReasonCode::quiz_missing, lesson_id, {}, {}, {}, {}, {}});
        }
        if (keep_lessons) out.lessons.push_back(std::move(result));
    }

    // Certificate (R6/R7): the minimum reached, at the instant it was reached.
    if (category.certificate && out.seconds_studied.count() > 0 && out.lessons_credited >= category.min_lessons) {
        out.certificate = true;
        if (category.min_lessons <= 0) {
            out.completed_at = Instant{Seconds{first_overall}};
            out.completed_from = Instant{Seconds{first_overall + 1}};
        } else {
            auto nth = credit_instants_.begin() + (category.min_lessons - 1);
            std::nth_element(credit_instants_.begin(), nth, credit_instants_.end());
            out.completed_at = Instant{Seconds{*nth}};
            auto nth_from = credit_from_instants_.begin() + (category.min_lessons - 1);
            std::nth_element(credit_from_instants_.begin(), nth_from, credit_from_instants_.end());
            out.completed_from = Instant{Seconds{*nth_from}};
        }
    }
    if (out.seconds_studied.count() > 0) out.started_from = Instant{Seconds{first_overall + 1}};
    if (explain && category.certificate && out.lessons_credited < category.min_lessons)
        out.reasons.push_back(
            Reason{ReasonCode::below_minimum, {}, out.lessons_credited, category.min_lessons, {}, {}, {}});
    if (explain) {
        out.reasons.reserve(out.reasons.size() + lesson_reasons.size());
        for (auto& r : lesson_reasons) out.reasons.push_back(std::move(r));
    }

    out.hours_credited = rule_hours_credited(out.seconds_credited, program.credit());
    out.status = rule_status(false, out.seconds_studied, out.certificate, category);
    return out;
}

/// Evaluates one participant from a list of events (the pure centre, for
/// callers that hold rows rather than a store).
[[nodiscard]] inline Outcome evaluate(const Program& program, const Participant& participant,
                                      const std::vector<Event>& events, const Interner& lessons,
                                      Instant as_of = kEndOfTime) {
    EventColumns columns;
    columns.reserve(events.size());
    std::vector<std::uint32_t> indices(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        columns.push_back(events[i]);
        indices[i] = static_cast<std::uint32_t>(i);
    }
    Evaluator evaluator(program, lessons);
    return evaluator.evaluate(participant, columns, indices.data(), indices.size(), as_of);
}

namespace detail {
/// A hint that `p` will be read soon (no effect where the compiler has none).
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}
}  // namespace detail

/// Options for batch evaluation.
struct EvaluateOptions {
    std::optional<Instant> as_of;  ///< only study before and quizzes at or before this instant
    unsigned threads = 0;          ///< 0: all hardware threads
    bool lessons = true;           ///< keep each outcome's per-lesson explanation (memory: ~80 bytes a lesson)
};

/// Evaluates every participant of `data`; outcomes sorted by participant id.
/// The result does not depend on `threads`.
[[nodiscard]] inline std::vector<Outcome> evaluate_all(const Dataset& data, const EvaluateOptions& options = {}) {
    const auto& participants = data.participants();
    const EventColumns& events = data.events();
    const std::size_t n = participants.size();
    std::vector<std::uint32_t> by_id(n);
    {
        // Sorted on each id's first 8 bytes held beside its index (big-endian,
        // so integer order is byte order), the strings themselves compared only
        // on a tie: no cache miss into the participants per comparison.
        struct Key {
            std::uint64_t prefix;
            std::uint32_t index;
        };
        std::vector<Key> keys(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::string& id = participants[i].id;
            std::uint64_t prefix = 0;
            for (std::size_t b = 0; b < 8; ++b)
                prefix = (prefix << 8) | (b < id.size() ? static_cast<unsigned char>(id[b]) : 0u);
            keys[i] = Key{prefix, i};
        }
        std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
            if (a.prefix != b.prefix) return a.prefix < b.prefix;
            return participants[a.index].id < participants[b.index].id;
        });
        for (std::size_t k = 0; k < n; ++k) by_id[k] = keys[k].index;
    }
    (void)data.lessons().ranks();  // computed once here, read-only in the threads

    // Sorted once by participant id (a counting sort of event numbers, 4 bytes
    // an event, stable), then each thread packs a block of participants'
    // events side by side before evaluating them: the gathering from seven
    // columns in file order becomes one tight loop whose cache misses
    // overlap, and the evaluator reads its events contiguously.
    std::vector<std::uint32_t> offsets(n + 1, 0);  // participant by_id[k]'s events: order[offsets[k], offsets[k+1])
    std::vector<std::uint32_t> order(events.size());
    {
        std::vector<std::uint32_t> slot(n);  // participant -> its position in by_id, then its next free row
        for (std::uint32_t k = 0; k < n; ++k) slot[by_id[k]] = k;
        for (std::uint32_t p : events.participant) ++offsets[slot[p] + 1];
        for (std::size_t k = 0; k < n; ++k) offsets[k + 1] += offsets[k];
        for (std::uint32_t p = 0; p < n; ++p) slot[p] = offsets[slot[p]];
        for (std::size_t i = 0; i < events.size(); ++i) order[slot[events.participant[i]]++] = static_cast<std::uint32_t>(i);
    }

    std::vector<Outcome> outcomes(n);
    const Instant as_of = options.as_of.value_or(kEndOfTime);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (n < 2048) threads = 1;
    auto work = [&](std::size_t begin, std::size_t end) {
        Evaluator evaluator(data.program(), data.lessons());
        evaluator.set_keep_lessons(options.lessons);
        std::vector<PackedEvent> packed;
        constexpr std::size_t kBlock = 1024;  // participants packed at a time
        for (std::size_t b = begin; b < end; b += kBlock) {
            const std::size_t e = std::min(end, b + kBlock);
            packed.clear();
            packed.reserve(offsets[e] - offsets[b]);
            const std::uint32_t last = offsets[e];
            for (std::uint32_t r = offsets[b]; r < last; ++r) {
                // The rows are scattered over the columns: ask for those a few
                // events ahead now, so that their cache misses overlap.
                constexpr std::uint32_t kAhead = 16;
                if (r + kAhead < last) {
                    const std::uint32_t ahead = order[r + kAhead];
                    detail::prefetch(&events.start[ahead]);
                    detail::prefetch(&events.end[ahead]);
                    detail::prefetch(&events.score[ahead]);
                    detail::prefetch(&events.lesson[ahead]);
                    detail::prefetch(&events.kind[ahead]);
                    detail::prefetch(&events.completed[ahead]);
                }
                packed.push_back(PackedEvent::from(events, order[r]));
            }
            for (std::size_t k = b; k < e; ++k)
                outcomes[k] = evaluator.evaluate(participants[by_id[k]], packed.data() + (offsets[k] - offsets[b]),
                                                 offsets[k + 1] - offsets[k], as_of);
        }
    };
    if (threads <= 1) {
        work(0, n);
    } else {
        std::vector<std::thread> pool;
        const std::size_t chunk = (n + threads - 1) / threads;
        for (unsigned t = 0; t < threads; ++t) {
            std::size_t begin = t * chunk, end = std::min(n, begin + chunk);
            if (begin >= end) break;
            pool.emplace_back(work, begin, end);
        }
        for (auto& th : pool) th.join();
    }
    return outcomes;
}

/// An outcome as the JSON object of SPEC §5 (times in the programme's zone).
/// With `explain`, adds `lessons`: each studied lesson's counted time and credit.
[[nodiscard]] inline nlohmann::ordered_json to_json(const Outcome& o, const TimeZone& zone, bool explain = false) {
    nlohmann::ordered_json j;
    j["participant"] = o.participant;
    j["unit"] = o.unit;
    j["category"] = o.category;
    j["status"] = to_string(o.status);
    j["lessons_credited"] = o.lessons_credited;
    j["lessons_required"] = o.lessons_required;
    j["seconds_studied"] = o.seconds_studied.count();
    j["seconds_credited"] = o.seconds_credited.count();
    j["hours_credited"] = o.hours_credited;
    j["certificate"] = o.certificate;
    j["completed_at"] = o.completed_at ? nlohmann::ordered_json(format_instant(*o.completed_at, zone)) : nullptr;
    auto reasons = nlohmann::ordered_json::array();
    for (const Reason& r : o.reasons) {
        nlohmann::ordered_json x;
        x["code"] = to_string(r.code);
        if (!r.lesson.empty()) x["lesson"] = r.lesson;
        if (r.have) x["have"] = *r.have;
        if (r.need) x["need"] = *r.need;
        if (r.seconds) x["seconds"] = *r.seconds;
        if (!r.sector.empty()) x["sector"] = r.sector;
        if (!r.category.empty()) x["category"] = r.category;
        reasons.push_back(std::move(x));
    }
    j["reasons"] = std::move(reasons);
    if (explain) {
        auto lessons = nlohmann::ordered_json::array();
        for (const LessonResult& l : o.lessons) {
            nlohmann::ordered_json x;
            x["lesson"] = l.lesson;
            x["seconds_counted"] = l.seconds_counted.count();
            x["credited"] = l.credited;
            x["first_instant"] = l.first_instant ? nlohmann::ordered_json(format_instant(*l.first_instant, zone)) : nullptr;
            x["credited_at"] = l.credited_at ? nlohmann::ordered_json(format_instant(*l.credited_at, zone)) : nullptr;
            lessons.push_back(std::move(x));
        }
        j["lessons"] = std::move(lessons);
    }
    return j;
}

namespace detail {

/// Appends `s` as a JSON string, escaped exactly as nlohmann::json::dump does.
inline void append_json_string(std::string& out, std::string_view s) {
    static const char* const hex = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

inline void append_json_int(std::string& out, std::int64_t v) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
}

/// Appends a double as nlohmann::json::dump writes it (shortest form, ".0" when integral).
inline void append_json_double(std::string& out, double v) {
    char buffer[40];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    out += text;
    if (text.find_first_of(".eE") == std::string_view::npos && std::isfinite(v)) out += ".0";
}

}  // namespace detail

/// Appends an outcome as one line of JSON, byte for byte what
/// `to_json(outcome, zone, explain).dump()` gives, without building a DOM.
inline void append_json_line(std::string& out, const Outcome& o, const TimeZone& zone, bool explain = false) {
    using detail::append_json_int;
    using detail::append_json_string;
    out += "{\"participant\":";
    append_json_string(out, o.participant);
    out += ",\"unit\":";
    append_json_string(out, o.unit);
    out += ",\"category\":";
    append_json_string(out, o.category);
    out += ",\"status\":\"";
    out += to_string(o.status);
    out += "\",\"lessons_credited\":";
    append_json_int(out, o.lessons_credited);
    out += ",\"lessons_required\":";
    append_json_int(out, o.lessons_required);
    out += ",\"seconds_studied\":";
    append_json_int(out, o.seconds_studied.count());
    out += ",\"seconds_credited\":";
    append_json_int(out, o.seconds_credited.count());
    out += ",\"hours_credited\":";
    detail::append_json_double(out, o.hours_credited);
    out += o.certificate ? ",\"certificate\":true" : ",\"certificate\":false";
    out += ",\"completed_at\":";
    if (o.completed_at) append_json_string(out, format_instant(*o.completed_at, zone));
    else out += "null";
    out += ",\"reasons\":[";
    bool first = true;
    for (const Reason& r : o.reasons) {
        if (!first) out += ',';
        first = false;
        out += "{\"code\":\"";
        out += to_string(r.code);
        out += '"';
        if (!r.lesson.empty()) out += ",\"lesson\":", append_json_string(out, r.lesson);
        if (r.have) out += ",\"have\":", append_json_int(out, *r.have);
        if (r.need) out += ",\"need\":", append_json_int(out, *r.need);
        if (r.seconds) out += ",\"seconds\":", append_json_int(out, *r.seconds);
        if (!r.sector.empty()) out += ",\"sector\":", append_json_string(out, r.sector);
        if (!r.category.empty()) out += ",\"category\":", append_json_string(out, r.category);
        out += '}';
    }
    out += ']';
    if (explain) {
        out += ",\"lessons\":[";
        first = true;
        for (const LessonResult& l : o.lessons) {
            if (!first) out += ',';
            first = false;
            out += "{\"lesson\":";
            append_json_string(out, l.lesson);
            out += ",\"seconds_counted\":";
            append_json_int(out, l.seconds_counted.count());
            out += l.credited ? ",\"credited\":true" : ",\"credited\":false";
            out += ",\"first_instant\":";
            if (l.first_instant) append_json_string(out, format_instant(*l.first_instant, zone));
            else out += "null";
            out += ",\"credited_at\":";
            if (l.credited_at) append_json_string(out, format_instant(*l.credited_at, zone));
            else out += "null";
            out += '}';
        }
        out += ']';
    }
    out += "}\n";
}

}  // namespace yanxiu
