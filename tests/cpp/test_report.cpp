// Reports (README.md "The command line", the `report` paragraphs; docs/python.md "Words, reports and
// simulated cohorts"; docs/records.md "Census (摸底)"; R10): figures on a hand-built cohort checked number by
// number, with and without a census; the census reader; the daily series
// against evaluating as of each day's end; CSV, JSON and HTML outputs; the
// messages of every code.

#include "helpers.hpp"

#include <doctest/doctest.h>
#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>
#include <simulate.hpp>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace yanxiu;

namespace {
/// Text as the page escapes it (&, <, >, ", ').
std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}
}  // namespace

namespace {

Instant at(const std::string& text) { return *parse_instant(text, *find_zone("Asia/Shanghai")); }

/// A hand-made outcome: only what a report reads.
Outcome outcome(const std::string& id, const std::string& unit, const std::string& category, Status status,
                double hours = 0, std::optional<std::string> started = std::nullopt,
                std::optional<std::string> completed = std::nullopt) {
    Outcome o;
    o.participant = id;
    o.unit = unit;
    o.category = category;
    o.status = status;
    o.hours_credited = hours;
    o.certificate = status == Status::completed;
    if (started) o.started_from = at(*started);
    if (completed) o.completed_from = o.completed_at = at(*completed);
    return o;
}

const char* const kA = "长沙市";
const char* const kB = "株洲市";
const char* const kC = "中南大学";

/// Three units, eight participants.
std::vector<Outcome> cohort() {
    return {
        outcome("P1", kA, "homeroom", Status::completed, 5.5, "2023-01-10T20:00:01+08:00", "2023-01-12T21:00:00+08:00"),
        outcome("P2", kA, "homeroom", Status::in_progress, 2.0, "2023-01-11T00:00:00+08:00"),
        outcome("P3", kA, "mh_fulltime", Status::not_started),
        outcome("P4", kA, "other", Status::recorded, 1.2, "2023-01-09T08:00:01+08:00"),
        outcome("P5", kB, "homeroom", Status::completed, 6.0, "2023-01-09T10:00:01+08:00", "2023-01-20T10:00:00+08:00"),
        outcome("P6", kB, "homeroom", Status::unverified),
        outcome("P7", kC, "counselor", Status::completed, 7.0, "2023-01-15T09:00:01+08:00", "2023-02-10T23:59:59+08:00"),
        outcome("P8", kC, "counselor", Status::completed, 5.0, "2023-01-15T09:00:01+08:00", "2023-01-16T09:00:00+08:00"),
    };
}

/// The census: no row for 中南大学 counsellors; 株洲市 part-time teachers expected but none registered.
std::vector<CensusRow> census() {
    return {{kA, "homeroom", 4}, {kA, "mh_fulltime", 2}, {kB, "homeroom", 3}, {kB, "mh_parttime", 5}};
}

const UnitReport& unit(const Report& r, const std::string& name) {
    for (const UnitReport& u : r.units)
        if (u.unit == name) return u;
    throw std::out_of_range(name);
}

const Counts& cell(const UnitReport& u, const std::string& category) {
    for (const CategoryCounts& c : u.categories)
        if (c.category == category) return c.counts;
    throw std::out_of_range(category);
}

bool has_cell(const UnitReport& u, const std::string& category) {
    for (const CategoryCounts& c : u.categories)
        if (c.category == category) return true;
    return false;
}

}  // namespace

TEST_CASE("report: a hand-built cohort with a census, number by number") {
    const Program program = test::program();
    const auto rows = census();
    const Report r = report(program, cohort(), &rows, std::nullopt);
    CHECK(r.has_census);
    REQUIRE(r.units.size() == 3);

    SUBCASE("长沙市: census for both of its target categories") {
        const UnitReport& a = unit(r, kA);
        const Counts& homeroom = cell(a, "homeroom");
        CHECK(homeroom.expected == 4);
        CHECK(homeroom.registered == 2);
        CHECK(homeroom.started == 2);
        CHECK(homeroom.completed == 1);
        CHECK(homeroom.unverified == 0);
        CHECK(homeroom.denominator == Denominator::census);
        CHECK(homeroom.coverage_base == 4);
        CHECK(*homeroom.coverage() == doctest::Approx(0.25));
        CHECK(*homeroom.mean_hours() == doctest::Approx(3.75));
        const Counts& fulltime = cell(a, "mh_fulltime");
        CHECK(fulltime.expected == 2);
        CHECK(fulltime.registered == 1);
        CHECK(fulltime.started == 0);
        CHECK(*fulltime.coverage() == 0.0);
        CHECK(*fulltime.mean_hours() == 0.0);
        // `other` is recorded only: no coverage, not in the target total.
        const Counts& other = cell(a, "other");
        CHECK(other.registered == 1);
        CHECK(other.started == 1);
        CHECK(other.denominator == Denominator::none);
        CHECK_FALSE(other.coverage());
        CHECK(*other.mean_hours() == doctest::Approx(1.2));
        CHECK(a.target.expected == 6);
        CHECK(a.target.registered == 3);
        CHECK(a.target.started == 2);
        CHECK(a.target.completed == 1);
        CHECK(a.target.coverage_base == 6);
        CHECK(a.target.denominator == Denominator::census);
        CHECK(*a.target.mean_hours() == doctest::Approx(2.5));
        CHECK(a.recorded.registered == 1);
        CHECK(a.recorded.started == 1);
    }
    SUBCASE("株洲市: an unverified participant, a census row with nobody registered") {
        const UnitReport& b = unit(r, kB);
        const Counts& homeroom = cell(b, "homeroom");
        CHECK(homeroom.registered == 2);
        CHECK(homeroom.started == 1);
        CHECK(homeroom.completed == 1);
        CHECK(homeroom.unverified == 1);
        CHECK(homeroom.verified == 1);
        CHECK(*homeroom.mean_hours() == doctest::Approx(6.0));  // over verified participants only
        CHECK(*homeroom.coverage() == doctest::Approx(1.0 / 3));
        const Counts& parttime = cell(b, "mh_parttime");
        CHECK(parttime.expected == 5);
        CHECK(parttime.registered == 0);
        CHECK_FALSE(parttime.mean_hours());
        CHECK(b.target.expected == 8);
        CHECK(b.target.coverage_base == 8);
        CHECK(*b.target.coverage() == doctest::Approx(0.125));
    }
    SUBCASE("中南大学: no census row, so coverage is of those registered") {
        const UnitReport& c = unit(r, kC);
        const Counts& counselor = cell(c, "counselor");
        CHECK_FALSE(counselor.expected);
        CHECK(counselor.denominator == Denominator::registered);
        CHECK(counselor.coverage_base == 2);
        CHECK(*counselor.coverage() == 1.0);
        CHECK(*counselor.mean_hours() == doctest::Approx(6.0));
        CHECK_FALSE(c.target.expected);
        CHECK(c.target.denominator == Denominator::registered);
    }
    SUBCASE("ranking by coverage") {
        CHECK(r.units[0].unit == kC);  // 2/2
        CHECK(r.units[1].unit == kA);  // 1/6
        CHECK(r.units[2].unit == kB);  // 1/8
        for (std::size_t i = 0; i < r.units.size(); ++i) CHECK(r.units[i].rank == i + 1);
    }
    SUBCASE("totals: the denominator switch shows as mixed") {
        CHECK(r.target.expected == 14);
        CHECK(r.target.registered == 7);
        CHECK(r.target.started == 5);
        CHECK(r.target.completed == 4);
        CHECK(r.target.unverified == 1);
        CHECK(r.target.coverage_base == 16);  // 6 + 8 by census, 2 registered at 中南大学
        CHECK(r.target.denominator == Denominator::mixed);
        CHECK(*r.target.coverage() == doctest::Approx(0.25));
        CHECK(*r.target.mean_hours() == doctest::Approx(25.5 / 6));
        CHECK(r.recorded.registered == 1);
        CHECK(*r.recorded.mean_hours() == doctest::Approx(1.2));
        // By category, in programme order; `other` kept because it occurs.
        REQUIRE(r.categories.size() == 5);
        CHECK(r.categories[0].category == "mh_fulltime");
        CHECK(r.categories[1].category == "mh_parttime");
        CHECK(r.categories[1].counts.expected == 5);
        CHECK(r.categories[1].counts.registered == 0);
        CHECK(r.categories[2].category == "homeroom");
        CHECK(r.categories[2].counts.registered == 4);
        CHECK(r.categories[2].counts.completed == 2);
        CHECK(r.categories[2].counts.coverage_base == 7);
        CHECK(r.categories[3].category == "counselor");
        CHECK(r.categories[3].counts.denominator == Denominator::registered);
        CHECK(r.categories[4].category == "other");
        CHECK_FALSE(r.categories[4].target);
    }
    SUBCASE("census rows without participants and participants without census rows are listed") {
        REQUIRE(r.census_without_participants.size() == 1);
        CHECK(r.census_without_participants[0].unit == kB);
        CHECK(r.census_without_participants[0].category == "mh_parttime");
        CHECK(r.census_without_participants[0].expected == 5);
        REQUIRE(r.participants_without_census.size() == 1);
        CHECK(r.participants_without_census[0].unit == kC);
        CHECK(r.participants_without_census[0].category == "counselor");
        CHECK(r.participants_without_census[0].registered == 2);
    }
}

TEST_CASE("report: without a census every coverage is of those registered") {
    const Report r = report(test::program(), cohort(), nullptr, std::nullopt);
    CHECK_FALSE(r.has_census);
    REQUIRE(r.units.size() == 3);
    CHECK(r.units[0].unit == kC);  // 2/2
    CHECK(r.units[1].unit == kB);  // 1/2
    CHECK(r.units[2].unit == kA);  // 1/3
    CHECK(*unit(r, kA).target.coverage() == doctest::Approx(1.0 / 3));
    CHECK(unit(r, kA).target.denominator == Denominator::registered);
    CHECK(*unit(r, kB).target.coverage() == doctest::Approx(0.5));
    CHECK_FALSE(unit(r, kA).target.expected);
    CHECK_FALSE(has_cell(unit(r, kB), "mh_parttime"));  // known only from the census
    CHECK(r.target.coverage_base == 7);
    CHECK(r.target.denominator == Denominator::registered);
    CHECK(*r.target.coverage() == doctest::Approx(4.0 / 7));
    CHECK(r.census_without_participants.empty());
    CHECK(r.participants_without_census.empty());
}

TEST_CASE("report: ties rank more completed first, then by unit name") {
    std::vector<Outcome> outcomes = {
        outcome("1", "b", "homeroom", Status::completed), outcome("2", "b", "homeroom", Status::in_progress),
        outcome("3", "a", "homeroom", Status::completed), outcome("4", "a", "homeroom", Status::in_progress),
        outcome("5", "c", "homeroom", Status::completed), outcome("6", "c", "homeroom", Status::completed),
        outcome("7", "c", "homeroom", Status::in_progress), outcome("8", "c", "homeroom", Status::in_progress),
        outcome("9", "z", "other", Status::recorded),  // no target participant: no coverage, last
    };
    const Report r = report(test::program(), outcomes, nullptr, std::nullopt);
    REQUIRE(r.units.size() == 4);
    CHECK(r.units[0].unit == "c");  // 2/4, more completed
    CHECK(r.units[1].unit == "a");  // 1/2
    CHECK(r.units[2].unit == "b");  // 1/2
    CHECK(r.units[3].unit == "z");
    CHECK_FALSE(r.units[3].target.coverage());
}

TEST_CASE("report: the daily series from started_from/completed_from, and as_of") {
    const Program program = test::program();
    SUBCASE("the whole window") {
        const Report r = report(program, cohort(), nullptr, std::nullopt);
        REQUIRE(r.daily.size() == 33);
        CHECK(format_local_date(r.daily[0].date) == "2023-01-09");
        CHECK(r.daily[0].as_of == at("2023-01-10T00:00:00+08:00"));
        CHECK(r.daily[0].started == 1);    // P5 (P4 is `other`: not in the series)
        CHECK(r.daily[0].completed == 0);
        CHECK(r.daily[1].as_of == at("2023-01-11T00:00:00+08:00"));
        CHECK(r.daily[1].started == 3);    // + P1, and P2 whose started_from is exactly the end of 1/10
        CHECK(r.daily[3].completed == 1);  // P1 on 1/12
        CHECK(r.daily[7].completed == 2);  // P8 on 1/16
        CHECK(r.daily[11].completed == 3); // P5 on 1/20
        CHECK(r.daily[31].completed == 3);
        CHECK(r.daily[32].completed == 4); // P7 one second before the deadline
        CHECK(r.daily[32].started == 5);
        CHECK(r.daily.back().completed == r.target.completed);
        CHECK(r.daily.back().started == r.target.started);
    }
    SUBCASE("as of noon on 1/12: three whole days and a partial one") {
        const Report r = report(program, cohort(), nullptr, at("2023-01-12T12:00:00+08:00"));
        REQUIRE(r.daily.size() == 4);
        CHECK_FALSE(r.daily[2].partial);
        CHECK(r.daily[3].partial);
        CHECK(r.daily[3].as_of == at("2023-01-12T12:00:00+08:00"));
        CHECK(r.daily[3].completed == 0);  // P1 completes at 21:00
    }
    SUBCASE("as of a day's end: no partial point") {
        const Report r = report(program, cohort(), nullptr, at("2023-01-13T00:00:00+08:00"));
        REQUIRE(r.daily.size() == 4);
        CHECK_FALSE(r.daily[3].partial);
        CHECK(r.daily[3].completed == 1);
    }
    SUBCASE("as of before the window: no points") {
        const Report r = report(program, cohort(), nullptr, at("2023-01-05T00:00:00+08:00"));
        CHECK(r.daily.empty());
    }
}

TEST_CASE("report: the daily series equals evaluating as of each day's end (simulated cohort)") {
    SimulationOptions options;
    options.participants = 2000;
    options.seed = 11;
    const Program program = Program::load("hunan-2023-mh-winter");
    const SimulatedCohort simulated = simulate(program, options);
    Dataset data(program);
    data.read_participants(simulated.participants_jsonl, "participants.jsonl");
    data.read_events(simulated.events_jsonl, "events.jsonl");
    EvaluateOptions whole;
    whole.keep_lessons = false;
    const Report r = report(program, evaluate_all(data, whole), nullptr, std::nullopt);
    REQUIRE(r.daily.size() == static_cast<std::size_t>(program.window().days()));
    CHECK(r.daily.back().completed > 0);
    auto is_target = [&](const Outcome& o) {
        const Category* c = program.find_category(o.category);
        return c && c->certificate;
    };
    for (const DayPoint& day : r.daily) {
        EvaluateOptions as_of;
        as_of.keep_lessons = false;
        as_of.as_of = day.as_of;
        std::size_t completed = 0, started = 0;
        for (const Outcome& o : evaluate_all(data, as_of)) {
            if (!is_target(o)) continue;
            completed += o.status == Status::completed ? 1 : 0;
            started += (o.status == Status::completed || o.status == Status::in_progress) ? 1 : 0;
        }
        INFO("day ", format_local_date(day.date));
        CHECK(day.completed == completed);
        CHECK(day.started == started);
    }
    // A report of outcomes evaluated as of a mid-window instant ends there, at the same figures.
    EvaluateOptions mid;
    mid.keep_lessons = false;
    mid.as_of = at("2023-01-25T15:30:00+08:00");
    const Report partial = report(program, evaluate_all(data, mid), nullptr, mid.as_of);
    REQUIRE(partial.daily.size() == 17);
    CHECK(partial.daily.back().partial);
    CHECK(partial.daily.back().completed == partial.target.completed);
    CHECK(partial.daily.back().started == partial.target.started);
}

TEST_CASE("Census: CSV and JSON Lines, with rejections that reconcile") {
    const Program program = test::program();
    SUBCASE("CSV") {
        Census census(program);
        const std::string text =
            "unit,category,expected\n"
            "长沙市,homeroom,12\n"
            ",homeroom,3\n"                // line 3: no unit
            "株洲市,principal,3\n"         // line 4: unknown category
            "株洲市,homeroom,-1\n"         // line 5: negative
            "株洲市,homeroom,2.5\n"        // line 6: not whole
            "长沙市,homeroom,12\n"         // line 7: duplicate
            "长沙市,homeroom,13\n"         // line 8: conflict
            "株洲市,homeroom\n"            // line 9: ragged
            "株洲市,mh_parttime,\n"        // line 10: no expected
            "株洲市,mh_parttime,7\n";
        const ReadSummary s = census.read(text, "census.csv");
        CHECK(s.read == 10);
        CHECK(s.accepted == 2);
        CHECK(s.duplicates == 1);
        CHECK(s.rejected == 7);
        CHECK(s.reconciles());
        REQUIRE(census.rows().size() == 2);
        CHECK(census.rows()[0] == CensusRow{"长沙市", "homeroom", 12});
        CHECK(census.rows()[1] == CensusRow{"株洲市", "mh_parttime", 7});
        const auto& r = census.rejections();
        REQUIRE(r.size() == 7);
        auto check = [&](std::size_t i, std::size_t line, const char* field, RejectCode code) {
            INFO("rejection ", i);
            CHECK(r[i].file == "census.csv");
            CHECK(r[i].line == line);
            CHECK(r[i].field == field);
            CHECK(r[i].code == code);
        };
        check(0, 3, "unit", RejectCode::missing_field);
        check(1, 4, "category", RejectCode::unknown_category);
        check(2, 5, "expected", RejectCode::number_out_of_range);
        check(3, 6, "expected", RejectCode::bad_type);
        check(4, 8, "expected", RejectCode::duplicate_id);
        check(5, 9, "", RejectCode::malformed);
        check(6, 10, "expected", RejectCode::missing_field);
    }
    SUBCASE("JSON Lines") {
        Census census(program);
        const std::string text =
            "{\"unit\":\"长沙市\",\"category\":\"homeroom\",\"expected\":12}\n"
            "{\"unit\":\"长沙市\",\"category\":\"counselor\",\"expected\":\"four\"}\n"  // text that is no numeral
            "not json\n"
            "{\"unit\":\"株洲市\",\"category\":\"homeroom\",\"expected\":1e300}\n";
        const ReadSummary s = census.read(text, "census.jsonl");
        CHECK(s.read == 4);
        CHECK(s.accepted == 1);
        CHECK(s.rejected == 3);
        CHECK(s.reconciles());
        CHECK(census.rejections()[0].code == RejectCode::bad_type);
        CHECK(census.rejections()[1].code == RejectCode::malformed);
        CHECK(census.rejections()[1].line == 3);
        CHECK(census.rejections()[2].code == RejectCode::number_out_of_range);
        CHECK(census.summary().read == 4);
    }
}

TEST_CASE("write_csv: labels, BOM, and cells a spreadsheet would run are neutralised") {
    std::vector<Outcome> outcomes = {
        outcome("1", "=HYPERLINK(\"x\")", "homeroom", Status::completed, 3),
        outcome("2", "+1", "homeroom", Status::in_progress),
        outcome("3", "-2", "homeroom", Status::in_progress),
        outcome("4", "@SUM(A1)", "homeroom", Status::in_progress),
        outcome("5", "长沙市,岳麓区", "homeroom", Status::in_progress),
    };
    const Report r = report(test::program(), outcomes, nullptr, std::nullopt);
    std::ostringstream plain;
    write_csv(plain, r);
    const std::string csv = plain.str();
    CHECK(csv.rfind("排名,单位,类别,类别代码,摸底人数,注册人数,已参学人数,已完成人数,未实名人数,完成率,完成率分母（人）,完成率口径,人均学时\r\n", 0) == 0);
    CHECK(csv.find("\"'=HYPERLINK(\"\"x\"\")\"") != std::string::npos);
    CHECK(csv.find(",'+1,") != std::string::npos);
    CHECK(csv.find(",'-2,") != std::string::npos);
    CHECK(csv.find(",'@SUM(A1),") != std::string::npos);
    CHECK(csv.find(",\"长沙市,岳麓区\",") != std::string::npos);
    for (const char* raw : {",=HYPERLINK", ",+1,", ",-2,", ",@SUM"}) CHECK(csv.find(raw) == std::string::npos);
    CHECK(csv.find("1,'=") == std::string::npos);  // quoted, since the cell holds quotes
    // The formula unit completed 1 of 1: rank 1, coverage 1.0000 of registered.
    CHECK(csv.find("1,\"'=HYPERLINK(\"\"x\"\")\",中小学班主任,homeroom,,1,1,1,0,1.0000,1,按注册人数,3.00\r\n") !=
          std::string::npos);
    CHECK(csv.find("\r\n,合计,合计,,,5,5,1,0,0.2000,5,按注册人数,0.60\r\n") != std::string::npos);

    std::ostringstream with_bom;
    CsvOptions options;
    options.bom = true;
    options.lang = Lang::en;
    write_csv(with_bom, r, options);
    CHECK(with_bom.str().rfind("\xEF\xBB\xBFRank,Unit,Category,", 0) == 0);
    CHECK(with_bom.str().find(",Homeroom teacher,homeroom,") != std::string::npos);
    CHECK(csv_text_cell("plain") == "plain");
    CHECK(csv_text_cell("\tx") == "'\tx");
}

TEST_CASE("to_json: figures, denominators, lists and inputs") {
    const auto rows = census();
    Report r = report(test::program(), cohort(), &rows, std::nullopt);
    r.generated_at = "2023-02-11 09:00";
    r.inputs = {{"participants", ReadSummary{9, 8, 1, 0}}};
    const nlohmann::json j = nlohmann::json::parse(to_json(r).dump());
    CHECK(j["program"]["id"] == "test");
    CHECK(j["program"]["window"]["start"] == "2023-01-09");
    CHECK(j["as_of"].is_null());
    CHECK(j["generated_at"] == "2023-02-11 09:00");
    CHECK(j["census"] == true);
    CHECK(j["inputs"]["participants"]["rejected"] == 1);
    CHECK(j["totals"]["target"]["coverage"] == 0.25);
    CHECK(j["totals"]["target"]["coverage_base"] == 16);
    CHECK(j["totals"]["target"]["coverage_denominator"] == "mixed");
    CHECK(j["totals"]["recorded"]["registered"] == 1);
    CHECK_FALSE(j["totals"]["recorded"].contains("coverage"));
    REQUIRE(j["units"].size() == 3);
    CHECK(j["units"][0]["rank"] == 1);
    CHECK(j["units"][0]["unit"] == kC);
    CHECK(j["units"][0]["target"]["coverage_denominator"] == "registered");
    CHECK(j["units"][0]["target"]["expected"].is_null());
    CHECK(j["units"][1]["target"]["coverage"].get<double>() == doctest::Approx(1.0 / 6).epsilon(1e-5));
    CHECK(j["units"][1]["categories"][0]["category"] == "mh_fulltime");
    CHECK(j["units"][1]["categories"][0]["target"] == true);
    CHECK(j["daily"].size() == 33);
    CHECK(j["daily"][0]["as_of"] == "2023-01-10T00:00:00+08:00");
    CHECK(j["census_without_participants"][0]["expected"] == 5);
    CHECK(j["participants_without_census"][0]["registered"] == 2);
}

TEST_CASE("to_html: one self-contained page, escaped, deterministic") {
    std::vector<Outcome> outcomes = cohort();
    outcomes.push_back(outcome("P9", "<script>alert(1)</script>", "homeroom", Status::completed, 4,
                               "2023-01-12T10:00:01+08:00", "2023-01-13T10:00:00+08:00"));
    outcomes.push_back(outcome("P10", "A&B \"学校\"", "homeroom", Status::in_progress, 1, "2023-01-12T10:00:01+08:00"));
    const auto rows = census();
    Report r = report(Program::load("hunan-2023-mh-winter"), outcomes, &rows, std::nullopt);
    r.generated_at = "2023-02-11 09:00 <now>";
    r.inputs = {{"participants", ReadSummary{10, 10, 0, 0}}, {"events", ReadSummary{120, 117, 2, 1}}};
    const std::string page = to_html(r);

    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(page.find("<html lang=\"zh-CN\">") != std::string::npos);
    CHECK(page.find("湖南省心理健康教育教师培训") != std::string::npos);
    CHECK(page.find("研修进度通报") != std::string::npos);
    // Nothing from the network, no script.
    CHECK(page.find("http://") == std::string::npos);
    CHECK(page.find("https://") == std::string::npos);
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("<link") == std::string::npos);
    CHECK(page.find("<img") == std::string::npos);
    CHECK(page.find("@import") == std::string::npos);
    CHECK(page.find("url(") == std::string::npos);
    // Escaped data.
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(page.find("A&amp;B &quot;学校&quot;") != std::string::npos);
    CHECK(page.find("2023-02-11 09:00 &lt;now&gt;") != std::string::npos);
    // The ranking table has a row per unit, in rank order.
    std::size_t last = 0;
    for (const UnitReport& u : r.units) {
        const std::string row = "<tr data-unit=\"" + html_escape(u.unit) + "\"><td class=\"center\">" +
                                std::to_string(u.rank) + "</td>";
        const std::size_t found = page.find(row);
        INFO("unit ", u.unit);
        REQUIRE(found != std::string::npos);
        CHECK(found > last);
        last = found;
    }
    // Both charts, inline, with axis labels; one bar per unit with coverage.
    CHECK(page.find("<svg class=\"chart bar-chart\"") != std::string::npos);
    CHECK(page.find("<svg class=\"chart line-chart\"") != std::string::npos);
    CHECK(page.find("完成率（%）</text>") != std::string::npos);
    CHECK(page.find("日期（每日 24 时）") != std::string::npos);
    std::size_t bars = 0;
    for (std::size_t p = page.find("<g class=\"bar\""); p != std::string::npos; p = page.find("<g class=\"bar\"", p + 1)) ++bars;
    CHECK(bars == r.units.size());
    CHECK(page.find("data-series=\"completed\"") != std::string::npos);
    CHECK(page.find("data-series=\"started\"") != std::string::npos);
    // Rules, milestones, support channels, counts.
    CHECK(page.find("不少于 15 节课程") != std::string::npos);
    CHECK(page.find("每 45 分钟计 1 学时") != std::string::npos);
    CHECK(page.find("须完成答题") != std::string::npos);
    CHECK(page.find("工作联系人变更报送截止") != std::string::npos);
    CHECK(page.find("QQ 群 211108206") != std::string::npos);
    CHECK(page.find("QQ 群 305492871") != std::string::npos);
    CHECK(page.find("QQ 群 303026068") != std::string::npos);
    CHECK(page.find("读取 120 条，其中有效 117 条、拒收 2 条、重复 1 条") != std::string::npos);
    CHECK(page.find("@media print") != std::string::npos);
    CHECK(page.find("size: A4") != std::string::npos);
    // Deterministic; English on request.
    CHECK(to_html(r) == page);
    const std::string english = to_html(r, Lang::en);
    CHECK(english.find("<html lang=\"en\">") != std::string::npos);
    CHECK(english.find("Progress report") != std::string::npos);
    CHECK(english.find("Units ranked by coverage") != std::string::npos);
    CHECK(english.find("研修进度通报") == std::string::npos);
}

TEST_CASE("to_html: the rules section states the programme's own rules, in both languages") {
    const Program passed = test::program(
        {{"quiz", {{"mode", "passed"}, {"pass_score", 70}}},
         {"credit", {{"max_hours", 12.5}, {"hour_step", 0.5}, {"minutes_per_hour", 40}}},
         {"lessons", {{{"id", "L01"}, {"minutes", 30}}}},
         {"time_zone", "Europe/Berlin"}});
    const Report r = report(passed, std::vector<Outcome>{}, nullptr, std::nullopt);
    const std::string zh = to_html(r, Lang::zh), en = to_html(r, Lang::en);
    CHECK(zh.find("每节课程学习结束后须完成答题且成绩不低于 70 分，方可获得该节课程学时。") != std::string::npos);
    CHECK(en.find("after each lesson the quiz must be passed (score 70 or more) to earn its hours.") != std::string::npos);
    CHECK(zh.find("按实际学习时长记录，每 40 分钟计 1 学时（按 0.5 学时向下取整），最多计 12.5 学时；每节课程最多按课程时长计；") !=
          std::string::npos);
    CHECK(en.find("actual study time; 40 minutes make one hour (学时), rounded down to 0.5, at most 12.5; a lesson counts at "
                  "most its length; certificates are credited by local rules.") != std::string::npos);
    CHECK(zh.find("Europe/Berlin") != std::string::npos);  // a zone without a common name is named as it is
    CHECK(zh.find("北京时间") == std::string::npos);
    const Program none = test::program({{"quiz", {{"mode", "none"}}}, {"require_verified", false}});
    const std::string open = to_html(report(none, std::vector<Outcome>{}, nullptr, std::nullopt), Lang::zh);
    CHECK(open.find("不设答题要求。") != std::string::npos);
    CHECK(open.find("实名学习") == std::string::npos);
    CHECK(to_html(report(none, std::vector<Outcome>{}, nullptr, std::nullopt), Lang::en).find("no quiz is required.") !=
          std::string::npos);
}

TEST_CASE("messages: every phrase has Chinese and English wording, and fills its arguments") {
    for (int i = 0; i < static_cast<int>(Phrase::count_); ++i)
        for (Lang lang : {Lang::zh, Lang::en}) CHECK_FALSE(phrase(static_cast<Phrase>(i), lang).empty());
    CHECK(phrase(Phrase::minimum_lessons_rule, Lang::zh, {"班主任", "10"}) == "班主任须完成不少于 10 节课程");
    CHECK(phrase(Phrase::minimum_lessons_rule, Lang::en, {"Homeroom", "10"}) == "Homeroom: at least 10 lessons");
    CHECK(phrase(Phrase::records_read, Lang::en, {"events", "5", "3", "1", "1"}) ==
          "events: read 5 = accepted 3 + rejected 1 + duplicates 1.");
    CHECK(phrase(Phrase::minimum_lessons_rule, Lang::zh) == "须完成不少于  节课程");  // missing arguments are empty
    CHECK(long_date(date::year{2023} / 2 / 10, Lang::zh) == "2023年2月10日");
    CHECK(long_date(date::year{2023} / 2 / 10, Lang::en) == "10 February 2023");
    CHECK(section_number(3, Lang::zh) == "三、");
    CHECK(section_number(3, Lang::en) == "3. ");
}

TEST_CASE("messages: every code has Chinese and English wording") {
    for (int c = 0; c <= static_cast<int>(ReasonCode::no_certificate_for_category); ++c)
        for (Lang lang : {Lang::zh, Lang::en}) CHECK_FALSE(message(static_cast<ReasonCode>(c), lang).empty());
    for (int s = 0; s <= static_cast<int>(Status::in_progress); ++s)
        for (Lang lang : {Lang::zh, Lang::en}) CHECK_FALSE(message(static_cast<Status>(s), lang).empty());
    for (int c = 0; c <= static_cast<int>(RejectCode::category_sector_mismatch); ++c)
        for (Lang lang : {Lang::zh, Lang::en}) CHECK_FALSE(message(static_cast<RejectCode>(c), lang).empty());
    for (int l = 0; l <= static_cast<int>(ReportLabel::change); ++l)
        for (Lang lang : {Lang::zh, Lang::en}) CHECK_FALSE(label(static_cast<ReportLabel>(l), lang).empty());

    const Reason quiz = Reason::of(ReasonCode::quiz_missing, "L07");
    CHECK(explain(quiz, Lang::zh) == "第 L07 课未完成答题，不计学时");
    CHECK(explain(quiz, Lang::en) == "Lesson L07: quiz not completed, so its hours are not credited");
    Reason standing = Reason::of(ReasonCode::below_minimum);
    standing.count_have = 12;
    standing.count_need = 15;
    CHECK(explain(standing, Lang::zh) == "已完成 12 节，还需 3 节（共需 15 节）");
    CHECK(explain(standing, Lang::en) == "12 lessons completed, 3 more needed (15 in all)");
    Reason short_study = Reason::of(ReasonCode::below_minimum, "L03");
    short_study.time_have = Seconds{750};
    short_study.time_need = Seconds{1200};
    CHECK(explain(short_study, Lang::zh) == "第 L03 课学习时长不足（已学 12 分 30 秒，需 20 分钟），不计学时");
    Reason overlap = Reason::of(ReasonCode::overlap, "L02");
    overlap.overlapped = Seconds{900};
    CHECK(explain(overlap, Lang::zh) == "第 L02 课有 15 分钟与其他学习时段重叠，重叠部分只计一次");
    const Program program = test::program();
    Reason mismatch = Reason::of(ReasonCode::category_sector_mismatch);
    mismatch.sector = "primary";
    mismatch.category = "counselor";
    CHECK(explain(mismatch, Lang::zh, &program) == "所选身份“高校辅导员”与所在学段“小学”不符，请核实");
    Reason other = Reason::of(ReasonCode::no_certificate_for_category);
    other.category = "other";
    CHECK(explain(other, Lang::zh, &program) == "“其他教师”不在培训对象范围内，只记录学习时长，不发放学时记录证书");
    CHECK(explain(other, Lang::zh) == "“other”不在培训对象范围内，只记录学习时长，不发放学时记录证书");
    CHECK(message(Status::completed, Lang::zh) == "已完成");
    CHECK(message(RejectCode::unknown_participant, Lang::zh) == "参训人员名单中无此人");
    CHECK(parse_lang("en") == Lang::en);
    CHECK_FALSE(parse_lang("fr"));
}

TEST_CASE("report cut-off: as_of when asked, else every record read up to the latest one") {
    const Program program = Program::load("hunan-2023-mh-winter");
    const auto rows = census();
    Report r = report(program, cohort(), &rows, std::nullopt);
    // Nothing known of the records: the window's end, as before.
    CHECK(report_cut_off(r) == program.window().end());
    CHECK(days_remaining(r) == 0);
    // Records read up to 2023-01-25 12:00: the page says so, not the window's end.
    r.latest_record = *parse_instant("2023-01-25T12:00:00+08:00", program.time_zone());
    CHECK(report_cut_off(r) == *r.latest_record);
    CHECK(days_remaining(r) == 16);  // 01-25 12:00 to 02-11 00:00: 16 whole days
    const std::string page = to_html(r);
    CHECK(page.find("已读取的全部记录（最新记录时间") != std::string::npos);
    CHECK(page.find("数据截至：已读取的全部记录（最新记录时间 2023年1月25日") != std::string::npos);
    CHECK(page.find("距研修截止还有 16 天") != std::string::npos);
    const auto j = nlohmann::json::parse(to_json_text(r));
    CHECK(j["cut_off"] == "2023-01-25T12:00:00+08:00");
    CHECK(j["latest_record"] == "2023-01-25T12:00:00+08:00");
    CHECK(j["as_of"].is_null());
    CHECK(j["days_remaining"] == 16);
    // as_of given: that, whatever the records.
    Report at = report(program, cohort(), &rows, *parse_as_of("2023-01-20", program.time_zone()));
    at.latest_record = r.latest_record;
    CHECK(report_cut_off(at) == *parse_instant("2023-01-21T00:00:00+08:00", program.time_zone()));
    CHECK(to_html(at).find("已读取的全部记录") == std::string::npos);
}

TEST_CASE("report page: the unverified are counted once, the coverage base shown, footnotes fit the data") {
    const Program program = Program::load("hunan-2023-mh-winter");
    const auto rows = census();
    const Report with = report(program, cohort(), &rows, std::nullopt);
    const std::string page = to_html(with);
    // P6 is registered and not verified: "of those registered", never "另有" (in addition).
    CHECK(page.find("注册人员中有 1 人尚未完成实名认证（已计入注册人数") != std::string::npos);
    CHECK(page.find("另有") == std::string::npos);
    // The base beside the rate, so 3 ÷ 10 can be checked.
    CHECK(page.find("（" + std::to_string(with.target.completed) + " ÷ " + std::to_string(with.target.coverage_base) +
                    "）") != std::string::npos);
    CHECK(page.find("<th>完成率分母（人）</th>") != std::string::npos);
    CHECK(page.find("有摸底数据的按摸底人数") != std::string::npos);
    const Report without = report(program, cohort(), nullptr, std::nullopt);
    const std::string plain = to_html(without);
    CHECK(plain.find("未提供摸底数据，完成率 = 已完成人数 ÷ 注册人数") != std::string::npos);
    CHECK(plain.find("有摸底数据的按摸底人数") == std::string::npos);
}

TEST_CASE("report without ranking (不排名): units by name, no rank anywhere") {
    const Program program = Program::load("hunan-2023-mh-winter");
    Report r = report(program, cohort(), nullptr, std::nullopt);
    without_ranking(r);
    r.issuer = "湖南省教育厅教师工作处";
    REQUIRE(r.units.size() == 3);
    for (std::size_t i = 1; i < r.units.size(); ++i) CHECK(r.units[i - 1].unit < r.units[i].unit);
    const std::string page = to_html(r);
    CHECK(page.find("<th>排名</th>") == std::string::npos);
    CHECK(page.find("各单位完成情况</h2>") != std::string::npos);
    CHECK(page.find("排名依完成率") == std::string::npos);
    CHECK(page.find("发布单位：湖南省教育厅教师工作处") != std::string::npos);
    const std::string csv = to_csv(r);
    CHECK(csv.rfind("单位,类别,", 0) == 0);
    const auto j = nlohmann::json::parse(to_json_text(r));
    CHECK(j["ranked"] == false);
    CHECK(j["issuer"] == "湖南省教育厅教师工作处");
    for (const auto& u : j["units"]) CHECK(u["rank"].is_null());
}

TEST_CASE("report page: printed, the total row stays with the table's last rows; a phone gets its own layout") {
    const Program program = Program::load("hunan-2023-mh-winter");
    const std::string page = to_html(report(program, cohort(), nullptr, std::nullopt));
    const std::size_t tail = page.find("<tbody class=\"keep tail\">");
    const std::size_t total = page.find("<tr class=\"total\">", tail);
    REQUIRE(tail != std::string::npos);
    CHECK(total != std::string::npos);
    CHECK(page.find("</tbody>", tail) > total);  // the total is inside the kept group
    CHECK(page.find("counter(page)") != std::string::npos);
    CHECK(page.find("@media screen and (max-width: 600px)") != std::string::npos);
}

TEST_CASE("report --previous (较上期): each unit's change since an earlier report") {
    const Program program = Program::load("hunan-2023-mh-winter");
    const auto rows = census();
    // The earlier report: as of 2023-01-12, before P5, P7 and P8 completed.
    const Report before = report(program, cohort(), &rows, *parse_as_of("2023-01-12", program.time_zone()));
    Report now = report(program, cohort(), &rows, std::nullopt);
    now.previous = previous_report_from_json(nlohmann::json::parse(to_json_text(before)));
    CHECK(now.previous->cut_off == "2023-01-13T00:00:00+08:00");
    CHECK(now.previous->total.completed == before.target.completed);
    const auto j = nlohmann::json::parse(to_json_text(now));
    CHECK(j["totals"]["change"]["completed"] == static_cast<long long>(now.target.completed - before.target.completed));
    CHECK(j["previous"]["cut_off"] == "2023-01-13T00:00:00+08:00");
    for (const auto& u : j["units"]) {
        const UnitReport& b = unit(before, u["unit"].get<std::string>());
        CHECK(u["change"]["completed"] == static_cast<long long>(u["target"]["completed"].get<long long>() - b.target.completed));
    }
    const std::string page = to_html(now);
    CHECK(page.find("<th>较上期</th>") != std::string::npos);
    CHECK(page.find("较上期（截至 2023年1月12日 24:00）完成人数 +") != std::string::npos);
    CHECK(page.find("个百分点") != std::string::npos);
    // Not a report: a clear error, not a crash.
    CHECK_THROWS_AS((void)previous_report_from_json(nlohmann::json::parse(R"({"units": []})")), std::invalid_argument);
    CHECK_THROWS_AS((void)previous_report_from_json(nlohmann::json::parse(R"([1, 2])")), std::invalid_argument);
    CHECK_THROWS_AS((void)previous_report_from_json(nlohmann::json::parse(
                        R"({"totals": {"target": {"registered": -1, "started": 0, "completed": 0}}, "units": []})")),
                    std::invalid_argument);
}
