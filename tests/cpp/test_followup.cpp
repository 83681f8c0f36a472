// The follow-up list (未完成名单): who of the target participants has not
// finished, with what each lacks; its CSV and its workbook.

#include "helpers.hpp"

#include <yanxiu/followup.hpp>
#include <yanxiu/render/report_csv.hpp>
#ifdef YANXIU_HAVE_XLSX
#include <yanxiu/render/report_xlsx.hpp>
#endif

#include <doctest/doctest.h>

#include <sstream>

using namespace yanxiu;
using test::json;

namespace {

/// Four people: A finished 15 lessons; B studied two lessons and took one
/// quiz; C is not verified; D is "other" (no certificate, nothing to chase);
/// E, of another unit, has not started.
struct Cohort {
    Program program = test::program();
    Dataset data{program};
    Evaluation evaluation;

    Cohort() {
        std::vector<json> people = {test::person("A", "mh_fulltime"), test::person("B", "mh_fulltime"),
                                    test::person("C", "homeroom", "primary", false),
                                    test::person("D", "other"), test::person("E", "homeroom", "primary", true, "岳阳市")};
        people[1]["name"] = "=张三";
        people[2]["name"] = "李四";
        std::vector<json> events = test::finish_lessons("A", 15);
        events.push_back(test::study("B", "L01", "2023-01-12T10:00:00+08:00", "2023-01-12T10:30:00+08:00"));
        events.push_back(test::quiz("B", "L01", "2023-01-12T10:40:00+08:00", 80));
        events.push_back(test::study("B", "L02", "2023-01-12T11:00:00+08:00", "2023-01-12T11:30:00+08:00"));
        events.push_back(test::study("B", "L03", "2023-01-12T12:00:00+08:00", "2023-01-12T12:30:00+08:00"));
        for (const json& e : test::finish_lessons("C", 10)) events.push_back(e);
        data.read_participants(test::lines(people), "participants.jsonl");
        data.read_events(test::lines(events), "events.jsonl");
        evaluation = evaluate(data);
    }
};

}  // namespace

TEST_CASE("follow-up: target participants without a certificate, by unit then id, named") {
    const Cohort c;
    const auto rows = follow_up(c.evaluation, c.data, Lang::zh);
    REQUIRE(rows.size() == 3);  // A finished; D is not a target
    // Byte order of the unit names: 岳阳市 (E5 B2 B3) before 长沙市 (E9 95 BF).
    CHECK(rows[0].participant == "E");
    CHECK(rows[0].unit == "岳阳市");
    CHECK(rows[0].status == Status::not_started);
    CHECK(rows[1].participant == "B");
    CHECK(rows[1].name == "=张三");
    CHECK(rows[1].lessons_credited == 1);
    CHECK(rows[1].lessons_required == 15);
    CHECK(rows[1].hours_credited > 0);
    CHECK_FALSE(rows[1].hours_required);
    CHECK(rows[2].participant == "C");
    CHECK(rows[2].name == "李四");
    CHECK(rows[2].status == Status::unverified);
}

TEST_CASE("follow-up: what is missing, in words") {
    const Cohort c;
    const auto zh = follow_up(c.evaluation, c.data, Lang::zh);
    const auto en = follow_up(c.evaluation, c.data, Lang::en);
    // B: 14 lessons to go, and the quizzes of L02 and L03 not taken.
    CHECK(zh[1].missing == "已完成 1 节，还需 14 节（共需 15 节）；第 L02、L03 课已学习，未完成测验");
    CHECK(en[1].missing == "1 lessons completed, 14 more needed (15 in all); lessons L02, L03: studied, quiz not taken");
    // C studied everything, but is not verified: that is what is missing.
    CHECK(zh[2].missing.find(std::string(message(ReasonCode::not_verified, Lang::zh))) != std::string::npos);
    CHECK(zh[0].missing == "已完成 0 节，还需 10 节（共需 10 节）");
    // A certificate: nothing missing.
    for (const Outcome& o : c.evaluation.outcomes)
        if (o.participant == "A") CHECK(missing_text(o, c.program, Lang::zh).empty());
}

TEST_CASE("follow-up: hours required come from an hours requirement") {
    json changes = {{"categories",
                     {{"hours8", {{"label", {{"zh", "八学时"}, {"en", "Eight hours"}}}, {"requires", {{"hours", 8}}},
                                  {"certificate", true}}}}}};
    const Program program = test::program(changes);
    Dataset data(program);
    data.read_participants(test::lines({test::person("B", "hours8")}), "p.jsonl");
    data.read_events(test::lines(test::finish_lessons("B", 2)), "e.jsonl");
    const auto rows = follow_up(evaluate(data), data, Lang::zh);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].hours_required);
    CHECK(*rows[0].hours_required == doctest::Approx(8));
    CHECK(rows[0].missing.find("8") != std::string::npos);
}

TEST_CASE("follow-up: the CSV has a header, a BOM when asked, and guards formulas") {
    const Cohort c;
    const auto rows = follow_up(c.evaluation, c.data, Lang::zh);
    std::ostringstream out;
    CsvOptions options;
    options.bom = true;
    write_follow_up_csv(out, rows, c.program, options);
    const std::string csv = out.str();
    CHECK(csv.rfind("\xEF\xBB\xBF参训人编号,姓名,单位,类别,状态,已认定课程数,应完成课程数,已认定学时,应完成学时,尚缺\r\n", 0) == 0);
    CHECK(csv.find("B,'=张三,长沙市,专职心理健康教育教师,") != std::string::npos);
    CHECK(csv.find("E,,岳阳市,中小学班主任,") != std::string::npos);
    std::size_t lines = 0;
    for (char ch : csv) lines += ch == '\n';
    CHECK(lines == 4);
}

#ifdef YANXIU_HAVE_XLSX
namespace {

/// Whether the zip archive names a member `name` (zip keeps member names
/// uncompressed in its headers).
bool has_member(const std::string& zip, const std::string& name) { return zip.find(name) != std::string::npos; }

}  // namespace

TEST_CASE("xlsx: a workbook with the report's sheets, the same bytes for the same inputs") {
    const Cohort c;
    const Report r = report(c.evaluation);
    const auto rows = follow_up(c.evaluation, c.data, Lang::zh);
    XlsxOptions options;
    options.created = *parse_instant("2023-02-11T09:00:00+08:00", c.program.time_zone());
    const std::string plain = to_xlsx(r, options);
    CHECK(plain.compare(0, 4, "PK\x03\x04") == 0);
    CHECK(has_member(plain, "xl/worksheets/sheet4.xml"));  // 通报, 按类别, 每日进度, 说明
    CHECK_FALSE(has_member(plain, "xl/worksheets/sheet5.xml"));
    options.follow_up = &rows;
    const std::string with_list = to_xlsx(r, options);
    CHECK(has_member(with_list, "xl/worksheets/sheet5.xml"));
    CHECK(to_xlsx(r, options) == with_list);  // reproducible: no clock in the bytes
    const std::string one = follow_up_xlsx(rows, c.program, options);
    CHECK(has_member(one, "xl/worksheets/sheet1.xml"));
    CHECK_FALSE(has_member(one, "xl/worksheets/sheet2.xml"));
}

TEST_CASE("xlsx: a name longer than a cell holds is cut, not refused") {
    const Cohort c;
    auto rows = follow_up(c.evaluation, c.data, Lang::zh);
    std::string name;
    while (name.size() < 40000) name += "张";  // 3 bytes each: the cut lands inside a character
    rows[0].name = name;
    XlsxOptions options;
    options.created = Instant{};
    CHECK(follow_up_xlsx(rows, c.program, options).compare(0, 2, "PK") == 0);
}
#endif
