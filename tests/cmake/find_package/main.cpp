// One teacher's records, evaluated under the built-in Hunan programme by a
// program that knows yanxiu only as an installed package (find_package or
// pkg-config).  Prints the outcome and exits non-zero if it is not the
// expected one.
#include <yanxiu/yanxiu.hpp>

#ifdef YANXIU_CONSUMER_PDF
#include <yanxiu/render/certificate_pdf.hpp>
#endif
#ifdef YANXIU_CONSUMER_XLSX
#include <yanxiu/render/report_xlsx.hpp>
#endif

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        std::cerr << "FAILED: " << what << '\n';
        ++failures;
    }
}

// L01 studied for 32 minutes and its quiz passed; L02 studied, quiz not yet taken.
constexpr const char* kParticipants =
    R"({"id":"T9","unit":"长沙市","sector":"secondary","category":"mh_fulltime","verified":true})"
    "\n";
constexpr const char* kEvents =
    R"({"kind":"study","participant":"T9","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:32:00+08:00"})"
    "\n"
    R"({"kind":"quiz","participant":"T9","lesson":"L01","at":"2023-01-10T19:35:00+08:00","score":90})"
    "\n"
    R"({"kind":"study","participant":"T9","lesson":"L02","start":"2023-01-11T19:00:00+08:00","duration":"PT25M"})"
    "\n";

}  // namespace

int main() {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::Dataset data(program);
    data.read_participants(kParticipants, "participants.jsonl");
    data.read_events(kEvents, "events.jsonl");
    expect(data.rejections().empty(), "every record accepted");

    yanxiu::EvaluateOptions options;
    options.as_of = yanxiu::parse_as_of("2023-01-11", program.time_zone());
    const std::vector<yanxiu::Outcome> outcomes = yanxiu::evaluate_all(data, options);
    expect(outcomes.size() == 1, "one outcome");
    if (outcomes.size() != 1) return EXIT_FAILURE;

    const yanxiu::Outcome& outcome = outcomes.front();
    std::cout << "yanxiu " << yanxiu::kVersion << ": " << yanxiu::to_json(outcome, program.time_zone()).dump() << '\n';
    expect(outcome.participant == "T9", "participant T9");
    expect(outcome.status == yanxiu::Status::in_progress, "status in_progress");
    expect(outcome.lessons_credited == 1, "1 lesson credited");
    expect(outcome.lessons_required == 15, "15 lessons required of a mental-health teacher");
    expect(outcome.seconds_studied == std::chrono::seconds{(32 + 25) * 60}, "57 minutes studied");
    expect(outcome.seconds_credited == std::chrono::seconds{32 * 60}, "32 minutes credited");
    expect(!outcome.certificate, "no certificate yet");
    bool l02_waits_for_quiz = false;
    for (const yanxiu::Reason& reason : outcome.reasons)
        l02_waits_for_quiz |= reason.code == yanxiu::ReasonCode::quiz_missing && reason.lesson == "L02";
    expect(l02_waits_for_quiz, "L02 waits for its quiz");
#ifdef YANXIU_CONSUMER_PDF
    // yanxiu::pdf, found with the package: a certificate page as a PDF.
    yanxiu::Certificate certificate;
    certificate.id = "YX0000000000000000";
    certificate.code = "0000-0000-0000";
    certificate.participant = "T9";
    certificate.name = "张三";
    certificate.unit = "长沙市";
    certificate.category = "mh_fulltime";
    certificate.hours = "11.0";
    certificate.completed_at = certificate.issued_at = "2023-01-20T20:00:00+08:00";
    const std::string pdf = yanxiu::certificate_pdf(certificate, program);
    expect(pdf.compare(0, 7, "%PDF-1.") == 0, "yanxiu::pdf renders a PDF");
#endif
#ifdef YANXIU_CONSUMER_XLSX
    // yanxiu::xlsx, found with the package: the report as a workbook (a zip file).
    const std::string workbook = yanxiu::to_xlsx(yanxiu::report(program, outcomes, nullptr, options.as_of));
    expect(workbook.compare(0, 2, "PK") == 0, "yanxiu::xlsx writes a workbook");
#endif
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
