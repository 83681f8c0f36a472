// Batch evaluation on several threads gives the outcomes of one thread (and
// is the test the TSan build of scripts/test runs).

#include <doctest/doctest.h>
#include <yanxiu/yanxiu.hpp>
#include <simulate.hpp>

#include <string>

TEST_CASE("threads: a simulated cohort evaluates the same on 1 and 4 threads") {
    yanxiu::SimulationOptions options;
    options.participants = 3000;  // evaluate_all stays on one thread below 2048 participants
    options.seed = 7;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    yanxiu::Dataset data(program);
    data.read_participants(cohort.participants_jsonl, "participants.jsonl");
    data.read_events(cohort.events_jsonl, "events.jsonl");
    REQUIRE(data.participants().size() >= 2048);

    yanxiu::EvaluateOptions one, four;
    one.threads = 1;
    four.threads = 4;
    const auto a = yanxiu::evaluate_all(data, one);
    const auto b = yanxiu::evaluate_all(data, four);
    REQUIRE(a.size() == b.size());
    std::string lines_a, lines_b;
    yanxiu::OutcomeJson with_lessons;
    with_lessons.include_lessons = true;
    for (const auto& o : a) yanxiu::append_json_line(lines_a, o, program.time_zone(), with_lessons);
    for (const auto& o : b) yanxiu::append_json_line(lines_b, o, program.time_zone(), with_lessons);
    CHECK(lines_a == lines_b);
}

TEST_CASE("cancel: a set flag stops a read and an evaluation with Cancelled") {
    auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    std::atomic<bool> cancel{true};
    yanxiu::Dataset data(program);
    data.cancel = &cancel;
    CHECK_THROWS_AS(data.read_participants_file(std::string(YANXIU_SOURCE_DIR) + "/examples/data/participants.jsonl"),
                    yanxiu::Cancelled);
    cancel = false;
    data.read_participants_file(std::string(YANXIU_SOURCE_DIR) + "/examples/data/participants.jsonl");
    yanxiu::EvaluateOptions options;
    options.cancel = &cancel;
    CHECK(yanxiu::evaluate_all(data, options).size() == data.participants().size());
    cancel = true;
    CHECK_THROWS_AS((void)yanxiu::evaluate_all(data, options), yanxiu::Cancelled);
}
