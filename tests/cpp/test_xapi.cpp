// The xAPI reader (xapi.hpp) on real statements (../shared/data/xapi: datasim
// and Moodle's log store) and on small statements written here.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yanxiu/yanxiu.hpp>
#include <yanxiu/io/xapi.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kXapi = fs::path(YANXIU_SOURCE_DIR) / ".." / "shared" / "data" / "xapi";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The participant an actor names, as the reader takes it.
std::string actor_id(const nlohmann::json& actor) {
    if (actor.contains("account") && actor["account"].contains("name")) return actor["account"]["name"];
    if (actor.contains("mbox")) return actor["mbox"].get<std::string>().substr(7);
    if (actor.contains("openid")) return actor["openid"];
    return "";
}

/// Participants made up from every actor in the files (those nlohmann can read).
std::string participants_from(const std::vector<fs::path>& files) {
    std::set<std::string> ids;
    for (const auto& path : files) {
        auto doc = nlohmann::json::parse(slurp(path), nullptr, false);
        if (doc.is_discarded()) continue;
        if (doc.is_object()) doc = nlohmann::json::array({doc});
        for (const auto& s : doc)
            if (s.is_object() && s.contains("actor"))
                if (auto id = actor_id(s["actor"]); !id.empty()) ids.insert(id);
    }
    std::string out;
    for (const auto& id : ids) out += nlohmann::json{{"id", id}, {"category", "other"}}.dump() + "\n";
    return out;
}

std::vector<fs::path> statement_files() {
    std::vector<fs::path> files;
    if (!fs::exists(kXapi)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(kXapi))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

const yanxiu::Program& program() {
    static const auto p = yanxiu::Program::load("moe-2023-mh-winter");  // an empty lesson catalogue
    return p;
}

}  // namespace

TEST_CASE("xapi: every real statement is accounted for") {
    const auto files = statement_files();
    if (files.empty()) return;  // the shared data is not checked out here
    CHECK(files.size() > 100);
    yanxiu::Dataset data(program());
    data.read_participants(participants_from(files), "actors.jsonl");
    yanxiu::XapiSummary total;
    for (const auto& path : files) {
        INFO("file ", path.string());
        auto s = yanxiu::read_xapi_file(data, path.string());
        CHECK(s.reconciles());
        CHECK(s.read > 0);
        total.read += s.read, total.mapped += s.mapped, total.ignored += s.ignored, total.rejected += s.rejected,
            total.duplicates += s.duplicates;
        for (const auto& [verb, n] : s.ignored_by_verb) total.ignored_by_verb[verb] += n;
    }
    CHECK(total.reconciles());
    CHECK(data.event_summary().reconciles());
    CHECK(data.event_summary().read == total.mapped + total.rejected + total.duplicates);
    CHECK(total.mapped >= 70);                    // datasim's 70 completed videos at least
    CHECK(total.ignored_by_verb["seeked"] == 857);  // datasim: not study
    CHECK(total.ignored_by_verb["interacted"] > 900);
    // Moodle's fixtures carry no timestamp: what maps is rejected, never dropped.
    for (const auto& r : data.rejections()) {
        CHECK(r.code == yanxiu::RejectCode::missing_field);
        CHECK(r.field == "timestamp");
    }
}

TEST_CASE("xapi: a datasim video completed with a duration is a study session ending at its timestamp") {
    const auto path = kXapi / "datasim" / "tccc_dev.json";
    if (!fs::exists(path)) return;
    yanxiu::Dataset data(program());
    data.read_participants(participants_from({path}), "actors.jsonl");
    auto s = yanxiu::read_xapi_file(data, path.string());
    CHECK(s.read == 2814);
    CHECK(s.mapped == 70);
    CHECK(s.rejected == 0);
    // Statement 3e23831f…: fred@example.org completed a video at
    // 2020-02-10T14:58:13.649Z with duration PT21H3M2S (75782 s).
    const auto fred = data.find_participant("fred@example.org");
    REQUIRE(fred);
    const auto end = *yanxiu::parse_instant("2020-02-10T14:58:13Z", program().time_zone());
    const auto& events = data.events();
    bool found = false;
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto e = events.row(i);
        if (e.participant != *fred || e.end != end) continue;
        found = true;
        CHECK(e.kind == yanxiu::EventKind::study);
        CHECK((e.end - e.start).count() == 75782);
        CHECK(data.lessons().str(e.lesson) == "415617fd-ce29-4de0-bc2b-dc8ae9c85c65");
    }
    CHECK(found);
}

TEST_CASE("xapi: a Moodle quiz attempt, given a timestamp, is a quiz with the scaled score") {
    const auto path = kXapi / "moodle-logstore_xapi" / "tests" / "mod_quiz" / "attempt_submitted" / "multichoice" /
                      "statements.json";
    if (!fs::exists(path)) return;
    auto statements = nlohmann::json::parse(slurp(path));
    REQUIRE(statements.size() == 2);
    for (auto& s : statements) s["timestamp"] = "2023-01-10T20:00:00+08:00";
    // The attempt's raw score is 50 of 100 but scaled is 0.0: scaled wins, as xAPI says.
    statements[0]["result"]["score"]["scaled"] = 0.75;
    yanxiu::Dataset data(program());
    data.read_participants("{\"id\":\"1\",\"category\":\"other\"}\n", "p.jsonl");
    auto options = *yanxiu::XapiOptions::parse("query:cmid");
    auto s = yanxiu::read_xapi(data, statements.dump(), "statements.json", options);
    CHECK(s.read == 2);
    CHECK(s.mapped == 1);  // `completed` on an attempt
    CHECK(s.ignored == 1);  // `answered` on a cmi.interaction is not an attempt's outcome
    CHECK(s.ignored_by_verb["answered"] == 1);
    REQUIRE(data.events().size() == 1);
    auto e = data.events().row(0);
    CHECK(e.kind == yanxiu::EventKind::quiz);
    CHECK(e.score == doctest::Approx(75));
    CHECK(e.completed);
    CHECK(data.lessons().str(e.lesson) == "1");
    CHECK(e.start == *yanxiu::parse_instant("2023-01-10T12:00:00Z", program().time_zone()));
    // Without scaled: raw / max.
    statements[0]["result"]["score"].erase("scaled");
    statements[0]["id"] = "5d0c7e3a-1b2c-4d5e-8f70-8192a3b4c5d6";
    yanxiu::Dataset again(program());
    again.read_participants("{\"id\":\"1\",\"category\":\"other\"}\n", "p.jsonl");
    (void)yanxiu::read_xapi(again, statements.dump(), "statements.json", options);
    REQUIRE(again.events().size() == 1);
    CHECK(again.events().row(0).score == doctest::Approx(50));
}

TEST_CASE("xapi: lesson mappings") {
    const std::string iri = "http://www.example.org/mod/quiz/attempt.php?attempt=1&cmid=7#top";
    CHECK(yanxiu::XapiOptions{}.lesson_of(iri) == "attempt.php");
    CHECK(yanxiu::XapiOptions{}.lesson_of("http://example.org/course/L01/") == "L01");
    CHECK(yanxiu::XapiOptions::parse("whole_iri")->lesson_of(iri) == iri);
    CHECK(yanxiu::XapiOptions::parse("query:cmid")->lesson_of(iri) == "7");
    CHECK(yanxiu::XapiOptions::parse("query:nope")->lesson_of(iri).empty());
    CHECK(!yanxiu::XapiOptions::parse("query:"));
    CHECK(!yanxiu::XapiOptions::parse("segments"));
}

namespace {

/// A UUID standing for a short test id ("s1"): the same id gives the same UUID.
std::string uuid(const std::string& id) {
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012llx",
                  static_cast<unsigned long long>(std::hash<std::string>{}(id) & 0xffffffffffffULL));
    return std::string("00000000-0000-4000-8000-") + tail;
}

nlohmann::json statement(const std::string& id, const std::string& verb, const std::string& object,
                         const std::string& duration = "PT30M") {
    nlohmann::json s = {{"id", uuid(id)},
                        {"actor", {{"account", {{"homePage", "http://example.org"}, {"name", "T1"}}}}},
                        {"verb", {{"id", "http://adlnet.gov/expapi/verbs/" + verb}}},
                        {"object", {{"id", object}}},
                        {"timestamp", "2023-01-10T19:30:00+08:00"}};
    if (!duration.empty()) s["result"]["duration"] = duration;
    return s;
}

}  // namespace

TEST_CASE("xapi: voiding works whichever statement comes first; duplicates are the Dataset's") {
    auto void_s1 = statement("v1", "voided", uuid("s1"), "");
    void_s1["object"]["objectType"] = "StatementRef";
    for (bool void_first : {true, false}) {
        INFO("voiding statement first: ", void_first);
        nlohmann::json list = nlohmann::json::array();
        if (void_first) list.push_back(void_s1);
        list.push_back(statement("s1", "terminated", "http://e.org/L01"));
        list.push_back(statement("s2", "attended", "http://e.org/L02"));
        list.push_back(statement("s2", "attended", "http://e.org/L02"));  // sent twice
        list.push_back(statement("s3", "experienced", "http://e.org/L03", ""));  // no duration: nothing
        if (!void_first) list.push_back(void_s1);
        yanxiu::Dataset data(program());
        data.read_participants("{\"id\":\"T1\",\"category\":\"other\"}\n", "p.jsonl");
        auto s = yanxiu::read_xapi(data, list.dump(2), "statements.json");
        CHECK(s.read == 5);
        CHECK(s.mapped == 1);
        CHECK(s.duplicates == 1);
        CHECK(s.voided == 1);
        CHECK(s.ignored == 3);
        CHECK(s.ignored_by_verb == std::map<std::string, std::size_t>{{"experienced", 1}, {"voided", 1}});
        CHECK(s.reconciles());
        REQUIRE(data.events().size() == 1);
        CHECK(data.lessons().str(data.events().row(0).lesson) == "L02");
    }
}

TEST_CASE("xapi: a statement id sent twice with different content keeps one event in either order") {
    // The fuzzer's find: the later statement displaced the earlier one, both
    // were counted mapped, and mapped no longer matched the events stored.
    const auto longer = statement("s1", "attended", "http://e.org/L02", "PT40M");
    const auto shorter = statement("s1", "attended", "http://e.org/L02", "PT30M");
    std::vector<std::size_t> kept;
    for (bool longer_first : {true, false}) {
        INFO("longer statement first: ", longer_first);
        auto list = longer_first ? nlohmann::json::array({longer, shorter}) : nlohmann::json::array({shorter, longer});
        yanxiu::Dataset data(program());
        data.read_participants("{\"id\":\"T1\",\"category\":\"other\"}\n", "p.jsonl");
        auto s = yanxiu::read_xapi(data, list.dump(), "statements.json");
        CHECK(s.read == 2);
        CHECK(s.mapped == 1);
        CHECK(s.rejected == 1);
        CHECK(s.reconciles());
        REQUIRE(data.events().size() == 1);
        CHECK(s.mapped == data.events().size());
        CHECK(data.event_summary().accepted == 1);
        CHECK(data.event_summary().rejected == 1);
        REQUIRE(data.rejections().size() == 1);
        CHECK(data.rejections()[0].code == yanxiu::RejectCode::duplicate_id);
        auto e = data.events().row(0);
        kept.push_back(static_cast<std::size_t>((e.end - e.start).count()));
    }
    CHECK(kept[0] == kept[1]);  // the same statement survives whatever the order
}

TEST_CASE("xapi: JSON Lines, a stored time in place of the timestamp, and completed on an assessment") {
    auto a = statement("a", "completed", "http://e.org/L01");
    a.erase("timestamp");
    a["stored"] = "2023-01-10T12:00:00Z";
    auto b = statement("b", "completed", "http://e.org/L02");
    b["object"]["definition"]["type"] = "http://adlnet.gov/expapi/activities/assessment";
    b["result"]["completion"] = false;
    b["result"]["score"] = {{"raw", 3}, {"max", 4}};
    yanxiu::Dataset data(program());
    data.read_participants("{\"id\":\"T1\",\"category\":\"other\"}\n", "p.jsonl");
    auto s = yanxiu::read_xapi(data, a.dump() + "\n\n" + b.dump() + "\n", "s.jsonl");
    CHECK(s.read == 2);
    CHECK(s.mapped == 2);
    REQUIRE(data.events().size() == 2);
    auto study = data.events().row(0);
    CHECK(study.kind == yanxiu::EventKind::study);
    CHECK(study.end == *yanxiu::parse_instant("2023-01-10T12:00:00Z", program().time_zone()));
    CHECK((study.end - study.start).count() == 1800);
    auto quiz = data.events().row(1);
    CHECK(quiz.kind == yanxiu::EventKind::quiz);
    CHECK(quiz.score == doctest::Approx(75));
    CHECK(!quiz.completed);
}

TEST_CASE("xapi: xapi_events maps statements to the records read_xapi reads (one mapping for services)") {
    const auto files = statement_files();
    std::vector<std::string> texts;
    for (const auto& path : files) texts.push_back(slurp(path));
    // Also a small text with voiding, an ignored verb and a bad statement.
    const std::string who = R"("actor":{"account":{"homePage":"https://c","name":"T1"}})";
    const std::string a = "00000000-0000-4000-8000-00000000000a";
    texts.push_back("{\"id\":\"" + a + "\"," + who +
                    R"(,"verb":{"id":"https://v/terminated"},"object":{"id":"https://c/L01"},"result":{"duration":"PT30M"},"timestamp":"2023-01-10T20:00:00+08:00"})"
                    "\n{" + who +
                    R"(,"verb":{"id":"https://v/passed"},"object":{"id":"https://c/L01"},"result":{"score":{"scaled":0.9}},"timestamp":"2023-01-10T20:05:00+08:00"})"
                    "\n{" + who +
                    R"(,"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":")" + a +
                    R"("},"timestamp":"2023-01-11T08:00:00+08:00"})"
                    "\n{" + who +
                    R"(,"verb":{"id":"https://v/launched"},"object":{"id":"https://c/L02"},"timestamp":"2023-01-11T08:00:00+08:00"})"
                    "\n"
                    R"({"actor":{},"verb":{"id":"https://v/passed"},"object":{"id":"https://c/L02"},"timestamp":"2023-01-11T08:00:00+08:00"})"
                    "\n");
    std::string actors = participants_from(files) + "{\"id\":\"T1\",\"category\":\"other\"}\n";
    for (std::size_t i = 0; i < texts.size(); ++i) {
        INFO("text ", i);
        yanxiu::Dataset direct(program());
        direct.read_participants(actors, "actors.jsonl");
        const yanxiu::XapiSummary s = yanxiu::read_xapi(direct, texts[i], "s.json");

        yanxiu::Dataset via_records(program());
        via_records.read_participants(actors, "actors.jsonl");
        const yanxiu::XapiEvents mapped = yanxiu::xapi_events(texts[i], "s.json", program());
        CHECK(mapped.summary.reconciles());
        CHECK(mapped.summary.read == s.read);
        CHECK(mapped.summary.ignored == s.ignored);
        CHECK(mapped.summary.voided == s.voided);
        CHECK(mapped.summary.ignored_by_verb == s.ignored_by_verb);
        CHECK(mapped.rejections.size() + mapped.events.size() == s.read - s.ignored);
        for (const auto& e : mapped.events) via_records.add_event(e.record, "s.json", e.line);
        // The same events, in the same order, with the same rejections.
        const auto& a = direct.events();
        const auto& b = via_records.events();
        REQUIRE(a.size() == b.size());
        CHECK(a.start == b.start);
        CHECK(a.end == b.end);
        CHECK(a.participant == b.participant);
        CHECK(a.kind == b.kind);
        CHECK(direct.event_record_ids() == via_records.event_record_ids());
        CHECK(direct.rejections().size() == via_records.rejections().size() + mapped.rejections.size());
    }
}

TEST_CASE("xapi: statements mapped on 1, 2 and 4 threads give the same events, rejections and counts") {
    // Far more statements than one run of a thread holds, with what crosses
    // runs: voidings at the end of statements at the start, cmi5 launches at
    // the end of sessions terminated at the start, duplicates, bad ones.
    nlohmann::json list = nlohmann::json::array();
    const int n = 3000;
    auto cmi5 = [&](nlohmann::json s, int k) {
        s["context"]["registration"] = uuid("r" + std::to_string(k));
        s["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"] = "S" + std::to_string(k);
        return s;
    };
    for (int i = 0; i < n; ++i) {
        const std::string lesson = "http://e.org/L0" + std::to_string(1 + i % 9);
        if (i % 10 == 3) {
            list.push_back(cmi5(statement("t" + std::to_string(i), "terminated", lesson, "PT20M"), i));
        } else if (i % 10 == 7) {
            auto bad = statement("b" + std::to_string(i), "terminated", lesson);
            bad["timestamp"] = "yesterday";
            list.push_back(bad);
        } else {
            list.push_back(statement("s" + std::to_string(i), i % 2 ? "attended" : "terminated", lesson));
            if (i % 50 == 0) list.push_back(statement("s" + std::to_string(i), "attended", lesson));  // again
        }
    }
    for (int i = 3; i < n; i += 10) {
        auto launched = cmi5(statement("l" + std::to_string(i), "launched", "http://e.org/L01", ""), i);
        launched["timestamp"] = "2023-01-10T19:00:00+08:00";
        list.push_back(launched);
    }
    for (int i = 0; i < n / 2; i += 40) {
        auto voiding = statement("v" + std::to_string(i), "voided", uuid("s" + std::to_string(i)), "");
        voiding["object"]["objectType"] = "StatementRef";
        list.push_back(voiding);
    }
    const std::string text = list.dump(1);
    std::string expected;
    for (unsigned threads : {1u, 2u, 4u}) {
        INFO("threads ", threads);
        yanxiu::Dataset data(program());
        data.read_participants("{\"id\":\"T1\",\"category\":\"other\"}\n", "p.jsonl");
        data.read_threads = threads;
        const auto s = yanxiu::read_xapi(data, text, "statements.json");
        CHECK(s.reconciles());
        std::string got = std::to_string(s.read) + ' ' + std::to_string(s.mapped) + ' ' + std::to_string(s.ignored) +
                          ' ' + std::to_string(s.voided) + ' ' + std::to_string(s.sessions) + ' ' +
                          std::to_string(s.rejected) + ' ' + std::to_string(s.duplicates) + '\n';
        for (std::size_t i = 0; i < data.events().size(); ++i) {
            const auto e = data.events().row(i);
            got += std::to_string(e.start.time_since_epoch().count()) + ' ' +
                   std::to_string(e.end.time_since_epoch().count()) + ' ' + data.lessons().str(e.lesson) + '\n';
        }
        for (const auto& r : data.rejections())
            got += std::to_string(r.line) + ' ' + r.field + ' ' + std::string(yanxiu::to_string(r.code)) + '\n';
        if (threads == 1) {
            expected = got;
            CHECK(s.voided > 10);
            CHECK(s.sessions > 100);
            CHECK(s.duplicates > 10);
            CHECK(s.rejected > 100);
        } else {
            CHECK(got == expected);
        }
    }
}
