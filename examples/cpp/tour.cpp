// A tour of the C++ API (docs/cpp.md shows this file): a programme, records
// with a rejection, batch evaluation into an Evaluation, the reasons in
// Chinese, a unit report, xAPI statements, and the streaming Ledger giving
// the same answer.
#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>  // to index and print the report's JSON

#include <iostream>

int main() {
    // 1. The built-in programme (no files needed); a custom one: Program::load("my.json").
    const yanxiu::Program program = yanxiu::Program::load("hunan-2023-mh-winter");

    // 2. Records: participants first, then events; bad records are rejected, never thrown.
    yanxiu::Dataset data(program);
    data.read_participants(
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"sector\":\"primary\",\"category\":\"homeroom\"}\n"
        "{\"id\":\"T2\",\"unit\":\"株洲市\",\"sector\":\"secondary\",\"category\":\"mh_fulltime\"}\n",
        "participants.jsonl");
    const yanxiu::ReadSummary events = data.read_events(
        "kind,participant,lesson,start,end,at,score\n"
        "study,T1,L01,2023-01-10T19:00:00+08:00,2023-01-10T19:45:00+08:00,,\n"
        "quiz,T1,L01,,,2023-01-10T19:50:00+08:00,80\n"
        "study,T2,L01,2023-01-11T20:00:00+08:00,2023-01-11T20:45:00+08:00,,\n"
        "study,T9,L01,2023-01-11T20:00:00+08:00,2023-01-11T20:45:00+08:00,,\n",  // T9: unknown
        "events.csv");
    if (!events.reconciles() || events.rejected != 1) return 1;  // read = accepted + rejected + duplicates
    for (const yanxiu::Rejection& r : data.rejections())
        std::cout << "rejected: " << r.file << ":" << r.line << " " << r.field << " " << yanxiu::to_string(r.code)
                  << "\n";

    // 3. Batch evaluation (all cores by default): outcomes sorted by participant
    // id, with the rejections and the counts of each input.
    const yanxiu::Evaluation evaluation = yanxiu::evaluate(data);
    const std::vector<yanxiu::Outcome>& outcomes = evaluation.outcomes;
    for (const yanxiu::Outcome& o : outcomes) {
        std::cout << o.participant << " " << yanxiu::message(o.status, yanxiu::Lang::zh) << ", "
                  << o.lessons_credited << "/" << o.lessons_required << " 课, " << o.hours_credited << " 学时\n";
        for (const yanxiu::Reason& reason : o.reasons)
            std::cout << "  · " << yanxiu::explain(reason, yanxiu::Lang::zh, &program) << "\n";
    }

    // 4. The unit report of that evaluation as JSON; to_html(report) gives the page.
    const yanxiu::Report report = yanxiu::report(evaluation);
    std::cout << yanxiu::to_json(report)["totals"]["target"].dump() << "\n";

    // 5. xAPI statements into the same dataset type.
    yanxiu::Dataset from_lrs(program);
    from_lrs.read_participants("{\"id\":\"T1\",\"category\":\"homeroom\",\"sector\":\"primary\"}", "p.jsonl");
    const yanxiu::XapiSummary x = yanxiu::read_xapi(
        from_lrs,
        R"({"actor":{"account":{"homePage":"https://lrs.example","name":"T1"}},)"
        R"("verb":{"id":"http://adlnet.gov/expapi/verbs/terminated"},)"
        R"("object":{"id":"https://course.example/lessons/L01"},)"
        R"("result":{"duration":"PT45M"},"timestamp":"2023-01-10T19:45:00+08:00"})",
        "statements.json");
    if (!x.reconciles() || x.mapped != 1) return 1;  // read = mapped + ignored + rejected + duplicates

    // 6. The streaming Ledger: events one at a time, the same answers as batch.
    // Records built in code are a yanxiu::Record (or a JSON object).
    using yanxiu::Field;
    yanxiu::Ledger ledger(program);
    ledger.add_participant(yanxiu::Record()
                               .set(Field::id, "T1")
                               .set(Field::unit, "长沙市")
                               .set(Field::sector, "primary")
                               .set(Field::category, "homeroom"));
    yanxiu::Record quiz = yanxiu::Record()
                              .set(Field::kind, "quiz")
                              .set(Field::participant, "T1")
                              .set(Field::lesson, "L01")
                              .set(Field::at, "2023-01-10T19:50:00+08:00");
    quiz.slot(Field::score).set_number(80);
    ledger.add(quiz);
    const yanxiu::Update update = ledger.add(yanxiu::Record()
                                                 .set(Field::kind, "study")
                                                 .set(Field::participant, "T1")
                                                 .set(Field::lesson, "L01")
                                                 .set(Field::start, "2023-01-10T19:00:00+08:00")
                                                 .set(Field::end, "2023-01-10T19:45:00+08:00"));
    std::cout << "ledger: T1 " << update.lessons_credited << " lesson(s), " << update.hours_credited << " 学时\n";
    if (update.lessons_credited != outcomes[0].lessons_credited) return 1;
    return 0;
}
