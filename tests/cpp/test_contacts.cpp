// Contact persons per unit (工作联系人) and the dispatch calendar (调度、通报).

#include "helpers.hpp"

#include <yanxiu/io/contacts.hpp>
#include <yanxiu/render/report_html.hpp>

#include <doctest/doctest.h>

using namespace test;

namespace {

yanxiu::Report report_of(const yanxiu::Program& p, const std::vector<json>& people,
                         const std::vector<yanxiu::CensusRow>* census = nullptr) {
    yanxiu::Dataset data(p);
    data.read_participants(lines(people), "<p>");
    data.read_events(lines({}), "<e>");
    yanxiu::EvaluateOptions options;
    auto evaluation = yanxiu::evaluate(data, options);
    return census ? yanxiu::report(evaluation, census) : yanxiu::report(evaluation);
}

}  // namespace

TEST_CASE("contacts: the annex's Chinese headers and English ones read the same row") {
    const auto p = program();
    yanxiu::Contacts zh(p), en(p), jsonl(p);
    zh.read("单位,姓名,职务,座机,手机,微信,更新时间\r\n长沙市,王芳,主任,0731-8888,13800000001,wf,2023-01-10\r\n", "c.csv");
    en.read("unit,name,title,phone,mobile,wechat,updated_at\n长沙市,王芳,主任,0731-8888,13800000001,wf,2023-01-10\n", "c.csv");
    jsonl.read(R"({"unit":"长沙市","name":"王芳","title":"主任","phone":"0731-8888","mobile":13800000001,"wechat":"wf","updated_at":"2023-01-10T09:00:00+08:00"})"
               "\n",
               "c.jsonl");
    REQUIRE(zh.rows().size() == 1);
    CHECK(zh.rows() == en.rows());
    CHECK(zh.rows() == jsonl.rows());  // a mobile written as a number is its digits; a timestamp its day
    const yanxiu::Contact& c = zh.rows()[0];
    CHECK(c.unit == "长沙市");
    CHECK(c.name == "王芳");
    CHECK(c.title == "主任");
    CHECK(c.mobile == "13800000001");
    CHECK(yanxiu::format_local_date(*c.updated_at) == "2023-01-10");
}

TEST_CASE("contacts: one contact a unit, bad rows rejected without quoting a person's details") {
    const auto p = program();
    yanxiu::Contacts c(p);
    const auto summary = c.read(
        "unit,name,mobile,updated_at\n"
        "长沙市,王芳,13800000001,2023-01-10\n"
        "长沙市,王芳,13800000001,2023-01-10\n"     // the same row: a duplicate
        "长沙市,赵六,13900000000,2023-01-11\n"     // another contact for the unit: rejected
        ",无单位,13700000001,\n"
        "常德市,,13700000002,\n"
        "怀化市,周九,,\n"                          // no way to reach them
        "株洲市,张敏,13600000000,2023-13-40\n",
        "contacts.csv");
    CHECK(summary.read == 7);
    CHECK(summary.accepted == 1);
    CHECK(summary.duplicates == 1);
    CHECK(summary.rejected == 5);
    CHECK(summary.read == summary.accepted + summary.rejected + summary.duplicates);
    const auto& r = c.rejections();
    REQUIRE(r.size() == 5);
    CHECK(r[0].line == 4);
    CHECK(r[0].code == yanxiu::RejectCode::duplicate_id);
    CHECK(r[0].message.find("line 2") != std::string::npos);
    CHECK(r[1].field == "unit");
    CHECK(r[2].field == "name");
    CHECK(r[3].field == "mobile");
    CHECK(r[4].field == "updated_at");
    CHECK(r[4].code == yanxiu::RejectCode::bad_timestamp);
    for (const auto& x : r)
        for (const char* secret : {"赵六", "13900000000", "周九", "张敏", "13600000000"})
            CHECK(x.message.find(secret) == std::string::npos);
}

TEST_CASE("contacts check: units without a contact, changes after contact_update, units not in the report") {
    const auto p = program();  // contact_update: 2023-01-13
    const std::vector<yanxiu::CensusRow> census = {{"常德市", "homeroom", 10}};
    auto r = report_of(p, {person("T1", "homeroom", "secondary", true, "长沙市"),
                           person("T2", "homeroom", "secondary", true, "岳阳市"),
                           person("T3", "homeroom", "secondary", true, "株洲市")},
                       &census);
    yanxiu::Contacts c(p);
    c.read("单位,姓名,手机,更新时间\n"
           "长沙市,王芳,13800000001,2023-01-13\n"   // on the day: in time
           "岳阳市,李强,13800000002,2023-01-14\n"   // the day after: late
           "不存在市,钱七,13700000000,\n",           // a unit neither in the census nor registered
           "contacts.csv");
    yanxiu::add_contacts(r, c.rows());
    REQUIRE(r.contacts);
    CHECK(yanxiu::format_local_date(*r.contacts->due) == "2023-01-13");
    std::vector<std::string> without = r.contacts->without_contact;
    std::sort(without.begin(), without.end());
    CHECK(without == std::vector<std::string>{"常德市", "株洲市"});  // a census-only unit counts too
    CHECK(r.contacts->updated_late == std::vector<std::string>{"岳阳市"});
    CHECK(r.contacts->not_in_report == std::vector<std::string>{"不存在市"});
    CHECK(r.contacts->find("长沙市")->name == "王芳");

    const json j = yanxiu::to_json(r);
    CHECK(j["contacts"]["updated_late"] == json::array({"岳阳市"}));
    for (const auto& u : j["units"]) {
        if (u["unit"] == "长沙市") CHECK(u["contact"]["mobile"] == "13800000001");
        if (u["unit"] == "株洲市") CHECK(u["contact"].is_null());
    }
    const std::string page = yanxiu::to_html(r);
    CHECK(page.find("底数与联系人核对") != std::string::npos);
    CHECK(page.find("王芳 13800000001") != std::string::npos);
    CHECK(page.find("未报送工作联系人的单位") != std::string::npos);

    // Without contacts, no contact detail anywhere.
    const auto plain = report_of(p, {person("T1", "homeroom", "secondary", true, "长沙市")});
    CHECK_FALSE(yanxiu::to_json(plain).contains("contacts"));
    CHECK(yanxiu::to_html(plain).find("联系人核对") == std::string::npos);
}

TEST_CASE("programme dispatches: the dispatch calendar, in order") {
    const auto p = program({{"dispatches", {"2023-01-16", "2023-01-30"}}});
    REQUIRE(p.dispatches().size() == 2);
    CHECK(yanxiu::format_local_date(p.dispatches()[1]) == "2023-01-30");
    CHECK(p.to_json()["dispatches"] == json::array({"2023-01-16", "2023-01-30"}));
    CHECK(program().dispatches().empty());
    CHECK_THROWS_AS(program({{"dispatches", {"2023-01-30", "2023-01-16"}}}), yanxiu::ProgramError);
    CHECK_THROWS_AS(program({{"dispatches", {"2023-01-16", "2023-01-16"}}}), yanxiu::ProgramError);
    CHECK_THROWS_AS(program({{"dispatches", {"next monday"}}}), yanxiu::ProgramError);
}
