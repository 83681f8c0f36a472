// One teacher's records, evaluated under the built-in Hunan programme by a
// program that builds yanxiu from source with add_subdirectory.  Prints the
// outcome and exits non-zero if it is not the expected one.
#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        std::cerr << "FAILED: " << what << '\n';
        ++failures;
    }
}

}  // namespace

int main() {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::Dataset data(program);
    data.read_participants(R"({"id":"T1","unit":"岳阳市","sector":"primary","category":"homeroom","verified":true})",
                           "participants.jsonl");
    // Two lessons studied, only the first one's quiz taken.
    data.read_events(
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:40:00+08:00"})"
        "\n"
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:45:00+08:00","score":100})"
        "\n"
        R"({"kind":"study","participant":"T1","lesson":"L03","start":"2023-01-11T20:00:00+08:00","duration":"PT20M"})",
        "events.jsonl");
    expect(data.rejections().empty(), "every record accepted");

    yanxiu::EvaluateOptions options;
    options.as_of = yanxiu::parse_instant("2023-01-12T00:00:00+08:00", program.time_zone());
    const std::vector<yanxiu::Outcome> outcomes = yanxiu::evaluate_all(data, options);
    expect(outcomes.size() == 1, "one outcome");
    if (outcomes.size() != 1) return EXIT_FAILURE;

    const yanxiu::Outcome& outcome = outcomes.front();
    std::cout << yanxiu::to_json(outcome, program.time_zone()).dump() << '\n';
    expect(yanxiu::to_string(outcome.status) == std::string_view("in_progress"), "status in_progress");
    expect(outcome.lessons_credited == 1, "1 lesson credited");
    expect(outcome.lessons_required == 10, "10 lessons required of a homeroom teacher");
    expect(outcome.seconds_studied == std::chrono::seconds{60 * 60}, "an hour studied");
    expect(outcome.seconds_credited <= std::chrono::seconds{40 * 60}, "at most L01's 40 minutes credited");
    expect(outcome.seconds_credited > std::chrono::seconds{0}, "L01 credited");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
