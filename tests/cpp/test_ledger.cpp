// The streaming Ledger gives what batch evaluation gives, in any arrival order.

#include "helpers.hpp"

#include <yanxiu/ledger.hpp>
#include <simulate.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

using namespace test;

namespace {

std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto j = json::parse(line, nullptr, false);
        if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

TEST_CASE("Ledger: events in random order give the batch outcomes, field by field") {
    auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::SimulationOptions options;
    options.participants = 1500;
    options.seed = 11;
    auto cohort = yanxiu::simulate(program, options);

    yanxiu::Dataset batch(program);
    batch.read_participants(cohort.participants_jsonl, "p.jsonl");
    batch.read_events(cohort.events_jsonl, "e.jsonl");
    auto expected = yanxiu::evaluate_all(batch);

    auto people = json_lines(cohort.participants_jsonl);
    auto events = json_lines(cohort.events_jsonl);
    std::mt19937 rng(3);
    std::shuffle(events.begin(), events.end(), rng);
    yanxiu::Ledger ledger(program);
    for (const auto& p : people) ledger.add_participant(p);
    std::size_t completions = 0;
    for (const auto& e : events) completions += ledger.add(e).completed_now ? 1 : 0;
    auto got = ledger.outcomes();
    REQUIRE(got.size() == expected.size());
    std::size_t completed = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(expected[i].participant);
        CHECK(got[i] == expected[i]);
        completed += expected[i].status == yanxiu::Status::completed ? 1 : 0;
        auto one = ledger.outcome(expected[i].participant);
        REQUIRE(one);
        CHECK(*one == expected[i]);
    }
    CHECK(completions == completed);
    CHECK(ledger.event_count() == batch.events().size());

    // A restart from a snapshot resumes with the same answers.
    auto restored = yanxiu::Ledger::restore(json::parse(ledger.snapshot().dump()));
    CHECK(restored.outcomes() == expected);

    // Sharded across threads, the same again.
    yanxiu::ShardedLedger sharded(program, 8);
    for (const auto& p : people) sharded.add_participant(p);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (std::size_t i = static_cast<std::size_t>(t); i < events.size(); i += 4) sharded.add(events[i]);
        });
    for (auto& th : threads) th.join();
    CHECK(sharded.outcomes() == expected);
}

TEST_CASE("Ledger: an update says what changed, and rejections are returned") {
    yanxiu::Ledger ledger(program());
    const auto added = ledger.add_participant(person("T1", "homeroom"));
    CHECK(added.accepted());
    CHECK(added.id == "T1");
    CHECK_FALSE(added.rejection);
    CHECK(ledger.add_participant(person("T1", "homeroom")).duplicate());
    auto bad = ledger.add_participant(json{{"unit", "x"}});
    CHECK(bad.result == yanxiu::AddStatus::rejected);
    REQUIRE(bad.rejection);
    CHECK(bad.rejection->code == yanxiu::RejectCode::missing_field);
    auto events = finish_lessons("T1", 10);
    yanxiu::Update last;
    for (const auto& e : events) last = ledger.add(e);
    CHECK(last.accepted());
    CHECK(last.completed_now);
    CHECK(last.status == yanxiu::Status::completed);
    CHECK(last.lessons_credited == 10);
    auto again = ledger.add(events.back());
    CHECK(again.duplicate());
    CHECK_FALSE(again.completed_now);
    auto unknown = ledger.add(study("T9", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"));
    CHECK(unknown.accepted());
    CHECK(unknown.parked);
    CHECK_FALSE(ledger.outcome("T9"));
    // Records that differ only by id are two records, and stay two after a restart.
    auto tab = study("T1", "L20", "2023-01-20T19:00:00+08:00", "2023-01-20T19:30:00+08:00");
    tab["id"] = "a";
    CHECK(ledger.add(tab).accepted());
    tab["id"] = "b";
    CHECK(ledger.add(tab).accepted());
    auto restored = yanxiu::Ledger::restore(ledger.snapshot());
    CHECK(restored.event_count() == ledger.event_count());
    CHECK(restored.outcome("T1") == ledger.outcome("T1"));
    auto as_of = ledger.outcome("T1", *yanxiu::parse_instant("2023-01-12T05:00:00+08:00", ledger.program().time_zone()));
    CHECK(as_of->lessons_credited == 4);
}

TEST_CASE("Ledger: a record that replaces another under its id takes its row to its own participant") {
    // Both studied ten lessons and took nine quizzes.  T2's quiz of the
    // tenth comes first under id "q"; then T1's, the smaller canonical form
    // (participant T1 < T2), which replaces it: the row leaves T2 (nine
    // lessons again), T1 completes, and both equal batch evaluation.
    auto t1 = finish_lessons("T1", 10), t2 = finish_lessons("T2", 10, 13);
    t1.pop_back();
    t2.pop_back();
    const json mine = {{"id", "q"}, {"kind", "quiz"}, {"participant", "T1"}, {"lesson", "L10"},
                       {"at", "2023-01-20T10:00:00+08:00"}, {"score", 80}};
    json theirs = mine;
    theirs["participant"] = "T2";
    const std::vector<json> people = {person("T1", "homeroom"), person("T2", "homeroom")};
    for (const bool replacing : {true, false}) {
        INFO("the smaller record comes " << (replacing ? "second" : "first"));
        std::vector<json> events = t1;
        events.insert(events.end(), t2.begin(), t2.end());
        events.push_back(replacing ? theirs : mine);
        yanxiu::Ledger ledger(program());
        for (const auto& p : people) ledger.add_participant(p);
        for (const auto& e : events) ledger.add(e);
        const auto last = ledger.add(replacing ? mine : theirs);
        events.push_back(replacing ? mine : theirs);
        Run batch(program(), people, events);
        CHECK(ledger.outcomes() == batch.outcomes);
        for (const auto& o : batch.outcomes) {
            INFO(o.participant);
            CHECK(ledger.outcome(o.participant) == o);
        }
        CHECK(ledger.outcome("T1")->status == yanxiu::Status::completed);
        CHECK(ledger.outcome("T2")->lessons_credited == 9);
        if (replacing) {
            CHECK(last.accepted());
            CHECK(last.completed_now);
            CHECK(last.lessons_credited == 10);
        } else {
            CHECK(last.result == yanxiu::AddStatus::rejected);
        }
        CHECK(ledger.event_count() == batch.data.events().size());
    }
}

TEST_CASE("Ledger: a numeric participant id comes back as text, accepted or not") {
    yanxiu::Ledger ledger(program());
    json numeric = person("1", "homeroom");
    numeric["id"] = 1;
    CHECK(ledger.add_participant(numeric).id == "1");
    json event = study("1", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00");
    event["participant"] = 1;
    const auto update = ledger.add(event);
    CHECK(update.accepted());
    CHECK(update.participant == "1");
    event["participant"] = 2;
    ledger.set_park_limit(0);
    const auto unknown = ledger.add(event);
    CHECK(unknown.result == yanxiu::AddStatus::rejected);
    CHECK(unknown.participant == "2");
}

TEST_CASE("ShardedLedger: JSON Lines bodies, counts, and a snapshot that restores") {
    const auto p = program();
    yanxiu::ShardedLedger ledger(p, 4);
    const auto people = ledger.add_participants(lines({person("T1", "homeroom"), person("T2", "counselor", "undergraduate"),
                                                      person("T1", "homeroom")}) +
                                                "not json\n");
    CHECK(people.summary.read == 4);
    CHECK(people.summary.accepted == 2);
    CHECK(people.summary.duplicates == 1);
    CHECK(people.summary.rejected == 1);
    REQUIRE(people.rejections.size() == 1);
    CHECK(people.rejections[0].line == 4);
    CHECK(people.rejections[0].code == yanxiu::RejectCode::malformed);

    auto events = finish_lessons("T1", 10);
    events.push_back(study("T9", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"));
    ledger.set_park_limit(0);
    const auto added = ledger.add_events(lines(events), "body");
    CHECK(added.summary.reconciles());
    CHECK(added.summary.accepted == events.size() - 1);
    CHECK(added.completed == 1);
    CHECK(added.parked == 0);
    REQUIRE(added.rejections.size() == 1);
    CHECK(added.rejections[0].file == "body");
    CHECK(added.rejections[0].line == events.size());
    CHECK(added.rejections[0].code == yanxiu::RejectCode::unknown_participant);
    CHECK(ledger.counts().participants == 2);
    CHECK(ledger.counts().events == events.size() - 1);

    const auto path = (std::filesystem::temp_directory_path() / "yanxiu-test-sharded.json").string();
    ledger.save(path);
    yanxiu::ShardedLedger again(p, 3);  // another shard count: the records, not the layout, are kept
    const auto restored = again.restore(path);
    CHECK(restored.participants == 2);
    CHECK(restored.events == events.size() - 1);
    CHECK(restored.not_kept == 0);
    CHECK(again.outcomes() == ledger.outcomes());
    yanxiu::ShardedLedger other(program({{"categories", {{"homeroom", {{"min_lessons", 5}}}}}}), 2);
    CHECK_THROWS_AS(other.restore(path), yanxiu::ProgramError);
    std::remove(path.c_str());
    CHECK_THROWS_AS(again.restore(path), yanxiu::io_error);
}

TEST_CASE("Ledger parks an event until its participant arrives: arrival order does not matter") {
    const auto p = program();
    auto events = finish_lessons("T1", 10);
    // Batch: participant first.
    yanxiu::Ledger batch(p);
    batch.add_participant(person("T1", "homeroom"));
    for (const auto& e : events) batch.add(e);

    yanxiu::Ledger ledger(p);
    std::size_t parked = 0;
    for (const auto& e : events) {
        const auto u = ledger.add(e);
        CHECK(u.accepted());
        parked += u.parked;
    }
    CHECK(parked == events.size());
    CHECK(ledger.parked_count() == events.size());
    CHECK(ledger.add(events[0]).duplicate());  // the same record waiting twice is one record
    // A parked event is checked like any other: a bad one is rejected at once, not parked.
    auto bad = events[0];
    bad["end"] = "yesterday";
    const auto rejected = ledger.add(bad);
    REQUIRE(rejected.rejection);
    CHECK(rejected.rejection->code == yanxiu::RejectCode::bad_timestamp);
    // A snapshot keeps what waits.
    auto restored = yanxiu::Ledger::restore(json::parse(ledger.snapshot().dump()));
    CHECK(restored.parked_count() == events.size());

    CHECK(ledger.add_participant(person("T1", "homeroom")).accepted());
    CHECK(ledger.parked_count() == 0);
    CHECK(ledger.event_count() == events.size());
    CHECK(ledger.outcomes() == batch.outcomes());
    CHECK(restored.add_participant(person("T1", "homeroom")).accepted());
    CHECK(restored.outcomes() == batch.outcomes());
}

TEST_CASE("ShardedLedger: the parking space is shared and bounded; a full one rejects unknown_participant") {
    yanxiu::ShardedLedger ledger(program(), 4);
    ledger.set_park_limit(3);
    std::vector<json> events;
    for (int i = 0; i < 5; ++i)
        events.push_back(study("T" + std::to_string(i), "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"));
    const auto added = ledger.add_events(lines(events), "body");
    CHECK(added.summary.reconciles());
    CHECK(added.parked == 3);
    CHECK(added.summary.accepted == 3);
    REQUIRE(added.rejections.size() == 2);
    CHECK(added.rejections[0].code == yanxiu::RejectCode::unknown_participant);
    CHECK(added.rejections[0].message.find("wait for their participant") != std::string::npos);
    CHECK(ledger.parked_count() == 3);
    ledger.add_participants(lines({person("T0", "homeroom"), person("T1", "homeroom")}));
    CHECK(ledger.parked_count() == 1);
    CHECK(ledger.counts().events == 2);
}

TEST_CASE("Ledger: a journal sees every kept record, in a form that replays to the same ledger") {
    struct Lines : yanxiu::Journal {
        std::vector<std::pair<char, std::string>> lines;
        void append(char kind, const std::string& json) override { lines.emplace_back(kind, json); }
    } journal;
    const auto p = program();
    yanxiu::Ledger ledger(p);
    ledger.set_journal(&journal);
    auto events = finish_lessons("T1", 10);
    ledger.add(events[0]);                           // parked: journaled once
    ledger.add_participant(person("T1", "homeroom"));  // the parked event applies: not journaled again
    for (const auto& e : events) ledger.add(e);        // events[0] is a duplicate now: not journaled
    ledger.add(json{{"kind", "study"}});               // rejected: not journaled
    CHECK(journal.lines.size() == 1 + events.size());
    yanxiu::Ledger replay(p);
    for (const auto& [kind, text] : journal.lines) {
        if (kind == 'P') CHECK(replay.add_participant(json::parse(text)).accepted());
        else CHECK(replay.add(json::parse(text)).accepted());
    }
    CHECK(replay.outcomes() == ledger.outcomes());
}

TEST_CASE("ShardedLedger: a body of bad lines lists the first rejections and counts them all by code") {
    yanxiu::ShardedLedger ledger(program(), 2);
    std::string body;
    for (int i = 0; i < 1500; ++i) body += "not json\n";
    body += lines({json{{"kind", "study"}}});  // no participant
    const auto added = ledger.add_events(body, "body");
    CHECK(added.summary.reconciles());
    CHECK(added.summary.rejected == 1501);
    CHECK(added.rejections.size() == yanxiu::kBatchRejectionsKept);
    CHECK(added.rejected_by_code[static_cast<std::size_t>(yanxiu::RejectCode::malformed)] == 1500);
    CHECK(added.rejected_by_code[static_cast<std::size_t>(yanxiu::RejectCode::missing_field)] == 1);
}
