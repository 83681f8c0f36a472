// Evaluates one teacher under the built-in Hunan programme and explains the result.
#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>  // to print what to_json returns

#include <iostream>

int main() {
    auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::Dataset data(program);
    data.read_participants(R"({"id":"T1","unit":"长沙市","sector":"primary","category":"homeroom"})", "inline.jsonl");
    data.read_events(
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:32:00+08:00"})"
        "\n"
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:35:00+08:00","score":80})"
        "\n"
        R"({"kind":"study","participant":"T1","lesson":"L02","start":"2023-01-11T19:00:00+08:00","duration":"PT30M"})",
        "inline.jsonl");

    yanxiu::EvaluateOptions options;
    options.as_of = yanxiu::parse_instant("2023-01-12T00:00:00+08:00", program.time_zone());
    for (const yanxiu::Outcome& outcome : yanxiu::evaluate_all(data, options)) {
        std::cout << outcome.participant << ": " << outcome.lessons_credited << " of " << outcome.lessons_required
                  << " lessons, " << outcome.hours_credited << " 学时\n";
        std::cout << yanxiu::to_json(outcome, program.time_zone()).dump(2) << '\n';
    }
}
