// The yanxiu command line on the example data, checked field by field, and
// its exit statuses (README.md "The command line", its "Exit status" paragraph; docs/programme.md "Errors").

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

const std::string kSource = YANXIU_SOURCE_DIR;
const std::string kCli = YANXIU_CLI_PATH;

struct Result {
    int status;
    std::string out;
    std::string err;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Result run(const std::string& args) {
    static int counter = 0;
    std::string base = "/tmp/yanxiu_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::string command = "cd '" + kSource + "' && '" + kCli + "' " + args + " >" + base + ".out 2>" + base + ".err";
    int raw = std::system(command.c_str());
    Result r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(base + ".out"), slurp(base + ".err")};
    std::remove((base + ".out").c_str());
    std::remove((base + ".err").c_str());
    return r;
}

std::vector<nlohmann::json> parse_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

const std::string kExample =
    "evaluate --program hunan-2023-mh-winter --participants examples/data/participants.jsonl "
    "--events examples/data/events.jsonl";

}  // namespace

TEST_CASE("yanxiu evaluate on the example data, field by field") {
    auto r = run(kExample);
    REQUIRE(r.status == 0);
    auto got = parse_lines(r.out);
    auto want = parse_lines(slurp(kSource + "/tests/data/expected/example_outcomes.jsonl"));
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("participant ", want[i]["participant"].get<std::string>());
        for (auto& [key, value] : want[i].items()) CHECK_MESSAGE(got[i][key] == value, key);
        CHECK(got[i].size() == want[i].size());
    }
    // Hand-checked highlights (see examples/data/make_example_data.py).
    CHECK(want[0]["completed_at"] == "2023-01-17T19:35:00+08:00");  // T001: the 15th credited lesson
    CHECK(want[4]["reasons"][1] == nlohmann::json{{"code", "outside_window"}, {"lesson", "L10"}});  // T005 at 00:21
    CHECK(want[5]["seconds_studied"] == 13500);  // T006: two tabs count once
    CHECK(r.err.find("events: read 211 = accepted 209 + rejected 2 + duplicates 0") != std::string::npos);
}

TEST_CASE("yanxiu evaluate: CSV files give the same outcomes as JSON Lines") {
    auto jsonl = run(kExample);
    auto csv = run("evaluate --program hunan-2023-mh-winter --participants examples/data/participants.csv "
                   "--events examples/data/events.csv");
    CHECK(csv.status == 0);
    CHECK(csv.out == jsonl.out);
}

TEST_CASE("yanxiu evaluate: rejections, --strict and exit statuses") {
    std::string rejects = "/tmp/yanxiu_cli_rejects_" + std::to_string(::getpid()) + ".jsonl";
    auto r = run(kExample + " --rejects " + rejects);
    CHECK(r.status == 0);
    auto lines = parse_lines(slurp(rejects));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == nlohmann::json::parse(R"({"file":"examples/data/events.jsonl","line":210,"field":"participant",
        "code":"unknown_participant","message":"participant 'T404' is not among the participants read"})"));
    CHECK(lines[1]["code"] == "bad_timestamp");
    CHECK(lines[1]["line"] == 211);
    std::remove(rejects.c_str());

    CHECK(run(kExample + " --strict").status == 3);
    auto usage = run("evaluate --program hunan-2023-mh-winter");
    CHECK(usage.status == 2);
    CHECK(usage.err.find("--participants is required") != std::string::npos);
    CHECK(run("frobnicate").status == 2);
    CHECK(run(kExample + " --as-of yesterday").status == 2);
    auto missing = run("evaluate --program hunan-2023-mh-winter --participants /nonexistent.jsonl --events x.jsonl");
    CHECK(missing.status == 1);
    CHECK(missing.err == "yanxiu: /nonexistent.jsonl: cannot open: No such file or directory\n");
    auto bad_program = run("evaluate --program no-such-programme --participants a --events b");
    CHECK(bad_program.status == 1);
    CHECK(bad_program.err.find("no-such-programme") != std::string::npos);
}

TEST_CASE("yanxiu evaluate --as-of: a date means the end of that local day") {
    auto by_date = run(kExample + " --as-of 2023-01-16");
    auto by_instant = run(kExample + " --as-of 2023-01-17T00:00:00+08:00");
    CHECK(by_date.status == 0);
    CHECK(by_date.out == by_instant.out);
    auto outcomes = parse_lines(by_date.out);
    CHECK(outcomes[1]["participant"] == "T002");
    CHECK(outcomes[1]["status"] == "completed");  // T002 completed at 2023-01-16T20:28
    CHECK(outcomes[0]["status"] == "in_progress");  // T001 completes on 1 月 17 日
}

TEST_CASE("yanxiu programs and validate") {
    auto list = run("programs");
    CHECK(list.status == 0);
    CHECK(list.out.find("moe-2023-mh-winter") != std::string::npos);
    CHECK(list.out.find("hunan-2023-mh-winter") != std::string::npos);
    auto resolved = run("validate hunan-2023-mh-winter");
    REQUIRE(resolved.status == 0);
    auto j = nlohmann::json::parse(resolved.out);
    CHECK(j["categories"]["homeroom"]["requires"]["lessons"] == 10);  // min_lessons: 10, resolved
    CHECK(j["support"].size() == 3);
    CHECK(run("validate").status == 2);
}

TEST_CASE("yanxiu CMD --help: each command's own help describes every option it takes") {
    // Every command, and each option the usage line names (the parser and the
    // help come from one table; an option without a description says so).
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
        {"programs", {}},
        {"validate", {}},
        {"evaluate", {"--program", "--participants", "--events", "--xapi", "--xapi-lesson", "--as-of", "--out",
                      "--rejects", "--lang", "--threads", "--max-line-bytes", "--max-field-bytes", "--explain",
                      "--strict"}},
        {"report", {"--census", "--html", "--json", "--csv", "--xlsx", "--follow-up", "--no-bom", "--lang",
                    "--generated-at"}},
        {"diff", {"--json", "--limit"}},
        {"simulate", {"--participants", "--seed", "--out", "--program", "--malformed-share"}},
        {"demo", {"--out", "--participants", "--lang", "--generated-at"}},
        {"keygen", {"--out", "--force"}},
        {"certify", {"--key", "--previous", "--html", "--pdf", "--verify-url", "--issued-at"}},
        {"verify", {"--pub", "--revoked"}},
        {"revoke", {"--key", "--id", "--reason", "--out", "--at"}},
        {"provenance", {}},
        {"version", {}}};
    for (const auto& [command, options] : commands) {
        INFO(command);
        for (const std::string& form : {command + " --help", command + " -h", "help " + command}) {
            const auto r = run(form);
            CHECK(r.status == 0);
            CHECK(r.out.rfind("usage: yanxiu " + command, 0) == 0);
            CHECK(r.out.find("(undocumented)") == std::string::npos);
            for (const std::string& option : options) CHECK_MESSAGE(r.out.find("  " + option + " ") != std::string::npos, option);
        }
    }
    CHECK(run("help nonsense").status == 2);
    CHECK(run("evaluate --program x --help").status == 0);  // --help anywhere wins
}

TEST_CASE("yanxiu evaluate: - reads an input from stdin, one at most") {
    const std::string args = "evaluate --program hunan-2023-mh-winter --participants examples/data/participants.jsonl";
    const auto from_file = run(args + " --events examples/data/events.csv");
    const auto from_stdin = run(args + " --events - < examples/data/events.csv");
    REQUIRE(from_file.status == 0);
    CHECK(from_stdin.status == 0);
    CHECK(from_stdin.out == from_file.out);
    const auto both = run(
        "evaluate --program hunan-2023-mh-winter --participants - --events - < examples/data/events.csv");
    CHECK(both.status == 2);
    CHECK(both.err.find("cannot both be read from stdin") != std::string::npos);
}

TEST_CASE("yanxiu evaluate --lang: each reason in words") {
    const auto zh = run(kExample + " --lang zh");
    const auto en = run(kExample + " --lang en");
    REQUIRE(zh.status == 0);
    const auto lines_zh = parse_lines(zh.out), lines_en = parse_lines(en.out);
    REQUIRE(lines_zh.size() == lines_en.size());
    bool some = false;
    for (std::size_t i = 0; i < lines_zh.size(); ++i) {
        REQUIRE(lines_zh[i].contains("explanations"));
        CHECK(lines_zh[i]["explanations"].size() == lines_zh[i]["reasons"].size());
        some |= !lines_zh[i]["explanations"].empty();
    }
    CHECK(some);
    CHECK(zh.out.find("课") != std::string::npos);
    CHECK(en.out.find("Lesson") != std::string::npos);
    CHECK(run(kExample + " --lang fr").status == 2);
}

TEST_CASE("yanxiu evaluate --out: the format by extension, unknown ones refused") {
    const std::string dir = "/tmp/yanxiu_cli_out_" + std::to_string(::getpid());
    std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
    REQUIRE(run(kExample + " --out " + dir + "/o.jsonl").status == 0);
    REQUIRE(run(kExample + " --out " + dir + "/o.csv --lang zh").status == 0);
    const auto jsonl = parse_lines(slurp(dir + "/o.jsonl"));
    const std::string csv = slurp(dir + "/o.csv");
    CHECK(csv.rfind("\xEF\xBB\xBF参训人编号,单位,类别,类别代码,状态,状态代码,", 0) == 0);
    std::size_t rows = 0;
    for (char c : csv) rows += c == '\n';
    CHECK(rows == jsonl.size() + 1);
    CHECK(csv.find("\r\nT002,长沙市,中小学班主任,homeroom,已完成,completed,10,10,") != std::string::npos);
    CHECK(run(kExample + " --out " + dir + "/o.txt").status == 2);
    CHECK(run(kExample + " --out " + dir + "/o.csv --explain").status == 2);
#ifdef YANXIU_HAVE_XLSX
    REQUIRE(run(kExample + " --out " + dir + "/o.xlsx").status == 0);
    CHECK(slurp(dir + "/o.xlsx").compare(0, 2, "PK") == 0);
#endif
    std::system(("rm -rf " + dir).c_str());
}
