// Tests of the programme loader (docs/programme.md "Keys", "Overlays", "Errors"): built-ins, overlays, defaults,
// strict JSON and validation errors.

#include <doctest/doctest.h>
#include <yanxiu/program.hpp>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace yanxiu;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under /tmp, removed with everything in it at the end.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = "/tmp/yanxiu-test-program-XXXXXX";
        char* made = ::mkdtemp(pattern.data());
        REQUIRE(made != nullptr);
        path = made;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// Writes `text` to `name` inside the directory; returns the full path.
    std::string write(const std::string& name, const std::string& text) const {
        fs::path file = path / name;
        std::ofstream out(file, std::ios::binary);
        out << text;
        return file.string();
    }
};

/// A complete programme without `extends`; `extra` is spliced in before the
/// closing brace.
std::string minimal(const std::string& extra = "") {
    std::string text = R"({"id": "p", "version": "1", "time_zone": "Asia/Shanghai",
        "window": {"start": "2023-01-09", "end": "2023-02-10"},
        "categories": {"a": {"min_lessons": 2, "certificate": true}})";
    if (!extra.empty()) text += ", " + extra;
    return text + "}";
}

/// An overlay of the national programme; `body` holds its other members.
std::string overlay(const std::string& body) {
    std::string text = R"({"extends": "moe-2023-mh-winter", "id": "x", "version": "1")";
    if (!body.empty()) text += ", " + body;
    return text + "}";
}

/// The message of the ProgramError that `work` throws ("" if none).
template <class Work>
std::string error_of(Work&& work) {
    try {
        (void)work();
    } catch (const ProgramError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("NOT A ProgramError: ") + e.what();
    }
    return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

Instant utc(int y, unsigned mo, unsigned d, int h) {
    return date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h};
}

}  // namespace

TEST_CASE("program: built-in ids and the schema") {
    CHECK(Program::builtin_ids() == std::vector<std::string>{"moe-2023-mh-winter", "hunan-2023-mh-winter"});
    const nlohmann::json& schema = Program::schema();
    CHECK(schema.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
    CHECK(schema.at("additionalProperties") == false);
    // The schema is not a programme.
    CHECK_THROWS_AS((void)Program::load("programme.schema"), ProgramNotFound);
}

TEST_CASE("program: R1 R2 R4 R7 R8 R9 the national programme") {
    const Program p = Program::load("moe-2023-mh-winter");
    CHECK(p.id() == "moe-2023-mh-winter");
    CHECK(p.version() == "2023-01-05");
    CHECK(p.time_zone_name() == "Asia/Shanghai");
    CHECK(p.time_zone().name() == "Asia/Shanghai");
    CHECK(format_local_date(p.window().start_date()) == "2023-01-09");
    CHECK(format_local_date(p.window().end_date()) == "2023-02-10");
    CHECK(p.window().begin() == utc(2023, 1, 8, 16));  // 00:00 China time
    CHECK(p.window().end() == utc(2023, 2, 10, 16));   // end of 2 月 10 日
    CHECK(p.require_verified());
    CHECK(p.on_sector_mismatch() == SectorMismatchPolicy::flag);

    std::vector<std::string> ids;
    for (const Category& c : p.categories()) ids.push_back(c.id);
    CHECK(ids == std::vector<std::string>{"mh_fulltime", "mh_parttime", "homeroom", "counselor", "other"});
    REQUIRE(p.find_category("homeroom") != nullptr);
    CHECK(p.find_category("homeroom")->label.zh == "中小学班主任");
    CHECK(p.find_category("homeroom")->allows(Sector::primary));
    CHECK_FALSE(p.find_category("homeroom")->allows(Sector::undergraduate));
    CHECK(p.find_category("mh_fulltime")->sectors.empty());
    CHECK_FALSE(p.find_category("other")->certificate);
    CHECK(p.find_category("nobody") == nullptr);

    CHECK(p.quiz().mode == QuizMode::completed);
    CHECK(p.quiz().pass_score == 60);
    CHECK(p.credit().minutes_per_hour == 45);
    CHECK(p.credit().hour_step == doctest::Approx(0.1));
    CHECK_FALSE(p.credit().max_hours.has_value());
    CHECK(p.credit().cap_at_lesson_length);
    CHECK(p.credit().min_study_ratio == 0);
    CHECK(p.lessons().empty());
    CHECK(p.themes().size() == 4);
    REQUIRE(p.milestones().size() == 1);
    CHECK(p.milestones()[0].id == "contact_update");
    CHECK(format_local_date(p.milestones()[0].date) == "2023-01-13");
    CHECK(p.support().empty());
}

TEST_CASE("program: R1 R4 R7 R11 Hunan inherits the national programme") {
    const Program p = Program::load("hunan-2023-mh-winter");
    CHECK(p.id() == "hunan-2023-mh-winter");
    CHECK(p.version() == "2023-01-12");
    CHECK(p.title().zh == "湖南省心理健康教育教师培训");
    CHECK(p.time_zone_name() == "Asia/Shanghai");
    CHECK(format_local_date(p.window().start_date()) == "2023-01-09");
    CHECK(format_local_date(p.window().end_date()) == "2023-02-10");

    std::vector<int> minimums;
    for (const Category& c : p.categories()) minimums.push_back(c.min_lessons);
    CHECK(minimums == std::vector<int>{15, 15, 10, 10, 0});
    CHECK(p.categories().back().id == "other");
    CHECK_FALSE(p.categories().back().certificate);

    REQUIRE(p.support().size() == 3);
    const SupportChannel& basic = p.support()[0];
    CHECK(basic.kind == "qq_group");
    CHECK(basic.value == "211108206");
    CHECK(basic.sectors == std::vector<Sector>{Sector::kindergarten, Sector::primary, Sector::secondary});
    CHECK(p.support()[1].value == "305492871");
    CHECK(p.support()[1].sectors == std::vector<Sector>{Sector::higher_vocational, Sector::secondary_vocational});
    CHECK(p.support()[2].value == "303026068");
    CHECK(p.support()[2].sectors == std::vector<Sector>{Sector::undergraduate});

    REQUIRE(p.milestones().size() == 2);
    CHECK(p.milestones()[1].id == "study_deadline");

    const nlohmann::ordered_json& resolved = p.to_json();
    CHECK_FALSE(resolved.contains("extends"));
    CHECK(resolved.at("categories").at("counselor").at("requires").at("lessons") == 10);
    CHECK(resolved.at("credit").at("max_hours").is_null());
}

TEST_CASE("program: to_json has every key the schema lists, and reloads to itself") {
    for (const std::string& id : Program::builtin_ids()) {
        const Program p = Program::load(id);
        const nlohmann::ordered_json& resolved = p.to_json();
        std::set<std::string> keys, schema_keys, required;
        for (const auto& item : resolved.items()) keys.insert(item.key());
        for (const auto& item : Program::schema().at("properties").items()) schema_keys.insert(item.key());
        for (const auto& key : Program::schema().at("required")) required.insert(key.get<std::string>());
        CHECK(keys == schema_keys);
        CHECK(keys == required);

        const Program again = Program::from_json(resolved, "resolved");
        CHECK(again.to_json() == resolved);
        const Program from_text = Program::from_json(resolved.dump(), "resolved");
        CHECK(from_text.to_json() == resolved);
    }
}

TEST_CASE("program: an overlay that only changes one minimum") {
    const Program p = Program::from_json(overlay(R"("categories": {"homeroom": {"min_lessons": 12}})"), "province.json");
    CHECK(p.id() == "x");
    CHECK(p.version() == "1");
    REQUIRE(p.find_category("homeroom") != nullptr);
    CHECK(p.find_category("homeroom")->min_lessons == 12);
    CHECK(p.find_category("homeroom")->label.en == "Homeroom teacher");  // merged, not replaced
    CHECK(p.find_category("homeroom")->sectors.size() == 3);
    CHECK(p.find_category("mh_fulltime")->min_lessons == 15);
    CHECK(p.find_category("counselor")->min_lessons == 10);
    CHECK(p.categories().size() == 5);
    CHECK(p.title().zh == "心理健康教育教师培训");  // inherited
}

TEST_CASE("program: merge patch null removes a key and the default applies") {
    TempDir dir;
    dir.write("base.json", minimal(R"("quiz": {"mode": "passed", "pass_score": 80},
        "credit": {"minutes_per_hour": 60, "max_hours": 20}, "require_verified": false,
        "title": {"zh": "基础", "en": "Base"})"));
    const std::string top = dir.write("top.json", R"({"extends": "base.json", "id": "top", "version": "2",
        "quiz": null, "credit": {"minutes_per_hour": null}, "require_verified": null, "title": {"en": null}})");
    const Program p = Program::load(top);
    CHECK(p.quiz().mode == QuizMode::completed);
    CHECK(p.quiz().pass_score == 60);
    CHECK(p.credit().minutes_per_hour == 45);
    REQUIRE(p.credit().max_hours.has_value());
    CHECK(*p.credit().max_hours == 20);  // untouched sibling kept
    CHECK(p.require_verified());
    CHECK(p.title().zh == "基础");
    CHECK(p.title().en == "top");  // a label language left out defaults to the id
    CHECK(p.to_json().at("quiz") == nlohmann::ordered_json{{"mode", "completed"}, {"pass_score", 60}});

    // A category can be removed too.
    const Program fewer = Program::from_json(overlay(R"("categories": {"other": null})"));
    CHECK(fewer.categories().size() == 4);
    CHECK(fewer.find_category("other") == nullptr);
}

TEST_CASE("program: arrays are replaced whole") {
    const Program p = Program::from_json(R"({"extends": "hunan-2023-mh-winter", "id": "y", "version": "1",
        "milestones": [{"id": "only", "date": "2023-01-20"}], "themes": ["one"],
        "categories": {"homeroom": {"sectors": ["primary"]}}})");
    REQUIRE(p.milestones().size() == 1);
    CHECK(p.milestones()[0].id == "only");
    CHECK(p.milestones()[0].label.zh == "only");
    CHECK(p.themes() == std::vector<std::string>{"one"});
    CHECK(p.find_category("homeroom")->sectors == std::vector<Sector>{Sector::primary});
    CHECK(p.support().size() == 3);  // inherited through two levels
}

TEST_CASE("program: R6 R8 the lesson catalogue") {
    const Program p = Program::from_json(minimal(R"("themes": ["support", "teacher_wellbeing"],
        "lessons": [{"id": "L01", "title": "第一课", "minutes": 30, "theme": "support"},
                    {"id": "L02", "minutes": 12.5},
                    {"id": "L03", "minutes": 0.0083334}])"));
    REQUIRE(p.lessons().size() == 3);
    REQUIRE(p.find_lesson("L01") != nullptr);
    CHECK(p.find_lesson("L01")->length == Seconds{1800});
    CHECK(p.find_lesson("L01")->theme == "support");
    CHECK(p.find_lesson("L02")->length == Seconds{750});
    CHECK(p.find_lesson("L02")->title == "L02");
    CHECK(p.find_lesson("L02")->theme.empty());
    CHECK(p.find_lesson("L03")->length == Seconds{1});
    CHECK(p.find_lesson("L99") == nullptr);
    CHECK(p.to_json().at("lessons").at(1).at("minutes") == 12.5);
    CHECK(p.to_json().at("lessons").at(1).at("theme").is_null());
}

TEST_CASE("program: a relative extends resolves against the naming file's directory") {
    TempDir dir;
    fs::create_directory(dir.path / "sub");
    dir.write("sub/base.json", minimal());
    dir.write("sub/mid.json", R"({"extends": "base.json", "id": "mid", "version": "1"})");
    const std::string top = dir.write("top.json", R"({"extends": "sub/mid.json", "id": "top", "version": "1"})");
    CHECK(Program::load(top).id() == "top");
    // from_json resolves against base_dir.
    CHECK(Program::from_json(R"({"extends": "sub/mid.json", "id": "t", "version": "1"})", "text",
                             dir.path.string())
              .find_category("a")
              ->min_lessons == 2);
}

TEST_CASE("program: errors name the key") {
    struct Case {
        std::string text;
        std::string key;
    };
    const std::vector<Case> cases = {
        {overlay(R"("categories": {"homeroom": {"min_lesson": 12}})"), "categories.homeroom.min_lesson"},
        {overlay(R"("windw": {})"), "windw"},
        {overlay(R"("quiz": {"mode": "passed", "passscore": 50})"), "quiz.passscore"},
        {overlay(R"("credit": {"hours": 1})"), "credit.hours"},
        {overlay(R"("title": {"zh": "x", "fr": "y"})"), "title.fr"},
        {minimal(R"("lessons": [{"id": "L1", "minutes": 5, "length": 5}])"), "lessons[0].length"},
        {minimal(R"("milestones": [{"id": "m", "date": "2023-01-01", "when": 1}])"), "milestones[0].when"},
        {minimal(R"("support": [{"id": "s", "kind": "qq_group", "value": "1", "url": "x"}])"), "support[0].url"},
        // wrong types
        {overlay(R"("categories": {"homeroom": {"min_lessons": "12"}})"), "categories.homeroom.min_lessons"},
        {overlay(R"("categories": {"homeroom": {"min_lessons": 12.5}})"), "categories.homeroom.min_lessons"},
        {overlay(R"("categories": {"homeroom": {"certificate": "yes"}})"), "categories.homeroom.certificate"},
        {overlay(R"("categories": {"homeroom": {"sectors": "primary"}})"), "categories.homeroom.sectors"},
        {overlay(R"("categories": {"homeroom": {"label": "x"}})"), "categories.homeroom.label"},
        {overlay(R"("categories": {"homeroom": 10})"), "categories.homeroom"},
        {overlay(R"("require_verified": "yes")"), "require_verified"},
        {overlay(R"("window": ["2023-01-09", "2023-02-10"])"), "window"},
        {overlay(R"("themes": "all")"), "themes"},
        {overlay(R"("lessons": {})"), "lessons"},
        {overlay(R"("credit": {"max_hours": "none"})"), "credit.max_hours"},
        {R"({"extends": "moe-2023-mh-winter", "id": "x", "version": 2})", "version"},
        // values
        {overlay(R"("time_zone": "Mars/Olympus")"), "time_zone"},
        {overlay(R"("time_zone": "asia/shanghai")"), "time_zone"},
        {overlay(R"("window": {"start": "2023-02-10", "end": "2023-01-09"})"), "window.end"},
        {overlay(R"("window": {"start": "2000-01-01", "end": "2099-12-31"})"), "window"},
        {overlay(R"("window": {"start": "2023-02-30", "end": "2023-03-01"})"), "window.start"},
        {R"({"id": "p", "version": "1", "time_zone": "UTC", "window": {"start": "2023-01-09"},
             "categories": {"a": {"min_lessons": 1, "certificate": true}}})",
         "window.end"},
        {overlay(R"("categories": {"homeroom": {"min_lessons": -1}})"), "categories.homeroom.min_lessons"},
        {overlay(R"("categories": {"homeroom": {"min_lessons": 10001}})"), "categories.homeroom.min_lessons"},
        {overlay(R"("categories": {"homeroom": {"sectors": ["primary", "primary"]}})"),
         "categories.homeroom.sectors[1]"},
        {overlay(R"("categories": {"homeroom": {"sectors": ["middle_school"]}})"), "categories.homeroom.sectors[0]"},
        {overlay(R"("categories": {"new": {"certificate": true}})"), "categories.new.requires"},
        {overlay(R"("categories": {"": {"min_lessons": 1, "certificate": true}})"), "categories"},
        {overlay(R"("categories": null)"), "categories"},
        {minimal().replace(minimal().find("\"categories\""), 12, "\"categories\": {}, \"unused\""), "unused"},
        {overlay(R"("on_sector_mismatch": "ignore")"), "on_sector_mismatch"},
        {overlay(R"("quiz": {"mode": "scored"})"), "quiz.mode"},
        {overlay(R"("quiz": {"pass_score": 101})"), "quiz.pass_score"},
        {overlay(R"("credit": {"minutes_per_hour": 0})"), "credit.minutes_per_hour"},
        {overlay(R"("credit": {"minutes_per_hour": 1441})"), "credit.minutes_per_hour"},
        {overlay(R"("credit": {"hour_step": 0})"), "credit.hour_step"},
        {overlay(R"("credit": {"hour_step": 101})"), "credit.hour_step"},
        {overlay(R"("credit": {"hour_step": 0.0000001})"), "credit.hour_step"},  // below 6 decimals: every hour would round to 0
        {overlay(R"("credit": {"max_hours": -1})"), "credit.max_hours"},
        {overlay(R"("credit": {"min_study_ratio": 1.5})"), "credit.min_study_ratio"},
        {overlay(R"("lessons": [{"id": "L1", "minutes": 0}])"), "lessons[0].minutes"},
        {overlay(R"("lessons": [{"id": "L1", "minutes": 1441}])"), "lessons[0].minutes"},
        {overlay(R"("lessons": [{"id": "L1"}])"), "lessons[0].minutes"},
        {overlay(R"("lessons": [{"id": "", "minutes": 5}])"), "lessons[0].id"},
        {overlay(R"("lessons": [{"id": "L1", "minutes": 5}, {"id": "L1", "minutes": 6}])"), "lessons[1].id"},
        {overlay(R"("lessons": [{"id": "L1", "minutes": 5, "theme": "cooking"}])"), "lessons[0].theme"},
        {overlay(R"("milestones": [{"id": "m", "date": "13/01/2023"}])"), "milestones[0].date"},
        {overlay(R"("milestones": [{"date": "2023-01-13"}])"), "milestones[0].id"},
        {overlay(R"("support": [{"id": "s", "kind": "qq_group"}])"), "support[0].value"},
        {overlay(R"("support": [{"id": "s", "kind": "qq_group", "value": 211108206}])"), "support[0].value"},
        {overlay(R"("support": [{"id": "s", "kind": "qq", "value": "1", "sectors": ["moon"]}])"),
         "support[0].sectors[0]"},
        {overlay(R"("themes": ["a", "a"])"), "themes[1]"},
        {R"({"extends": 7, "id": "x", "version": "1"})", "extends"},
        {R"({"extends": "no-such-programme", "id": "x", "version": "1"})", "extends"},
        {R"({"extends": "moe-2023-mh-winter", "version": "1"})", "id"},
        {R"({"extends": "moe-2023-mh-winter", "id": "x"})", "version"},
        {R"({"extends": "moe-2023-mh-winter", "id": null, "version": "1"})", "id"},
        {R"({"version": "1", "time_zone": "UTC", "window": {"start": "2023-01-01", "end": "2023-01-02"},
             "categories": {"a": {"min_lessons": 1, "certificate": true}}})",
         "id"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        std::string message;
        try {
            (void)Program::from_json(c.text, "case.json");
        } catch (const ProgramNotFound&) {
            message = "unexpected ProgramNotFound";
        } catch (const ProgramError& e) {
            message = e.what();
            CHECK(e.source() == "case.json");
            CHECK(e.key() == c.key);
        }
        CHECK(contains(message, "case.json: " + c.key + ": "));
    }
}

TEST_CASE("program: errors give the programme's other limits") {
    CHECK(contains(error_of([] { return Program::from_json(overlay(R"("time_zone": "Mars/Olympus")")); }),
                   "unknown time zone \"Mars/Olympus\""));
    CHECK(contains(
        error_of([] { return Program::from_json(overlay(R"("window": {"start": "1990-01-01", "end": "2089-12-31"})")); }),
        "days long"));
    CHECK(contains(error_of([] { return Program::from_json(overlay(R"("categories": {"homeroom": {"min_lesson": 1}})")); }),
                   "unknown key"));
    CHECK(contains(error_of([] { return Program::from_json("[1, 2]", "arr.json"); }), "arr.json"));
    CHECK(contains(error_of([] { return Program::from_json("", "empty.json"); }), "empty.json: line 1"));
}

TEST_CASE("program: extends cycles and chains name the files") {
    TempDir dir;
    const std::string a = dir.write("a.json", R"({"extends": "b.json", "id": "a", "version": "1"})");
    const std::string b = dir.write("b.json", R"({"extends": "a.json", "id": "b", "version": "1"})");
    const std::string message = error_of([&] { return Program::load(a); });
    CAPTURE(message);
    CHECK(contains(message, "cycle"));
    CHECK(contains(message, "a.json"));
    CHECK(contains(message, "b.json"));
    CHECK(contains(message, "extends"));

    const std::string self = dir.write("self.json", R"({"extends": "self.json", "id": "s", "version": "1"})");
    CHECK(contains(error_of([&] { return Program::load(self); }), "cycle"));

    // A chain of 20 overlays is too long.
    dir.write("c0.json", minimal());
    for (int i = 1; i <= 20; ++i)
        dir.write("c" + std::to_string(i) + ".json", R"({"extends": "c)" + std::to_string(i - 1) +
                                                         R"(.json", "id": "c", "version": "1"})");
    CHECK(Program::load((dir.path / "c10.json").string()).id() == "c");
    CHECK(contains(error_of([&] { return Program::load((dir.path / "c20.json").string()); }), "longer than 16"));

    // An error in a base names the base, not the overlay.
    dir.write("bad-base.json", minimal(R"("colour": "red")"));
    const std::string over = dir.write("over.json", R"({"extends": "bad-base.json", "id": "o", "version": "1"})");
    const std::string bad = error_of([&] { return Program::load(over); });
    CAPTURE(bad);
    CHECK(contains(bad, "bad-base.json: colour: unknown key"));
}

TEST_CASE("program: strict JSON") {
    TempDir dir;
    SUBCASE("duplicate key") {
        const std::string path = dir.write("dup.json", minimal(R"("window": {"start": "2023-01-09", "end": "2023-02-10"})"));
        const std::string message = error_of([&] { return Program::load(path); });
        CHECK(contains(message, "dup.json: window: duplicate key"));
        const std::string nested = dir.write(
            "dup2.json", minimal(R"("quiz": {"mode": "passed", "mode": "completed"})"));
        CHECK(contains(error_of([&] { return Program::load(nested); }), "dup2.json: quiz.mode: duplicate key"));
    }
    SUBCASE("invalid UTF-8") {
        const std::string path = dir.write("utf8.json", minimal("\"authority\": \"\xE6\x95\x99\xFF\""));
        const std::string message = error_of([&] { return Program::load(path); });
        CHECK(contains(message, "utf8.json: line 3, column "));
        CHECK(contains(message, "invalid UTF-8"));
        // Overlong and surrogate encodings are not UTF-8 either.
        CHECK(contains(error_of([] { return Program::from_json(minimal("\"authority\": \"\xC0\xAF\"")); }), "UTF-8"));
        CHECK(contains(error_of([] { return Program::from_json(minimal("\"authority\": \"\xED\xA0\x80\"")); }), "UTF-8"));
        nlohmann::json document = nlohmann::json::parse(minimal());
        document["authority"] = "\xFF";
        CHECK(contains(error_of([&] { return Program::from_json(document, "doc"); }), "doc: authority: invalid UTF-8"));
    }
    SUBCASE("depth bomb") {
        const std::string path = dir.write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
        const std::string message = error_of([&] { return Program::load(path); });
        CHECK(contains(message, "deep.json"));
        CHECK(contains(message, "nesting deeper than 64"));
        CHECK(contains(error_of([] { return Program::from_json(std::string(100000, '[')); }), "nesting"));
        nlohmann::json deep = nlohmann::json::array();
        for (int i = 0; i < 100; ++i) deep = nlohmann::json::array({deep});
        CHECK(contains(error_of([&] { return Program::from_json(deep, "doc"); }), "nesting"));
    }
    SUBCASE("truncated file") {
        const std::string full = minimal();
        const std::string path = dir.write("cut.json", full.substr(0, full.size() / 2));
        const std::string message = error_of([&] { return Program::load(path); });
        CHECK(contains(message, "cut.json: line "));
        CHECK(contains(message, "byte "));
    }
    SUBCASE("every prefix of a built-in is an error, never a crash or a raw exception") {
        const std::string text = Program::load("moe-2023-mh-winter").to_json().dump();
        for (std::size_t n = 0; n < text.size(); ++n) {
            const std::string message = error_of([&] { return Program::from_json(text.substr(0, n), "prefix"); });
            CAPTURE(n);
            REQUIRE(contains(message, "prefix: "));
        }
    }
    SUBCASE("trailing garbage and number overflow") {
        CHECK(contains(error_of([] { return Program::from_json(minimal() + " x"); }), "line"));
        CHECK(contains(error_of([] { return Program::from_json(minimal(R"("quiz": {"pass_score": 1e400})")); }),
                       "<json>"));
    }
}

TEST_CASE("program: load by path and not found") {
    TempDir dir;
    const std::string path = dir.write("mine.json", minimal());
    CHECK(Program::load(path).id() == "p");
    CHECK_THROWS_AS((void)Program::load((dir.path / "missing.json").string()), ProgramNotFound);
    CHECK_THROWS_AS((void)Program::load("moe-2099"), ProgramNotFound);
    CHECK(contains(error_of([] { return Program::load("moe-2099"); }), "moe-2099"));
    CHECK(contains(error_of([&] { return Program::load(dir.path.string()); }), "directory"));
}

TEST_CASE("program: to_json keeps the order of the programme file (keys and categories)") {
    const Program p = Program::load("hunan-2023-mh-winter");
    std::vector<std::string> categories, expected;
    for (const auto& item : p.to_json().at("categories").items()) categories.push_back(item.key());
    for (const Category& c : p.categories()) expected.push_back(c.id);
    CHECK(categories == expected);
    CHECK(categories.front() == "mh_fulltime");
    std::vector<std::string> keys;
    for (const auto& item : p.to_json().items()) keys.push_back(item.key());
    REQUIRE(keys.size() > 3);
    CHECK(keys[0] == "id");
    CHECK(keys[1] == "version");
    // An overlay that lists categories in another order keeps its base's order, then its own additions.
    const Program overlay = Program::from_json(
        R"({"extends":"moe-2023-mh-winter","id":"x","version":"1",)"
        R"("categories":{"zz_new":{"min_lessons":3,"certificate":true},"homeroom":{"min_lessons":12}}})");
    std::vector<std::string> order;
    for (const auto& item : overlay.to_json().at("categories").items()) order.push_back(item.key());
    CHECK(order == std::vector<std::string>{"mh_fulltime", "mh_parttime", "homeroom", "counselor", "other", "zz_new"});
}
