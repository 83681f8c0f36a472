// One test per rule R1–R7 (the table at the top of docs/rules.md, "How yanxiu evaluates a
// participant") and per section of docs/rules.md, which is the exact reading ("Study time and
// the lesson cap" to "Duplicates and order").

#include "helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace test;
using yanxiu::ReasonCode;
using yanxiu::Status;

TEST_CASE("R1 window: edges in China time") {
    Run run(program(), {person("A", "homeroom"), person("B", "homeroom"), person("C", "homeroom")},
            {// A: the last second of 2 月 10 日 is inside, so the quiz then counts.
             study("A", "L01", "2023-02-10T23:00:00+08:00", "2023-02-10T23:30:00+08:00"),
             quiz("A", "L01", "2023-02-10T23:59:59+08:00"),
             // B: a quiz at 2 月 11 日 00:00 is outside.
             study("B", "L01", "2023-02-10T23:00:00+08:00", "2023-02-10T23:30:00+08:00"),
             quiz("B", "L01", "2023-02-11T00:00:00+08:00"),
             // C: 2023-01-08T16:00:00Z is 1 月 9 日 00:00 in Shanghai, inside.
             study("C", "L01", "2023-01-08T16:00:00Z", "2023-01-08T16:10:00Z"),
             quiz("C", "L01", "2023-01-08T16:00:00Z")});
    CHECK(run["A"].lessons_credited == 1);
    CHECK(run["A"].seconds_credited.count() == 1800);
    CHECK(run["B"].lessons_credited == 0);
    CHECK(run["B"].seconds_studied.count() == 1800);
    CHECK(has_reason(run["B"], ReasonCode::outside_window, "L01"));
    CHECK(run["C"].lessons_credited == 1);
    CHECK(run["C"].seconds_studied.count() == 600);
}

TEST_CASE("R1 window: sessions crossing both edges count only inside") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-08T23:50:00+08:00", "2023-01-09T00:20:00+08:00"),  // 20 min inside
             quiz("A", "L01", "2023-01-09T00:25:00+08:00"),
             study("A", "L02", "2023-02-10T23:50:00+08:00", "2023-02-11T00:30:00+08:00"),  // 10 min inside
             quiz("A", "L02", "2023-02-10T23:59:00+08:00"),
             study("A", "L03", "2023-01-07T10:00:00+08:00", "2023-01-07T11:00:00+08:00"),  // all outside
             quiz("A", "L03", "2023-01-10T10:00:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.seconds_studied.count() == 1200 + 600);
    CHECK(a.lessons_credited == 2);
    CHECK(a.lessons[0].first_instant == yanxiu::parse_instant("2023-01-09T00:00:00+08:00", run.program.time_zone()));
    CHECK(has_reason(a, ReasonCode::outside_window, "L03"));
}

TEST_CASE("R2 categories: every target group and other are evaluated") {
    Run run(program(),
            {person("F", "mh_fulltime"), person("P", "mh_parttime"), person("H", "homeroom"),
             person("U", "counselor", "undergraduate"), person("O", "other")},
            {});
    CHECK(run.outcomes.size() == 5);
    for (const auto& o : run.outcomes) CHECK(o.status == Status::not_started);
    CHECK(run["U"].category == "counselor");
}

TEST_CASE("R3 real name: unverified earns nothing") {
    auto events = finish_lessons("X", 12);
    Run run(program(), {person("X", "homeroom", "primary", false)}, events);
    const auto& x = run["X"];
    CHECK(x.status == Status::unverified);
    CHECK(x.lessons_credited == 0);
    CHECK(x.seconds_studied.count() == 0);
    CHECK(x.seconds_credited.count() == 0);
    CHECK(x.hours_credited == 0);
    CHECK_FALSE(x.certificate);
    CHECK(x.lessons_required == 10);
    CHECK(has_reason(x, ReasonCode::not_verified));

    Run lenient(program({{"require_verified", false}}), {person("X", "homeroom", "primary", false)}, events);
    CHECK(lenient["X"].status == Status::completed);
}

TEST_CASE("R4 minimum lessons: 15 for mental-health teachers, 10 for homeroom and counsellors") {
    auto ten = finish_lessons("M", 10);
    auto ten_h = finish_lessons("H", 10);
    auto ten_c = finish_lessons("C", 10);
    std::vector<json> events = ten;
    events.insert(events.end(), ten_h.begin(), ten_h.end());
    events.insert(events.end(), ten_c.begin(), ten_c.end());
    auto fifteen = finish_lessons("N", 15);
    events.insert(events.end(), fifteen.begin(), fifteen.end());
    Run run(program(),
            {person("M", "mh_fulltime"), person("N", "mh_parttime"), person("H", "homeroom"),
             person("C", "counselor", "higher_vocational")},
            events);
    CHECK(run["M"].status == Status::in_progress);
    CHECK(run["M"].lessons_required == 15);
    CHECK(has_reason(run["M"], ReasonCode::below_minimum));
    CHECK(run["N"].status == Status::completed);
    CHECK(run["H"].status == Status::completed);
    CHECK(run["C"].status == Status::completed);
    // completed_at: the 10th lesson's quiz (L10 at 10:40 on 1 月 12 日).
    CHECK(yanxiu::format_instant(*run["H"].completed_at, run.program.time_zone()) == "2023-01-12T10:40:00+08:00");
    CHECK(yanxiu::format_instant(*run["N"].completed_at, run.program.time_zone()) == "2023-01-12T15:40:00+08:00");
}

TEST_CASE("R5 quiz gate, mode completed: any attempt not marked incomplete") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             quiz("A", "L01", "2023-01-10T19:35:00+08:00", -1, 0),  // completed: false
             study("A", "L02", "2023-01-10T20:00:00+08:00", "2023-01-10T20:30:00+08:00"),
             quiz("A", "L02", "2023-01-10T20:35:00+08:00", 10),  // any score
             study("A", "L03", "2023-01-10T21:00:00+08:00", "2023-01-10T21:30:00+08:00"),
             quiz("A", "L03", "2023-01-10T20:55:00+08:00"),  // before the study
             study("A", "L04", "2023-01-10T22:00:00+08:00", "2023-01-10T22:30:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.lessons_credited == 1);
    CHECK(a.seconds_credited.count() == 1800);
    CHECK(a.seconds_studied.count() == 4 * 1800);
    CHECK(has_reason(a, ReasonCode::quiz_missing, "L01"));
    CHECK(has_reason(a, ReasonCode::quiz_before_study, "L03"));
    CHECK(has_reason(a, ReasonCode::quiz_missing, "L04"));
}

TEST_CASE("R5 quiz gate, mode passed: score at least pass_score; no score is no pass") {
    Run run(program({{"quiz", {{"mode", "passed"}, {"pass_score", 60}}}}), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             quiz("A", "L01", "2023-01-10T19:35:00+08:00", 59.5),
             quiz("A", "L01", "2023-01-10T19:40:00+08:00", 60),  // passes: credited at 19:40
             study("A", "L02", "2023-01-10T20:00:00+08:00", "2023-01-10T20:30:00+08:00"),
             quiz("A", "L02", "2023-01-10T20:35:00+08:00"),  // no score
             study("A", "L03", "2023-01-10T21:00:00+08:00", "2023-01-10T21:30:00+08:00"),
             quiz("A", "L03", "2023-01-10T21:35:00+08:00", 20)});
    const auto& a = run["A"];
    CHECK(a.lessons_credited == 1);
    REQUIRE(a.lessons[0].credited_at);
    CHECK(yanxiu::format_instant(*a.lessons[0].credited_at, run.program.time_zone()) == "2023-01-10T19:40:00+08:00");
    CHECK(has_reason(a, ReasonCode::quiz_not_passed, "L02"));
    CHECK(has_reason(a, ReasonCode::quiz_not_passed, "L03"));
}

TEST_CASE("R5 quiz gate, mode none: credited at the end of counted time") {
    Run run(program({{"quiz", {{"mode", "none"}}}}), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             study("A", "L01", "2023-01-11T19:00:00+08:00", "2023-01-11T19:10:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.lessons_credited == 1);
    CHECK(a.seconds_credited.count() == 2400);
    CHECK(yanxiu::format_instant(*a.lessons[0].credited_at, run.program.time_zone()) == "2023-01-11T19:10:00+08:00");
}

TEST_CASE("R6 hours: actual time over 45-minute hours, rounded down to 0.1") {
    yanxiu::CreditRule rule;
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{2699}, rule) == 0.9);
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{2700}, rule) == 1.0);
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{269}, rule) == 0.0);
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{270}, rule) == 0.1);
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{29880}, rule) == 11.0);
    rule.max_hours = 5;
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{29880}, rule) == 5.0);
    rule.max_hours.reset();
    rule.minutes_per_hour = 60;
    rule.hour_step = 0.5;
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{5399}, rule) == 1.0);
    CHECK(yanxiu::rule_hours_credited(yanxiu::Seconds{5400}, rule) == 1.5);

    Run run(program(), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:44:59+08:00"),
             quiz("A", "L01", "2023-01-10T19:50:00+08:00")});
    CHECK(run["A"].seconds_credited.count() == 2699);
    CHECK(run["A"].hours_credited == 0.9);
    CHECK(run.json_of("A")["hours_credited"].dump() == "0.9");
}

TEST_CASE("R7 other teachers: time recorded, no certificate") {
    auto events = finish_lessons("O", 16);
    Run run(program(), {person("O", "other")}, events);
    const auto& o = run["O"];
    CHECK(o.status == Status::recorded);
    CHECK_FALSE(o.certificate);
    CHECK_FALSE(o.completed_at);
    CHECK(o.seconds_studied.count() == 16 * 1800);
    CHECK(o.lessons_required == 0);
    CHECK(has_reason(o, ReasonCode::no_certificate_for_category));
    CHECK_FALSE(has_reason(o, ReasonCode::below_minimum));
}

TEST_CASE("instants and local time: no offset is read in the programme zone") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10 19:00:00", "2023-01-10T11:30:00Z"), quiz("A", "L01", "2023-01-10T19:31:00")});
    CHECK(run["A"].seconds_credited.count() == 1800);
}

TEST_CASE("study time: two overlapping tabs count once, to the session that started first") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L02", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             study("A", "L01", "2023-01-10T19:20:00+08:00", "2023-01-10T19:40:00+08:00"),
             quiz("A", "L01", "2023-01-10T19:41:00+08:00"), quiz("A", "L02", "2023-01-10T19:41:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.seconds_studied.count() == 2400);  // 19:00–19:40, once
    REQUIRE(a.lessons.size() == 2);
    CHECK(a.lessons[0].lesson == "L01");
    CHECK(a.lessons[0].seconds_counted.count() == 600);   // 19:30–19:40
    CHECK(a.lessons[1].seconds_counted.count() == 1800);  // 19:00–19:30
    CHECK(has_reason(a, ReasonCode::overlap, "L01"));
    CHECK(a.reasons.back().overlapped == yanxiu::Seconds{600});
    // L01's first counted instant is 19:30, so a quiz at 19:25 would be before study.
}

TEST_CASE("study time: ties at the same start go to the smaller lesson id") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L09", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             study("A", "L10", "2023-01-10T19:00:00+08:00", "2023-01-10T19:45:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.lessons[0].lesson == "L09");
    CHECK(a.lessons[0].seconds_counted.count() == 1800);
    CHECK(a.lessons[1].seconds_counted.count() == 900);
}

TEST_CASE("study time: the same lesson watched twice at once counts once; fractions dropped") {
    Run run(program(), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00.900+08:00", "2023-01-10T19:30:00.100+08:00"),
             study("A", "L01", "2023-01-10T19:10:00+08:00", "2023-01-10T19:20:00+08:00")});
    CHECK(run["A"].seconds_studied.count() == 1800);
}

TEST_CASE("lesson cap: counted time capped at the catalogue length") {
    json lessons = json::array({{{"id", "L01"}, {"title", "t"}, {"minutes", 30}}, {{"id", "L02"}, {"minutes", 20}}});
    Run run(program({{"lessons", lessons}}), {person("A", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:50:00+08:00"),
             quiz("A", "L01", "2023-01-10T19:55:00+08:00"),
             study("A", "L02", "2023-01-10T20:00:00+08:00", "2023-01-10T20:10:00+08:00"),
             quiz("A", "L02", "2023-01-10T20:15:00+08:00"),
             study("A", "L99", "2023-01-10T21:00:00+08:00", "2023-01-10T21:10:00+08:00")});
    const auto& a = run["A"];
    CHECK(a.seconds_studied.count() == 1800 + 600);
    CHECK(a.seconds_credited.count() == 1800 + 600);
    CHECK(has_reason(a, ReasonCode::capped_at_lesson_length, "L01"));
    CHECK(run.data.rejections().size() == 1);
    CHECK(run.data.rejections()[0].code == yanxiu::RejectCode::unknown_lesson);

    Run uncapped(program({{"lessons", lessons}, {"credit", {{"cap_at_lesson_length", false}}}}),
                 {person("A", "homeroom")},
                 {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:50:00+08:00"),
                  quiz("A", "L01", "2023-01-10T19:55:00+08:00")});
    CHECK(uncapped["A"].seconds_credited.count() == 3000);

    Run none_mode(program({{"lessons", lessons}, {"quiz", {{"mode", "none"}}}}), {person("A", "homeroom")},
                  {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:50:00+08:00")});
    // Credited when the cap was reached: 19:30.
    CHECK(yanxiu::format_instant(*none_mode["A"].lessons[0].credited_at, none_mode.program.time_zone()) ==
          "2023-01-10T19:30:00+08:00");
}

TEST_CASE("minimum study: a share of the catalogue length") {
    json lessons = json::array({{{"id", "L01"}, {"minutes", 30}}});
    Run run(program({{"lessons", lessons}, {"credit", {{"min_study_ratio", 0.5}}}}),
            {person("A", "homeroom"), person("B", "homeroom")},
            {study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:14:59+08:00"),
             quiz("A", "L01", "2023-01-10T19:20:00+08:00"),
             study("B", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:15:00+08:00"),
             quiz("B", "L01", "2023-01-10T19:20:00+08:00")});
    CHECK(run["A"].lessons_credited == 0);
    CHECK(has_reason(run["A"], ReasonCode::below_minimum, "L01"));
    auto reason = run.json_of("A")["reasons"][1];
    CHECK(reason == json{{"code", "below_minimum"}, {"lesson", "L01"}, {"have", 899}, {"need", 900}});
    CHECK(run["B"].lessons_credited == 1);
}

TEST_CASE("as_of: only study before T and quizzes at or before T") {
    auto program_ = program();
    std::vector<json> people{person("A", "homeroom")};
    std::vector<json> events{study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
                             quiz("A", "L01", "2023-01-10T19:40:00+08:00"),
                             study("A", "L02", "2023-01-20T19:00:00+08:00", "2023-01-20T19:30:00+08:00"),
                             quiz("A", "L02", "2023-01-20T19:40:00+08:00")};
    Run early(program_, people, events, "2023-01-10T19:10:00+08:00");
    CHECK(early["A"].seconds_studied.count() == 600);
    CHECK(early["A"].lessons_credited == 0);
    CHECK(has_reason(early["A"], ReasonCode::quiz_missing, "L01"));
    Run at_quiz(program_, people, events, "2023-01-10T19:40:00+08:00");
    CHECK(at_quiz["A"].lessons_credited == 1);
    Run later(program_, people, events, "2023-01-20T19:39:59+08:00");
    CHECK(later["A"].lessons_credited == 1);
    CHECK(later["A"].seconds_studied.count() == 3600);
    Run all(program_, people, events);
    CHECK(all["A"].lessons_credited == 2);
}

TEST_CASE("categories: sector mismatch is flagged, or rejected by setting") {
    std::vector<json> people{person("H", "homeroom", "undergraduate"), person("K", "homeroom", "kindergarten"),
                             person("N", "homeroom", "")};
    Run run(program(), people, finish_lessons("H", 10));
    CHECK(run["H"].status == Status::completed);
    CHECK(has_reason(run["H"], ReasonCode::category_sector_mismatch));
    CHECK(has_reason(run["K"], ReasonCode::category_sector_mismatch));
    CHECK_FALSE(has_reason(run["N"], ReasonCode::category_sector_mismatch));
    auto mismatch = run.json_of("H")["reasons"][0];
    CHECK(mismatch == json{{"code", "category_sector_mismatch"}, {"sector", "undergraduate"}, {"category", "homeroom"}});

    Run strict(program({{"on_sector_mismatch", "reject"}}), people, {});
    CHECK(strict.outcomes.size() == 1);
    REQUIRE(strict.data.rejections().size() == 2);
    CHECK(strict.data.rejections()[0].code == yanxiu::RejectCode::category_sector_mismatch);
    CHECK(strict.data.rejections()[0].line == 1);
}

TEST_CASE("certificate: completed_at is the instant the minimum was reached") {
    auto events = finish_lessons("A", 12, 15);
    // One lesson credited earlier than the rest, out of order in the file.
    events.push_back(study("A", "L20", "2023-01-10T08:00:00+08:00", "2023-01-10T08:30:00+08:00"));
    events.push_back(quiz("A", "L20", "2023-01-10T08:31:00+08:00"));
    Run run(program(), {person("A", "homeroom")}, events);
    // The 10th credit in time: L20 (1 月 10 日), then L01..L09 on 1 月 15 日 → L09 at 09:40.
    CHECK(run.json_of("A")["completed_at"] == "2023-01-15T09:40:00+08:00");
    CHECK(run["A"].lessons_credited == 13);
}

TEST_CASE("statuses: first that applies") {
    Run run(program(), {person("N", "homeroom"), person("I", "homeroom"), person("R", "other")},
            {study("I", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
             study("R", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00")});
    CHECK(run["N"].status == Status::not_started);
    CHECK(run["I"].status == Status::in_progress);
    CHECK(run["R"].status == Status::recorded);
}

TEST_CASE("duplicates: identical records count once; same id with other content is rejected") {
    auto a = study("A", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00");
    auto same_instant = study("A", "L01", "2023-01-10T11:00:00Z", "2023-01-10T11:30:00Z");
    auto with_id = a;
    with_id["id"] = "e1";
    auto conflict = study("A", "L01", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00");
    conflict["id"] = "e1";
    Run run(program(), {person("A", "homeroom"), person("A", "homeroom"), person("A", "other")},
            {a, same_instant, with_id, with_id, conflict, quiz("A", "L01", "2023-01-10T19:40:00+08:00")});
    CHECK(run.data.participant_summary().read == 3);
    CHECK(run.data.participant_summary().accepted == 1);
    CHECK(run.data.participant_summary().duplicates == 1);
    CHECK(run.data.participant_summary().rejected == 1);
    CHECK(run.data.event_summary().read == 6);
    CHECK(run.data.event_summary().duplicates == 2);
    CHECK(run.data.event_summary().rejected == 1);
    CHECK(run.data.event_summary().accepted == 3);
    CHECK(run.data.event_summary().reconciles());
    const auto& rejected = run.data.rejections();
    REQUIRE(rejected.size() == 2);
    CHECK(rejected[0].code == yanxiu::RejectCode::duplicate_id);
    CHECK(rejected[0].file == "participants.jsonl");
    CHECK(rejected[0].line == 3);
    CHECK(rejected[1].code == yanxiu::RejectCode::duplicate_id);
    CHECK(rejected[1].file == "events.jsonl");
    CHECK(rejected[1].line == 5);
    CHECK(run["A"].seconds_studied.count() == 1800);

    // Feeding the same data twice changes nothing.
    yanxiu::Dataset twice(run.program);
    twice.read_participants(lines({person("A", "homeroom")}), "p");
    twice.read_participants(lines({person("A", "homeroom")}), "p");
    twice.read_events(lines({a, with_id}), "e");
    twice.read_events(lines({a, with_id}), "e");
    CHECK(twice.events().size() == 2);
}

TEST_CASE("order: the outcome does not depend on the order of the records") {
    std::vector<json> people;
    std::vector<json> events;
    const char* categories[] = {"mh_fulltime", "homeroom", "counselor", "other", "mh_parttime"};
    for (int p = 0; p < 40; ++p) {
        std::string id = "T" + std::to_string(100 + p);
        people.push_back(person(id, categories[p % 5], p % 5 == 2 ? "undergraduate" : "secondary", p % 13 != 0));
        auto done = finish_lessons(id, (p * 7) % 17, 10 + p % 20);
        events.insert(events.end(), done.begin(), done.end());
        events.push_back(study(id, "L03", "2023-01-10T01:10:00+08:00", "2023-01-10T03:00:00+08:00"));
        events.push_back(quiz(id, "L05", "2023-01-09T01:00:00+08:00"));
    }
    auto render = [](const Run& run) {
        std::string out;
        for (const auto& o : run.outcomes) out += yanxiu::to_json(o, run.program.time_zone()).dump() + "\n";
        return out;
    };
    Run base(program(), people, events);
    std::mt19937 rng(7);
    for (int round = 0; round < 5; ++round) {
        std::shuffle(people.begin(), people.end(), rng);
        std::shuffle(events.begin(), events.end(), rng);
        Run shuffled(program(), people, events);
        CHECK(render(shuffled) == render(base));
    }
}

TEST_CASE("as_of: started_from and completed_from predict evaluation as of any instant") {
    std::vector<json> people;
    std::vector<json> events;
    const char* categories[] = {"mh_fulltime", "homeroom", "counselor", "other", "mh_parttime"};
    for (int p = 0; p < 30; ++p) {
        std::string id = "T" + std::to_string(100 + p);
        people.push_back(person(id, categories[p % 5], p % 5 == 2 ? "undergraduate" : "secondary", p % 11 != 0));
        auto done = finish_lessons(id, (p * 7) % 17, 9 + p % 25);
        events.insert(events.end(), done.begin(), done.end());
        // A quiz at the very first second of a session, and overlapping tabs.
        events.push_back(study(id, "L02", "2023-01-20T02:00:00+08:00", "2023-01-20T02:10:00+08:00"));
        events.push_back(quiz(id, "L02", "2023-01-20T02:00:00+08:00"));
        events.push_back(study(id, "L03", "2023-01-20T01:50:00+08:00", "2023-01-20T03:10:00+08:00"));
    }
    for (json mode : {json("completed"), json("none")}) {
        auto p = program({{"quiz", {{"mode", mode}}},
                          {"lessons", json::array({{{"id", "L01"}, {"minutes", 20}}, {{"id", "L02"}, {"minutes", 20}},
                                                   {{"id", "L03"}, {"minutes", 40}}, {{"id", "L04"}, {"minutes", 30}},
                                                   {{"id", "L05"}, {"minutes", 30}}, {{"id", "L06"}, {"minutes", 30}},
                                                   {{"id", "L07"}, {"minutes", 30}}, {{"id", "L08"}, {"minutes", 30}},
                                                   {{"id", "L09"}, {"minutes", 30}}, {{"id", "L10"}, {"minutes", 30}},
                                                   {{"id", "L11"}, {"minutes", 30}}, {{"id", "L12"}, {"minutes", 30}},
                                                   {{"id", "L13"}, {"minutes", 30}}, {{"id", "L14"}, {"minutes", 30}},
                                                   {{"id", "L15"}, {"minutes", 30}}, {{"id", "L16"}, {"minutes", 30}}})},
                          {"credit", {{"min_study_ratio", 0.5}}}});
        Run full(p, people, events);
        const auto& zone = p.time_zone();
        std::vector<std::string> instants = {"2023-01-20T02:00:00+08:00", "2023-01-20T02:00:01+08:00",
                                             "2023-01-20T02:10:00+08:00"};
        for (int day = 9; day <= 31; ++day) {
            char text[40];
            std::snprintf(text, sizeof text, "2023-01-%02dT00:00:00+08:00", day);
            instants.push_back(text);
        }
        for (const auto& text : instants) {
            Run at(p, people, events, text);
            const auto t = *yanxiu::parse_instant(text, zone);
            for (std::size_t i = 0; i < full.outcomes.size(); ++i) {
                const auto& f = full.outcomes[i];
                const auto& a = at.outcomes[i];
                INFO(f.participant, " as of ", text);
                CHECK((a.status == Status::completed) == (f.completed_from && *f.completed_from <= t));
                CHECK((a.status != Status::not_started && a.status != Status::unverified) ==
                      (f.started_from && *f.started_from <= t));
                int credited = 0;
                for (const auto& l : f.lessons) credited += (l.credited_from && *l.credited_from <= t) ? 1 : 0;
                CHECK(a.lessons_credited == credited);
            }
        }
    }
}

TEST_CASE("append_json_line writes exactly what to_json().dump() writes") {
    std::vector<json> people{person("A\"\\\n\x01", "homeroom", "undergraduate"), person("B", "other"),
                             person("C", "mh_fulltime", "primary", false)};
    people[0]["unit"] = "长沙市\t<b>";
    auto events = finish_lessons("A\"\\\n\x01", 12);
    auto more = finish_lessons("B", 3);
    events.insert(events.end(), more.begin(), more.end());
    events.push_back(study("B", "L01", "2023-01-12T01:10:00+08:00", "2023-01-12T01:50:00+08:00"));
    for (auto p : {program(), program({{"credit", {{"hour_step", 0.25}, {"max_hours", 2.5}}}})}) {
        Run run(p, people, events);
        for (const auto& o : run.outcomes)
            for (bool lessons : {false, true})
                for (auto lang : {std::optional<yanxiu::Lang>{}, std::optional{yanxiu::Lang::zh},
                                  std::optional{yanxiu::Lang::en}}) {
                    yanxiu::OutcomeJson format;
                    format.include_lessons = lessons;
                    format.explanations = lang;
                    std::string line;
                    yanxiu::append_json_line(line, o, p.time_zone(), format);
                    CHECK(line == yanxiu::to_json(o, p.time_zone(), format).dump() + "\n");
                }
    }
    // Hours as nlohmann writes doubles: shortest form, ".0" when integral.
    const auto& zone = program().time_zone();
    for (double h : {0.0, 0.1, 0.9, 1.0, 11.3, 2.5, 123456.7, 1e-7, 1e21}) {
        yanxiu::Outcome o;
        o.hours_credited = h;
        std::string line;
        yanxiu::append_json_line(line, o, zone);
        CHECK(line == yanxiu::to_json(o, zone).dump() + "\n");
    }
}
