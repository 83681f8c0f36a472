// xAPI conformance: the statement checks (xapi_check.hpp) rule by rule, the
// score scale, StatementResult pages, cmi5 sessions, and the real fixtures
// of tests/data/xapi (cmi5 samples, Open edX's event-routing-backends, the
// ADL conformance suite's templates).

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yanxiu/io/xapi.hpp>
#include <yanxiu/yanxiu.hpp>

#include "io/xapi_check.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace xc = yanxiu::detail::xapi;
using nlohmann::json;

namespace {

const fs::path kFixtures = fs::path(YANXIU_SOURCE_DIR) / "tests" / "data" / "xapi";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const yanxiu::Program& program() {
    static const auto p = yanxiu::Program::load("moe-2023-mh-winter");
    return p;
}

/// A valid statement: T1 attended L01 for 30 minutes.
json base() {
    return json::parse(R"({
      "id": "6f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c5",
      "actor": {"objectType": "Agent", "name": "T", "account": {"homePage": "https://platform.example.cn", "name": "T1"}},
      "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"zh-CN": "参加", "en-US": "attended"}},
      "object": {"objectType": "Activity", "id": "https://platform.example.cn/course/L01",
                 "definition": {"name": {"zh-Hans-CN": "第一课"}, "type": "http://adlnet.gov/expapi/activities/lesson"}},
      "result": {"duration": "PT30M", "completion": true},
      "context": {"registration": "0f8e7d6c-5b4a-4392-a1b0-c9d8e7f6a5b4", "language": "zh-CN",
                  "contextActivities": {"parent": [{"id": "https://platform.example.cn/course"}]},
                  "extensions": {"https://platform.example.cn/ext/device": null}},
      "timestamp": "2023-01-10T19:30:00+08:00",
      "version": "1.0.3"
    })");
}

/// The first problem check_statement finds, as "code field" (empty when valid).
std::string problem(const json& s) {
    auto e = xc::check_statement(s, program().time_zone());
    return e ? std::string(yanxiu::to_string(e->code)) + " " + e->field : std::string();
}

/// Reads statements for one participant T1 and returns the summary.
yanxiu::XapiSummary read(yanxiu::Dataset& data, const std::string& text) {
    data.read_participants("{\"id\":\"T1\",\"category\":\"other\"}\n{\"id\":\"Learner\",\"category\":\"other\"}\n",
                           "p.jsonl");
    return yanxiu::read_xapi(data, text, "s.json");
}

/// The outcome of one participant, if evaluated.
const yanxiu::Outcome* outcome_of(const yanxiu::Evaluation& evaluation, const std::string& id) {
    for (const auto& o : evaluation.outcomes)
        if (o.participant == id) return &o;
    return nullptr;
}

}  // namespace

TEST_CASE("xapi_valid: the base statement and the valid forms the old reader refused") {
    CHECK(problem(base()) == "");
    struct Case {
        const char* what;
        void (*edit)(json&);
    };
    const Case valid[] = {
        {"negative scaled score", [](json& s) { s["result"]["score"] = {{"scaled", -1}}; }},
        {"raw with a negative min", [](json& s) { s["result"]["score"] = {{"raw", -5}, {"min", -10}, {"max", 10}}; }},
        {"min equal to max", [](json& s) { s["result"]["score"] = {{"raw", 0}, {"min", 0}, {"max", 0}}; }},
        {"raw without min or max", [](json& s) { s["result"]["score"] = {{"raw", 12345}}; }},
        {"duration with zero calendar parts", [](json& s) { s["result"]["duration"] = "P0Y0M1DT0H"; }},
        {"duration in weeks", [](json& s) { s["result"]["duration"] = "P4W"; }},
        {"duration with every part", [](json& s) { s["result"]["duration"] = "P3Y1M29DT4H35M59.14S"; }},
        {"duration with a comma fraction", [](json& s) { s["result"]["duration"] = "PT1,5H"; }},
        {"offset +0800", [](json& s) { s["timestamp"] = "2023-01-10T19:30:00+0800"; }},
        {"offset +08", [](json& s) { s["timestamp"] = "2023-01-10T19:30:00.123+08"; }},
        {"basic format", [](json& s) { s["timestamp"] = "20230110T193000Z"; }},
        {"no offset in 1.0", [](json& s) { s["timestamp"] = "2023-01-10T19:30:00"; }},
        {"mbox actor", [](json& s) { s["actor"] = {{"mbox", "mailto:t1@example.cn"}}; }},
        {"mbox_sha1sum actor", [](json& s) { s["actor"] = {{"mbox_sha1sum", std::string(40, 'a')}}; }},
        {"openid actor", [](json& s) { s["actor"] = {{"openid", "https://id.example.cn/T1"}}; }},
        {"anonymous group", [](json& s) {
             s["actor"] = {{"objectType", "Group"}, {"member", {{{"mbox", "mailto:a@example.cn"}}}}};
         }},
        {"no version", [](json& s) { s.erase("version"); }},
        {"version 1.0", [](json& s) { s["version"] = "1.0"; }},
        {"language tag und", [](json& s) { s["verb"]["display"] = {{"und", "attended"}}; }},
        {"empty extensions", [](json& s) { s["result"]["extensions"] = json::object(); }},
        {"2.0 contextAgents", [](json& s) {
             s["version"] = "2.0.0";
             s["context"]["contextAgents"] = json::parse(
                 R"([{"objectType":"contextAgent","agent":{"mbox":"mailto:tutor@example.cn"},"relevantTypes":["https://example.cn/tutor"]}])");
         }},
        {"a media type with parameters", [](json& s) {
             s["attachments"] = json::parse(
                 R"([{"usageType":"http://id.tincanapi.com/attachment/supporting_media","display":{"en-US":"a"},"contentType":"text/plain; charset=ascii","length":27.0,"sha2":"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}])");
         }},
        {"the nil UUID", [](json& s) { s["id"] = "00000000-0000-0000-0000-000000000000"; }},
        {"a long duration", [](json& s) { s["result"]["duration"] = "PT0." + std::string(100, '0') + "1S"; }},
        {"a SubStatement with the voided verb", [](json& s) {
             s["context"].erase("revision");
             s["object"] = json::parse(
                 R"({"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"id":"https://o/x"}})");
         }},
        {"a SubStatement object", [](json& s) {
             s["context"].erase("revision");
             s["object"] = json::parse(
                 R"({"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.cn"},"verb":{"id":"https://v/x"},"object":{"id":"https://o/x"}})");
         }},
    };
    for (const auto& c : valid) {
        json s = base();
        c.edit(s);
        INFO(c.what, ": ", s.dump());
        CHECK(problem(s) == "");
    }
}

TEST_CASE("xapi_invalid: what an LRS must reject is rejected, naming the field and the rule") {
    struct Case {
        const char* what;
        void (*edit)(json&);
        const char* expected;
    };
    const Case invalid[] = {
        {"scaled above 1", [](json& s) { s["result"]["score"] = {{"scaled", 1.01}}; }, "bad_score result.score.scaled"},
        {"scaled below -1", [](json& s) { s["result"]["score"] = {{"scaled", -1.5}}; }, "bad_score result.score.scaled"},
        {"score not an object", [](json& s) { s["result"]["score"] = 12345; }, "bad_type result.score"},
        {"raw above max", [](json& s) { s["result"]["score"] = {{"raw", 11}, {"max", 10}}; }, "bad_score result.score.raw"},
        {"raw below min", [](json& s) { s["result"]["score"] = {{"raw", -1}, {"min", 0}}; }, "bad_score result.score.raw"},
        {"min above max", [](json& s) { s["result"]["score"] = {{"min", 5}, {"max", 1}}; }, "bad_score result.score.min"},
        {"max as a string", [](json& s) { s["result"]["score"] = {{"raw", 1}, {"max", "10"}}; }, "bad_type result.score.max"},
        {"an unknown score key", [](json& s) { s["result"]["score"] = {{"percent", 80}}; }, "unknown_key result.score.percent"},
        {"success as a string", [](json& s) { s["result"]["success"] = "true"; }, "bad_type result.success"},
        {"completion as an object", [](json& s) { s["result"]["completion"] = {{"v", true}}; }, "bad_type result.completion"},
        {"numeric response", [](json& s) { s["result"]["response"] = 3; }, "bad_type result.response"},
        {"extension key not an IRI", [](json& s) { s["result"]["extensions"] = {{"progress", 1}}; }, "bad_iri result.extensions.progress"},
        {"mbox without mailto", [](json& s) { s["actor"] = {{"mbox", "t1@example.cn"}}; }, "bad_iri actor.mbox"},
        {"two identifiers", [](json& s) { s["actor"]["mbox"] = "mailto:t1@example.cn"; }, "bad_actor actor"},
        {"no identifier", [](json& s) { s["actor"] = {{"name", "T"}}; }, "bad_actor actor"},
        {"account without homePage", [](json& s) { s["actor"]["account"].erase("homePage"); }, "missing_field actor.account.homePage"},
        {"bad sha1", [](json& s) { s["actor"] = {{"mbox_sha1sum", "abc"}}; }, "bad_value actor.mbox_sha1sum"},
        {"objectType agent in lower case", [](json& s) { s["actor"]["objectType"] = "agent"; }, "bad_value actor.objectType"},
        {"verb id not an IRI", [](json& s) { s["verb"]["id"] = "attended"; }, "bad_iri verb.id"},
        {"object id not an IRI", [](json& s) { s["object"]["id"] = "L01"; }, "bad_iri object.id"},
        {"object type not an IRI", [](json& s) { s["object"]["definition"]["type"] = "lesson"; }, "bad_iri object.definition.type"},
        {"registration not a UUID", [](json& s) { s["context"]["registration"] = "reg-1"; }, "bad_uuid context.registration"},
        {"statement id not a UUID", [](json& s) { s["id"] = "s1"; }, "bad_uuid id"},
        {"timestamp not ISO 8601", [](json& s) { s["timestamp"] = "2023/01/10 19:30"; }, "bad_timestamp timestamp"},
        {"timestamp with a space", [](json& s) { s["timestamp"] = "2023-01-10 19:30:00Z"; }, "bad_timestamp timestamp"},
        {"no offset in 2.0", [](json& s) { s["version"] = "2.0.0", s["timestamp"] = "2023-01-10T19:30:00"; }, "bad_timestamp timestamp"},
        {"duration without P", [](json& s) { s["result"]["duration"] = "30M"; }, "bad_duration result.duration"},
        {"duration PT", [](json& s) { s["result"]["duration"] = "PT"; }, "bad_duration result.duration"},
        {"duration with hours before T", [](json& s) { s["result"]["duration"] = "P1H"; }, "bad_duration result.duration"},
        {"duration fraction not last", [](json& s) { s["result"]["duration"] = "PT1.5H30M"; }, "bad_duration result.duration"},
        {"duration weeks and days", [](json& s) { s["result"]["duration"] = "P1W2D"; }, "bad_duration result.duration"},
        {"duration alternative format", [](json& s) { s["result"]["duration"] = "P0000-00-01T00:00:00"; }, "bad_duration result.duration"},
        {"duration as a number", [](json& s) { s["result"]["duration"] = 1800; }, "bad_type result.duration"},
        {"unknown top-level key", [](json& s) { s["score"] = 90; }, "unknown_key score"},
        {"key in the wrong case", [](json& s) { s["Actor"] = s["actor"]; s.erase("actor"); }, "unknown_key Actor"},
        {"null outside extensions", [](json& s) { s["result"]["response"] = nullptr; }, "empty_value result.response"},
        {"empty result", [](json& s) { s["result"] = json::object(); }, "empty_value result"},
        {"version 1.1", [](json& s) { s["version"] = "1.1.0"; }, "bad_value version"},
        {"language tag with underscore", [](json& s) { s["verb"]["display"] = {{"en_US", "attended"}}; }, "bad_value verb.display.en_US"},
        {"context language not a tag", [](json& s) { s["context"]["language"] = "chinese!"; }, "bad_value context.language"},
        {"contextAgents in 1.0", [](json& s) { s["context"]["contextAgents"] = json::array(); }, "unknown_key context.contextAgents"},
        {"contextActivities key", [](json& s) { s["context"]["contextActivities"]["sibling"] = json::array(); }, "unknown_key context.contextActivities.sibling"},
        {"revision on an agent object", [](json& s) {
             s["object"] = {{"objectType", "Agent"}, {"mbox", "mailto:a@example.cn"}};
             s["context"]["revision"] = "2";
         }, "unknown_key context.revision"},
        {"interaction type", [](json& s) { s["object"]["definition"]["interactionType"] = "essay"; }, "bad_value object.definition.interactionType"},
        {"pattern without interactionType", [](json& s) { s["object"]["definition"]["correctResponsesPattern"] = {"a"}; }, "missing_field object.definition.interactionType"},
        {"voiding a non-reference", [](json& s) { s["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"; }, "bad_value object.objectType"},
        {"sub-statement in a sub-statement", [](json& s) {
             s["context"].erase("revision");
             s["object"] = json::parse(R"({"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.cn"},"verb":{"id":"https://v/x"},"object":{"objectType":"SubStatement"}})");
         }, "bad_value object.object.objectType"},
        {"no actor", [](json& s) { s.erase("actor"); }, "missing_field actor"},
        {"a context activity's objectType", [](json& s) {
             s["context"]["contextActivities"]["parent"][0]["objectType"] = "activity";
         }, "bad_value context.contextActivities.parent[0].objectType"},
        {"mbox with two addresses", [](json& s) { s["actor"] = {{"mbox", "mailto:a@b@c"}}; }, "bad_iri actor.mbox"},
        {"mbox with a query", [](json& s) { s["actor"] = {{"mbox", "mailto:a@b.cn?subject=hi"}}; }, "bad_iri actor.mbox"},
        {"a media type without a subtype", [](json& s) {
             s["attachments"] = json::parse(R"([{"usageType":"https://u/x","display":{"en":"x"},"contentType":"text","length":1,"sha2":"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}])");
         }, "bad_value attachments[0].contentType"},
        {"group authority of three", [](json& s) {
             s["authority"] = json::parse(R"({"objectType":"Group","member":[{"mbox":"mailto:a@x.cn"},{"mbox":"mailto:b@x.cn"},{"mbox":"mailto:c@x.cn"}]})");
         }, "bad_actor authority"},
        {"attachment without sha2", [](json& s) {
             s["attachments"] = json::parse(R"([{"usageType":"https://u/x","display":{"en":"x"},"contentType":"text/plain","length":1}])");
         }, "missing_field attachments[0].sha2"},
    };
    for (const auto& c : invalid) {
        json s = base();
        c.edit(s);
        INFO(c.what, ": ", s.dump());
        CHECK(problem(s) == c.expected);
    }
}

TEST_CASE("xapi_invalid: an invalid statement is rejected before it can credit time or open a quiz") {
    // The issue's cases: scaled 1.01 on attended still credited its duration;
    // passed with "score": 12345 opened the lesson.
    json attended = base();
    attended["result"]["score"] = {{"scaled", 1.01}};
    json passed = base();
    passed["id"] = "7f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c6";
    passed["verb"]["id"] = "http://adlnet.gov/expapi/verbs/passed";
    passed["result"] = {{"score", 12345}};
    yanxiu::Dataset data(program());
    auto s = read(data, attended.dump() + "\n" + passed.dump() + "\n");
    CHECK(s.read == 2);
    CHECK(s.rejected == 2);
    CHECK(s.mapped == 0);
    CHECK(data.events().size() == 0);
    REQUIRE(data.rejections().size() == 2);
    CHECK(data.rejections()[0].line == 1);
    CHECK(data.rejections()[0].code == yanxiu::RejectCode::bad_score);
    CHECK(data.rejections()[1].field == "result.score");
}

TEST_CASE("xapi_score: scaled and raw map onto the 0-100 pass_score scale, at every edge") {
    struct Case {
        json score;
        std::optional<double> expected;
    };
    const Case cases[] = {
        {{{"scaled", 1}}, 100},
        {{{"scaled", 0}}, 0},
        {{{"scaled", 0.6}}, 60},
        {{{"scaled", -1}}, 0},     // a valid failed attempt: 0, never a rejection
        {{{"scaled", -0.25}}, 0},
        {{{"scaled", 0.5}, {"raw", 90}, {"max", 100}}, 50},  // scaled wins
        {{{"raw", 3}, {"max", 4}}, 75},                      // min taken as 0
        {{{"raw", -10}, {"min", -10}, {"max", 10}}, 0},      // raw at min
        {{{"raw", 10}, {"min", -10}, {"max", 10}}, 100},     // raw at max
        {{{"raw", 0}, {"min", -10}, {"max", 10}}, 50},
        {{{"raw", 7}, {"min", 5}, {"max", 9}}, 50},
        {{{"raw", 0}, {"min", 0}, {"max", 0}}, std::nullopt},  // no scale to place raw on
        {{{"raw", 80}}, std::nullopt},                         // raw alone: not a percentage
        {{{"max", 10}}, std::nullopt},
    };
    for (const auto& c : cases) {
        json s = base();
        s["verb"]["id"] = "http://adlnet.gov/expapi/verbs/failed";
        s["result"] = {{"score", c.score}};
        INFO(c.score.dump());
        yanxiu::Dataset data(program());
        auto summary = read(data, s.dump());
        REQUIRE(summary.mapped == 1);
        auto e = data.events().row(0);
        CHECK(e.kind == yanxiu::EventKind::quiz);
        if (c.expected) CHECK(e.score == doctest::Approx(*c.expected));
        else CHECK(std::isnan(e.score));
        CHECK(e.completed);  // a failed attempt is a completed one unless result.completion says not
    }
}

TEST_CASE("xapi_score: a failed attempt with a negative scaled score opens the lesson under quiz mode completed") {
    json study = base();
    json quiz = base();
    quiz["id"] = "7f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c6";
    quiz["verb"]["id"] = "http://adlnet.gov/expapi/verbs/failed";
    quiz["result"] = {{"score", {{"scaled", -0.5}}}};
    quiz["timestamp"] = "2023-01-10T19:40:00+08:00";
    yanxiu::Dataset data(program());
    auto s = read(data, study.dump() + "\n" + quiz.dump() + "\n");
    CHECK(s.mapped == 2);
    const auto evaluation = yanxiu::evaluate(data);
    const yanxiu::Outcome* t1 = outcome_of(evaluation, "T1");
    REQUIRE(t1);
    CHECK(t1->lessons_credited == 1);
}

TEST_CASE("xapi_duration: ISO 8601 durations, and how calendar parts and weeks are measured") {
    auto seconds = [](const char* text) {
        auto d = xc::parse_iso_duration(text);
        REQUIRE(d);
        return d->seconds;
    };
    CHECK(seconds("PT45M") == 2700);
    CHECK(seconds("P0Y0M1DT0H") == 86400);
    CHECK(seconds("P4W") == 28 * 86400);
    CHECK(seconds("PT16559.14S") == doctest::Approx(16559.14));
    CHECK(seconds("PT03M15S") == 195);  // Open edX writes leading zeros
    CHECK(seconds("PT1,5H") == 5400);
    auto calendar = xc::parse_iso_duration("P3Y1M29DT4H35M59.14S");
    REQUIRE(calendar);
    CHECK(calendar->calendar());
    CHECK(calendar->years == 3);
    CHECK(calendar->months == 1);
    CHECK(!xc::parse_iso_duration("P0Y0M1DT0H")->calendar());
    for (const char* bad : {"", "P", "PT", "P1DT", "PT-1S", "-PT1S", "P1S", "PT1D", "PT1M1H", "P1Y1Y", "PT.5S",
                            "PT5.S", "P1.5DT1H", "P2W1D", "PT1H ", "pt1h"}) {
        INFO(bad);
        CHECK(!xc::parse_iso_duration(bad));
    }
    // As study: a duration with non-zero years or months is a session over
    // 24 hours; P0Y0M1DT0H is exactly 24 hours and kept.
    for (auto [text, code] : {std::pair{"P0Y0M1DT0H", std::optional<yanxiu::RejectCode>{}},
                              std::pair{"P1M", std::optional{yanxiu::RejectCode::session_too_long}},
                              std::pair{"P4W", std::optional{yanxiu::RejectCode::session_too_long}},
                              std::pair{"PT24H0.5S", std::optional{yanxiu::RejectCode::session_too_long}}}) {
        INFO(text);
        json s = base();
        s["result"]["duration"] = text;
        yanxiu::Dataset data(program());
        auto summary = read(data, s.dump());
        if (code) {
            REQUIRE(data.rejections().size() == 1);
            CHECK(data.rejections()[0].code == *code);
        } else {
            CHECK(summary.mapped == 1);
            CHECK((data.events().row(0).end - data.events().row(0).start).count() == 86400);
        }
    }
}

TEST_CASE("xapi_timestamp: extended and basic formats, every offset form, the same instant") {
    const auto& zone = program().time_zone();
    const auto expected = *yanxiu::parse_instant("2023-01-10T11:30:00Z", zone);
    for (const char* text : {"2023-01-10T19:30:00+08:00", "2023-01-10T19:30:00+0800", "2023-01-10T19:30:00+08",
                             "20230110T193000+0800", "20230110T193000+08", "2023-01-10T11:30:00Z",
                             "2023-01-10T11:30:00.999Z", "2023-01-10T11:30:00,5Z", "2023-01-10T19:30+08:00",
                             "2023-01-10T19:30:00"}) {
        INFO(text);
        auto at = xc::parse_xapi_timestamp(text, xc::Version::v1_0, zone);
        REQUIRE(at);
        CHECK(*at == expected);
    }
    for (const char* bad : {"2023-01-10", "2023-01-10T19", "2023-01-10T19:30:00+8", "2023-01-10T19:30:00+08:0",
                            "2023-01-10T19:30:00-00:00", "2023-02-30T10:00:00Z", "2023-01-10T24:00:00Z",
                            "2023-01-10T19:30:00 +08:00", "2023-01-10T1930+08", "20230110T19:30:00Z",
                            "2023-01-10T19:30:00Zjunk"}) {
        INFO(bad);
        CHECK(!xc::parse_xapi_timestamp(bad, xc::Version::v1_0, zone));
    }
    CHECK(!xc::parse_xapi_timestamp("2023-01-10T19:30:00", xc::Version::v2_0, zone));
}

TEST_CASE("xapi_formats: IRIs, UUIDs and language tags") {
    for (const char* iri : {"https://example.cn/a", "urn:uuid:6f0e1c2d", "mailto:a@b", "http://例子.中国/课程",
                            "tag:example.cn,2023:x", "https://e.cn/a%20b"})
        CHECK_MESSAGE(xc::is_iri(iri), iri);
    for (const char* not_iri : {"", "L01", ":x", "1http://x", "https://e.cn/a b", "https://e.cn/<x>", "https:",
                                "https://e.cn/%zz", "438AD672-DE2C-4F0B-8876-35444E7DD746"})
        CHECK_MESSAGE(!xc::is_iri(not_iri), not_iri);
    CHECK(xc::is_uuid("6f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c5"));
    CHECK(xc::is_uuid("6F0E1C2D-3B4A-4C5D-BE6F-708192A3B4C5"));
    CHECK(!xc::is_uuid("6f0e1c2d3b4a4c5d8e6f708192a3b4c5"));
    CHECK(!xc::is_uuid("6f0e1c2d-3b4a-4c5d-ce6f-708192a3b4c5"));  // not the RFC 4122 variant
    CHECK(!xc::is_uuid("{6f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c5}"));
    for (const char* tag : {"en", "en-US", "zh-CN", "zh-Hans-CN", "und", "es-419", "sl-rozaj-biske", "de-CH-1901",
                            "x-private", "en-US-x-twain", "i-klingon", "zh-yue-HK", "en-a-bbb-x-a-ccc"})
        CHECK_MESSAGE(xc::is_language_tag(tag), tag);
    for (const char* tag : {"", "en_US", "e", "en-", "-en", "toolongtag", "en-US-", "zh-Hans-CN-1", "en-a-x", "12",
                            "en-a-bb-a-cc"})
        CHECK_MESSAGE(!xc::is_language_tag(tag), tag);
}

TEST_CASE("xapi_pages: a StatementResult, and a file of several pages, read as their statements with their lines") {
    json one = base();
    json two = base();
    two["id"] = "7f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c6";
    two["object"]["id"] = "https://platform.example.cn/course/L02";
    json bad = base();
    bad["id"] = "8f0e1c2d-3b4a-4c5d-8e6f-708192a3b4c7";
    bad["result"]["duration"] = "PT";
    const json page1 = {{"statements", {one, bad}}, {"more", "/xapi/statements?more=abc"}};
    const json page2 = {{"statements", {two}}, {"more", ""}};
    SUBCASE("one page, pretty-printed") {
        yanxiu::Dataset data(program());
        auto s = read(data, page1.dump(2));
        CHECK(s.pages == 1);
        CHECK(s.read == 2);
        CHECK(s.mapped == 1);
        REQUIRE(data.rejections().size() == 1);
        // The bad statement starts on the line its '{' is on inside the page.
        const std::string text = page1.dump(2);
        const auto at = text.find("\"duration\": \"PT\"");
        const auto statement_start = text.rfind("\n    {", at);
        const auto line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(statement_start) + 1, '\n'));
        CHECK(data.rejections()[0].line == line);
        CHECK(data.rejections()[0].code == yanxiu::RejectCode::bad_duration);
    }
    SUBCASE("pages one per line, as following `more` gives them") {
        yanxiu::Dataset data(program());
        auto s = read(data, page1.dump() + "\n" + page2.dump() + "\n");
        CHECK(s.pages == 2);
        CHECK(s.read == 3);
        CHECK(s.mapped == 2);
        CHECK(s.reconciles());
        REQUIRE(data.rejections().size() == 1);
        CHECK(data.rejections()[0].line == 1);
    }
    SUBCASE("pages in an array, and an empty page") {
        yanxiu::Dataset data(program());
        const json pages = {page2, {{"statements", json::array()}, {"more", ""}}, page1};
        auto s = read(data, pages.dump(1));
        CHECK(s.pages == 3);
        CHECK(s.read == 3);
        CHECK(s.mapped == 2);
    }
    SUBCASE("a page whose statements is not an array is one rejection") {
        yanxiu::Dataset data(program());
        auto s = read(data, R"({"statements": {"x": 1}, "more": ""})");
        CHECK(s.read == 1);
        CHECK(s.rejected == 1);
    }
}

namespace {

/// A cmi5 scenario's statements, one file after another, in their order.
std::string scenario(const std::string& name) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(kFixtures / "cmi5" / name)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::string text;
    for (const auto& f : files) text += slurp(f) + "\n";
    return text;
}

}  // namespace

TEST_CASE("xapi_cmi5: launched ... terminated is one study session of the cmi5 duration, placed from the launch") {
    yanxiu::Dataset data(program());
    auto s = read(data, scenario("01-typical-non_credit_session"));
    CHECK(s.read == 3);
    CHECK(s.mapped == 1);
    CHECK(s.sessions == 1);
    CHECK(s.ignored_by_verb["launched"] == 1);
    CHECK(s.ignored_by_verb["initialized"] == 1);
    REQUIRE(data.events().size() == 1);
    auto e = data.events().row(0);
    CHECK(e.kind == yanxiu::EventKind::study);
    // launched 12:21:42.380Z; terminated with PT14.93S (whole seconds: 14).
    CHECK(e.start == *yanxiu::parse_instant("2016-08-19T12:21:42Z", program().time_zone()));
    CHECK((e.end - e.start).count() == 14);
}

TEST_CASE("xapi_cmi5: an abandoned session keeps its time; passed and failed are quiz attempts; satisfied is ignored") {
    {
        yanxiu::Dataset data(program());
        auto s = read(data, scenario("17-abandoned_session"));
        CHECK(s.mapped == 1);
        CHECK(s.sessions == 1);
        REQUIRE(data.events().size() == 1);
        CHECK((data.events().row(0).end - data.events().row(0).start).count() == 11);  // PT11.26S
    }
    {
        yanxiu::Dataset data(program());
        auto s = read(data, scenario("11-completed_and_passed-masteryScore-failed_first"));
        CHECK(s.reconciles());
        CHECK(s.ignored_by_verb["satisfied"] >= 1);
        std::size_t quizzes = 0, studies = 0;
        for (std::size_t i = 0; i < data.events().size(); ++i)
            (data.events().row(i).kind == yanxiu::EventKind::quiz ? quizzes : studies) += 1;
        CHECK(quizzes >= 2);  // the failed attempt, then passed and completed
        CHECK(studies >= 1);
        CHECK(s.rejected == 0);
    }
}

TEST_CASE("xapi_cmi5: waived is a manual credit of the lesson's catalogue length, by the authority") {
    const auto programme = yanxiu::Program::from_json(
        R"({"extends": "moe-2023-mh-winter", "id": "t", "version": "1",
            "lessons": [{"id": "au1", "title": "AU 1", "minutes": 40}]})");
    json waived = json::parse(R"({
      "id": "9a0e1c2d-3b4a-4c5d-8e6f-708192a3b4c8",
      "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.cn", "name": "T1"}},
      "verb": {"id": "https://w3id.org/xapi/adl/verbs/waived", "display": {"en-US": "waived"}},
      "object": {"objectType": "Activity", "id": "https://lms.example.cn/au/au1"},
      "result": {"success": true, "completion": true,
                 "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/reason": "Tested Out"}},
      "context": {"registration": "0f8e7d6c-5b4a-4392-a1b0-c9d8e7f6a5b4",
                  "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "waiver-1"},
                  "contextActivities": {"category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}]}},
      "timestamp": "2023-01-12T09:00:00+08:00",
      "authority": {"objectType": "Agent", "account": {"homePage": "https://lms.example.cn", "name": "county-office"}}
    })");
    yanxiu::Dataset data(programme);
    data.read_participants("{\"id\":\"T1\",\"category\":\"homeroom\"}\n", "p.jsonl");
    auto s = yanxiu::read_xapi(data, waived.dump(), "s.json");
    CHECK(s.mapped == 1);
    REQUIRE(data.events().size() == 1);
    CHECK(data.events().row(0).kind == yanxiu::EventKind::credit);
    const auto evaluation = yanxiu::evaluate(data);
    const yanxiu::Outcome* t1 = outcome_of(evaluation, "T1");
    REQUIRE(t1);
    CHECK(t1->lessons_credited == 1);
    CHECK(t1->seconds_credited.count() == 2400);
    // Outside the window, a credit cannot be entered: rejected, not dropped.
    waived["timestamp"] = "2023-03-01T09:00:00+08:00";
    yanxiu::Dataset late(programme);
    late.read_participants("{\"id\":\"T1\",\"category\":\"homeroom\"}\n", "p.jsonl");
    auto l = yanxiu::read_xapi(late, waived.dump(), "s.json");
    CHECK(l.rejected == 1);
    REQUIRE(late.rejections().size() == 1);
    CHECK(late.rejections()[0].code == yanxiu::RejectCode::outside_window);
}

TEST_CASE("xapi_openedx: problem checks, video completion and course grades as Open edX emits them") {
    auto one = [](const char* name) { return slurp(kFixtures / "openedx" / name); };
    const std::string learner = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb";
    yanxiu::Dataset data(program());
    data.read_participants("{\"id\":\"" + learner + "\",\"category\":\"other\"}\n", "p.jsonl");
    auto check = yanxiu::read_xapi(data, one("problem_check(server).json"), "problem_check.json");
    CHECK(check.mapped == 1);  // `evaluated` with a score: a quiz attempt
    auto video = yanxiu::read_xapi(data, one("complete_video.json"), "complete_video.json");
    CHECK(video.mapped == 1);  // `completed` with PT03M15S: a study session
    auto played = yanxiu::read_xapi(data, one("play_video.json"), "play_video.json");
    CHECK(played.ignored == 1);  // a video position, not a duration
    auto passed = yanxiu::read_xapi(data, one("edx.course.grade.now_passed.json"), "now_passed.json");
    CHECK(passed.mapped == 1);
    REQUIRE(data.events().size() == 3);
    const auto& lessons = data.lessons();
    CHECK(lessons.str(data.events().row(0).lesson).find("type@problem") != std::string::npos);
    CHECK(data.events().row(0).kind == yanxiu::EventKind::quiz);
    CHECK(data.events().row(0).score == doctest::Approx(0));
    CHECK(data.events().row(1).kind == yanxiu::EventKind::study);
    CHECK((data.events().row(1).end - data.events().row(1).start).count() == 195);
    // min = max = 0 is valid xAPI (raw alone could not be placed; scaled 0 is the score).
    yanxiu::Dataset zero_data(program());
    zero_data.read_participants("{\"id\":\"" + learner + "\",\"category\":\"other\"}\n", "p.jsonl");
    auto zero = yanxiu::read_xapi(zero_data, one("problem_check(server).max_grade_0.json"), "max_grade_0.json");
    CHECK(zero.mapped == 1);
    REQUIRE(zero_data.events().size() == 1);
    CHECK(zero_data.events().row(0).score == doctest::Approx(0));
}

TEST_CASE("xapi_fixtures: every fixture file reconciles, and the ADL templates' valid defaults pass the checks") {
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(kFixtures)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
        ++files;
        INFO(entry.path().string());
        yanxiu::Dataset data(program());
        auto s = yanxiu::read_xapi(data, slurp(entry.path()), entry.path().filename().string());
        CHECK(s.reconciles());
        CHECK(s.read >= 1);
    }
    CHECK(files > 250);
    // The suite's complete statements that it posts as valid.
    for (const char* name : {"statements/default.json", "statements/object_statementref.json",
                             "statements/attachment.json"}) {
        const auto path = kFixtures / "adl-conformance" / "v1_0_3" / name;
        if (!fs::exists(path)) continue;
        INFO(name);
        auto s = json::parse(slurp(path), nullptr, false);
        REQUIRE(!s.is_discarded());
        CHECK(problem(s) == "");
    }
}

TEST_CASE("xapi_invalid: a key twice in one object is refused, in a small object and past 32 keys") {
    for (int keys : {3, 40, 5000}) {
        INFO(keys, " extension keys");
        std::string extensions;
        for (int k = 0; k < keys; ++k) extensions += "\"https://e.cn/k" + std::to_string(k) + "\":1,";
        const std::string repeated = extensions + "\"https://e.cn/k1\":2";  // k1 again, last
        for (const auto& body : {extensions.substr(0, extensions.size() - 1), repeated}) {
            json s = base();
            s.erase("result");
            std::string text = s.dump();
            text.insert(text.size() - 1, ",\"result\":{\"duration\":\"PT30M\",\"extensions\":{" + body + "}}");
            yanxiu::Dataset data(program());
            auto summary = read(data, text);
            const bool twice = body == repeated;
            CHECK(summary.rejected == (twice ? 1u : 0u));
            if (twice) CHECK(data.rejections()[0].code == yanxiu::RejectCode::duplicate_key);
        }
    }
}

TEST_CASE("xapi_pages: a statement with a statements key is a statement, refused, never a page") {
    json s = base();
    s["statements"] = json::array({base()});
    yanxiu::Dataset data(program());
    auto summary = read(data, s.dump());
    CHECK(summary.pages == 0);
    CHECK(summary.read == 1);
    CHECK(summary.rejected == 1);
    REQUIRE(data.rejections().size() == 1);
    CHECK(data.rejections()[0].code == yanxiu::RejectCode::unknown_key);
}

TEST_CASE("xapi_voiding: statement ids are compared without regard to case, as UUIDs are") {
    json target = base();
    target["id"] = "EC231277-B27B-4C15-8291-D29225B2B8F7";
    json voiding = base();
    voiding["id"] = "1c231277-b27b-4c15-8291-d29225b2b8f7";
    voiding["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided";
    voiding["object"] = {{"objectType", "StatementRef"}, {"id", "ec231277-b27b-4c15-8291-d29225b2b8f7"}};
    voiding["context"].erase("revision");
    yanxiu::Dataset data(program());
    auto summary = read(data, target.dump() + "\n" + voiding.dump() + "\n");
    CHECK(summary.voided == 1);
    CHECK(summary.mapped == 0);
}

TEST_CASE("xapi_hostile: 200,000 lines that each open a brace are rejected one by one in linear time") {
    // Each unclosed '{' used to be scanned to the end of the text again.
    std::string text;
    for (int i = 0; i < 200000; ++i) text += "{\n";
    yanxiu::Dataset data(program());
    auto summary = read(data, text);
    CHECK(summary.read == 200000);
    CHECK(summary.rejected == 200000);
    CHECK(summary.reconciles());
}
