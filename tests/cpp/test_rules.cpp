// The rules of rules.hpp, one test each, named after the rule (the same
// rules through whole records are in test_evaluate.cpp).

#include "helpers.hpp"

#include <yanxiu/rules.hpp>

#include <date/tz.h>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace yanxiu;

namespace {

std::int64_t at(const char* text) {
    return parse_instant(text, *find_zone("Asia/Shanghai"))->time_since_epoch().count();
}

Instant instant(const char* text) { return Instant{Seconds{at(text)}}; }

Category category(int min_lessons, bool certificate) {
    Category c;
    c.id = "c";
    c.min_lessons = min_lessons;
    c.certificate = certificate;
    return c;
}

}  // namespace

TEST_CASE("rule: counted range — inside the window (R1) and before as_of") {
    const Program p = test::program();  // 2023-01-09 .. 2023-02-10, China time
    const Span whole = rule_counted_range(p.window(), kEndOfTime);
    CHECK(whole.begin == at("2023-01-09T00:00:00+08:00"));
    CHECK(whole.end == at("2023-02-11T00:00:00+08:00"));  // the end date is inclusive
    const Span early = rule_counted_range(p.window(), instant("2023-01-20T12:00:00+08:00"));
    CHECK(early.begin == whole.begin);
    CHECK(early.end == at("2023-01-20T12:00:00+08:00"));
    CHECK(rule_counted_range(p.window(), instant("2023-01-01T00:00:00+08:00")).empty());
}

TEST_CASE("rule: as of — a session counts if it began before as_of, an attempt if at or before it") {
    const Instant t = instant("2023-01-20T12:00:00+08:00");
    CHECK(rule_session_begins_before(at("2023-01-20T11:59:59+08:00"), t));
    CHECK_FALSE(rule_session_begins_before(at("2023-01-20T12:00:00+08:00"), t));
    CHECK(rule_attempt_counts_as_of(at("2023-01-20T12:00:00+08:00"), t));
    CHECK_FALSE(rule_attempt_counts_as_of(at("2023-01-20T12:00:01+08:00"), t));
}

TEST_CASE("rule: owned study time — the session that started first owns shared instants, then the smaller lesson id") {
    // Same start: the smaller lesson id (lower rank) first; then the shorter session.
    CHECK(rule_owns_first({100, 200, 1}, {150, 160, 0}));
    CHECK(rule_owns_first({100, 200, 0}, {100, 150, 1}));
    CHECK_FALSE(rule_owns_first({100, 200, 1}, {100, 150, 0}));
    CHECK(rule_owns_first({100, 150, 0}, {100, 200, 0}));
    // Walked in that order, each owns what the earlier ones did not cover.
    const Span range{0, 1000};
    std::int64_t covered = std::numeric_limits<std::int64_t>::min();
    const Span a = rule_owned_part(100, 400, covered, range);
    const Span b = rule_owned_part(200, 300, covered, range);  // inside a: nothing left
    const Span c = rule_owned_part(350, 600, covered, range);  // overlaps a's end
    CHECK((a.begin == 100 && a.end == 400));
    CHECK(b.empty());
    CHECK((c.begin == 400 && c.end == 600));
    CHECK(covered == 600);
    // The counted range clips what is owned.
    std::int64_t fresh = std::numeric_limits<std::int64_t>::min();
    const Span clipped = rule_owned_part(-50, 1200, fresh, range);
    CHECK((clipped.begin == 0 && clipped.end == 1000));
}

TEST_CASE("rule: lesson cap and counted time — capped at the catalogue length when the programme says so") {
    Lesson lesson;
    lesson.id = "L01";
    lesson.length = Seconds{1800};
    CreditRule credit;
    CHECK(rule_lesson_cap_seconds(credit, &lesson) == 1800);
    CHECK(rule_lesson_cap_seconds(credit, nullptr) == -1);  // no catalogue entry: no cap
    credit.cap_at_lesson_length = false;
    CHECK(rule_lesson_cap_seconds(credit, &lesson) == -1);
    CHECK(rule_counted_time(2400, 1800) == 1800);
    CHECK(rule_counted_time(1200, 1800) == 1200);
    CHECK(rule_counted_time(2400, -1) == 2400);
}

TEST_CASE("rule: minimum study — more than 0 s and at least min_study_ratio of the lesson, rounded up") {
    Lesson lesson;
    lesson.length = Seconds{1001};
    CreditRule credit;
    CHECK(rule_minimum_study_seconds(credit, &lesson) == 0);  // default ratio 0
    credit.min_study_ratio = 0.5;
    CHECK(rule_minimum_study_seconds(credit, &lesson) == 501);  // 500.5 rounded up
    CHECK(rule_minimum_study_seconds(credit, nullptr) == 0);
    credit.min_study_ratio = 0.8;
    lesson.length = Seconds{2700};
    CHECK(rule_minimum_study_seconds(credit, &lesson) == 2160);  // exact, not 2161
    CHECK(rule_meets_minimum_study(2160, 2160));
    CHECK_FALSE(rule_meets_minimum_study(2159, 2160));
    CHECK_FALSE(rule_meets_minimum_study(0, 0));  // no counted time is never enough
    CHECK(rule_meets_minimum_study(1, 0));
}

TEST_CASE("rule: quiz gate (R5) — which attempts qualify under each mode") {
    QuizRule quiz;
    const double none = std::numeric_limits<double>::quiet_NaN();
    CHECK(rule_quiz_qualifies(quiz, none, true));       // completed: any attempt not marked incomplete
    CHECK(rule_quiz_qualifies(quiz, 10, true));
    CHECK_FALSE(rule_quiz_qualifies(quiz, 100, false));
    quiz.mode = QuizMode::passed;
    quiz.pass_score = 60;
    CHECK(rule_quiz_qualifies(quiz, 60, true));
    CHECK_FALSE(rule_quiz_qualifies(quiz, 59.99, true));
    CHECK_FALSE(rule_quiz_qualifies(quiz, none, true));  // no score is not a pass
    quiz.mode = QuizMode::none;
    CHECK(rule_quiz_qualifies(quiz, none, false));
}

TEST_CASE("rule: quiz gate, timing — inside the window and at or after the first counted instant") {
    const Program p = test::program();
    const std::int64_t first = at("2023-01-10T19:00:00+08:00");
    CHECK(rule_attempt_opens_lesson(first, p.window(), first));
    CHECK(rule_attempt_opens_lesson(at("2023-01-11T08:00:00+08:00"), p.window(), first));
    CHECK_FALSE(rule_attempt_opens_lesson(first - 1, p.window(), first));                    // quiz before study
    CHECK_FALSE(rule_attempt_opens_lesson(at("2023-02-11T00:00:00+08:00"), p.window(), first));  // after the window
    CHECK(rule_attempt_opens_lesson(at("2023-02-10T23:59:59+08:00"), p.window(), first));
}

TEST_CASE("rule: credit instant — the first opening attempt, or with no gate the end of counted time") {
    QuizRule quiz;
    CHECK(rule_credit_instant(quiz, 500, 900) == 500);
    CHECK(rule_credit_instant(quiz, kNever, 900) == kNever);  // no opening attempt: not credited
    quiz.mode = QuizMode::none;
    CHECK(rule_credit_instant(quiz, kNever, 900) == 900);
    // As of: credited once both the attempt and the minimum study lie before as_of.
    QuizRule gate;
    CHECK(rule_credited_from(gate, 500, 700) == 700);
    CHECK(rule_credited_from(gate, 800, 700) == 800);
    CHECK(rule_credited_from(quiz, kNever, 700) == 700);
}

TEST_CASE("rule: hours (R6) — seconds over the 学时 length, rounded down to hour_step, capped at max_hours") {
    CreditRule credit;  // 45 minutes, 0.1
    CHECK(rule_hours_credited(Seconds{45 * 60}, credit) == 1.0);
    CHECK(rule_hours_credited(Seconds{45 * 60 - 1}, credit) == 0.9);
    CHECK(rule_hours_credited(Seconds{0}, credit) == 0.0);
    CHECK(rule_hours_credited(Seconds{10 * 45 * 60 + 4 * 60}, credit) == 10.0);  // 10.088… → 10.0
    credit.hour_step = 0.25;
    CHECK(rule_hours_credited(Seconds{45 * 60 + 34 * 60}, credit) == 1.75);
    credit.max_hours = 1.5;
    CHECK(rule_hours_credited(Seconds{45 * 60 * 3}, credit) == 1.5);
    credit = CreditRule{};
    credit.minutes_per_hour = 60;
    CHECK(rule_hours_credited(Seconds{3 * 3600 + 359}, credit) == 3.0);  // 3.0997… → 3.0, exactly
}

TEST_CASE("rule: real name (R3) — an unverified participant earns nothing where the programme requires it") {
    const Program strict = test::program();
    CHECK(rule_earns_nothing_unverified(strict, false));
    CHECK_FALSE(rule_earns_nothing_unverified(strict, true));
    const Program open = test::program({{"require_verified", false}});
    CHECK_FALSE(rule_earns_nothing_unverified(open, false));
}

TEST_CASE("rule: categories (R2/R7) — a category chosen outside its sectors is flagged") {
    const Program p = test::program();
    const Category& homeroom = *p.find_category("homeroom");
    CHECK(rule_category_sector_mismatch(homeroom, Sector::undergraduate));
    CHECK_FALSE(rule_category_sector_mismatch(homeroom, Sector::primary));
    CHECK_FALSE(rule_category_sector_mismatch(homeroom, Sector::unknown));  // not given: never flagged
    CHECK_FALSE(rule_category_sector_mismatch(*p.find_category("mh_fulltime"), Sector::kindergarten));
}

TEST_CASE("rule: certificate (R4/R6/R7) — a certificate category, counted time, and its requirement met") {
    CHECK(rule_certificate(category(10, true), Seconds{1}, true));
    CHECK_FALSE(rule_certificate(category(10, true), Seconds{1}, false));
    CHECK_FALSE(rule_certificate(category(10, true), Seconds{0}, true));  // no counted time, whatever holds
    CHECK_FALSE(rule_certificate(category(0, false), Seconds{100}, true));  // R7: never for `other`
    CHECK(rule_lesson_count_met(category(10, true), 10));
    CHECK_FALSE(rule_lesson_count_met(category(10, true), 9));
    CHECK(rule_lesson_count_met(category(0, true), 0));
}

TEST_CASE("rule: completed_at — the instant the Nth lesson was credited") {
    std::vector<std::int64_t> instants = {500, 100, 400, 200, 300};
    CHECK(rule_completed_at(category(3, true), instants, 50) == 300);
    CHECK(rule_completed_at(category(5, true), instants, 50) == 500);
    CHECK(rule_completed_at(category(1, true), instants, 50) == 100);
    std::vector<std::int64_t> none;
    CHECK(rule_completed_at(category(0, true), none, 50) == 50);  // no minimum: the first counted instant
}

TEST_CASE("rule: statuses — unverified, not_started, completed, recorded, in_progress, the first that applies") {
    const Category target = category(10, true), other = category(0, false);
    CHECK(rule_status(true, Seconds{100}, true, target) == Status::unverified);
    CHECK(rule_status(false, Seconds{0}, false, target) == Status::not_started);
    CHECK(rule_status(false, Seconds{0}, false, other) == Status::not_started);
    CHECK(rule_status(false, Seconds{100}, true, target) == Status::completed);
    CHECK(rule_status(false, Seconds{100}, false, other) == Status::recorded);
    CHECK(rule_status(false, Seconds{100}, false, target) == Status::in_progress);
}
