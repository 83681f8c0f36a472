// Who may write what: token files, tokens, rights, and the writer kept with
// each approval and manual credit (recorded_by).

#include "helpers.hpp"

#include <yanxiu/auth.hpp>
#include <yanxiu/ledger.hpp>

#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <set>

using namespace test;
using yanxiu::AuthError;
using yanxiu::Record;
using yanxiu::Right;
using yanxiu::Role;
using yanxiu::Tokens;

namespace {

const std::string kDigest(64, 'a');

std::string token_line(const std::string& name, const std::string& role, const std::string& digest = kDigest,
                       const json& units = nullptr) {
    json j = {{"name", name}, {"sha256", digest}, {"role", role}};
    if (!units.is_null()) j["units"] = units;
    return j.dump();
}

/// The AuthError a token file raises (its line and field), or line 0 when it parses.
std::pair<std::size_t, std::string> error_of(const std::string& text) {
    try {
        (void)Tokens::parse(text, "tokens.jsonl");
    } catch (const AuthError& e) {
        CHECK(std::string(e.what()).rfind("tokens.jsonl:" + std::to_string(e.line()) + ":", 0) == 0);
        return {e.line(), e.field()};
    }
    return {0, ""};
}

Record event_record(const json& j) {
    Record r;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const auto field = yanxiu::field_from_name(it.key());
        REQUIRE(field);
        r.set(*field, it.value().get<std::string>());
    }
    return r;
}

}  // namespace

TEST_CASE("auth rights: a reader reads, a platform writes records, a unit signs off") {
    for (Role role : {Role::reader, Role::platform, Role::unit}) CHECK(yanxiu::holds(role, Right::read));
    CHECK(yanxiu::holds(Role::platform, Right::participants));
    CHECK(yanxiu::holds(Role::platform, Right::events));
    CHECK_FALSE(yanxiu::holds(Role::platform, Right::sign_off));
    CHECK(yanxiu::holds(Role::unit, Right::sign_off));
    CHECK_FALSE(yanxiu::holds(Role::unit, Right::participants));
    CHECK_FALSE(yanxiu::holds(Role::unit, Right::events));
    for (Right r : {Right::participants, Right::events, Right::sign_off}) CHECK_FALSE(yanxiu::holds(Role::reader, r));
    CHECK(yanxiu::right_for(yanxiu::EventKind::approval) == Right::sign_off);
    CHECK(yanxiu::right_for(yanxiu::EventKind::credit) == Right::sign_off);
    CHECK(yanxiu::right_for(yanxiu::EventKind::study) == Right::events);
    CHECK(yanxiu::right_for(yanxiu::EventKind::exam) == Right::events);
    CHECK(yanxiu::parse_role("unit") == Role::unit);
    CHECK_FALSE(yanxiu::parse_role("admin"));
}

TEST_CASE("auth token file: each line a writer, known by the token's SHA-256 only") {
    const auto a = yanxiu::make_token("长沙市教育局", Role::unit, {"长沙市", "株洲市"});
    const auto b = yanxiu::make_token("平台", Role::platform, {});
    const auto c = yanxiu::make_token("看板", Role::reader, {});
    const Tokens tokens = Tokens::parse(a.line + "\n\n" + b.line + "\r\n" + c.line, "t");
    REQUIRE(tokens.size() == 3);
    const yanxiu::Writer* w = tokens.find(a.token);
    REQUIRE(w);
    CHECK(w->name == "长沙市教育局");
    CHECK(w->role == Role::unit);
    CHECK(w->line == 1);
    CHECK(w->covers("株洲市"));
    CHECK_FALSE(w->covers("岳阳市"));
    CHECK(tokens.find(b.token)->line == 3);
    CHECK(tokens.find(c.token)->role == Role::reader);
    CHECK_FALSE(tokens.find(c.token)->covers("长沙市"));  // only a unit token covers units
    CHECK(tokens.find("") == nullptr);
    CHECK(tokens.find("yx_not-a-token") == nullptr);
    CHECK(tokens.find(a.token + "x") == nullptr);
    CHECK(tokens.find(a.token.substr(0, a.token.size() - 1)) == nullptr);
}

TEST_CASE("auth make_token: 256 random bits, and the line keeps only their SHA-256") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const auto t = yanxiu::make_token("w", Role::platform, {});
        CHECK(t.token.rfind("yx_", 0) == 0);
        CHECK(t.token.size() == 3 + 43);  // 32 bytes as unpadded base64url
        CHECK(t.token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3) ==
              std::string::npos);
        CHECK(t.line.find(t.token.substr(3)) == std::string::npos);
        const json line = json::parse(t.line);
        CHECK(line["sha256"] == yanxiu::sha256_hex(t.token));
        CHECK_FALSE(line.contains("units"));
        seen.insert(t.token);
    }
    CHECK(seen.size() == 50);
    CHECK(json::parse(yanxiu::make_token("u", Role::unit, {"长沙市"}).line)["units"] == json::array({"长沙市"}));
    CHECK_THROWS_AS((void)yanxiu::make_token("", Role::reader, {}), std::invalid_argument);
    CHECK_THROWS_AS((void)yanxiu::make_token("u", Role::unit, {}), std::invalid_argument);
    CHECK_THROWS_AS((void)yanxiu::make_token("p", Role::platform, {"长沙市"}), std::invalid_argument);
}

TEST_CASE("auth token file: a bad line is refused, naming its line and field") {
    const std::string good = token_line("平台", "platform");
    const std::string other(64, 'b');
    const std::map<std::string, std::pair<std::size_t, std::string>> cases = {
        {good + "\nnot json", {2, ""}},
        {good + "\n[1, 2]", {2, ""}},
        {good + "\n" + json({{"name", "x"}, {"sha256", other}, {"role", "reader"}, {"token", "t"}}).dump(), {2, "token"}},
        {json({{"name", "x"}, {"role", "reader"}}).dump(), {1, "sha256"}},
        {json({{"sha256", other}, {"role", "reader"}}).dump(), {1, "name"}},
        {json({{"name", ""}, {"sha256", other}, {"role", "reader"}}).dump(), {1, "name"}},
        {token_line("x", "reader", "yx_the-token-itself"), {1, "sha256"}},
        {token_line("x", "reader", std::string(63, 'a') + "g"), {1, "sha256"}},
        {token_line("x", "admin", other), {1, "role"}},
        {good + "\n\n" + token_line("u", "unit", other), {3, "units"}},  // a unit names its units
        {token_line("u", "unit", other, json::array()), {1, "units"}},
        {token_line("u", "unit", other, json::array({""})), {1, "units"}},
        {token_line("u", "unit", other, "长沙市"), {1, "units"}},
        {good + "\n" + token_line("大写", "reader", std::string(64, 'A')), {2, "sha256"}},  // the same digest in upper case
        {good + "\n" + token_line("平台", "reader", other), {2, "name"}},  // a name twice
        {good + "\n" + token_line("看板", "reader"), {2, "sha256"}},      // a token twice
        {"", {0, ""}},
        {"\n  \n", {2, ""}},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        if (expected.first == 0) {
            CHECK_THROWS_AS((void)Tokens::parse(text, "tokens.jsonl"), AuthError);  // no writer at all
            continue;
        }
        CHECK(error_of(text) == expected);
    }
    CHECK(error_of(good + "\n" + token_line("看板", "reader", other)).first == 0);
    // Upper-case hex is the same digest; units on a platform or a reader line limit nothing.
    const auto made = yanxiu::make_token("平台", Role::platform, {});
    std::string upper = json::parse(made.line)["sha256"];
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const Tokens relaxed = Tokens::parse(token_line("平台", "platform", upper, json::array({"长沙市"})), "t");
    REQUIRE(relaxed.find(made.token));
    CHECK_FALSE(relaxed.find(made.token)->covers("长沙市"));
}

TEST_CASE("auth bearer token: the scheme in any case, the token trimmed") {
    CHECK(yanxiu::bearer_token("Bearer abc") == "abc");
    CHECK(yanxiu::bearer_token("bearer  abc ") == "abc");
    CHECK(yanxiu::bearer_token("BEARER abc") == "abc");
    CHECK(yanxiu::bearer_token("Basic abc").empty());
    CHECK(yanxiu::bearer_token("Bearer").empty());
    CHECK(yanxiu::bearer_token("").empty());
    CHECK(yanxiu::bearer_token("Bearerabc").empty());
}

TEST_CASE("auth check_event: a unit signs off only for participants of its units") {
    const auto unit = yanxiu::make_token("长沙市教育局", Role::unit, {"长沙市"});
    const auto platform = yanxiu::make_token("平台", Role::platform, {});
    const auto reader = yanxiu::make_token("看板", Role::reader, {});
    const Tokens tokens = Tokens::parse(unit.line + "\n" + platform.line + "\n" + reader.line, "t");
    const auto& u = *tokens.find(unit.token);
    const auto& p = *tokens.find(platform.token);
    const auto& r = *tokens.find(reader.token);
    const std::map<std::string, std::string> units = {{"T1", "长沙市"}, {"T2", "岳阳市"}};
    auto unit_of = [&](const std::string& id) -> std::optional<std::string> {
        auto it = units.find(id);
        if (it == units.end()) return std::nullopt;
        return it->second;
    };
    const Record approval_t1 = event_record({{"kind", "approval"}, {"participant", "T1"}, {"by", "校长"}});
    const Record approval_t2 = event_record({{"kind", "approval"}, {"participant", "T2"}, {"by", "校长"}});
    const Record credit_t3 = event_record({{"kind", "credit"}, {"participant", "T3"}, {"lesson", "L1"}});
    const Record study_t1 = event_record({{"kind", "study"}, {"participant", "T1"}, {"lesson", "L1"}});
    const Record nobody = event_record({{"kind", "approval"}, {"by", "校长"}});

    CHECK_FALSE(yanxiu::check_event(u, approval_t1, unit_of));
    const auto other_unit = yanxiu::check_event(u, approval_t2, unit_of);
    REQUIRE(other_unit);
    CHECK(other_unit->right == Right::sign_off);
    CHECK(other_unit->why.find("岳阳市") != std::string::npos);
    const auto unknown = yanxiu::check_event(u, credit_t3, unit_of);
    REQUIRE(unknown);
    CHECK(unknown->why.find("not known") != std::string::npos);
    const auto unit_study = yanxiu::check_event(u, study_t1, unit_of);
    REQUIRE(unit_study);
    CHECK(unit_study->right == Right::events);
    CHECK_FALSE(yanxiu::check_event(u, nobody, unit_of));  // no write: the ledger rejects it

    CHECK_FALSE(yanxiu::check_event(p, study_t1, unit_of));
    const auto platform_approval = yanxiu::check_event(p, approval_t1, unit_of);
    REQUIRE(platform_approval);
    CHECK(platform_approval->right == Right::sign_off);
    CHECK(yanxiu::check_event(r, study_t1, unit_of));
    CHECK(yanxiu::check_event(r, approval_t1, unit_of));
}

TEST_CASE("auth recorded_by: an approval or credit keeps who sent it, apart from who gave it") {
    yanxiu::Ledger ledger(program());
    REQUIRE(ledger.add_participant(person("T1", "homeroom")).accepted());
    const std::string lesson = "L01";
    json credit = {{"kind", "credit"},       {"participant", "T1"},   {"lesson", lesson}, {"id", "c1"},
                   {"at", "2023-01-20T10:00:00+08:00"}, {"seconds", 600}, {"by", "县教师发展中心"},
                   {"recorded_by", "长沙市教育局"}};
    CHECK(ledger.add(credit).accepted());
    // The same credit sent again by another writer: a duplicate; the first writer stays.
    credit["recorded_by"] = "岳阳市教育局";
    CHECK(ledger.add(credit).result == yanxiu::AddStatus::duplicate);
    const auto outcome = ledger.outcome("T1");
    REQUIRE(outcome);
    const yanxiu::Reason* found = nullptr;
    for (const auto& r : outcome->reasons)
        if (r.code == yanxiu::ReasonCode::manual_credit) found = &r;
    REQUIRE(found);
    CHECK(found->by == "县教师发展中心");
    CHECK(found->recorded_by == "长沙市教育局");
    const json j = yanxiu::to_json(*outcome, ledger.program().time_zone());
    bool written = false;
    for (const auto& r : j["reasons"])
        if (r["code"] == "manual_credit") written = r.value("recorded_by", "") == "长沙市教育局";
    CHECK(written);
    // The journal line (what a durable log keeps) names the writer too, and replays it.
    bool journalled = false;
    ledger.each_record([&](char, const std::string& line) {
        if (line.find("\"kind\":\"credit\"") != std::string::npos)
            journalled = json::parse(line).value("recorded_by", "") == "长沙市教育局";
    });
    CHECK(journalled);
    CHECK(yanxiu::field_from_header("录入人") == yanxiu::Field::recorded_by);
}
