// Requirements as data (docs/rules.md "Requirements: a category's completion rule as data";
// docs/programme.md "Requirements"): `requires` trees and how they load, hours
// with lesson, group and programme caps, exams, approvals, all/any, manual
// credits, completed_at as the earliest instant the tree holds, the outcome
// JSON of all of it, order independence of conflicting records, and the
// Ledger.  Each TEST_CASE starts with the rule it checks.

#include "helpers.hpp"

#include <yanxiu/io/jsonl.hpp>
#include <yanxiu/ledger.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace test;
using yanxiu::Program;
using yanxiu::ReasonCode;
using yanxiu::RejectCode;
using yanxiu::Requirement;
using yanxiu::Selection;
using yanxiu::Status;

namespace {

/// A programme with groups, exams and a catalogue, written out in full (no
/// `extends`), over the summer of 2023, China time.  Lengths: P* and U* 60
/// minutes, C* 120; a 学时 is 45 minutes (2700 s).
json base_doc() {
    return json::parse(R"({
        "id": "req-test", "version": "1", "time_zone": "Asia/Shanghai",
        "window": {"start": "2023-07-01", "end": "2023-08-31"},
        "categories": {
            "count2": {"min_lessons": 2, "certificate": true},
            "other": {"min_lessons": 0, "certificate": false}
        },
        "quiz": {"mode": "completed"},
        "credit": {"minutes_per_hour": 45, "hour_step": 0.1},
        "themes": ["a", "b"],
        "groups": {"public": {"label": {"zh": "公共课程", "en": "Public"}, "max_hours": 2}, "practice": {}},
        "exams": {"final": {"pass_score": 60}, "oral": {"label": {"zh": "答辩", "en": "Oral"}, "pass_score": 80}},
        "lessons": [
            {"id": "P1", "minutes": 60, "theme": "a", "group": "public"},
            {"id": "P2", "minutes": 60, "theme": "a", "group": "public"},
            {"id": "P3", "minutes": 60, "theme": "a", "group": "public"},
            {"id": "C1", "minutes": 120, "theme": "b", "group": "practice", "max_hours": 1.5},
            {"id": "C2", "minutes": 120, "theme": "b", "group": "practice"},
            {"id": "U1", "minutes": 60, "theme": "a"},
            {"id": "U2", "minutes": 60, "max_hours": 0.25}
        ]
    })");
}

/// `base_doc()` with `changes` merged over it (RFC 7386, as nlohmann does it).
json req_doc(const json& changes = json::object()) {
    json doc = base_doc();
    doc.merge_patch(changes);
    return doc;
}

Program req_program(const json& changes = json::object()) {
    return Program::from_json(req_doc(changes).dump(), "<req>");
}

/// The programme with one more category `id` whose requirement is `requires`.
Program with_category(const std::string& id, const json& requires, const json& changes = json::object(),
                      bool certificate = true) {
    json all = changes;
    all["categories"][id] = {{"requires", requires}, {"certificate", certificate}};
    return req_program(all);
}

json exam(const std::string& who, const std::string& id, const std::string& at, double score) {
    return {{"kind", "exam"}, {"participant", who}, {"exam", id}, {"at", at}, {"score", score}};
}

json approval(const std::string& who, const std::string& at, const std::string& by) {
    return {{"kind", "approval"}, {"participant", who}, {"at", at}, {"by", by}};
}

json credit(const std::string& who, const std::string& lesson, const std::string& at, json seconds,
            const std::string& by, const std::string& reason = "") {
    json c = {{"kind", "credit"}, {"participant", who}, {"lesson", lesson}, {"at", at}, {"seconds", seconds},
              {"by", by}};
    if (!reason.empty()) c["reason"] = reason;
    return c;
}

json with_id(json record, const std::string& id) {
    record["id"] = id;
    return record;
}

/// A participant of `category` with no sector restriction in play.
json member(const std::string& id, const std::string& category) { return person(id, category, "secondary"); }

std::string when(const Program& p, const std::optional<yanxiu::Instant>& t) {
    return t ? yanxiu::format_instant(*t, p.time_zone()) : std::string("(none)");
}

const yanxiu::Reason* find_reason(const yanxiu::Outcome& o, ReasonCode code, const std::string& lesson = "") {
    for (const auto& r : o.reasons)
        if (r.code == code && (lesson.empty() || r.lesson == lesson)) return &r;
    return nullptr;
}

int count_reasons(const yanxiu::Outcome& o, ReasonCode code) {
    int n = 0;
    for (const auto& r : o.reasons) n += r.code == code ? 1 : 0;
    return n;
}

const yanxiu::LessonResult* find_lesson(const yanxiu::Outcome& o, const std::string& lesson) {
    for (const auto& l : o.lessons)
        if (l.lesson == lesson) return &l;
    return nullptr;
}

/// `who` has completed_at `expected`, is completed when evaluated as of it,
/// and is not one second before it: completed_at is the earliest such instant.
void check_earliest(const Program& p, const std::vector<json>& people, const std::vector<json>& events,
                    const std::string& who, const std::string& expected) {
    INFO("participant ", who);
    Run full(p, people, events);
    const auto& o = full[who];
    REQUIRE(o.completed_at);
    CHECK(when(p, o.completed_at) == expected);
    CHECK(o.completed_from == o.completed_at);
    Run at(p, people, events, expected);
    CHECK(at[who].status == Status::completed);
    CHECK(at[who].completed_at == o.completed_at);
    Run before(p, people, events, when(p, *o.completed_at - yanxiu::Seconds{1}));
    CHECK(before[who].status != Status::completed);
    CHECK_FALSE(before[who].certificate);
    CHECK_FALSE(before[who].completed_at);
}

/// Every outcome as JSON Lines (with lessons), the way two evaluations are compared.
std::string render(const std::vector<yanxiu::Outcome>& outcomes, const Program& p) {
    yanxiu::OutcomeJson format;
    format.include_lessons = true;
    std::string out;
    for (const auto& o : outcomes) out += yanxiu::to_json(o, p.time_zone(), format).dump() + "\n";
    return out;
}

/// The (field, code) of every rejection, sorted (lines and files depend on the order read).
std::vector<std::pair<std::string, std::string>> rejection_kinds(const yanxiu::Dataset& data) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : data.rejections()) out.emplace_back(r.field, std::string(yanxiu::to_string(r.code)));
    std::sort(out.begin(), out.end());
    return out;
}

std::tuple<std::size_t, std::size_t, std::size_t, std::size_t> counts(const yanxiu::ReadSummary& s) {
    return {s.read, s.accepted, s.rejected, s.duplicates};
}

/// A study session on 2023-07-`day` from `from` to `to` (local "HH:MM[:SS]").
json day_study(const std::string& who, const std::string& lesson, int day, const std::string& from,
               const std::string& to) {
    char date[16];
    std::snprintf(date, sizeof date, "2023-07-%02d", day);
    auto stamp = [&](const std::string& hm) { return std::string(date) + "T" + hm + (hm.size() == 5 ? ":00" : "") + "+08:00"; };
    return study(who, lesson, stamp(from), stamp(to));
}

}  // namespace

// ---------------------------------------------------------------------------
// Loading

TEST_CASE("requirement loader: every kind of requires loads, and to_json prints it resolved") {
    const json tree = json::parse(R"({"all": [
        {"lessons": 2, "from": {"group": "public"}},
        {"hours": 1.5, "from": {"theme": "b"}},
        {"lessons": 1, "from": {"lessons": ["P1", "U2"]}},
        {"any": [{"exam": "final"}, {"approval": true}]},
        {"hours": 3}
    ]})");
    json changes = {{"categories",
                     {{"bare", {{"requires", {{"lessons", 4}}}, {"certificate", true}}},
                      {"tree", {{"requires", tree}, {"certificate", true}}},
                      {"exam_only", {{"requires", {{"exam", "oral"}}}, {"certificate", true}}}}},
                    {"exams", {{"viva", json::object()}}}};
    const Program p = req_program(changes);
    const auto& resolved = p.to_json();

    // min_lessons is shorthand: printed as requires {"lessons": N}, never as min_lessons.
    const auto& count2 = resolved.at("categories").at("count2");
    CHECK(count2.at("requires").dump() == R"({"lessons":2})");
    CHECK_FALSE(count2.contains("min_lessons"));
    CHECK(resolved.at("categories").at("bare").at("requires").dump() == R"({"lessons":4})");
    // The tree comes back as written (numbers keep their form: 1.5 and 3).
    CHECK(json::parse(resolved.at("categories").at("tree").at("requires").dump()) == tree);
    CHECK(resolved.at("categories").at("tree").at("requires").at("all")[4].dump() == R"({"hours":3})");
    CHECK(resolved.at("categories").at("tree").at("requires").at("all")[0].dump() ==
          R"({"lessons":2,"from":{"group":"public"}})");

    // The model.
    const auto* c2 = p.find_category("count2");
    const auto* bare = p.find_category("bare");
    const auto* t = p.find_category("tree");
    REQUIRE(c2);
    REQUIRE(bare);
    REQUIRE(t);
    CHECK(c2->requires.is_lesson_count());
    CHECK(c2->min_lessons == 2);
    CHECK(bare->requires.is_lesson_count());
    CHECK(bare->min_lessons == 4);
    CHECK(t->min_lessons == 0);
    CHECK(p.find_category("exam_only")->min_lessons == 0);
    CHECK(p.find_category("exam_only")->requires.kind == Requirement::Kind::exam);
    CHECK(p.find_category("exam_only")->requires.exam == "oral");
    const Requirement& r = t->requires;
    CHECK(r.kind == Requirement::Kind::all);
    REQUIRE(r.children.size() == 5);
    CHECK(r.children[0].kind == Requirement::Kind::lessons);
    CHECK(r.children[0].lessons == 2);
    CHECK(r.children[0].from.kind == Selection::Kind::group);
    CHECK(r.children[0].from.name == "public");
    CHECK_FALSE(r.children[0].is_lesson_count());
    CHECK(r.children[1].kind == Requirement::Kind::hours);
    CHECK(r.children[1].hours == 1.5);
    CHECK(r.children[1].from.kind == Selection::Kind::theme);
    CHECK(r.children[1].from.name == "b");
    CHECK(r.children[2].from.kind == Selection::Kind::lessons);
    CHECK(r.children[2].from.lessons == std::vector<std::string>{"P1", "U2"});
    CHECK(r.children[3].kind == Requirement::Kind::any);
    REQUIRE(r.children[3].children.size() == 2);
    CHECK(r.children[3].children[0].kind == Requirement::Kind::exam);
    CHECK(r.children[3].children[0].exam == "final");
    CHECK(r.children[3].children[1].kind == Requirement::Kind::approval);
    CHECK(r.children[4].kind == Requirement::Kind::hours);
    CHECK(r.children[4].hours == 3);
    CHECK(r.children[4].from.kind == Selection::Kind::all);

    // Groups, exams and the catalogue's group and max_hours.
    REQUIRE(p.groups().size() == 2);
    const auto* pub = p.find_group("public");
    REQUIRE(pub);
    CHECK(pub->max_hours == 2.0);
    CHECK(pub->label.zh == "公共课程");
    const auto* practice = p.find_group("practice");
    REQUIRE(practice);
    CHECK_FALSE(practice->max_hours);
    CHECK(practice->label.en == "practice");  // defaults to the id
    CHECK(p.find_group("nope") == nullptr);
    CHECK(resolved.at("groups").at("practice").dump() ==
          R"({"label":{"zh":"practice","en":"practice"},"max_hours":null})");
    CHECK(resolved.at("groups").at("public").dump() == R"({"label":{"zh":"公共课程","en":"Public"},"max_hours":2})");
    REQUIRE(p.exams().size() == 3);
    CHECK(p.find_exam("final")->pass_score == 60);
    CHECK(p.find_exam("oral")->pass_score == 80);
    CHECK(p.find_exam("oral")->label.zh == "答辩");
    CHECK(p.find_exam("viva")->pass_score == 60);  // the default
    CHECK(resolved.at("exams").at("viva").dump() == R"({"label":{"zh":"viva","en":"viva"},"pass_score":60})");
    CHECK(p.find_exam("nope") == nullptr);
    CHECK(p.find_lesson("C1")->group == "practice");
    CHECK(p.find_lesson("C1")->max_hours == 1.5);
    CHECK(p.find_lesson("U1")->group.empty());
    CHECK_FALSE(p.find_lesson("U1")->max_hours);
    CHECK(p.find_lesson("U2")->max_hours == 0.25);
    bool saw_u1 = false;
    for (const auto& l : resolved.at("lessons"))
        if (l.at("id") == "U1") {
            saw_u1 = true;
            CHECK(l.at("group").is_null());
            CHECK(l.at("max_hours").is_null());
        } else if (l.at("id") == "C1") {
            CHECK(l.at("group") == "practice");
            CHECK(l.at("max_hours") == 1.5);
        }
    CHECK(saw_u1);

    // Every top-level key the schema lists, and the resolved form reloads to itself.
    std::set<std::string> keys, schema_keys;
    for (const auto& item : resolved.items()) keys.insert(item.key());
    for (const auto& item : Program::schema().at("properties").items()) schema_keys.insert(item.key());
    CHECK(keys == schema_keys);
    const Program again = Program::from_json(resolved, "resolved");
    CHECK(again.to_json() == resolved);
    REQUIRE(again.categories().size() == p.categories().size());
    for (std::size_t i = 0; i < p.categories().size(); ++i) {
        CHECK(again.categories()[i].requires == p.categories()[i].requires);
        CHECK(again.categories()[i].min_lessons == p.categories()[i].min_lessons);
    }
}

TEST_CASE("requirement loader: errors name the key") {
    struct Case {
        json changes;
        std::string key;
    };
    auto category = [](const json& body) { return json{{"categories", {{"t", body}}}}; };
    auto requiring = [&](const char* requires) {
        return category({{"requires", json::parse(requires)}, {"certificate", true}});
    };
    const std::vector<Case> cases = {
        // Selections name only what the programme declares.
        {requiring(R"({"lessons": 1, "from": {"group": "nope"}})"), "categories.t.requires.from.group"},
        {requiring(R"({"hours": 1, "from": {"theme": "c"}})"), "categories.t.requires.from.theme"},
        {requiring(R"({"lessons": 1, "from": {"lessons": ["P1", "ZZ"]}})"), "categories.t.requires.from.lessons[1]"},
        {requiring(R"({"lessons": 1, "from": {"lessons": ["P1", "P1"]}})"), "categories.t.requires.from.lessons[1]"},
        {requiring(R"({"lessons": 1, "from": {"lessons": []}})"), "categories.t.requires.from.lessons"},
        {requiring(R"({"lessons": 1, "from": {"group": "public", "theme": "a"}})"), "categories.t.requires.from"},
        {requiring(R"({"lessons": 1, "from": {}})"), "categories.t.requires.from"},
        {requiring(R"({"lessons": 1, "from": {"module": "public"}})"), "categories.t.requires.from.module"},
        {requiring(R"({"exam": "midterm"})"), "categories.t.requires.exam"},
        {requiring(R"({"all": [{"lessons": 1}, {"any": [{"approval": true}, {"exam": "nope"}]}]})"),
         "categories.t.requires.all[1].any[1].exam"},
        {requiring(R"({"any": [{"lessons": 1, "from": {"group": "nope"}}]})"), "categories.t.requires.any[0].from.group"},
        // requires or min_lessons, exactly one.
        {category({{"min_lessons", 2}, {"requires", {{"lessons", 2}}}, {"certificate", true}}), "categories.t"},
        {category({{"certificate", true}}), "categories.t.requires"},
        // Shapes and values.
        {requiring(R"({"all": []})"), "categories.t.requires.all"},
        {requiring(R"({"any": []})"), "categories.t.requires.any"},
        {requiring(R"({"all": {"lessons": 1}})"), "categories.t.requires.all"},
        {requiring(R"({"lessons": -1})"), "categories.t.requires.lessons"},
        {requiring(R"({"lessons": 1.5})"), "categories.t.requires.lessons"},
        {requiring(R"({"hours": -0.5})"), "categories.t.requires.hours"},
        {requiring(R"({"hours": "3"})"), "categories.t.requires.hours"},
        {requiring(R"({"all": [{"hours": -1, "from": {"group": "public"}}]})"), "categories.t.requires.all[0].hours"},
        {category({{"min_lessons", -1}, {"certificate", true}}), "categories.t.min_lessons"},
        {requiring(R"({"approval": false})"), "categories.t.requires.approval"},
        {requiring(R"({"approval": "true"})"), "categories.t.requires.approval"},
        {requiring(R"({"approval": 1})"), "categories.t.requires.approval"},
        {requiring(R"({"lessons": 1, "exam": "final"})"), "categories.t.requires"},
        {requiring(R"({})"), "categories.t.requires"},
        {requiring(R"(3)"), "categories.t.requires"},
        {requiring(R"({"lessons": 1, "min": 2})"), "categories.t.requires.min"},
        {requiring(R"({"exam": "final", "from": {"group": "public"}})"), "categories.t.requires.from"},
        {requiring(R"({"approval": true, "from": {"group": "public"}})"), "categories.t.requires.from"},
        // Groups, exams and the catalogue.
        {{{"lessons", json::array({{{"id", "X"}, {"minutes", 10}, {"group", "nope"}}})}}, "lessons[0].group"},
        {{{"lessons", json::array({{{"id", "X"}, {"minutes", 10}, {"max_hours", -1}}})}}, "lessons[0].max_hours"},
        {{{"lessons", json::array({{{"id", "X"}, {"minutes", 10}, {"max_hours", "1"}}})}}, "lessons[0].max_hours"},
        {{{"groups", {{"g", {{"max_hours", -1}}}}}}, "groups.g.max_hours"},
        {{{"groups", {{"g", {{"cap", 1}}}}}}, "groups.g.cap"},
        {{{"groups", json::array({"g"})}}, "groups"},
        {{{"exams", {{"final", {{"pass_score", 101}}}}}}, "exams.final.pass_score"},
        {{{"exams", {{"final", {{"pass_score", -1}}}}}}, "exams.final.pass_score"},
        {{{"exams", {{"x", {{"pass", 50}}}}}}, "exams.x.pass"},
        // A lesson list needs a catalogue that has the lessons.
        {json{{"lessons", json::array()},
              {"categories", {{"t", {{"requires", json::parse(R"({"lessons": 1, "from": {"lessons": ["P1"]}})")},
                                     {"certificate", true}}}}}},
         "categories.t.requires.from.lessons[0]"},
    };
    for (const Case& c : cases) {
        INFO(c.changes.dump());
        bool thrown = false;
        try {
            (void)req_program(c.changes);
        } catch (const yanxiu::ProgramError& e) {
            thrown = true;
            CHECK(e.key() == c.key);
            CHECK(e.source() == "<req>");
            CHECK(std::string(e.what()).find(c.key) != std::string::npos);
        }
        CHECK(thrown);
    }
    // The same base loads without the mistakes.
    CHECK_NOTHROW((void)req_program());
}

TEST_CASE("requirement loader: both built-in programmes keep their meaning (lesson counts, no groups or exams)") {
    for (const std::string& id : Program::builtin_ids()) {
        INFO(id);
        const Program p = Program::load(id);
        std::vector<int> minimums;
        for (const auto& c : p.categories()) {
            minimums.push_back(c.min_lessons);
            CHECK(c.requires.is_lesson_count());
            CHECK(c.requires.lessons == c.min_lessons);
            CHECK(c.requires.children.empty());
            const auto& resolved = p.to_json().at("categories").at(c.id);
            CHECK(resolved.at("requires").dump() == "{\"lessons\":" + std::to_string(c.min_lessons) + "}");
            CHECK_FALSE(resolved.contains("min_lessons"));
        }
        CHECK(minimums == std::vector<int>{15, 15, 10, 10, 0});
        CHECK(p.groups().empty());
        CHECK(p.exams().empty());
        CHECK(p.to_json().at("groups").dump() == "{}");
        CHECK(p.to_json().at("exams").dump() == "{}");
        CHECK(Program::from_json(p.to_json(), "again").to_json() == p.to_json());

        // Outcomes as before: a lesson count, no requirement standings, no hours by group.
        std::vector<json> events = finish_lessons("H", 10);
        auto nine = finish_lessons("I", 9);
        events.insert(events.end(), nine.begin(), nine.end());
        Run run(p, {person("H", "homeroom"), person("I", "homeroom"), person("N", "mh_fulltime")}, events);
        CHECK(run["H"].status == Status::completed);
        CHECK(run["H"].lessons_required == 10);
        CHECK(run.json_of("H")["completed_at"] == "2023-01-12T10:40:00+08:00");
        CHECK(run["H"].completed_from == run["H"].completed_at);
        CHECK(run["H"].requirements.empty());
        CHECK(run["H"].group_hours.empty());
        const json h = run.json_of("H");
        CHECK_FALSE(h.contains("requirements"));
        CHECK_FALSE(h.contains("hours_by_group"));
        CHECK(run["I"].status == Status::in_progress);
        const auto* below = find_reason(run["I"], ReasonCode::below_minimum);
        REQUIRE(below);
        CHECK(below->count_have == 9);
        CHECK(below->count_need == 10);
        CHECK(count_reasons(run["I"], ReasonCode::requirement_not_met) == 0);
        CHECK(run["N"].status == Status::not_started);
        CHECK(run["N"].lessons_required == 15);
    }
    // An overlay gives a category a tree by removing its min_lessons (merge-patch null).
    const std::string overlay = R"({"extends": "moe-2023-mh-winter", "id": "x", "version": "1",
        "categories": {"homeroom": {"min_lessons": null, "requires": {"all": [{"lessons": 10}, {"approval": true}]}}}})";
    const Program tree = Program::from_json(overlay, "x.json");
    CHECK(tree.find_category("homeroom")->min_lessons == 0);
    CHECK(tree.find_category("homeroom")->requires.kind == Requirement::Kind::all);
    CHECK(tree.find_category("homeroom")->sectors.size() == 3);  // merged, not replaced
    CHECK(tree.find_category("counselor")->min_lessons == 10);
    // Without the null, the base's min_lessons stays and the category names both.
    const std::string both = R"({"extends": "moe-2023-mh-winter", "id": "x", "version": "1",
        "categories": {"homeroom": {"requires": {"lessons": 10}}}})";
    try {
        (void)Program::from_json(both, "x.json");
        FAIL("expected a ProgramError");
    } catch (const yanxiu::ProgramError& e) {
        CHECK(e.key() == "categories.homeroom");
    }
}

// ---------------------------------------------------------------------------
// Hours

TEST_CASE("requirement hours: lesson, group and programme caps; selection by group, theme and lesson list") {
    const json tree = json::parse(R"({"all": [
        {"hours": 2, "from": {"group": "public"}},
        {"hours": 2.1, "from": {"group": "public"}},
        {"hours": 2.6, "from": {"theme": "a"}},
        {"hours": 2.7, "from": {"lessons": ["P1", "C1", "U2"]}},
        {"hours": 2.8, "from": {"lessons": ["P1", "C1", "U2"]}},
        {"hours": 2.7, "from": {"group": "practice"}},
        {"hours": 5.5}
    ]})");
    const Program p = with_category("hours", tree, {{"quiz", {{"mode", "none"}}}});
    // One 学时 is 45 minutes.  P1-P3: 1 h each (public, capped at 2 together);
    // C1 2 h 40 min of hours, capped at 1.5; C2 1.2 h; U1 0.6 h; U2 1.33 h, capped at 0.25.
    const std::vector<json> events = {
        day_study("A", "P1", 10, "08:00", "08:45"), day_study("A", "P2", 10, "09:00", "09:45"),
        day_study("A", "P3", 10, "10:00", "10:45"), day_study("A", "C1", 10, "11:00", "13:00"),
        day_study("A", "C2", 10, "14:00", "14:54"), day_study("A", "U1", 10, "15:00", "15:27"),
        day_study("A", "U2", 10, "16:00", "17:00")};
    Run run(p, {member("A", "hours")}, events);
    const auto& a = run["A"];
    CHECK(a.lessons_credited == 7);
    // Seconds are not capped by max_hours (only by lesson length): 3×2700 + 7200 + 3240 + 1620 + 3600.
    CHECK(a.seconds_credited.count() == 23760);
    CHECK(a.seconds_studied.count() == 23760);
    // 2 + (1.5 + 1.2) + 0.6 + 0.25 = 5.55, rounded down once: 5.5 (uncapped it would be 8.8).
    CHECK(a.hours_credited == 5.5);
    REQUIRE(a.group_hours.size() == 2);
    CHECK(a.group_hours[0].group == "practice");  // the programme's order
    CHECK(a.group_hours[0].hours == 2.7);
    CHECK(a.group_hours[1].group == "public");
    CHECK(a.group_hours[1].hours == 2.0);
    CHECK(run.json_of("A")["hours_by_group"].dump() == R"({"practice":2.7,"public":2.0})");

    struct Expect {
        const char* path;
        bool holds;
        double have;
        double need;
    };
    const Expect expected[] = {
        {"requires", false, 5, 7},
        {"requires.all[0]", true, 2.0, 2},     // public, at its cap
        {"requires.all[1]", false, 2.0, 2.1},  // 3 h studied, the cap holds it at 2
        {"requires.all[2]", true, 2.6, 2.6},   // theme a: public (capped at 2) + U1 0.6
        {"requires.all[3]", true, 2.7, 2.7},   // P1 1 + C1 1.5 + U2 0.25 = 2.75, rounded down
        {"requires.all[4]", false, 2.7, 2.8},
        {"requires.all[5]", true, 2.7, 2.7},   // C1 capped at 1.5 + C2 1.2
        {"requires.all[6]", true, 5.5, 5.5},
    };
    REQUIRE(a.requirements.size() == std::size(expected));
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        INFO(expected[i].path);
        CHECK(a.requirements[i].path == expected[i].path);
        CHECK(a.requirements[i].holds == expected[i].holds);
        REQUIRE(a.requirements[i].have);
        CHECK(*a.requirements[i].have == expected[i].have);
        CHECK(a.requirements[i].need == expected[i].need);
    }
    CHECK(a.requirements[0].kind == Requirement::Kind::all);
    CHECK(a.requirements[1].kind == Requirement::Kind::hours);
    CHECK(a.status == Status::in_progress);
    CHECK(a.lessons_required == 0);
    // requirement_not_met for exactly the nodes that do not hold, with have and need.
    std::vector<std::string> unmet;
    for (const auto& r : a.reasons)
        if (r.code == ReasonCode::requirement_not_met) unmet.push_back(r.path);
    CHECK(unmet == std::vector<std::string>{"requires", "requires.all[1]", "requires.all[4]"});
    const json reasons = run.json_of("A")["reasons"];
    CHECK(reasons[0].dump() ==
          json({{"code", "requirement_not_met"}, {"path", "requires"}, {"requirement", "all"}, {"have", 5}, {"need", 7}})
              .dump());
    CHECK(reasons[1].dump() == json({{"code", "requirement_not_met"},
                                     {"path", "requires.all[1]"},
                                     {"requirement", "hours"},
                                     {"have", 2.0},
                                     {"need", 2.1}})
                                   .dump());
    // The lesson max_hours caps hours only: C1 and U2 are not capped_at_lesson_length.
    CHECK_FALSE(has_reason(a, ReasonCode::capped_at_lesson_length));

    // credit.max_hours caps hours_credited (after the group and lesson caps), not the groups' hours.
    json capped_changes = {{"quiz", {{"mode", "none"}}}, {"credit", {{"max_hours", 5}}}};
    Run capped(with_category("hours", tree, capped_changes), {member("A", "hours")}, events);
    CHECK(capped["A"].hours_credited == 5.0);
    CHECK(capped["A"].group_hours == a.group_hours);
    CHECK(capped["A"].seconds_credited.count() == 23760);
}

TEST_CASE("requirement hours: rounded down to hour_step once, at the end, not per lesson or group") {
    const Program p = with_category("h04", {{"hours", 0.4}}, {{"quiz", {{"mode", "none"}}}});
    // R1: three lessons of 405 s (0.15 h each) in public, practice and no group:
    // 0.45 h rounded once is 0.4; rounded per lesson (or per group) it would be 0.3.
    // R2: U2 1000 s (0.37 h) capped at 0.25 h, plus U1 0.15 h: exactly 0.4 (per lesson: 0.2 + 0.1).
    // R3: 0.15 h in one lesson, and 0.15 in another 15 minutes later: 0.3 < 0.4.
    Run run(p, {member("R1", "h04"), member("R2", "h04"), member("R3", "h04")},
            {day_study("R1", "P1", 10, "08:00:00", "08:06:45"), day_study("R1", "C2", 10, "09:00:00", "09:06:45"),
             day_study("R1", "U1", 10, "10:00:00", "10:06:45"), day_study("R2", "U2", 10, "08:00:00", "08:16:40"),
             day_study("R2", "U1", 10, "09:00:00", "09:06:45"), day_study("R3", "P1", 10, "08:00:00", "08:06:45"),
             day_study("R3", "U1", 10, "08:15:00", "08:21:45")});
    CHECK(run["R1"].seconds_credited.count() == 1215);
    CHECK(run["R1"].hours_credited == 0.4);
    CHECK(run["R1"].status == Status::completed);
    REQUIRE(run["R1"].requirements.size() == 1);
    CHECK(run["R1"].requirements[0].have == 0.4);
    CHECK(run["R1"].requirements[0].holds);
    // Each group's hours, on its own, are rounded for display: 0.15 → 0.1.
    CHECK(run.json_of("R1")["hours_by_group"].dump() == R"({"practice":0.1,"public":0.1})");
    CHECK(run["R2"].seconds_credited.count() == 1405);
    CHECK(run["R2"].hours_credited == 0.4);
    CHECK(run["R2"].status == Status::completed);
    CHECK(run.json_of("R2")["hours_by_group"].dump() == R"({"practice":0.0,"public":0.0})");
    CHECK(run["R3"].hours_credited == 0.3);
    CHECK(run["R3"].status == Status::in_progress);
    REQUIRE(run["R3"].requirements.size() == 1);
    CHECK(run["R3"].requirements[0].have == 0.3);
    CHECK(run["R3"].requirements[0].need == 0.4);
    // completed_at: the instant the hours reach 0.4 mid-session (R1: 1080 s into its study, in U1).
    check_earliest(p, {member("R1", "h04")},
                   {day_study("R1", "P1", 10, "08:00:00", "08:06:45"), day_study("R1", "C2", 10, "09:00:00", "09:06:45"),
                    day_study("R1", "U1", 10, "10:00:00", "10:06:45")},
                   "R1", "2023-07-10T10:04:30+08:00");
}

TEST_CASE("requirement hours: only credited lessons count, under the quiz gate") {
    const Program p = with_category("h1", {{"hours", 1}, {"from", {{"group", "public"}}}});
    Run run(p, {member("A", "h1")},
            {day_study("A", "P1", 10, "08:00", "08:45"), quiz("A", "P1", "2023-07-10T08:50:00+08:00"),
             day_study("A", "P2", 10, "09:00", "09:45")});  // no quiz: not credited
    const auto& a = run["A"];
    CHECK(a.lessons_credited == 1);
    CHECK(a.seconds_studied.count() == 5400);
    CHECK(a.hours_credited == 1.0);
    CHECK(run.json_of("A")["hours_by_group"].dump() == R"({"practice":0.0,"public":1.0})");
    CHECK(a.status == Status::completed);
    CHECK(when(p, a.completed_at) == "2023-07-10T08:50:00+08:00");
    CHECK(has_reason(a, ReasonCode::quiz_missing, "P2"));
}

// ---------------------------------------------------------------------------
// Exams and approvals

TEST_CASE("requirement exam: passes at pass_score, best score is have, only attempts in the window and by as_of") {
    json changes = {{"categories", {{"ex", {{"requires", {{"exam", "final"}}}, {"certificate", true}}},
                                    {"oral", {{"requires", {{"exam", "oral"}}}, {"certificate", true}}}}}};
    const Program p = req_program(changes);
    std::vector<json> people;
    std::vector<json> events;
    for (const char* who : {"A", "B", "C", "D", "E", "F", "G", "H"}) {
        people.push_back(member(who, std::string(who) == "G" ? "oral" : "ex"));
        events.push_back(day_study(who, "P1", 10, "09:00", "09:30"));
        events.push_back(quiz(who, "P1", "2023-07-10T09:40:00+08:00"));
    }
    people.push_back(member("I", "ex"));  // an exam and no study
    const std::vector<json> exams = {
        exam("A", "final", "2023-07-11T10:00:00+08:00", 59.5),  // fails
        exam("A", "final", "2023-07-12T10:00:00+08:00", 60),    // passes: pass at >= pass_score
        exam("B", "final", "2023-07-11T10:00:00+08:00", 40),
        exam("D", "final", "2023-06-30T23:59:59+08:00", 90),    // before the window
        exam("D", "final", "2023-09-01T00:00:00+08:00", 95),    // after it
        exam("E", "final", "2023-07-11T10:00:00+08:00", 70),
        exam("E", "final", "2023-07-12T10:00:00+08:00", 50),    // a later fail does not undo a pass
        exam("F", "final", "2023-07-20T10:00:00+08:00", 85),
        exam("G", "oral", "2023-07-11T10:00:00+08:00", 79),     // the exam's pass_score (80), not the quiz's
        exam("G", "oral", "2023-07-13T10:00:00+08:00", 80),
        exam("H", "final", "2023-08-31T23:59:59+08:00", 61),    // the window's last second
        exam("I", "final", "2023-07-11T10:00:00+08:00", 99),
    };
    events.insert(events.end(), exams.begin(), exams.end());
    Run run(p, people, events);
    CHECK(run.data.rejections().empty());  // exams outside the window are accepted, and do not count

    const auto& a = run["A"];
    CHECK(a.status == Status::completed);
    CHECK(when(p, a.completed_at) == "2023-07-12T10:00:00+08:00");
    REQUIRE(a.requirements.size() == 1);
    CHECK(a.requirements[0].path == "requires");
    CHECK(a.requirements[0].kind == Requirement::Kind::exam);
    CHECK(a.requirements[0].holds);
    CHECK(a.requirements[0].have == 60.0);
    CHECK(a.requirements[0].need == 60.0);
    CHECK_FALSE(has_reason(a, ReasonCode::exam_not_passed));
    CHECK_FALSE(has_reason(a, ReasonCode::requirement_not_met));
    CHECK(a.lessons_required == 0);

    // A failed attempt does not hold: both reasons, with the best score.
    const auto& b = run["B"];
    CHECK(b.status == Status::in_progress);
    CHECK_FALSE(b.certificate);
    const json breasons = run.json_of("B")["reasons"];
    REQUIRE(breasons.size() == 2);
    CHECK(breasons[0].dump() == json({{"code", "requirement_not_met"},
                                      {"path", "requires"},
                                      {"requirement", "exam"},
                                      {"exam", "final"},
                                      {"have", 40.0},
                                      {"need", 60.0}})
                                    .dump());
    CHECK(breasons[1].dump() == json({{"code", "exam_not_passed"}, {"exam", "final"}, {"have", 40.0}, {"need", 60.0}}).dump());

    // No attempt: have is null, and no exam_not_passed.
    const auto& c = run["C"];
    CHECK(c.status == Status::in_progress);
    REQUIRE(c.requirements.size() == 1);
    CHECK_FALSE(c.requirements[0].have);
    CHECK_FALSE(has_reason(c, ReasonCode::exam_not_passed));
    const json cj = run.json_of("C");
    CHECK(cj["requirements"].dump() == R"([{"have":null,"holds":false,"kind":"exam","need":60.0,"path":"requires"}])");
    CHECK(cj["reasons"][0].dump() ==
          R"({"code":"requirement_not_met","exam":"final","have":null,"need":60.0,"path":"requires","requirement":"exam"})");
    // Its raw line keeps the order of the format.
    std::string line;
    yanxiu::append_json_line(line, c, p.time_zone());
    CHECK(line.find(R"("requirements":[{"path":"requires","kind":"exam","holds":false,"have":null,"need":60.0}])") !=
          std::string::npos);

    // Attempts outside the window are not attempts.
    CHECK(run["D"].status == Status::in_progress);
    CHECK_FALSE(run["D"].requirements[0].have);
    CHECK_FALSE(has_reason(run["D"], ReasonCode::exam_not_passed));

    // Best score is have; the pass stands.
    CHECK(run["E"].status == Status::completed);
    CHECK(run["E"].requirements[0].have == 70.0);
    CHECK(when(p, run["E"].completed_at) == "2023-07-11T10:00:00+08:00");

    CHECK(run["G"].status == Status::completed);
    CHECK(when(p, run["G"].completed_at) == "2023-07-13T10:00:00+08:00");
    CHECK(run["H"].status == Status::completed);
    CHECK(when(p, run["H"].completed_at) == "2023-08-31T23:59:59+08:00");
    // A pass and no study is not_started (statuses keep their order).
    CHECK(run["I"].status == Status::not_started);
    CHECK_FALSE(run["I"].certificate);
    CHECK_FALSE(run["I"].completed_at);

    // An attempt after as_of does not count; one at as_of does.
    Run before(p, people, events, "2023-07-20T09:59:59+08:00");
    CHECK(before["F"].status == Status::in_progress);
    CHECK_FALSE(before["F"].requirements[0].have);
    CHECK(before["A"].status == Status::completed);  // earlier passes still do
    Run at(p, people, events, "2023-07-20T10:00:00+08:00");
    CHECK(at["F"].status == Status::completed);
    CHECK(at["F"].requirements[0].have == 85.0);
    Run mid(p, people, events, "2023-07-11T12:00:00+08:00");
    CHECK(mid["A"].status == Status::in_progress);
    CHECK(mid["A"].requirements[0].have == 59.5);  // the attempt as of then

    check_earliest(p, people, events, "A", "2023-07-12T10:00:00+08:00");
}

TEST_CASE("requirement approval: holds with an approval in the window, not after as_of; approved reason with by and at") {
    const Program p = with_category("ap", {{"approval", true}});
    std::vector<json> people;
    std::vector<json> events;
    for (const char* who : {"A", "B", "C"}) {
        people.push_back(member(who, "ap"));
        events.push_back(day_study(who, "P1", 10, "09:00", "09:30"));
        events.push_back(quiz(who, "P1", "2023-07-10T09:40:00+08:00"));
    }
    people.push_back(member("D", "ap"));
    people.push_back(member("E", "ap"));
    events.push_back(approval("A", "2023-07-15T10:00:00+08:00", "学校管理员 王老师"));
    events.push_back(approval("B", "2023-06-30T12:00:00+08:00", "学校管理员 王老师"));  // before the window
    events.push_back(approval("C", "2023-07-20T10:00:00+08:00", "李老师"));
    events.push_back(approval("D", "2023-07-15T10:00:00+08:00", "李老师"));  // and no study
    events.push_back(approval("E", "2023-07-05T10:00:00+08:00", "李老师"));  // before E's study
    events.push_back(day_study("E", "P1", 10, "09:00", "09:30"));
    Run run(p, people, events);
    CHECK(run.data.rejections().empty());

    const auto& a = run["A"];
    CHECK(a.status == Status::completed);
    CHECK(when(p, a.completed_at) == "2023-07-15T10:00:00+08:00");
    REQUIRE(a.requirements.size() == 1);
    CHECK(a.requirements[0].kind == Requirement::Kind::approval);
    CHECK(a.requirements[0].holds);
    CHECK(a.requirements[0].have == 1.0);
    const auto* approved = find_reason(a, ReasonCode::approved);
    REQUIRE(approved);
    CHECK(approved->by == "学校管理员 王老师");
    CHECK(run.json_of("A")["reasons"][0].dump() ==
          json({{"code", "approved"}, {"by", "学校管理员 王老师"}, {"at", "2023-07-15T10:00:00+08:00"}}).dump());

    const auto& b = run["B"];
    CHECK(b.status == Status::in_progress);
    CHECK_FALSE(has_reason(b, ReasonCode::approved));
    CHECK(run.json_of("B")["reasons"][0].dump() ==
          json({{"code", "requirement_not_met"}, {"path", "requires"}, {"requirement", "approval"}, {"have", 0}, {"need", 1}})
              .dump());
    CHECK(run.json_of("B")["requirements"].dump() ==
          R"([{"have":0,"holds":false,"kind":"approval","need":1,"path":"requires"}])");

    CHECK(run["C"].status == Status::completed);
    Run before(p, people, events, "2023-07-20T09:59:59+08:00");
    CHECK(before["C"].status == Status::in_progress);
    CHECK_FALSE(has_reason(before["C"], ReasonCode::approved));
    Run at(p, people, events, "2023-07-20T10:00:00+08:00");
    CHECK(at["C"].status == Status::completed);

    // An approval without counted time: not_started, no certificate.
    CHECK(run["D"].status == Status::not_started);
    CHECK_FALSE(run["D"].certificate);
    CHECK_FALSE(run["D"].completed_at);
    // Approved first, studied later: completed one second into the study (the first instant with counted time).
    CHECK(run["E"].status == Status::completed);
    check_earliest(p, people, events, "E", "2023-07-10T09:00:01+08:00");
    check_earliest(p, people, events, "A", "2023-07-15T10:00:00+08:00");
}

// ---------------------------------------------------------------------------
// Trees

TEST_CASE("requirement all/any: nested trees, paths, have and need at each node, and the reasons") {
    const json tree = json::parse(R"({"all": [
        {"lessons": 2, "from": {"group": "public"}},
        {"any": [{"exam": "final"}, {"approval": true}]},
        {"hours": 1, "from": {"theme": "b"}}
    ]})");
    json changes = {{"categories", {{"aud", {{"requires", tree}, {"certificate", false}}}}}};
    const Program p = with_category("tree", tree, changes);
    const std::vector<json> people = {member("A", "tree"), member("B", "tree"), member("C", "tree"), member("O", "aud")};
    std::vector<json> events = {
        // A: one public lesson, a failed exam, 0.6 h of theme b.
        day_study("A", "P1", 10, "09:00", "09:45"), quiz("A", "P1", "2023-07-10T09:50:00+08:00"),
        exam("A", "final", "2023-07-11T10:00:00+08:00", 30),
        day_study("A", "C2", 12, "10:00", "10:27"), quiz("A", "C2", "2023-07-12T10:30:00+08:00"),
        // B: two public lessons, 1 h of theme b, then an approval.
        day_study("B", "P1", 10, "09:00", "09:45"), quiz("B", "P1", "2023-07-10T09:50:00+08:00"),
        day_study("B", "P2", 10, "10:00", "10:45"), quiz("B", "P2", "2023-07-10T10:50:00+08:00"),
        day_study("B", "C2", 11, "10:00", "10:45"), quiz("B", "C2", "2023-07-11T10:50:00+08:00"),
        approval("B", "2023-07-12T08:00:00+08:00", "王老师"),
        // C: the exam passed early; the theme-b hours come last.
        exam("C", "final", "2023-07-09T09:00:00+08:00", 75),
        day_study("C", "P1", 10, "09:00", "09:45"), quiz("C", "P1", "2023-07-10T09:50:00+08:00"),
        day_study("C", "P2", 10, "10:00", "10:45"), quiz("C", "P2", "2023-07-10T10:50:00+08:00"),
        day_study("C", "C1", 11, "10:00", "10:45"), quiz("C", "C1", "2023-07-11T10:50:00+08:00"),
    };
    // O (no certificate): what A did.
    for (const auto& e : std::vector<json>(events.begin(), events.begin() + 5)) {
        json o = e;
        o["participant"] = "O";
        events.push_back(o);
    }
    Run run(p, people, events);

    const auto& a = run["A"];
    CHECK(a.status == Status::in_progress);
    CHECK(a.lessons_required == 0);
    CHECK(a.hours_credited == 1.6);
    const json aj = run.json_of("A");
    const json expected_requirements = json::parse(R"([
        {"path": "requires", "kind": "all", "holds": false, "have": 0, "need": 3},
        {"path": "requires.all[0]", "kind": "lessons", "holds": false, "have": 1, "need": 2},
        {"path": "requires.all[1]", "kind": "any", "holds": false, "have": 0, "need": 1},
        {"path": "requires.all[1].any[0]", "kind": "exam", "holds": false, "have": 30.0, "need": 60.0},
        {"path": "requires.all[1].any[1]", "kind": "approval", "holds": false, "have": 0, "need": 1},
        {"path": "requires.all[2]", "kind": "hours", "holds": false, "have": 0.6, "need": 1.0}
    ])");
    CHECK(aj["requirements"].dump() == expected_requirements.dump());
    const json expected_reasons = json::parse(R"([
        {"code": "requirement_not_met", "path": "requires", "requirement": "all", "have": 0, "need": 3},
        {"code": "requirement_not_met", "path": "requires.all[0]", "requirement": "lessons", "have": 1, "need": 2},
        {"code": "requirement_not_met", "path": "requires.all[1]", "requirement": "any", "have": 0, "need": 1},
        {"code": "requirement_not_met", "path": "requires.all[1].any[0]", "requirement": "exam", "exam": "final", "have": 30.0, "need": 60.0},
        {"code": "requirement_not_met", "path": "requires.all[1].any[1]", "requirement": "approval", "have": 0, "need": 1},
        {"code": "requirement_not_met", "path": "requires.all[2]", "requirement": "hours", "have": 0.6, "need": 1.0},
        {"code": "exam_not_passed", "exam": "final", "have": 30.0, "need": 60.0}
    ])");
    CHECK(aj["reasons"].dump() == expected_reasons.dump());
    // In the outcome's own key order too.
    CHECK(yanxiu::to_json(a, p.time_zone())["reasons"][3].dump() ==
          R"({"code":"requirement_not_met","path":"requires.all[1].any[0]","requirement":"exam","exam":"final","have":30.0,"need":60.0})");

    // B holds through the approval; the any node has 1 of its 2.
    const auto& b = run["B"];
    CHECK(b.status == Status::completed);
    CHECK(b.certificate);
    REQUIRE(b.requirements.size() == 6);
    CHECK(b.requirements[0].holds);
    CHECK(b.requirements[0].have == 3.0);
    CHECK(b.requirements[2].path == "requires.all[1]");
    CHECK(b.requirements[2].holds);
    CHECK(b.requirements[2].have == 1.0);
    CHECK_FALSE(b.requirements[3].holds);  // no exam attempt
    CHECK_FALSE(b.requirements[3].have);
    CHECK(b.requirements[4].holds);
    CHECK(b.requirements[5].have == 1.0);
    CHECK(find_reason(b, ReasonCode::approved) != nullptr);
    CHECK_FALSE(has_reason(b, ReasonCode::exam_not_passed));
    // The last of: 2nd public lesson (7-10 10:50), 1 h of theme b (7-11 10:50), the approval (7-12 08:00).
    check_earliest(p, people, events, "B", "2023-07-12T08:00:00+08:00");
    // C: exam first, then the hours when C1's quiz credits it.
    CHECK(run["C"].status == Status::completed);
    check_earliest(p, people, events, "C", "2023-07-11T10:50:00+08:00");

    // A category without a certificate: the standings are kept, not explained as unmet.
    const auto& o = run["O"];
    CHECK(o.status == Status::recorded);
    CHECK_FALSE(o.certificate);
    CHECK(o.requirements.size() == 6);
    CHECK_FALSE(has_reason(o, ReasonCode::requirement_not_met));
    CHECK_FALSE(has_reason(o, ReasonCode::exam_not_passed));
    CHECK(has_reason(o, ReasonCode::no_certificate_for_category));
}

// ---------------------------------------------------------------------------
// Manual credit

TEST_CASE("requirement manual credit: credited at `at` unless a quiz was earlier, offline seconds, caps, gates") {
    // Minimum study: half of each lesson (1800 s of a 60-minute lesson).
    const Program p = req_program({{"credit", {{"min_study_ratio", 0.5}}}});
    std::vector<json> people;
    for (const char* who : {"M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9"}) people.push_back(member(who, "count2"));
    const std::vector<json> events = {
        // M1: a credit alone: below the minimum study, no quiz, still credited.
        credit("M1", "P1", "2023-07-10T10:00:00+08:00", 600, "县教师发展中心", "线下集中学习"),
        // M2: studied and quizzed first; the credit adds offline time, capped at the lesson length.
        day_study("M2", "P1", 10, "09:00", "09:30"), quiz("M2", "P1", "2023-07-10T09:40:00+08:00"),
        credit("M2", "P1", "2023-07-10T12:00:00+08:00", 2400, "甲"),
        // M3: the credit is earlier than the quiz.
        credit("M3", "P2", "2023-07-10T08:00:00+08:00", 900, "甲"),
        day_study("M3", "P2", 10, "09:00", "09:30"), quiz("M3", "P2", "2023-07-10T09:40:00+08:00"),
        // M4: P2's online time is P1's (overlap); the offline time is P2's anyway.
        day_study("M4", "P1", 10, "10:00", "10:30"), day_study("M4", "P2", 10, "10:00", "10:30"),
        quiz("M4", "P1", "2023-07-10T10:40:00+08:00"), quiz("M4", "P2", "2023-07-10T10:40:00+08:00"),
        credit("M4", "P2", "2023-07-10T11:00:00+08:00", 900, "甲"),
        // M5: enough study, no quiz: the credit opens it.
        day_study("M5", "U1", 10, "09:00", "09:40"), credit("M5", "U1", "2023-07-11T10:00:00+08:00", 60, "甲"),
        // M6: a credit later on (for as_of).
        credit("M6", "P1", "2023-07-20T10:00:00+08:00", 600, "甲"),
        // M7: a quiz before a credit with no study does not credit the lesson earlier; one after it neither.
        credit("M7", "P1", "2023-07-10T12:00:00+08:00", 300, "甲"), quiz("M7", "P1", "2023-07-10T11:00:00+08:00"),
        credit("M7", "P2", "2023-07-10T12:00:00+08:00", 300, "甲"), quiz("M7", "P2", "2023-07-10T13:00:00+08:00"),
        // M8: two credits on one lesson (listed latest first).
        credit("M8", "P3", "2023-07-12T10:00:00+08:00", 300, "乙", "补录"),
        credit("M8", "P3", "2023-07-11T10:00:00+08:00", 200.9, "甲"),  // whole seconds: 200
        // M9: more offline time than the lesson is long.
        credit("M9", "U1", "2023-07-10T10:00:00+08:00", 5000, "甲"),
    };
    Run run(p, people, events);
    CHECK(run.data.rejections().empty());

    const auto& m1 = run["M1"];
    CHECK(m1.lessons_credited == 1);
    CHECK(m1.seconds_studied.count() == 600);
    CHECK(m1.seconds_credited.count() == 600);
    CHECK(m1.hours_credited == 0.2);
    CHECK(m1.status == Status::in_progress);
    REQUIRE(find_lesson(m1, "P1"));
    CHECK(when(p, find_lesson(m1, "P1")->credited_at) == "2023-07-10T10:00:00+08:00");
    CHECK(when(p, find_lesson(m1, "P1")->credited_from) == "2023-07-10T10:00:00+08:00");
    CHECK(when(p, m1.started_from) == "2023-07-10T10:00:00+08:00");
    CHECK_FALSE(has_reason(m1, ReasonCode::below_minimum, "P1"));
    CHECK_FALSE(has_reason(m1, ReasonCode::quiz_missing, "P1"));
    json m1_credit;
    const json m1_json = run.json_of("M1");
    for (const auto& r : m1_json["reasons"])
        if (r["code"] == "manual_credit") m1_credit = r;
    CHECK(m1_credit.dump() == json({{"code", "manual_credit"},
                                    {"lesson", "P1"},
                                    {"seconds", 600},
                                    {"by", "县教师发展中心"},
                                    {"at", "2023-07-10T10:00:00+08:00"},
                                    {"reason", "线下集中学习"}})
                                  .dump());
    const auto* m1_reason = find_reason(m1, ReasonCode::manual_credit, "P1");
    REQUIRE(m1_reason);
    CHECK(m1_reason->note == "线下集中学习");
    CHECK(m1_reason->credited == yanxiu::Seconds{600});

    const auto& m2 = run["M2"];
    CHECK(when(p, find_lesson(m2, "P1")->credited_at) == "2023-07-10T09:40:00+08:00");
    CHECK(find_lesson(m2, "P1")->seconds_counted.count() == 3600);
    CHECK(m2.seconds_credited.count() == 3600);
    const auto* capped = find_reason(m2, ReasonCode::capped_at_lesson_length, "P1");
    REQUIRE(capped);
    CHECK(capped->time_have == yanxiu::Seconds{4200});
    CHECK(capped->time_need == yanxiu::Seconds{3600});
    CHECK(has_reason(m2, ReasonCode::manual_credit, "P1"));

    const auto& m3 = run["M3"];
    CHECK(when(p, find_lesson(m3, "P2")->credited_at) == "2023-07-10T08:00:00+08:00");
    CHECK(find_lesson(m3, "P2")->seconds_counted.count() == 2700);
    CHECK(when(p, find_lesson(m3, "P2")->first_instant) == "2023-07-10T08:00:00+08:00");

    const auto& m4 = run["M4"];
    CHECK(m4.seconds_studied.count() == 1800 + 900);
    CHECK(find_lesson(m4, "P2")->seconds_counted.count() == 900);
    CHECK(when(p, find_lesson(m4, "P2")->credited_at) == "2023-07-10T11:00:00+08:00");
    const auto* overlap = find_reason(m4, ReasonCode::overlap, "P2");
    REQUIRE(overlap);
    CHECK(overlap->overlapped == yanxiu::Seconds{1800});
    CHECK(m4.status == Status::completed);
    CHECK(m4.lessons_required == 2);
    check_earliest(p, people, events, "M4", "2023-07-10T11:00:00+08:00");

    const auto& m5 = run["M5"];
    CHECK(m5.lessons_credited == 1);
    CHECK(find_lesson(m5, "U1")->seconds_counted.count() == 2460);
    CHECK(when(p, find_lesson(m5, "U1")->credited_at) == "2023-07-11T10:00:00+08:00");
    CHECK_FALSE(has_reason(m5, ReasonCode::quiz_missing));

    Run before(p, people, events, "2023-07-20T09:59:59+08:00");
    CHECK(before["M6"].status == Status::not_started);
    CHECK(before["M6"].seconds_studied.count() == 0);
    CHECK_FALSE(has_reason(before["M6"], ReasonCode::manual_credit));
    Run at(p, people, events, "2023-07-20T10:00:00+08:00");
    CHECK(at["M6"].status == Status::in_progress);
    CHECK(at["M6"].lessons_credited == 1);
    CHECK(has_reason(at["M6"], ReasonCode::manual_credit, "P1"));

    const auto& m7 = run["M7"];
    CHECK(when(p, find_lesson(m7, "P1")->credited_at) == "2023-07-10T12:00:00+08:00");
    CHECK(when(p, find_lesson(m7, "P2")->credited_at) == "2023-07-10T12:00:00+08:00");
    CHECK(m7.status == Status::completed);

    const auto& m8 = run["M8"];
    CHECK(find_lesson(m8, "P3")->seconds_counted.count() == 500);
    CHECK(when(p, find_lesson(m8, "P3")->credited_at) == "2023-07-11T10:00:00+08:00");
    std::vector<std::string> credits;
    for (const auto& r : m8.reasons)
        if (r.code == ReasonCode::manual_credit)
            credits.push_back(r.by + " " + std::to_string(r.credited->count()) + " " + when(p, r.at));
    // One reason per credit, in time order whatever the order of the records.
    CHECK(credits == std::vector<std::string>{"甲 200 2023-07-11T10:00:00+08:00", "乙 300 2023-07-12T10:00:00+08:00"});

    const auto& m9 = run["M9"];
    CHECK(find_lesson(m9, "U1")->seconds_counted.count() == 3600);
    REQUIRE(find_reason(m9, ReasonCode::capped_at_lesson_length, "U1"));
    CHECK(find_reason(m9, ReasonCode::capped_at_lesson_length, "U1")->time_have == yanxiu::Seconds{5000});
}

TEST_CASE("requirement manual credit, exam and approval records: rejections name the field and code") {
    const Program p = req_program();
    struct Bad {
        json record;
        const char* field;
        RejectCode code;
    };
    const std::string in = "2023-07-10T10:00:00+08:00";
    json no_by = credit("X", "P1", in, 600, "甲");
    no_by.erase("by");
    json no_seconds = credit("X", "P1", in, 600, "甲");
    no_seconds.erase("seconds");
    json no_at = credit("X", "P1", in, 600, "甲");
    no_at.erase("at");
    json no_lesson = credit("X", "P1", in, 600, "甲");
    no_lesson.erase("lesson");
    json no_score = exam("X", "final", in, 70);
    no_score.erase("score");
    json no_exam = exam("X", "final", in, 70);
    no_exam.erase("exam");
    json approval_no_by = approval("X", in, "甲");
    approval_no_by.erase("by");
    const std::vector<Bad> bad = {
        {no_by, "by", RejectCode::missing_field},
        {credit("X", "P1", in, 600, ""), "by", RejectCode::missing_field},
        {credit("X", "P1", in, 0, "甲"), "seconds", RejectCode::number_out_of_range},
        {credit("X", "P1", in, -10, "甲"), "seconds", RejectCode::number_out_of_range},
        {credit("X", "P1", in, 0.5, "甲"), "seconds", RejectCode::number_out_of_range},
        {credit("X", "P1", in, 1e30, "甲"), "seconds", RejectCode::number_out_of_range},
        {no_seconds, "seconds", RejectCode::missing_field},
        {credit("X", "P1", in, "ten minutes", "甲"), "seconds", RejectCode::bad_duration},
        {credit("X", "P1", in, true, "甲"), "seconds", RejectCode::bad_type},
        {credit("X", "P1", in, "PT0S", "甲"), "seconds", RejectCode::number_out_of_range},
        {credit("X", "P1", "2023-06-30T23:59:59+08:00", 600, "甲"), "at", RejectCode::outside_window},
        {credit("X", "P1", "2023-09-01T00:00:00+08:00", 600, "甲"), "at", RejectCode::outside_window},
        {no_at, "at", RejectCode::missing_field},
        {credit("X", "P1", "yesterday", 600, "甲"), "at", RejectCode::bad_timestamp},
        {credit("X", "ZZ", in, 600, "甲"), "lesson", RejectCode::unknown_lesson},
        {no_lesson, "lesson", RejectCode::missing_field},
        {credit("Y", "P1", in, 600, "甲"), "participant", RejectCode::unknown_participant},
        {exam("X", "midterm", in, 70), "exam", RejectCode::unknown_exam},
        {exam("X", "final", in, 101), "score", RejectCode::number_out_of_range},
        {exam("X", "final", in, -1), "score", RejectCode::number_out_of_range},
        {no_exam, "exam", RejectCode::missing_field},
        {approval_no_by, "by", RejectCode::missing_field},
        {approval("X", in, ""), "by", RejectCode::missing_field},
    };
    std::vector<json> events;
    for (const auto& b : bad) events.push_back(b.record);
    // Accepted: the window's last second for a credit, seconds as an ISO 8601
    // duration, an exam sitting without a score (it did not pass); exams and
    // approvals outside the window (they just do not count).
    events.push_back(credit("X", "P1", "2023-08-31T23:59:59+08:00", 60, "甲"));
    events.push_back(credit("X", "P1", "2023-08-31T23:00:00+08:00", "PT10M", "乙"));
    events.push_back(no_score);
    events.push_back(approval("X", "2023-06-01T10:00:00+08:00", "甲"));
    events.push_back(exam("X", "final", "2023-09-02T10:00:00+08:00", 80));
    Run run(p, {member("X", "count2")}, events);
    const auto& rejections = run.data.rejections();
    REQUIRE(rejections.size() == bad.size());
    for (std::size_t i = 0; i < bad.size(); ++i) {
        INFO(bad[i].record.dump());
        CHECK(rejections[i].line == i + 1);
        CHECK(rejections[i].file == "events.jsonl");
        CHECK(rejections[i].field == bad[i].field);
        CHECK(rejections[i].code == bad[i].code);
    }
    const auto& summary = run.data.event_summary();
    CHECK(summary.read == events.size());
    CHECK(summary.accepted == 5);
    CHECK(summary.rejected == bad.size());
    CHECK(summary.reconciles());
    CHECK(run["X"].lessons_credited == 1);
    CHECK(run["X"].seconds_studied.count() == 660);
}

// ---------------------------------------------------------------------------
// completed_at, lessons_required, statuses

TEST_CASE("requirement completed_at: the earliest T at which the requirement holds as of T") {
    // Hours reached mid-session (gate off): as of T only study before T counts.
    const json tree = json::parse(R"({"all": [{"hours": 1, "from": {"group": "practice"}}, {"approval": true}]})");
    const Program none = with_category("h1", tree, {{"quiz", {{"mode", "none"}}}});
    const std::vector<json> people = {member("A", "h1"), member("B", "h1")};
    const std::vector<json> events = {approval("A", "2023-07-09T08:00:00+08:00", "甲"),
                                      day_study("A", "C2", 10, "10:00", "10:54"),
                                      day_study("B", "C1", 10, "10:00", "10:30"),
                                      day_study("B", "C2", 11, "10:00", "10:30"),
                                      approval("B", "2023-07-12T08:00:00+08:00", "甲")};
    check_earliest(none, people, events, "A", "2023-07-10T10:45:00+08:00");  // 2700 s into C2
    check_earliest(none, people, events, "B", "2023-07-12T08:00:00+08:00");

    // A bare lesson count: the instant the Nth lesson was credited (the quiz, or a manual credit).
    const Program gate = req_program();
    const std::vector<json> count_people = {member("Q", "count2"), member("K", "count2")};
    const std::vector<json> count_events = {
        day_study("Q", "P1", 10, "09:00", "09:30"), quiz("Q", "P1", "2023-07-10T09:40:00+08:00"),
        day_study("Q", "P2", 12, "09:00", "09:30"), quiz("Q", "P2", "2023-07-12T09:40:00+08:00"),
        day_study("Q", "P3", 11, "09:00", "09:30"), quiz("Q", "P3", "2023-07-11T09:40:00+08:00"),
        day_study("K", "P1", 10, "09:00", "09:30"), quiz("K", "P1", "2023-07-10T09:40:00+08:00"),
        credit("K", "P2", "2023-07-10T09:40:30+08:00", 60, "甲")};
    Run run(gate, count_people, count_events);
    CHECK(run["Q"].requirements.empty());
    CHECK(run["Q"].lessons_credited == 3);
    check_earliest(gate, count_people, count_events, "Q", "2023-07-11T09:40:00+08:00");
    check_earliest(gate, count_people, count_events, "K", "2023-07-10T09:40:30+08:00");
}

TEST_CASE("requirement completed_at: a credit dated the window's first instant completes at that instant") {
    // As of the window's first instant a manual credit dated then counts (at <= as_of): the
    // requirement holds as of that very instant, so completed_at is it, not a second later.
    const Program p = with_category("pub1", {{"lessons", 1}, {"from", {{"group", "public"}}}});
    const std::vector<json> people = {member("A", "pub1"), member("B", "count2")};
    const std::vector<json> events = {credit("A", "P1", "2023-07-01T00:00:00+08:00", 600, "甲"),
                                      credit("B", "P1", "2023-07-01T00:00:00+08:00", 600, "甲"),
                                      credit("B", "P2", "2023-07-01T00:00:00+08:00", 600, "甲")};
    Run run(p, people, events);
    CHECK(run["A"].status == Status::completed);
    CHECK(when(p, run["A"].completed_at) == "2023-07-01T00:00:00+08:00");
    CHECK(when(p, run["B"].completed_at) == "2023-07-01T00:00:00+08:00");  // the lesson-count path agrees
    Run at(p, people, events, "2023-07-01T00:00:00+08:00");
    CHECK(at["A"].status == Status::completed);
    CHECK(at["B"].status == Status::completed);
}

TEST_CASE("requirement manual credit: offline seconds do not let an earlier quiz credit the lesson before the credit") {
    // 10 of 60 minutes online and a quiz, then an office credits 50 minutes a
    // week later: only the credit completes the minimum, so the lesson (and
    // the certificate) dates from the credit, not from the quiz.
    const Program p = with_category("one", {{"lessons", 1}}, {{"credit", {{"min_study_ratio", 1}}}});
    const std::vector<json> people = {member("A", "one"), member("B", "one")};
    const std::vector<json> events = {day_study("A", "P1", 10, "10:00", "10:10"),
                                      quiz("A", "P1", "2023-07-10T10:12:00+08:00"),
                                      credit("A", "P1", "2023-07-17T09:00:00+08:00", 3000, "甲"),
                                      // B watched it all online: the quiz credits it, the later credit changes nothing
                                      day_study("B", "P1", 10, "10:00", "11:00"),
                                      quiz("B", "P1", "2023-07-10T11:05:00+08:00"),
                                      credit("B", "P1", "2023-07-17T09:00:00+08:00", 600, "甲")};
    Run run(p, people, events);
    CHECK(when(p, run["A"].completed_at) == "2023-07-17T09:00:00+08:00");
    CHECK(when(p, find_lesson(run["A"], "P1")->credited_at) == "2023-07-17T09:00:00+08:00");
    check_earliest(p, people, events, "A", "2023-07-17T09:00:00+08:00");
    CHECK(when(p, run["B"].completed_at) == "2023-07-10T11:05:00+08:00");
    check_earliest(p, people, events, "B", "2023-07-10T11:05:00+08:00");
}

TEST_CASE("requirement exam: a sitting without a score did not pass, and does not hide a scored pass") {
    const Program p = with_category("ex", {{"exam", "final"}});
    json blank = exam("A", "final", "2023-07-11T10:00:00+08:00", 0);
    blank.erase("score");
    json blank_b = blank, blank_c = blank;
    blank_b["participant"] = "B", blank_c["participant"] = "C";
    const std::vector<json> people = {member("A", "ex"), member("B", "ex"), member("C", "ex")};
    const std::vector<json> events = {blank, blank_b, exam("B", "final", "2023-07-12T10:00:00+08:00", 75),
                                      exam("C", "final", "2023-07-10T10:00:00+08:00", 55), blank_c,
                                      day_study("A", "P1", 10, "09:00", "09:30"),
                                      day_study("B", "P1", 10, "09:00", "09:30"),
                                      day_study("C", "P1", 10, "09:00", "09:30")};  // no study, no certificate
    Run run(p, people, events);
    CHECK(run.data.rejections().empty());
    const auto& a = run["A"];
    CHECK_FALSE(a.certificate);
    REQUIRE(a.requirements.size() == 1);
    CHECK_FALSE(a.requirements[0].holds);
    CHECK_FALSE(a.requirements[0].have);  // no score to show
    CHECK(find_reason(a, ReasonCode::requirement_not_met));
    CHECK_FALSE(find_reason(a, ReasonCode::exam_not_passed));  // nothing scored to explain
    CHECK(run["B"].certificate);  // the later scored pass counts
    CHECK(when(p, run["B"].completed_at) == "2023-07-12T10:00:00+08:00");
    const auto& c = run["C"];  // the best score stays the scored one
    CHECK(c.requirements[0].have == doctest::Approx(55));
    REQUIRE(find_reason(c, ReasonCode::exam_not_passed));
    CHECK(find_reason(c, ReasonCode::exam_not_passed)->value_have == doctest::Approx(55));
}

TEST_CASE("requirement manual credit: a lesson credited only offline, without a quiz, is credited at the credit's date") {
    // No online time means no end of online time to credit at: the credit's own date is the instant.
    const Program p = with_category("one", {{"lessons", 1}}, {{"quiz", {{"mode", "none"}}}});
    const std::vector<json> people = {member("A", "one"), member("B", "one")};
    const std::vector<json> events = {credit("A", "P1", "2023-07-20T19:01:09+08:00", 900, "甲"),
                                      credit("B", "C1", "2023-07-21T08:00:00+08:00", 7200, "甲")};
    Run run(p, people, events);
    for (const char* who : {"A", "B"}) {
        INFO(who);
        CHECK(run[who].status == Status::completed);
        REQUIRE(run[who].completed_at);
    }
    CHECK(when(p, run["A"].completed_at) == "2023-07-20T19:01:09+08:00");
    CHECK(when(p, run["B"].completed_at) == "2023-07-21T08:00:00+08:00");
    check_earliest(p, people, events, "A", "2023-07-20T19:01:09+08:00");
    const auto* lesson = find_lesson(run["A"], "P1");  // evaluate_all keeps the lessons
    REQUIRE(lesson);
    CHECK(when(p, lesson->credited_at) == "2023-07-20T19:01:09+08:00");
    CHECK(when(p, lesson->credited_from) == "2023-07-20T19:01:09+08:00");
}

TEST_CASE("requirement lessons_required and statuses: N only for a bare lesson count; statuses keep their order") {
    json changes = {{"categories",
                     {{"bare3", {{"requires", {{"lessons", 3}}}, {"certificate", true}}},
                      {"pub3", {{"requires", json::parse(R"({"lessons": 3, "from": {"group": "public"}})")},
                                {"certificate", true}}},
                      {"hours", {{"requires", {{"hours", 1}}}, {"certificate", true}}},
                      {"tree", {{"requires", json::parse(R"({"all": [{"lessons": 1}, {"approval": true}]})")},
                                {"certificate", true}}},
                      {"ap", {{"requires", {{"approval", true}}}, {"certificate", true}}}}}};
    const Program p = req_program(changes);
    const std::vector<json> people = {member("B", "bare3"),    member("P", "pub3"), member("H", "hours"),
                                      member("T", "tree"),     member("C", "count2"), member("O", "other"),
                                      member("N", "ap"),       person("U", "tree", "secondary", false)};
    std::vector<json> events;
    for (const char* who : {"B", "P", "H", "T", "C", "O", "U"}) {
        events.push_back(day_study(who, "P1", 10, "09:00", "09:45"));
        events.push_back(quiz(who, "P1", "2023-07-10T09:50:00+08:00"));
    }
    events.push_back(approval("N", "2023-07-10T10:00:00+08:00", "甲"));
    events.push_back(approval("U", "2023-07-10T10:00:00+08:00", "甲"));
    Run run(p, people, events);
    CHECK(run["B"].lessons_required == 3);
    CHECK(run["C"].lessons_required == 2);
    CHECK(run["P"].lessons_required == 0);
    CHECK(run["H"].lessons_required == 0);
    CHECK(run["T"].lessons_required == 0);
    CHECK(run["N"].lessons_required == 0);
    CHECK(run["O"].lessons_required == 0);
    // A bare count written as requires is the lesson-count path: below_minimum, no tree standings.
    CHECK(run["B"].requirements.empty());
    const auto* below = find_reason(run["B"], ReasonCode::below_minimum);
    REQUIRE(below);
    CHECK(below->count_have == 1);
    CHECK(below->count_need == 3);
    CHECK_FALSE(has_reason(run["B"], ReasonCode::requirement_not_met));
    // A selected count explains itself as a requirement.
    REQUIRE(run["P"].requirements.size() == 1);
    CHECK(run["P"].requirements[0].have == 1.0);
    CHECK(run["P"].requirements[0].need == 3.0);
    CHECK_FALSE(has_reason(run["P"], ReasonCode::below_minimum));
    CHECK(run["H"].status == Status::completed);
    CHECK(run["T"].status == Status::in_progress);
    CHECK(run["O"].status == Status::recorded);
    // No counted time is not_started, whatever else holds.
    CHECK(run["N"].status == Status::not_started);
    CHECK_FALSE(run["N"].certificate);
    CHECK(run["N"].requirements.size() == 1);
    CHECK(run["N"].requirements[0].holds);
    // Unverified earns nothing; its groups show 0 hours.
    CHECK(run["U"].status == Status::unverified);
    CHECK(run["U"].seconds_studied.count() == 0);
    CHECK_FALSE(run["U"].certificate);
    CHECK(run.json_of("U")["hours_by_group"].dump() == R"({"practice":0.0,"public":0.0})");
}

// ---------------------------------------------------------------------------
// Outcome JSON

TEST_CASE("requirement outcome JSON: append_json_line writes what to_json().dump() writes, new reasons included") {
    // A group whose id needs escaping, a `by` and a reason with quotes, a tab and Chinese.
    json changes = {{"groups", {{"模块\"一", {{"max_hours", 0.5}}}}},
                    {"lessons", json::array({{{"id", "P1"}, {"minutes", 60}, {"theme", "a"}, {"group", "public"}},
                                             {{"id", "P2"}, {"minutes", 60}, {"theme", "b"}, {"group", "模块\"一"}},
                                             {{"id", "U1"}, {"minutes", 60}, {"max_hours", 0.3}}})},
                    {"categories",
                     {{"tree", {{"requires", json::parse(R"({"all": [
                                   {"hours": 1, "from": {"group": "public"}},
                                   {"any": [{"exam": "final"}, {"approval": true}]},
                                   {"lessons": 2, "from": {"lessons": ["P1", "U1"]}}]})")},
                                {"certificate", true}}}}}};
    const Program p = req_program(changes);
    const std::string by = "王\"老师\\\t（学校）";
    Run run(p, {member("A", "tree"), member("B", "tree"), member("C", "count2"), member("D", "tree"), member("O", "other")},
            {day_study("A", "P1", 10, "09:00", "09:45"), quiz("A", "P1", "2023-07-10T09:50:00+08:00"),
             day_study("A", "P2", 10, "10:00", "11:00"), quiz("A", "P2", "2023-07-10T11:05:00+08:00"),
             exam("A", "final", "2023-07-11T10:00:00+08:00", 42.5),
             credit("A", "U1", "2023-07-12T10:00:00+08:00", 1800, by, "线下\"集中\"学习\n第二行"),
             day_study("B", "P1", 10, "09:00", "10:20"), quiz("B", "P1", "2023-07-10T10:25:00+08:00"),
             credit("B", "P1", "2023-07-12T10:00:00+08:00", 600, by),
             approval("B", "2023-07-13T10:00:00+08:00", by),
             day_study("B", "U1", 10, "11:00", "11:10"), quiz("B", "U1", "2023-07-10T11:15:00+08:00"),
             day_study("C", "P1", 10, "09:00", "09:45"), day_study("C", "P2", 10, "09:30", "10:00"),
             approval("D", "2023-07-13T10:00:00+08:00", by), day_study("O", "P1", 10, "09:00", "09:45")});
    REQUIRE(run.data.rejections().empty());
    CHECK(run["A"].group_hours.size() == 3);
    CHECK(has_reason(run["A"], ReasonCode::manual_credit));
    CHECK(has_reason(run["A"], ReasonCode::exam_not_passed));
    CHECK(has_reason(run["B"], ReasonCode::approved));
    CHECK(run["B"].status == Status::completed);
    const json bj = run.json_of("B");
    CHECK(bj["hours_by_group"].contains("模块\"一"));
    int checked = 0;
    for (const auto& o : run.outcomes)
        for (bool lessons : {false, true})
            for (auto lang : {std::optional<yanxiu::Lang>{}, std::optional{yanxiu::Lang::zh}, std::optional{yanxiu::Lang::en}})
                for (const Program* named : {static_cast<const Program*>(nullptr), &p}) {
                    INFO(o.participant);
                    yanxiu::OutcomeJson format;
                    format.include_lessons = lessons;
                    format.explanations = lang;
                    format.program = named;
                    std::string line;
                    yanxiu::append_json_line(line, o, p.time_zone(), format);
                    CHECK(line == yanxiu::to_json(o, p.time_zone(), format).dump() + "\n");
                    CHECK(json::parse(line).is_object());
                    ++checked;
                }
    CHECK(checked == 5 * 2 * 3 * 2);
    // Hand-built outcomes with every optional field of the new payloads, and odd numbers.
    yanxiu::Outcome o;
    o.participant = "Z";
    for (double have : {0.0, 0.1, 2.75, 59.999999, 1e-7, 123456.5}) {
        yanxiu::Reason r = yanxiu::Reason::of(ReasonCode::requirement_not_met);
        r.path = "requires.any[0].all[12]";
        r.requirement = "hours";
        r.value_have = have;
        r.value_need = 60;
        o.reasons.push_back(r);
        yanxiu::RequirementResult q;
        q.path = r.path;
        q.kind = Requirement::Kind::hours;
        q.have = have;
        q.need = 0.3;
        o.requirements.push_back(q);
        o.group_hours.push_back(yanxiu::GroupHours{"g" + std::to_string(o.group_hours.size()), have});
    }
    yanxiu::Reason missing = yanxiu::Reason::of(ReasonCode::requirement_not_met);
    missing.requirement = "exam";
    missing.value_need = 60;  // no attempt: have null
    o.reasons.push_back(missing);
    yanxiu::RequirementResult no_attempt;
    no_attempt.kind = Requirement::Kind::exam;
    no_attempt.need = 60;
    o.requirements.push_back(no_attempt);
    std::string line;
    yanxiu::append_json_line(line, o, p.time_zone());
    CHECK(line == yanxiu::to_json(o, p.time_zone()).dump() + "\n");
}

// ---------------------------------------------------------------------------
// Order

TEST_CASE("requirement order: conflicting records with one id keep the smallest canonical form, whatever the order") {
    const json tree = json::parse(R"({"all": [{"lessons": 2, "from": {"group": "public"}},
                                              {"any": [{"exam": "final"}, {"approval": true}]}]})");
    const Program p = with_category("tree", tree);
    std::vector<json> people = {
        {{"id", "T1"}, {"unit", "长沙市"}, {"category", "tree"}},
        {{"id", "T1"}, {"unit", "株洲市"}, {"category", "tree"}, {"sector", "primary"}},  // smallest: "sector" < "unit"
        {{"id", "T1"}, {"unit", "长沙市"}, {"category", "tree"}, {"verified", false}},
        {{"id", "T1"}, {"unit", "长沙市"}, {"category", "tree"}},  // a copy of a loser
        {{"id", "T2"}, {"unit", "长沙市"}, {"category", "tree"}},
        {{"id", "T3"}, {"unit", "湘潭市"}, {"category", "tree"}, {"verified", true}},
        {{"id", "T3"}, {"unit", "湘潭市"}, {"category", "tree"}, {"verified", false}},  // smallest: false < true
        {{"id", "T4"}, {"category", "nope"}},                                            // unknown_category
    };
    const std::string t = "2023-07-";
    std::vector<json> events = {
        day_study("T1", "P1", 10, "09:00", "09:45"), quiz("T1", "P1", "2023-07-10T09:50:00+08:00"),
        day_study("T1", "P2", 11, "09:00", "09:45"), quiz("T1", "P2", "2023-07-11T09:50:00+08:00"),
        // x1: the earlier instant wins, then the lower score ("50.0" < "70.0").
        with_id(exam("T1", "final", t + "12T10:00:00+08:00", 70), "x1"),
        with_id(exam("T1", "final", t + "12T10:00:00+08:00", 50), "x1"),
        with_id(exam("T1", "final", t + "13T10:00:00+08:00", 50), "x1"),
        with_id(exam("T1", "final", t + "12T10:00:00+08:00", 70), "x1"),  // a copy of a loser
        with_id(exam("T1", "final", t + "12T02:00:00Z", 50), "x1"),        // the winner written otherwise
        // a1: "乙" (E4 B9 99) < "甲" (E7 94 B2).
        with_id(approval("T1", t + "14T10:00:00+08:00", "甲"), "a1"),
        with_id(approval("T1", t + "14T10:00:00+08:00", "乙"), "a1"),
        // c1: lesson P3 < U1, then "1200" < "600".
        with_id(credit("T1", "P3", t + "15T10:00:00+08:00", 600, "甲"), "c1"),
        with_id(credit("T1", "P3", t + "15T10:00:00+08:00", 1200, "甲"), "c1"),
        with_id(credit("T1", "U1", t + "15T10:00:00+08:00", 600, "甲"), "c1"),
        with_id(credit("T1", "P3", t + "15T10:00:00+08:00", 1200, "甲", "线下"), "c1"),
        // s1 and q1 on T2: the earlier end; completed false < true.
        with_id(day_study("T2", "P1", 10, "09:00", "09:30"), "s1"),
        with_id(day_study("T2", "P1", 10, "09:00", "09:40"), "s1"),
        with_id(quiz("T2", "P1", "2023-07-10T09:50:00+08:00", -1, 1), "q1"),
        with_id(quiz("T2", "P1", "2023-07-10T09:50:00+08:00", -1, 0), "q1"),
        // z1 across participants: T1 < T2.
        with_id(day_study("T1", "U1", 16, "09:00", "09:20"), "z1"),
        with_id(day_study("T2", "U1", 16, "09:00", "09:20"), "z1"),
        // T2: approvals and credits without ids, including two at the same instant.
        approval("T2", t + "20T10:00:00+08:00", "丙"), approval("T2", t + "18T10:00:00+08:00", "丁"),
        approval("T2", t + "25T10:00:00+08:00", "戊"), approval("T2", t + "25T10:00:00+08:00", "己"),
        credit("T2", "P2", t + "21T10:00:00+08:00", 300, "甲"), credit("T2", "P2", t + "19T10:00:00+08:00", 200, "乙"),
        credit("T2", "P2", t + "19T10:00:00+08:00", 200, "丙"), credit("T2", "P2", t + "19T10:00:00+08:00", 100, "丙"),
        credit("T2", "P2", t + "19T10:00:00+08:00", 100, "丙", "补录"),
        exam("T2", "final", t + "22T10:00:00+08:00", 65), exam("T2", "final", t + "22T10:00:00+08:00", 65),
        day_study("T3", "P1", 10, "09:00", "09:45"), quiz("T3", "P1", "2023-07-10T09:50:00+08:00"),
        // Rejected whatever the order.
        credit("T2", "P1", t + "10T10:00:00+08:00", 600, ""), exam("T2", "midterm", t + "10T10:00:00+08:00", 90),
        study("T4", "P1", "2023-07-10T09:00:00+08:00", "2023-07-10T09:30:00+08:00"),
    };

    struct Result {
        std::string outcomes;
        std::vector<std::pair<std::string, std::string>> rejections;
        std::tuple<std::size_t, std::size_t, std::size_t, std::size_t> participants, events;
    };
    auto evaluate = [&](const std::vector<json>& ps, const std::vector<json>& es, std::size_t split_p,
                        std::size_t split_e) {
        yanxiu::Dataset data(p);
        data.read_participants(lines(std::vector<json>(ps.begin(), ps.begin() + split_p)), "p1.jsonl");
        data.read_participants(lines(std::vector<json>(ps.begin() + split_p, ps.end())), "p2.jsonl");
        data.read_events(lines(std::vector<json>(es.begin(), es.begin() + split_e)), "e1.jsonl");
        data.read_events(lines(std::vector<json>(es.begin() + split_e, es.end())), "e2.jsonl");
        CHECK(data.participant_summary().reconciles());
        CHECK(data.event_summary().reconciles());
        CHECK(data.participant_summary().read == ps.size());
        CHECK(data.event_summary().read == es.size());
        Result r;
        auto outcomes = yanxiu::evaluate_all(data);
        r.outcomes = render(outcomes, p);
        r.rejections = rejection_kinds(data);
        r.participants = counts(data.participant_summary());
        r.events = counts(data.event_summary());
        return std::make_pair(r, outcomes);
    };
    const auto [base, outcomes] = evaluate(people, events, people.size(), events.size());

    // What the smallest canonical forms make of it.
    auto find = [&](const std::string& id) -> const yanxiu::Outcome& {
        for (const auto& o : outcomes)
            if (o.participant == id) return o;
        FAIL("no outcome for ", id);
        return outcomes.front();
    };
    const auto& t1 = find("T1");
    CHECK(t1.unit == "株洲市");
    const auto* approved = find_reason(t1, ReasonCode::approved);
    REQUIRE(approved);
    CHECK(approved->by == "乙");
    const auto* failed = find_reason(t1, ReasonCode::exam_not_passed);
    REQUIRE(failed);
    CHECK(failed->value_have == 50.0);
    REQUIRE(find_lesson(t1, "P3"));
    CHECK(find_lesson(t1, "P3")->seconds_counted.count() == 1200);
    CHECK(find_lesson(t1, "U1")->seconds_counted.count() == 1200);  // z1 is T1's study
    CHECK(t1.status == Status::completed);
    const auto& t2 = find("T2");
    CHECK(find_lesson(t2, "P1")->seconds_counted.count() == 1800);  // s1 ends 09:30
    CHECK(has_reason(t2, ReasonCode::quiz_missing, "P1"));           // q1 is incomplete
    CHECK_FALSE(find_lesson(t2, "U1"));                              // z1 went to T1
    CHECK(count_reasons(t2, ReasonCode::approved) == 4);
    CHECK(count_reasons(t2, ReasonCode::manual_credit) == 5);
    CHECK(find_reason(t2, ReasonCode::approved)->by == "丁");  // the earliest first
    CHECK(find("T3").status == Status::unverified);
    CHECK(std::count(base.rejections.begin(), base.rejections.end(), std::make_pair(std::string("id"), std::string("duplicate_id"))) ==
          2 /* T1 */ + 1 /* T3 */ + 2 /* x1 */ + 1 /* a1 */ + 3 /* c1 */ + 1 /* s1 */ + 1 /* q1 */ + 1 /* z1 */);

    std::mt19937 rng(2024);
    for (int round = 0; round < 8; ++round) {
        std::vector<json> ps = people, es = events;
        std::shuffle(ps.begin(), ps.end(), rng);
        std::shuffle(es.begin(), es.end(), rng);
        const std::size_t split_p = round % 2 ? ps.size() : std::uniform_int_distribution<std::size_t>(0, ps.size())(rng);
        const std::size_t split_e = round % 2 ? es.size() : std::uniform_int_distribution<std::size_t>(0, es.size())(rng);
        INFO("round ", round, " split ", split_p, "/", split_e);
        const auto got = evaluate(ps, es, split_p, split_e).first;
        CHECK(got.outcomes == base.outcomes);
        CHECK(got.rejections == base.rejections);
        CHECK(got.participants == base.participants);
        CHECK(got.events == base.events);
    }
    // Fed twice, nothing changes.
    yanxiu::Dataset twice(p);
    twice.read_participants(lines(people), "p.jsonl");
    twice.read_participants(lines(people), "p.jsonl");
    twice.read_events(lines(events), "e.jsonl");
    const std::size_t rejected_once = twice.rejections().size();
    twice.read_events(lines(events), "e.jsonl");
    CHECK(render(yanxiu::evaluate_all(twice), p) == base.outcomes);
    CHECK(twice.event_summary().reconciles());
    CHECK(twice.rejections().size() - rejected_once == 3);  // only the unusable records again
}

// ---------------------------------------------------------------------------
// Ledger

TEST_CASE("requirement Ledger: exam, approval and credit records, and a conflicting record replacing one, as batch") {
    const json tree = json::parse(R"({"all": [{"lessons": 2, "from": {"group": "public"}},
                                              {"any": [{"exam": "final"}, {"approval": true}]}]})");
    const Program p = with_category("tree", tree);
    const std::vector<json> people = {member("T1", "tree"), member("T2", "tree")};
    const std::vector<json> events = {
        day_study("T1", "P1", 10, "09:00", "09:45"), quiz("T1", "P1", "2023-07-10T09:50:00+08:00"),
        with_id(credit("T1", "P2", "2023-07-11T10:00:00+08:00", 600, "甲"), "c1"),
        with_id(exam("T1", "final", "2023-07-12T10:00:00+08:00", 70), "e1"),  // completes T1 (the exam branch)
        approval("T1", "2023-07-13T10:00:00+08:00", "乙"),
        with_id(exam("T1", "final", "2023-07-12T10:00:00+08:00", 50), "e1"),  // replaces the 70: a fail
        with_id(credit("T1", "P2", "2023-07-11T10:00:00+08:00", 1200, "甲"), "c1"),  // replaces the 600
        day_study("T2", "P1", 10, "09:00", "09:45"), quiz("T2", "P1", "2023-07-10T09:50:00+08:00"),
        credit("T2", "P2", "2023-07-11T10:00:00+08:00", 600, "甲"),
        with_id(approval("T2", "2023-07-13T10:00:00+08:00", "甲"), "a2"),  // completes T2
        with_id(approval("T2", "2023-07-14T10:00:00+08:00", "甲"), "a2"),  // loses: later
        with_id(approval("T2", "2023-07-13T10:00:00+08:00", "乙"), "a2"),  // replaces: "乙" < "甲"
        with_id(exam("T2", "final", "2023-07-15T10:00:00+08:00", 90), "e1"),  // e1 is T1's: rejected
    };
    yanxiu::Dataset batch(p);
    batch.read_participants(lines(people), "p.jsonl");
    batch.read_events(lines(events), "e.jsonl");
    const auto expected = yanxiu::evaluate_all(batch);

    yanxiu::Ledger ledger(p);
    for (const auto& person : people) CHECK(ledger.add_participant(person).accepted());
    std::vector<yanxiu::Update> updates;
    for (const auto& e : events) updates.push_back(ledger.add(e));
    CHECK(updates[3].accepted());
    CHECK(updates[3].completed_now);
    CHECK(updates[3].status == Status::completed);
    CHECK(updates[3].lessons_required == 0);
    CHECK(updates[5].accepted());  // the replacement
    CHECK(updates[5].status == Status::completed);  // still, through the approval
    CHECK_FALSE(updates[5].completed_now);
    CHECK(updates[6].accepted());
    CHECK(updates[10].completed_now);
    CHECK(updates[11].result == yanxiu::AddStatus::rejected);
    REQUIRE(updates[11].rejection);
    CHECK(updates[11].rejection->code == RejectCode::duplicate_id);
    CHECK(updates[12].accepted());
    CHECK(updates[13].result == yanxiu::AddStatus::rejected);
    CHECK(updates[13].rejection->code == RejectCode::duplicate_id);

    REQUIRE(expected.size() == 2);
    CHECK(ledger.outcomes() == expected);
    for (const auto& o : expected) {
        INFO(o.participant);
        const auto got = ledger.outcome(o.participant);
        REQUIRE(got);
        CHECK(*got == o);
        CHECK(render({*got}, p) == render({o}, p));
    }
    const auto& t1 = expected[0];
    CHECK(t1.status == Status::completed);
    CHECK(find_reason(t1, ReasonCode::exam_not_passed)->value_have == 50.0);
    CHECK(find_lesson(t1, "P2")->seconds_counted.count() == 1200);
    CHECK(when(p, t1.completed_at) == "2023-07-13T10:00:00+08:00");  // the approval, now the exam fails
    const auto& t2 = expected[1];
    CHECK(find_reason(t2, ReasonCode::approved)->by == "乙");
    CHECK(count_reasons(t2, ReasonCode::approved) == 1);
    // As of an instant too.
    const auto mid = *yanxiu::parse_instant("2023-07-12T12:00:00+08:00", p.time_zone());
    yanxiu::EvaluateOptions options;
    options.as_of = mid;
    const auto expected_mid = yanxiu::evaluate_all(batch, options);
    for (const auto& o : expected_mid) CHECK(*ledger.outcome(o.participant, mid) == o);
    // And after a restart from a snapshot.
    auto restored = yanxiu::Ledger::restore(json::parse(ledger.snapshot().dump()));
    CHECK(restored.outcomes() == expected);
}

TEST_CASE("requirement Ledger: a replaced exam is removed, not an id-less attempt at the same instant") {
    // The ledger drops its copy of the replaced event matched on every field (score and
    // `completed` included), so an id-less attempt at the same instant stays.
    const Program p = with_category("ex", {{"exam", "final"}});
    const std::vector<json> events = {
        day_study("T1", "P1", 10, "09:00", "09:45"),
        exam("T1", "final", "2023-07-12T10:00:00+08:00", 70),                 // no id: a pass
        with_id(exam("T1", "final", "2023-07-12T10:00:00+08:00", 50), "x3"),
        with_id(exam("T1", "final", "2023-07-12T10:00:00+08:00", 40), "x3"),  // replaces the 50
    };
    yanxiu::Dataset batch(p);
    batch.read_participants(lines({member("T1", "ex")}), "p.jsonl");
    batch.read_events(lines(events), "e.jsonl");
    const auto expected = yanxiu::evaluate_all(batch);
    REQUIRE(expected.size() == 1);
    CHECK(expected[0].status == Status::completed);  // batch: 70 and 40
    yanxiu::Ledger ledger(p);
    ledger.add_participant(member("T1", "ex"));
    for (const auto& e : events) ledger.add(e);
    CHECK(ledger.outcomes() == expected);
    const auto got = ledger.outcome("T1");
    REQUIRE(got);
    CHECK(*got == expected[0]);
}
