#pragma once
/// \file outcome.hpp
/// What an evaluation says of one participant: a status, the counts, the
/// credited hours, the certificate, and a reason for everything that was
/// studied but not credited (the exact rules are in docs/rules.md).

#include <yanxiu/program.hpp>
#include <yanxiu/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// A participant's standing; the first that applies.
enum class Status : std::uint8_t { unverified, not_started, completed, recorded, in_progress };

/// Every status, in declaration order.
inline constexpr Status kStatuses[] = {Status::unverified, Status::not_started, Status::completed,
                                       Status::recorded, Status::in_progress};

[[nodiscard]] constexpr std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::unverified: return "unverified";
        case Status::not_started: return "not_started";
        case Status::completed: return "completed";
        case Status::recorded: return "recorded";
        case Status::in_progress: return "in_progress";
    }
    return "in_progress";
}

/// Why a lesson was not credited, or what stands in a participant's way.
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
    requirement_not_met,  ///< a node of the category's requirement tree that does not hold
    exam_not_passed,      ///< an exam was attempted, and no attempt passed
    approved,             ///< an approval (sign-off) that counted
    manual_credit,        ///< a lesson credited by hand (e.g. an offline session a unit accepted)
};

/// Every reason code, in declaration order.
inline constexpr ReasonCode kReasonCodes[] = {
    ReasonCode::quiz_missing,   ReasonCode::quiz_not_passed,         ReasonCode::quiz_before_study,
    ReasonCode::outside_window, ReasonCode::below_minimum,           ReasonCode::capped_at_lesson_length,
    ReasonCode::overlap,        ReasonCode::not_verified,            ReasonCode::category_sector_mismatch,
    ReasonCode::no_certificate_for_category, ReasonCode::requirement_not_met, ReasonCode::exam_not_passed,
    ReasonCode::approved,       ReasonCode::manual_credit};

[[nodiscard]] constexpr std::string_view to_string(ReasonCode c) noexcept {
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
        case ReasonCode::requirement_not_met: return "requirement_not_met";
        case ReasonCode::exam_not_passed: return "exam_not_passed";
        case ReasonCode::approved: return "approved";
        case ReasonCode::manual_credit: return "manual_credit";
    }
    return "quiz_missing";
}

/// One reason.  Each payload has one unit; fields that do not apply are empty.
struct Reason {
    ReasonCode code = ReasonCode::quiz_missing;
    std::string lesson;  ///< lesson-level reasons
    /// Time a lesson has and needs: `below_minimum` (counted time, the minimum
    /// study) and `capped_at_lesson_length` (time studied, the lesson's length).
    std::optional<Seconds> time_have, time_need;
    /// A count a participant has and needs: lessons (`below_minimum` without
    /// a lesson; `requirement_not_met` of a lesson count), requirements of an
    /// all/any, approvals.
    std::optional<int> count_have, count_need;
    /// An amount a participant has and needs: hours (`requirement_not_met` of
    /// an hours target), an exam score (`exam_not_passed`, `requirement_not_met`
    /// of an exam; `value_have` empty when there was no attempt).
    std::optional<double> value_have, value_need;
    std::optional<Seconds> overlapped;  ///< `overlap`: seconds that other sessions own
    std::string sector;                 ///< category_sector_mismatch
    std::string category;               ///< category_sector_mismatch, no_certificate_for_category
    std::string path;                   ///< requirement_not_met: where in the tree ("requires.all[1]")
    std::string requirement;            ///< requirement_not_met: its kind ("lessons", "hours", "exam", …)
    std::string exam;                   ///< exam_not_passed
    std::string by;                     ///< approved, manual_credit: who gave it
    std::string recorded_by;            ///< approved, manual_credit: who sent the record (an authenticated writer)
    std::optional<Instant> at;          ///< approved, manual_credit: when
    std::string note;                   ///< manual_credit: why (the record's `reason`)
    std::optional<Seconds> credited;    ///< manual_credit: the seconds credited

    /// `have` as outcomes write it, when it is a whole number: seconds or a count.
    [[nodiscard]] std::optional<std::int64_t> have() const noexcept {
        if (time_have) return time_have->count();
        if (count_have) return *count_have;
        return std::nullopt;
    }
    /// `need` as outcomes write it, when it is a whole number.
    [[nodiscard]] std::optional<std::int64_t> need() const noexcept {
        if (time_need) return time_need->count();
        if (count_need) return *count_need;
        return std::nullopt;
    }

    [[nodiscard]] static Reason of(ReasonCode code, std::string lesson = {}) {
        Reason r;
        r.code = code;
        r.lesson = std::move(lesson);
        return r;
    }

    friend bool operator==(const Reason& a, const Reason& b) {
        return a.code == b.code && a.lesson == b.lesson && a.time_have == b.time_have &&
               a.time_need == b.time_need && a.count_have == b.count_have && a.count_need == b.count_need &&
               a.value_have == b.value_have && a.value_need == b.value_need && a.overlapped == b.overlapped &&
               a.sector == b.sector && a.category == b.category && a.path == b.path &&
               a.requirement == b.requirement && a.exam == b.exam &&
               a.by == b.by && a.recorded_by == b.recorded_by && a.at == b.at && a.note == b.note && a.credited == b.credited;
    }
};

/// How one studied lesson came out (the explanation behind the counts).
struct LessonResult {
    std::string lesson;
    Seconds seconds_counted{0};            ///< after window, as_of, overlap and cap
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

/// Where one node of a category's requirement tree stands: whether it holds,
/// and what the participant has against what it needs (lessons, hours, a
/// score, approvals, or how many of the listed requirements hold).  Outcomes
/// carry these for categories whose requirement is more than a lesson count.
struct RequirementResult {
    std::string path;         ///< "requires", "requires.all[0]", …
    Requirement::Kind kind = Requirement::Kind::lessons;
    bool holds = false;
    std::optional<double> have;  ///< lessons, hours, best score, approvals, requirements held (none: no exam attempt)
    double need = 0;

    friend bool operator==(const RequirementResult& a, const RequirementResult& b) {
        return a.path == b.path && a.kind == b.kind && a.holds == b.holds && a.have == b.have && a.need == b.need;
    }
};

/// A group's (module's) credited hours: its lessons' hours after the lesson
/// and group caps, rounded down to `hour_step`.
struct GroupHours {
    std::string group;
    double hours = 0;

    friend bool operator==(const GroupHours& a, const GroupHours& b) {
        return a.group == b.group && a.hours == b.hours;
    }
};

/// One participant's evaluation.
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
    std::vector<LessonResult> lessons;  ///< studied lessons, by lesson id (when kept)
    /// Each node of the requirement tree, in tree order (pre-order), for a
    /// category whose requirement is more than a bare lesson count.
    std::vector<RequirementResult> requirements;
    /// Hours by group, in the programme's order, where the programme declares groups.
    std::vector<GroupHours> group_hours;
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
               a.lessons == b.lessons && a.requirements == b.requirements && a.group_hours == b.group_hours &&
               a.started_from == b.started_from &&
               a.completed_from == b.completed_from;
    }
};

}  // namespace yanxiu
