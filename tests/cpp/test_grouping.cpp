// A store grouped by participant (Dataset::group_events): each participant's
// events side by side, in the order they were kept, and nothing evaluated or
// checked changes.

#include <doctest/doctest.h>
#include <yanxiu/yanxiu.hpp>
#include <simulate.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

/// Every outcome as JSON Lines, with per-lesson detail.
std::string outcome_lines(const yanxiu::Dataset& data, unsigned threads, std::optional<yanxiu::Instant> as_of = {}) {
    yanxiu::EvaluateOptions options;
    options.threads = threads;
    options.as_of = as_of;
    yanxiu::OutcomeJson with_lessons;
    with_lessons.include_lessons = true;
    std::string out;
    for (const auto& o : yanxiu::evaluate_all(data, options))
        yanxiu::append_json_line(out, o, data.program().time_zone(), with_lessons);
    return out;
}

/// Each participant's events (every field, and the record id), in the order the columns hold them.
std::map<std::uint32_t, std::vector<std::string>> events_by_participant(const yanxiu::Dataset& data) {
    std::map<std::uint32_t, std::vector<std::string>> out;
    const auto ids = data.event_record_ids();
    const auto& e = data.events();
    for (std::size_t i = 0; i < e.size(); ++i) {
        const yanxiu::Event ev = e.row(i);
        out[ev.participant].push_back(std::to_string(static_cast<int>(ev.kind)) + ' ' + std::to_string(ev.lesson) +
                                      ' ' + std::to_string(ev.start.time_since_epoch().count()) + ' ' +
                                      std::to_string(ev.end.time_since_epoch().count()) + ' ' +
                                      std::to_string(ev.score) + ' ' + std::to_string(ev.completed) + " id=" + ids[i]);
    }
    return out;
}

const char* kStudy = R"({"kind":"study","participant":"%s","lesson":"%s","start":"%s","end":"%s"%s})";

std::string study(const std::string& who, const std::string& lesson, const std::string& start, const std::string& end,
                  const std::string& id = "") {
    char line[512];
    const std::string with_id = id.empty() ? "" : ",\"id\":\"" + id + "\"";
    std::snprintf(line, sizeof line, kStudy, who.c_str(), lesson.c_str(), start.c_str(), end.c_str(), with_id.c_str());
    return line;
}

}  // namespace

TEST_CASE("group_events: a grouped store evaluates exactly as the store read, on any number of threads") {
    yanxiu::SimulationOptions options;
    options.participants = 3000;  // evaluate_all goes on threads from 2048 participants
    options.seed = 5;
    options.malformed_share = 0.01;  // duplicates, conflicting ids and rejections among the records
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    yanxiu::Dataset data(program);
    data.read_participants(cohort.participants_jsonl, "participants.jsonl");
    data.read_events(cohort.events_jsonl, "events.jsonl");
    REQUIRE(data.event_groups() == nullptr);

    const std::string before = outcome_lines(data, 1);
    const auto as_of = yanxiu::parse_instant("2023-01-20T12:00:00+08:00", program.time_zone());
    REQUIRE(as_of);
    const std::string before_as_of = outcome_lines(data, 1, *as_of);
    const auto rows_before = events_by_participant(data);
    const std::size_t events = data.events().size();

    data.read_threads = 2;
    data.group_events();
    const auto* groups = data.event_groups();
    REQUIRE(groups != nullptr);
    CHECK(data.events().size() == events);

    // Each participant's events sit side by side, participants in id order,
    // each one's in the order kept, every record id with its event.
    REQUIRE(groups->by_id.size() == data.participants().size());
    REQUIRE(groups->offsets.size() == data.participants().size() + 1);
    CHECK(groups->offsets.back() == events);
    for (std::size_t k = 0; k < groups->by_id.size(); ++k) {
        if (k > 0) CHECK(data.participants()[groups->by_id[k - 1]].id < data.participants()[groups->by_id[k]].id);
        for (std::uint32_t i = groups->offsets[k]; i < groups->offsets[k + 1]; ++i)
            CHECK(data.events().participant[i] == groups->by_id[k]);
    }
    CHECK(events_by_participant(data) == rows_before);

    CHECK(outcome_lines(data, 1) == before);
    CHECK(outcome_lines(data, 4) == before);
    CHECK(outcome_lines(data, 1, *as_of) == before_as_of);

    // Grouping again changes nothing.
    data.group_events();
    CHECK(events_by_participant(data) == rows_before);
    CHECK(outcome_lines(data, 2) == before);
}

TEST_CASE("group_events: participants read out of id order are grouped in id order") {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::Dataset data(program);
    data.read_participants(
        "{\"id\":\"T3\",\"unit\":\"长沙市\",\"sector\":\"secondary\",\"category\":\"homeroom\",\"verified\":true}\n"
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"sector\":\"secondary\",\"category\":\"homeroom\",\"verified\":true}\n"
        "{\"id\":\"T2\",\"unit\":\"长沙市\",\"sector\":\"secondary\",\"category\":\"homeroom\",\"verified\":true}\n",
        "participants.jsonl");
    data.read_events(study("T2", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00") + "\n" +
                         study("T3", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:40:00+08:00") + "\n" +
                         study("T2", "L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00") + "\n" +
                         study("T1", "L03", "2023-01-12T19:00:00+08:00", "2023-01-12T19:30:00+08:00") + "\n",
                     "events.jsonl");
    const std::string before = outcome_lines(data, 1);
    data.group_events();
    const auto& g = *data.event_groups();
    CHECK(g.by_id == std::vector<std::uint32_t>{1, 2, 0});
    CHECK(g.offsets == std::vector<std::uint32_t>{0, 1, 3, 4});
    CHECK(data.events().participant[0] == 1);  // T1
    CHECK(data.events().start[1] < data.events().start[2]);  // T2's two, in the order read
    CHECK(outcome_lines(data, 1) == before);
}

TEST_CASE("group_events: duplicates and conflicting ids are still found after grouping, and a new record ends it") {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const std::string participants =
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"sector\":\"secondary\",\"category\":\"homeroom\",\"verified\":true}\n"
        "{\"id\":\"T2\",\"unit\":\"株洲市\",\"sector\":\"secondary\",\"category\":\"homeroom\",\"verified\":true}\n";
    const std::string first =
        study("T2", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", "r1") + "\n" +
        study("T1", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00") + "\n" +
        study("T2", "L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:45:00+08:00", "r2") + "\n" +
        study("T1", "L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:50:00+08:00") + "\n" +
        "{\"kind\":\"credit\",\"participant\":\"T2\",\"lesson\":\"L03\",\"at\":\"2023-01-20T10:00:00+08:00\","
        "\"seconds\":1800,\"by\":\"教务处\",\"reason\":\"线下\"}\n";
    // Read after the grouping: an exact copy with an id, an exact copy without
    // one, a record sharing r2's id that comes first in canonical order (it
    // replaces the one kept), one sharing r1's id that comes later (rejected),
    // and a new event.
    const std::string second =
        study("T2", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", "r1") + "\n" +
        study("T1", "L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:50:00+08:00") + "\n" +
        study("T2", "L02", "2023-01-11T18:00:00+08:00", "2023-01-11T18:45:00+08:00", "r2") + "\n" +
        study("T2", "L01", "2023-01-10T20:00:00+08:00", "2023-01-10T20:30:00+08:00", "r1") + "\n" +
        study("T1", "L04", "2023-01-13T19:00:00+08:00", "2023-01-13T19:30:00+08:00") + "\n";

    yanxiu::Dataset grouped(program), plain(program);
    for (yanxiu::Dataset* d : {&grouped, &plain}) {
        d->read_participants(participants, "participants.jsonl");
        d->read_events(first, "first.jsonl");
    }
    grouped.group_events();
    REQUIRE(grouped.event_groups() != nullptr);
    CHECK(grouped.events().participant[0] == 0);  // T1's events moved in front of T2's

    std::vector<std::string> lines;
    for (std::size_t start = 0, end; (end = second.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(second.substr(start, end - start));
    const yanxiu::AddStatus expected[] = {yanxiu::AddStatus::duplicate, yanxiu::AddStatus::duplicate,
                                          yanxiu::AddStatus::accepted, yanxiu::AddStatus::rejected,
                                          yanxiu::AddStatus::accepted};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO("line " << i + 1);
        const auto record = nlohmann::json::parse(lines[i]);
        const auto a = grouped.add_event(record, "second.jsonl", i + 1);
        const auto b = plain.add_event(record, "second.jsonl", i + 1);
        CHECK(a == expected[i]);
        CHECK(b == expected[i]);
        if (i == 2) {
            // The replaced event is named where it now is: r2's place in the grouped columns.
            REQUIRE(grouped.last_replacement());
            const auto& r = *grouped.last_replacement();
            CHECK(r.before.participant == 1);
            CHECK(r.before.start == *yanxiu::parse_instant("2023-01-11T19:00:00+08:00", program.time_zone()));
            CHECK(grouped.events().start[r.index] == yanxiu::parse_instant("2023-01-11T18:00:00+08:00", program.time_zone())->time_since_epoch().count());
            CHECK(grouped.event_record_ids()[r.index] == "r2");
        }
    }
    CHECK(grouped.event_groups() == nullptr);  // a record was kept since: no longer grouped
    CHECK(grouped.event_summary().duplicates == plain.event_summary().duplicates);
    CHECK(grouped.rejections().size() == plain.rejections().size());
    CHECK(outcome_lines(grouped, 1) == outcome_lines(plain, 1));
    CHECK(events_by_participant(grouped) == events_by_participant(plain));
    grouped.group_events();
    CHECK(outcome_lines(grouped, 1) == outcome_lines(plain, 1));
}
