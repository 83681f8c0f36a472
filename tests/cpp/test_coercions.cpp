// Values as exports and pandas give them: booleans and numbers as text from
// any source (CSV, JSON Lines, a data frame), whole-number floats as ids,
// Chinese column headers, categories and sectors by their labels, unit names
// with space around them.  Every path reads a value the same way.

#include "helpers.hpp"

#include <yanxiu/io/columns.hpp>

#include <doctest/doctest.h>

using namespace test;
using yanxiu::Field;
using yanxiu::RejectCode;

namespace {

const yanxiu::Participant& only(const yanxiu::Dataset& data) {
    REQUIRE(data.participants().size() == 1);
    return data.participants()[0];
}

}  // namespace

TEST_CASE("booleans as text: true/false, 1/0, yes/no and 是/否 from CSV and JSON Lines alike") {
    auto p = program();
    for (const char* yes : {"true", "TRUE", " True ", "1", "1.0", "yes", "Y", "t", "是", "已认证", "已实名"}) {
        yanxiu::Dataset csv(p), jsonl(p);
        csv.read_participants(std::string("id,verified\nT1,") + yes + "\n", "p.csv");
        jsonl.read_participants(lines({{{"id", "T1"}, {"verified", yes}}}), "p.jsonl");
        INFO(yes);
        CHECK(csv.rejections().empty());
        CHECK(jsonl.rejections().empty());
        CHECK(only(csv).verified);
        CHECK(only(jsonl).verified);
    }
    for (const char* no : {"false", "False", "0", "0.0", "no", "n", "f", "否", "未认证", "未实名"}) {
        yanxiu::Dataset jsonl(p);
        jsonl.read_participants(lines({{{"id", "T1"}, {"verified", no}}}), "p.jsonl");
        INFO(no);
        CHECK(jsonl.rejections().empty());
        CHECK_FALSE(only(jsonl).verified);
    }
    // A float 1.0 or 0.0 (pandas' nullable booleans as float) too; 2 or "maybe" is no boolean.
    yanxiu::Dataset floats(p);
    floats.read_participants("{\"id\":\"T1\",\"verified\":1.0}\n{\"id\":\"T2\",\"verified\":0.0}\n"
                             "{\"id\":\"T3\",\"verified\":2}\n{\"id\":\"T4\",\"verified\":\"maybe\"}\n",
                             "p.jsonl");
    REQUIRE(floats.participants().size() == 2);
    CHECK(floats.participants()[0].verified);
    CHECK_FALSE(floats.participants()[1].verified);
    REQUIRE(floats.rejections().size() == 2);
    CHECK(floats.rejections()[0].code == RejectCode::bad_type);
    CHECK(floats.rejections()[1].code == RejectCode::bad_type);
}

TEST_CASE("numbers as text: a JSON string \"80\" is the score 80, as the CSV cell 80 is") {
    auto p = program();
    yanxiu::Dataset data(p);
    data.read_participants(lines({person("T1", "homeroom")}), "p.jsonl");
    data.read_events(
        "{\"kind\":\"quiz\",\"participant\":\"T1\",\"lesson\":\"L01\",\"at\":\"2023-01-10T19:00:00+08:00\",\"score\":\" 80 \"}\n"
        "{\"kind\":\"quiz\",\"participant\":\"T1\",\"lesson\":\"L02\",\"at\":\"2023-01-10T19:00:00+08:00\",\"score\":\"8O\"}\n"
        "{\"kind\":\"quiz\",\"participant\":\"T1\",\"lesson\":\"L03\",\"at\":\"2023-01-10T19:00:00+08:00\",\"completed\":\"是\"}\n",
        "e.jsonl");
    REQUIRE(data.rejections().size() == 1);
    CHECK(data.rejections()[0].line == 2);
    CHECK(data.rejections()[0].field == "score");
    CHECK(data.rejections()[0].code == RejectCode::bad_type);
    REQUIRE(data.events().size() == 2);
    CHECK(data.events().score[0] == 80.0);
    CHECK(data.events().completed[1] == 1);
}

TEST_CASE("ids: a whole-number float is that integer (pandas reads 1234 as 1234.0 in a column with gaps)") {
    auto p = program();
    yanxiu::Dataset data(p);
    data.read_participants("{\"id\":1234.0}\n{\"id\":12.5}\n{\"id\":1e300}\n", "p.jsonl");
    REQUIRE(data.participants().size() == 1);
    CHECK(data.participants()[0].id == "1234");
    REQUIRE(data.rejections().size() == 2);
    CHECK(data.rejections()[0].code == RejectCode::bad_type);
    CHECK(data.rejections()[1].code == RejectCode::bad_type);

    yanxiu::RecordTable table(1);
    table.add(yanxiu::RecordColumn::of_numbers("id", {77.0}));
    yanxiu::Dataset frame(p);
    yanxiu::add_participants(frame, table);
    CHECK(only(frame).id == "77");
}

TEST_CASE("Chinese headers: 工号, 单位, 学段, 类别, 是否实名 name the fields, in CSV and in a table") {
    CHECK(yanxiu::field_from_header("工号") == Field::id);
    CHECK(yanxiu::field_from_header(" 是否实名 ") == Field::verified);
    CHECK(yanxiu::field_from_header("Participant") == Field::participant);
    CHECK(yanxiu::field_from_header("课程编号") == Field::lesson);
    CHECK_FALSE(yanxiu::field_from_header("备注").has_value());
    CHECK_FALSE(yanxiu::field_from_name("工号").has_value());  // JSON keys stay exact

    auto p = program();
    yanxiu::Dataset data(p);
    auto s = data.read_participants("工号,单位,学段,类别,是否实名,姓名\nT1,长沙市,小学,中小学班主任,是,张三\n", "p.csv");
    CHECK(s.accepted == 1);
    const auto& t1 = only(data);
    CHECK(t1.id == "T1");
    CHECK(t1.unit == "长沙市");
    CHECK(t1.sector == yanxiu::Sector::primary);
    CHECK(p.categories()[t1.category].id == "homeroom");
    CHECK(t1.verified);
    CHECK(t1.name == "张三");

    yanxiu::RecordTable table(1);
    table.add(yanxiu::RecordColumn::of_text("工号", {"T2"})).add(yanxiu::RecordColumn::of_text("类别", {"高校辅导员"}));
    yanxiu::Dataset frame(p);
    yanxiu::add_participants(frame, table);
    CHECK(p.categories()[only(frame).category].id == "counselor");
}

TEST_CASE("Chinese headers: two columns naming one field are refused, as a repeated header is") {
    auto p = program();
    yanxiu::Dataset data(p);
    auto s = data.read_participants("id,工号\nT1,T2\n", "p.csv");
    CHECK(s.rejected == 1);
    REQUIRE(data.rejections().size() == 1);
    CHECK(data.rejections()[0].code == RejectCode::duplicate_key);
    CHECK(data.rejections()[0].field == "id");
}

TEST_CASE("categories and sectors by label: 中小学班主任 is homeroom, 高中 is secondary, 大学 is no sector") {
    auto p = program();
    yanxiu::Dataset data(p);
    data.read_participants(lines({{{"id", "A"}, {"category", "中小学班主任"}, {"sector", "高中"}},
                                  {{"id", "B"}, {"category", "University counsellor"}, {"sector", "本科院校"}},
                                  {{"id", "C"}, {"category", " homeroom "}, {"sector", "初中"}},
                                  {{"id", "D"}, {"sector", "大学"}},
                                  {{"id", "E"}, {"category", "班主任"}}}),
                           "p.jsonl");
    REQUIRE(data.participants().size() == 3);
    CHECK(p.categories()[data.participants()[0].category].id == "homeroom");
    CHECK(data.participants()[0].sector == yanxiu::Sector::secondary);
    CHECK(p.categories()[data.participants()[1].category].id == "counselor");
    CHECK(data.participants()[1].sector == yanxiu::Sector::undergraduate);
    CHECK(p.categories()[data.participants()[2].category].id == "homeroom");
    REQUIRE(data.rejections().size() == 2);
    CHECK(data.rejections()[0].code == RejectCode::unknown_sector);
    CHECK(data.rejections()[1].code == RejectCode::unknown_category);
}

TEST_CASE("unit names: space around them (full-width too) is dropped, and the spellings are kept to report") {
    auto p = program();
    yanxiu::Dataset data(p);
    data.read_participants("id,unit\nA,长沙市\nB,长沙市 \nC,\xE3\x80\x80长沙市\nD,株洲市\n", "p.csv");
    REQUIRE(data.participants().size() == 4);
    for (const auto& person : data.participants())
        CHECK((person.unit == "长沙市" || person.unit == "株洲市"));
    const auto& spellings = data.unit_spellings();
    REQUIRE(spellings.size() == 1);
    REQUIRE(spellings.count("长沙市") == 1);
    CHECK(spellings.at("长沙市") == std::vector<std::string>{"长沙市 ", "\xE3\x80\x80长沙市"});
}
