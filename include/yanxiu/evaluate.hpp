#pragma once
/// \file evaluate.hpp
/// Evaluation: one participant's events under a programme → an `Outcome`
/// with every reason.  `Evaluator` walks the events once and asks a rule
/// (rules.hpp) at each decision; batch evaluation (`evaluate`,
/// `evaluate_all`), the streaming `Ledger`, Python and the command line all
/// go through it, and none re-implements a rule.
///
/// `Evaluator` is header-only (the centre of `yanxiu::core`); the batch
/// scheduler that spreads participants over threads is compiled (src/batch.cpp).

#include <yanxiu/dataset.hpp>
#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>
#include <yanxiu/rules.hpp>
#include <yanxiu/time.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace yanxiu {

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

/// What an evaluation keeps beyond the counts.
enum class Detail : std::uint8_t {
    full,     ///< reasons and each studied lesson's `LessonResult`
    reasons,  ///< reasons, no `lessons` (what a report or `yanxiu evaluate` without --explain needs)
    summary,  ///< status, counts, seconds, hours and instants only: no reasons, no lessons, and not the
              ///< participant's id, unit and category (nothing is allocated; what a live `Ledger::add` needs)
};

/// Evaluates participants one at a time, reusing its scratch buffers (one per thread).
class Evaluator {
public:
    /// `lessons` names the interned lesson ids used by the events; `notes`
    /// holds who gave each approval and manual credit (`Dataset::notes()`;
    /// without it their reasons name nobody).
    Evaluator(const Program& program, const Interner& lessons, const std::vector<Note>* notes = nullptr)
        : program_(&program), lessons_(&lessons), notes_(notes) {
        for (const Lesson& l : program.lessons()) hours_capped_ = hours_capped_ || l.max_hours.has_value();
        hours_capped_ = hours_capped_ || !program.groups().empty();
    }

    /// What outcomes keep (default: `Detail::full`).
    void set_detail(Detail detail) noexcept { detail_ = detail; }
    [[nodiscard]] Detail detail() const noexcept { return detail_; }

    /// Evaluates one participant from their events packed side by side, as
    /// of `as_of` (kEndOfTime: no limit).
    [[nodiscard]] Outcome evaluate(const Participant& participant, const PackedEvent* events, std::size_t count,
                                   Instant as_of = kEndOfTime);

    /// The same from the events at `indices` of `events` (all of them this participant's).
    [[nodiscard]] Outcome evaluate(const Participant& participant, const EventColumns& events,
                                   const std::uint32_t* indices, std::size_t count, Instant as_of = kEndOfTime) {
        gathered_.clear();
        gathered_.reserve(count);
        for (std::size_t k = 0; k < count; ++k) gathered_.push_back(PackedEvent::from(events, indices[k]));
        return evaluate(participant, gathered_.data(), gathered_.size(), as_of);
    }

private:
    struct Session {
        std::int64_t start, end;
        std::uint32_t rank, lesson;
    };
    /// One studied (or manually credited) lesson while its events are walked.
    struct LessonState {
        std::uint32_t lesson = 0;
        std::int64_t cap = -1;          // rule_lesson_cap_seconds
        std::int64_t need = 1;          // max(1, rule_minimum_study_seconds): seconds a credit needs
        std::int64_t in_range = 0;      // Σ |session ∩ counted range|
        std::int64_t owned = 0;         // Σ |owned part|
        std::int64_t offline = 0;       // Σ seconds of manual credits, outside the overlap rule
        std::int64_t first = kNever;    // first owned instant
        std::int64_t last_end = 0;      // end of the last owned part
        std::int64_t cap_reached = -1;  // instant the owned time reached the cap
        std::int64_t need_reached = kNever;  // instant the owned time reached `need`
        std::int64_t opened_at = kNever;  // first attempt that opens the lesson
        std::int64_t credit_at = kNever;  // first manual credit
        bool has_length = false;        // some session of it lasts more than 0 s
        bool qualifying_in_window = false;
        bool qualifying_any = false;
        bool attempt_in_window = false;
    };
    /// What the programme says of one interned lesson id, looked up once.
    struct LessonRule {
        bool known = false;
        const Lesson* catalogue = nullptr;
        std::int64_t cap = -1;
        std::int64_t need = 1;
        std::int64_t minimum = 0;
    };

    LessonState& state_for(std::uint32_t lesson);
    /// Every step up to the credited lessons, as of `as_of`, into `out`.
    void walk(Outcome& out, const PackedEvent* events, std::size_t count, Instant as_of, bool with_reasons,
              bool with_lessons);
    void own_study_time(const PackedEvent* events, std::size_t count, Instant as_of, const Span& range);
    void dated_records(const PackedEvent* events, std::size_t count, Instant as_of);
    void gate_quizzes(const PackedEvent* events, std::size_t count, Instant as_of);
    void credit_lessons(Outcome& out, bool with_reasons, bool with_lessons);
    void certify_by_count(Outcome& out, const Category& category, bool with_reasons);
    bool requirement_holds(const Category& category, std::vector<RequirementResult>* standings);
    void certify_by_requirement(Outcome& out, const Category& category, const PackedEvent* events, std::size_t count,
                                Instant as_of, bool with_reasons);
    void explain_records(Outcome& out) const;
    [[nodiscard]] double hours_of(const Outcome& out) const;
    [[nodiscard]] const Note* note_of(const PackedEvent& e) const noexcept {
        if (!notes_) return nullptr;
        const auto i = static_cast<std::size_t>(e.end);
        return i < notes_->size() ? &(*notes_)[i] : nullptr;
    }

    const Program* program_;
    const Interner* lessons_;
    const std::vector<Note>* notes_;
    bool hours_capped_ = false;  // some lesson or group caps hours
    Detail detail_ = Detail::full;
    std::vector<Session> sessions_;
    std::vector<LessonState> states_;
    std::vector<std::int32_t> slot_;  // lesson id -> index in states_, -1 if none
    std::vector<LessonRule> rules_;   // lesson id -> its rule (filled on first sight)
    std::vector<Reason> lesson_reasons_;
    std::vector<Reason> set_aside_;  // the lesson reasons while `evaluate` certifies
    std::vector<PackedEvent> gathered_;  // the columns' rows, for the index-based overload
    std::vector<std::int64_t> credit_instants_;
    std::vector<std::int64_t> credit_from_instants_;
    std::vector<LessonCredit> lesson_credits_;  // each studied lesson's credit, for requirements and hours
    std::vector<ExamStanding> exams_;          // by exam index
    std::vector<const PackedEvent*> approvals_, credits_;  // those that count, for the reasons
    bool approved_ = false;
    std::int64_t first_counted_ = kNever;  // first instant of online counted time
    std::int64_t first_credit_ = kNever;   // first manual credit that counts
};

inline Evaluator::LessonState& Evaluator::state_for(std::uint32_t lesson) {
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
            rule.minimum = rule_minimum_study_seconds(program_->credit(), rule.catalogue);
            rule.need = std::max<std::int64_t>(1, rule.minimum);
            rule.known = true;
        }
        s = static_cast<std::int32_t>(states_.size());
        LessonState state;
        state.lesson = lesson;
        state.cap = rule.cap;
        state.need = rule.need;
        states_.push_back(state);
    }
    return states_[static_cast<std::size_t>(s)];
}

/// Study time: each session's owned part, in ownership order, summed per lesson.
inline void Evaluator::own_study_time(const PackedEvent* events, std::size_t count, Instant as_of,
                                      const Span& range) {
    const auto& ranks = lessons_->ranks();
    sessions_.clear();
    for (std::size_t k = 0; k < count; ++k) {
        const PackedEvent& e = events[k];
        if (e.kind != EventKind::study || !rule_session_begins_before(e.start, as_of)) continue;
        sessions_.push_back(Session{e.start, e.end, ranks[e.lesson], e.lesson});
    }
    std::sort(sessions_.begin(), sessions_.end(), [](const Session& a, const Session& b) {
        return rule_owns_first(SessionKey{a.start, a.end, a.rank}, SessionKey{b.start, b.end, b.rank});
    });
    std::int64_t covered_until = std::numeric_limits<std::int64_t>::min();
    for (const Session& s : sessions_) {
        LessonState& st = state_for(s.lesson);
        st.has_length = st.has_length || s.end > s.start;
        st.in_range += Span{std::max(s.start, range.begin), std::min(s.end, range.end)}.length();
        const Span owned = rule_owned_part(s.start, s.end, covered_until, range);
        if (owned.empty()) continue;
        const std::int64_t length = owned.length();
        // The instants at which the cap and the minimum were reached, for credit timing.
        if (st.cap >= 0 && st.owned < st.cap && st.owned + length >= st.cap)
            st.cap_reached = owned.begin + (st.cap - st.owned);
        if (st.owned < st.need && st.owned + length >= st.need) st.need_reached = owned.begin + (st.need - st.owned);
        st.owned += length;
        st.first = std::min(st.first, owned.begin);
        st.last_end = owned.end;
    }
}

/// Manual credits, exams and approvals: those dated at or before as_of (exams
/// and approvals inside the window too; a credit outside it is rejected on read).
inline void Evaluator::dated_records(const PackedEvent* events, std::size_t count, Instant as_of) {
    const Window& window = program_->window();
    for (std::size_t k = 0; k < count; ++k) {
        const PackedEvent& e = events[k];
        if (e.kind == EventKind::study || e.kind == EventKind::quiz) continue;
        if (!rule_dated_record_counts_as_of(e.start, as_of) || !window.contains(Instant{Seconds{e.start}})) continue;
        if (e.kind == EventKind::credit) {
            LessonState& st = state_for(e.lesson);
            st.offline += static_cast<std::int64_t>(e.score);
            st.credit_at = std::min(st.credit_at, e.start);
            first_credit_ = std::min(first_credit_, e.start);
            credits_.push_back(&e);
        } else if (e.kind == EventKind::exam) {
            if (e.lesson >= exams_.size()) continue;
            ExamStanding& x = exams_[e.lesson];
            if (!std::isnan(e.score)) {  // a sitting without a score did not pass
                x.best = x.attempted ? std::max(x.best, e.score) : e.score;
                x.attempted = true;
            }
            x.passed = x.passed || rule_exam_passed(program_->exams()[e.lesson], e.score);
        } else {
            approved_ = true;
            approvals_.push_back(&e);
        }
    }
    // Their reasons come in this order, which must not be the order the records
    // were read in: by date, then seconds (credits), who and why.
    auto before = [this](const PackedEvent* a, const PackedEvent* b) {
        if (a->start != b->start) return a->start < b->start;
        if (a->kind == EventKind::credit && a->score != b->score) return a->score < b->score;
        const Note* x = note_of(*a);
        const Note* y = note_of(*b);
        if (!x || !y) return false;
        if (x->by != y->by) return x->by < y->by;
        return x->reason < y->reason;
    };
    std::sort(credits_.begin(), credits_.end(), before);
    std::sort(approvals_.begin(), approvals_.end(), before);
}

/// Quiz gate: the attempts at or before as_of, on studied lessons.
inline void Evaluator::gate_quizzes(const PackedEvent* events, std::size_t count, Instant as_of) {
    const QuizRule& quiz = program_->quiz();
    const Window& window = program_->window();
    for (std::size_t k = 0; k < count; ++k) {
        const PackedEvent& e = events[k];
        if (e.kind != EventKind::quiz || !rule_attempt_counts_as_of(e.start, as_of)) continue;
        if (e.lesson >= slot_.size() || slot_[e.lesson] < 0) continue;  // lesson never studied
        LessonState& st = states_[static_cast<std::size_t>(slot_[e.lesson])];
        const bool in_window = window.contains(Instant{Seconds{e.start}});
        if (in_window) st.attempt_in_window = true;
        if (!rule_quiz_qualifies(quiz, e.score, e.completed != 0)) continue;
        st.qualifying_any = true;
        if (!in_window) continue;
        st.qualifying_in_window = true;
        // Offline time counts from the credit's date.
        if (rule_attempt_opens_lesson(e.start, window, std::min(st.first, st.credit_at)))
            st.opened_at = std::min(st.opened_at, e.start);
    }
}

/// Crediting, lesson by lesson in id order: counted time, minimum study, the
/// credit instant, and why a lesson is not credited.
inline void Evaluator::credit_lessons(Outcome& out, bool with_reasons, bool with_lessons) {
    const QuizRule& quiz = program_->quiz();
    const auto& ranks = lessons_->ranks();
    std::sort(states_.begin(), states_.end(),
              [&](const LessonState& a, const LessonState& b) { return ranks[a.lesson] < ranks[b.lesson]; });
    credit_instants_.clear();
    credit_from_instants_.clear();
    lesson_reasons_.clear();
    lesson_credits_.clear();
    first_counted_ = kNever;
    if (with_lessons) out.lessons.reserve(states_.size());
    for (LessonState& st : states_) {
        slot_[st.lesson] = -1;
        const std::string& lesson_id = lessons_->str(st.lesson);
        const std::int64_t raw = st.owned + st.offline;
        const std::int64_t counted = rule_counted_time(raw, st.cap);
        LessonResult result;
        if (with_lessons) result.lesson = lesson_id;
        result.seconds_counted = Seconds{counted};
        out.seconds_studied += Seconds{counted};
        LessonCredit credit{rules_[st.lesson].catalogue, false, 0};
        if (const std::int64_t lost = st.in_range - st.owned; with_reasons && lost > 0) {
            Reason r = Reason::of(ReasonCode::overlap, lesson_id);
            r.overlapped = Seconds{lost};
            lesson_reasons_.push_back(std::move(r));
        }
        if (counted == 0) {
            if (with_reasons && st.in_range == 0 && st.has_length)
                lesson_reasons_.push_back(Reason::of(ReasonCode::outside_window, lesson_id));
            if (with_lessons) out.lessons.push_back(std::move(result));
            lesson_credits_.push_back(credit);
            continue;
        }
        first_counted_ = std::min(first_counted_, st.first);
        const std::int64_t first = std::min(st.first, st.credit_at);
        result.first_instant = Instant{Seconds{first}};
        if (with_reasons && st.cap >= 0 && raw > st.cap) {
            Reason r = Reason::of(ReasonCode::capped_at_lesson_length, lesson_id);
            r.time_have = Seconds{raw};
            r.time_need = Seconds{st.cap};
            lesson_reasons_.push_back(std::move(r));
        }
        if (with_reasons)
            for (const PackedEvent* e : credits_)
                if (e->lesson == st.lesson) {
                    Reason r = Reason::of(ReasonCode::manual_credit, lesson_id);
                    r.credited = Seconds{static_cast<std::int64_t>(e->score)};
                    r.at = Instant{Seconds{e->start}};
                    if (const Note* note = note_of(*e)) r.by = note->by, r.note = note->reason, r.recorded_by = note->recorded_by;
                    lesson_reasons_.push_back(std::move(r));
                }
        const std::int64_t minimum = rules_[st.lesson].minimum;
        const bool enough = rule_meets_minimum_study(counted, minimum);
        const std::int64_t end_of_counted = (st.cap >= 0 && st.owned >= st.cap) ? st.cap_reached : st.last_end;
        // The online route (minimum study, then the quiz gate; without a quiz,
        // the end of the online counted time) looks at the online time alone:
        // before a manual credit's date its offline seconds do not exist, so
        // they cannot let a quiz credit the lesson earlier than the credit does.
        const bool online_enough = st.need_reached != kNever;
        const std::int64_t by_quiz =
            enough && online_enough ? rule_credit_instant(quiz, st.opened_at, end_of_counted) : kNever;
        // A manual credit credits the lesson at its date, unless a quiz credited it earlier.
        const std::int64_t credited_at = std::min(by_quiz, st.credit_at);
        if (credited_at != kNever) {
            result.credited = true;
            result.credited_at = Instant{Seconds{credited_at}};
            // As of which instant an evaluation credits it: online, once the
            // online time reaches the minimum; by the credit at its date.
            const std::int64_t from = std::min(
                by_quiz != kNever ? rule_credited_from(quiz, st.opened_at, st.need_reached) : kNever, st.credit_at);
            result.credited_from = Instant{Seconds{from}};
            credit_from_instants_.push_back(from);
            ++out.lessons_credited;
            out.seconds_credited += Seconds{counted};
            credit_instants_.push_back(credited_at);
            credit.credited = true;
            credit.seconds = counted;
        } else if (with_reasons) {
            // Why the lesson is not credited: the first of these that applies.
            if (!enough) {
                Reason r = Reason::of(ReasonCode::below_minimum, lesson_id);
                r.time_have = Seconds{counted};
                r.time_need = Seconds{minimum};
                lesson_reasons_.push_back(std::move(r));
            } else if (st.qualifying_in_window) {
                lesson_reasons_.push_back(Reason::of(ReasonCode::quiz_before_study, lesson_id));
            } else if (st.qualifying_any) {
                lesson_reasons_.push_back(Reason::of(ReasonCode::outside_window, lesson_id));
            } else if (quiz.mode == QuizMode::passed && st.attempt_in_window) {
                lesson_reasons_.push_back(Reason::of(ReasonCode::quiz_not_passed, lesson_id));
            } else {
                lesson_reasons_.push_back(Reason::of(ReasonCode::quiz_missing, lesson_id));
            }
        }
        lesson_credits_.push_back(credit);
        if (with_lessons) out.lessons.push_back(std::move(result));
    }
}

inline void Evaluator::walk(Outcome& out, const PackedEvent* events, std::size_t count, Instant as_of,
                            bool with_reasons, bool with_lessons) {
    states_.clear();
    credits_.clear();
    approvals_.clear();
    approved_ = false;
    first_credit_ = kNever;
    exams_.assign(program_->exams().size(), ExamStanding{});
    own_study_time(events, count, as_of, rule_counted_range(program_->window(), as_of));
    dated_records(events, count, as_of);
    gate_quizzes(events, count, as_of);
    credit_lessons(out, with_reasons, with_lessons);
}

/// Certificate and completed_at of a bare lesson count; the participant's standing in lessons.
inline void Evaluator::certify_by_count(Outcome& out, const Category& category, bool with_reasons) {
    const std::int64_t first = std::min(first_counted_, first_credit_);
    if (rule_certificate(category, out.seconds_studied, rule_lesson_count_met(category, out.lessons_credited))) {
        out.certificate = true;
        out.completed_at = Instant{Seconds{rule_completed_at(category, credit_instants_, first)}};
        out.completed_from = Instant{Seconds{rule_completed_at(category, credit_from_instants_, first + 1)}};
    }
    if (with_reasons && category.certificate && out.lessons_credited < category.min_lessons) {
        Reason r = Reason::of(ReasonCode::below_minimum);
        r.count_have = out.lessons_credited;
        r.count_need = category.min_lessons;
        out.reasons.push_back(std::move(r));
    }
}

/// Whether the category's requirement tree holds on what `walk` found.
inline bool Evaluator::requirement_holds(const Category& category, std::vector<RequirementResult>* standings) {
    RequirementInput in;
    in.lessons = &lesson_credits_;
    in.exams = &exams_;
    in.approved = approved_;
    std::vector<RequirementResult> scratch;
    return rule_requirement(category.requires, in, *program_, "requires", standings ? *standings : scratch);
}

/// Certificate and completed_at of a requirement tree: completed_at is the
/// earliest instant T at which the requirement holds when evaluated as of T
/// (holding is monotone in T, so a binary search over whole seconds finds it).
inline void Evaluator::certify_by_requirement(Outcome& out, const Category& category, const PackedEvent* events,
                                              std::size_t count, Instant as_of, bool with_reasons) {
    std::vector<RequirementResult> standings;
    const bool holds = requirement_holds(category, &standings);
    if (with_reasons) {
        // The tree's nodes in the order of `standings` (pre-order), for the exams they name.
        // A node is explained when it does not hold and neither does any node
        // above it: what stands in the way, not the alternatives of an `any`
        // that holds.
        std::vector<const Requirement*> nodes;
        std::vector<std::size_t> parent;
        auto flatten = [&](const Requirement& req, std::size_t up, auto& self) -> void {
            const std::size_t me = nodes.size();
            nodes.push_back(&req);
            parent.push_back(up);
            for (const Requirement& child : req.children) self(child, me, self);
        };
        constexpr std::size_t kRoot = static_cast<std::size_t>(-1);
        flatten(category.requires, kRoot, flatten);
        std::vector<bool> blocking(standings.size(), false);
        for (std::size_t k = 0; k < standings.size(); ++k) {
            const RequirementResult& s = standings[k];
            const bool above_fails = k >= parent.size() || parent[k] == kRoot || blocking[parent[k]];
            blocking[k] = !s.holds && above_fails;
            if (!blocking[k] || !category.certificate) continue;
            Reason r = Reason::of(ReasonCode::requirement_not_met);
            if (s.kind == Requirement::Kind::exam && k < nodes.size()) r.exam = nodes[k]->exam;
            r.path = s.path;
            r.requirement = std::string(to_string(s.kind));
            if (s.kind == Requirement::Kind::hours || s.kind == Requirement::Kind::exam) {
                r.value_have = s.have;
                r.value_need = s.need;
            } else {
                r.count_have = static_cast<int>(s.have.value_or(0));
                r.count_need = static_cast<int>(s.need);
            }
            out.reasons.push_back(std::move(r));
        }
        std::vector<std::string> named;  // each exam once
        auto explain_exams = [&](const Requirement& req, auto& self) -> void {
            if (req.kind == Requirement::Kind::exam) {
                const Exam* exam = program_->find_exam(req.exam);
                if (!exam) return;
                const ExamStanding& x = exams_[static_cast<std::size_t>(exam - program_->exams().data())];
                if (!x.attempted || x.passed) return;
                for (const std::string& n : named)
                    if (n == exam->id) return;
                named.push_back(exam->id);
                Reason r = Reason::of(ReasonCode::exam_not_passed);
                r.exam = exam->id;
                r.value_have = x.best;
                r.value_need = exam->pass_score;
                out.reasons.push_back(std::move(r));
            }
            for (const Requirement& child : req.children) self(child, self);
        };
        if (category.certificate) explain_exams(category.requires, explain_exams);
        out.requirements = std::move(standings);
        explain_records(out);  // before the search below walks the events again
    }
    if (!rule_certificate(category, out.seconds_studied, holds)) return;
    out.certificate = true;
    // The earliest T in [window begin, min(as_of, window end)] at which it holds as of T.  As of
    // the second before the window nothing counts; as of its first instant a credit or an
    // approval dated then already does.
    const Window& window = program_->window();
    std::int64_t lo = window.begin().time_since_epoch().count() - 1;
    std::int64_t hi = std::min(as_of.time_since_epoch().count(), window.end().time_since_epoch().count());
    Outcome probe;
    while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        probe = Outcome{};
        walk(probe, events, count, Instant{Seconds{mid}}, false, false);
        if (rule_certificate(category, probe.seconds_studied, requirement_holds(category, nullptr))) hi = mid;
        else lo = mid;
    }
    out.completed_at = Instant{Seconds{hi}};
    out.completed_from = out.completed_at;
}

/// Every approval that counted, as a reason (manual credits are with their lesson's).
inline void Evaluator::explain_records(Outcome& out) const {
    for (const PackedEvent* e : approvals_) {
        Reason r = Reason::of(ReasonCode::approved);
        r.at = Instant{Seconds{e->start}};
        if (const Note* note = note_of(*e)) r.by = note->by, r.note = note->reason, r.recorded_by = note->recorded_by;
        out.reasons.push_back(std::move(r));
    }
}

/// Hours (R6): the credited lessons' hours after the lesson and group caps,
/// capped at `max_hours`, rounded down to `hour_step` once.
inline double Evaluator::hours_of(const Outcome& out) const {
    const CreditRule& credit = program_->credit();
    if (!hours_capped_) return rule_hours_credited(out.seconds_credited, credit);
    const std::int64_t us = std::min(rule_selection_us(*program_, Selection{}, lesson_credits_),
                                     rule_hours_cap_us(credit.max_hours, credit));
    return static_cast<double>(rule_rounded_micro_hours(us, credit)) / 1e6;
}

inline Outcome Evaluator::evaluate(const Participant& participant, const PackedEvent* events, std::size_t count,
                                   Instant as_of) {
    const Program& program = *program_;
    const Category& category = program.categories()[participant.category];
    const bool with_reasons = detail_ != Detail::summary;
    const bool with_lessons = detail_ == Detail::full;
    Outcome out;
    if (with_reasons) {
        out.participant = participant.id;
        out.unit = participant.unit;
        out.category = category.id;
    }
    out.lessons_required = category.min_lessons;

    const bool unverified = rule_earns_nothing_unverified(program, participant.verified);
    if (with_reasons) {
        if (unverified) out.reasons.push_back(Reason::of(ReasonCode::not_verified));
        if (rule_category_sector_mismatch(category, participant.sector)) {
            Reason r = Reason::of(ReasonCode::category_sector_mismatch);
            r.sector = std::string(to_string(participant.sector));
            r.category = category.id;
            out.reasons.push_back(std::move(r));
        }
        if (!category.certificate) {
            Reason r = Reason::of(ReasonCode::no_certificate_for_category);
            r.category = category.id;
            out.reasons.push_back(std::move(r));
        }
    }
    if (unverified) {
        out.status = rule_status(true, Seconds{0}, false, category);
        for (const Group& g : program.groups()) out.group_hours.push_back(GroupHours{g.id, 0});
        return out;
    }

    walk(out, events, count, as_of, with_reasons, with_lessons);
    // Room for the reasons to come at once (the lessons', the approvals', the
    // lesson count's): a Reason is large, and growing the vector would touch
    // twice the memory.  None at all for an outcome without reasons.
    if (with_reasons) {
        std::size_t more = lesson_reasons_.size() + approvals_.size();
        if (category.requires.is_lesson_count() && category.certificate &&
            out.lessons_credited < category.min_lessons)
            ++more;
        if (more > 0) out.reasons.reserve(out.reasons.size() + more);
    }
    const std::int64_t first = std::min(first_counted_ == kNever ? kNever : first_counted_ + 1, first_credit_);
    if (out.seconds_studied.count() > 0) out.started_from = Instant{Seconds{first}};
    out.hours_credited = hours_of(out);
    for (const Group& g : program.groups()) {
        Selection sel;
        sel.kind = Selection::Kind::group;
        sel.name = g.id;
        const std::int64_t micro_hours =
            rule_rounded_micro_hours(rule_selection_us(program, sel, lesson_credits_), program.credit());
        out.group_hours.push_back(GroupHours{g.id, static_cast<double>(micro_hours) / 1e6});
    }
    // The lesson reasons set aside (a requirement tree walks again below,
    // which clears lesson_reasons_); the two buffers trade places, so both
    // keep their capacity from one participant to the next.
    std::vector<Reason>& lesson_reasons = set_aside_;
    lesson_reasons.clear();
    if (with_reasons) lesson_reasons.swap(lesson_reasons_);
    if (category.requires.is_lesson_count()) {
        certify_by_count(out, category, with_reasons);
        if (with_reasons) explain_records(out);
    } else {
        certify_by_requirement(out, category, events, count, as_of, with_reasons);  // walks again for completed_at
    }
    if (with_reasons) {
        out.reasons.reserve(out.reasons.size() + lesson_reasons.size());
        for (auto& r : lesson_reasons) out.reasons.push_back(std::move(r));
    }
    out.status = rule_status(false, out.seconds_studied, out.certificate, category);
    return out;
}

/// Evaluates one participant from a list of events: the pure centre, for
/// callers that hold rows rather than a store.
[[nodiscard]] inline Outcome evaluate(const Program& program, const Participant& participant,
                                      const std::vector<Event>& events, const Interner& lessons,
                                      Instant as_of = kEndOfTime) {
    std::vector<PackedEvent> packed;
    packed.reserve(events.size());
    for (const Event& e : events) {
        PackedEvent p;
        p.start = e.start.time_since_epoch().count();
        p.end = e.end.time_since_epoch().count();
        p.score = e.score;
        p.lesson = e.lesson;
        p.kind = e.kind;
        p.completed = e.completed ? 1 : 0;
        packed.push_back(p);
    }
    Evaluator evaluator(program, lessons);
    return evaluator.evaluate(participant, packed.data(), packed.size(), as_of);
}

// ---------------------------------------------------------------------------
// Batch evaluation (compiled: src/batch.cpp)

/// Options for batch evaluation.
struct EvaluateOptions {
    std::optional<Instant> as_of;  ///< only study before and quizzes at or before this instant
    unsigned threads = 0;          ///< 0: all hardware threads
    /// Keep each outcome's per-lesson explanation (`Outcome::lessons`;
    /// memory: ~80 bytes a lesson).
    bool keep_lessons = true;
    /// When set (by another thread), the evaluation stops within a block of
    /// participants and throws `Cancelled` (e.g. Ctrl-C in Python).
    const std::atomic<bool>* cancel = nullptr;
    /// When set, the count of participants evaluated so far, raised after
    /// each block (for a progress display on another thread).
    std::atomic<std::size_t>* evaluated = nullptr;
};


/// Evaluates every participant of `data`; outcomes sorted by participant id.
/// The result does not depend on `threads`.
[[nodiscard]] std::vector<Outcome> evaluate_all(const Dataset& data, const EvaluateOptions& options = {});

/// How many records one input held.
struct InputCount {
    std::string name;  ///< "participants", "events", "xapi", "census", …
    ReadSummary summary;
};

/// Everything one evaluation produced, as one value a report, a writer or
/// Python takes whole: the programme, the as_of, every outcome (sorted by
/// participant id), every rejection, and the counts of each input.
struct Evaluation {
    std::shared_ptr<const Program> program;
    std::optional<Instant> as_of;
    std::vector<Outcome> outcomes;
    std::vector<Rejection> rejections;
    std::vector<InputCount> inputs;  ///< "participants" and "events" first, then any added
    /// The latest instant an accepted record names (a study session's end,
    /// a quiz's time, ...): what "up to" means for a report without as_of.
    std::optional<Instant> latest_record;

    /// The counts of the input named `name`, or nullptr.
    [[nodiscard]] const ReadSummary* input(std::string_view name) const noexcept {
        for (const InputCount& in : inputs)
            if (in.name == name) return &in.summary;
        return nullptr;
    }
};

/// Evaluates every participant of `data` into an Evaluation: the outcomes of
/// `evaluate_all`, with `data`'s rejections and counts and `options.as_of`.
[[nodiscard]] Evaluation evaluate(const Dataset& data, const EvaluateOptions& options = {});

}  // namespace yanxiu
