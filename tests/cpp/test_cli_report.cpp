// The command line's report, simulate and demo commands (README.md "The command line"), run
// as a user runs them.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

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

/// A fresh directory, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("yanxiu_cli_report_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

Result run(const std::string& args) {
    TempDir scratch;
    const std::string out = scratch / "out", err = scratch / "err";
    std::string command = "cd '" + kSource + "' && '" + kCli + "' " + args + " >" + out + " 2>" + err;
    int raw = std::system(command.c_str());
    return Result{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

std::vector<nlohmann::json> parse_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

const nlohmann::json& unit_of(const nlohmann::json& report, const std::string& name) {
    for (const auto& u : report["units"])
        if (u["unit"] == name) return u;
    throw std::out_of_range(name);
}

const std::string kInputs =
    "--program hunan-2023-mh-winter --participants examples/data/participants.jsonl "
    "--events examples/data/events.jsonl";

}  // namespace

TEST_CASE("yanxiu report on the example data with its census") {
    TempDir dir;
    auto r = run("report " + kInputs + " --census examples/data/census.csv --json " + (dir / "r.json") + " --html " +
                 (dir / "r.html") + " --csv " + (dir / "r.csv") + " --bom --generated-at '2023-02-11 09:00'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.find("census: read 10 = accepted 10 + rejected 0 + duplicates 0") != std::string::npos);
    CHECK(r.err.find("events: read 211 = accepted 209 + rejected 2 + duplicates 0") != std::string::npos);
    // The summary table on stdout.
    CHECK(r.out.find("中小学班主任") != std::string::npos);
    CHECK(r.out.find("合计") != std::string::npos);
    CHECK(r.out.find("18.2%") != std::string::npos);  // 4 of 22

    const auto report = nlohmann::json::parse(slurp(dir / "r.json"));
    CHECK(report["generated_at"] == "2023-02-11 09:00");
    CHECK(report["inputs"]["census"]["accepted"] == 10);
    // Hand-checked against tests/data/expected/example_outcomes.jsonl and examples/data/census.csv.
    const auto& total = report["totals"]["target"];
    CHECK(total["expected"] == 21);
    CHECK(total["registered"] == 11);
    CHECK(total["started"] == 9);
    CHECK(total["completed"] == 4);
    CHECK(total["unverified"] == 1);
    CHECK(total["coverage_base"] == 22);  // 21 by census + T010, a homeroom teacher with no census row
    CHECK(total["coverage_denominator"] == "mixed");
    CHECK(report["totals"]["recorded"]["registered"] == 1);
    REQUIRE(report["units"].size() == 7);
    // Equal coverage and equal completions: by name (byte order).
    const std::vector<std::string> ranked = {"长沙市", "湖南师范大学", "株洲市", "岳阳市", "湘西土家族苗族自治州",
                                             "衡阳市", "长沙民政职业技术学院"};
    for (std::size_t i = 0; i < ranked.size(); ++i) {
        CHECK(report["units"][i]["unit"] == ranked[i]);
        CHECK(report["units"][i]["rank"] == i + 1);
    }
    CHECK(unit_of(report, "长沙市")["target"]["coverage"] == 0.4);
    CHECK(unit_of(report, "株洲市")["target"]["coverage"] == 0.2);
    CHECK(unit_of(report, "株洲市")["target"]["unverified"] == 1);
    CHECK(unit_of(report, "湖南师范大学")["target"]["coverage_denominator"] == "mixed");
    REQUIRE(report["participants_without_census"].size() == 1);
    CHECK(report["participants_without_census"][0] ==
          nlohmann::json({{"unit", "湖南师范大学"}, {"category", "homeroom"}, {"registered", 1}}));
    // 岳阳市 is in the census but nobody there has registered.
    REQUIRE(report["census_without_participants"].size() == 1);
    CHECK(report["census_without_participants"][0] ==
          nlohmann::json({{"unit", "岳阳市"}, {"category", "homeroom"}, {"expected", 3}}));
    CHECK(report["daily"].size() == 33);

    // The figures agree with `evaluate` on the same inputs.
    auto evaluated = run("evaluate " + kInputs);
    REQUIRE(evaluated.status == 0);
    std::map<std::string, int> completed_by_unit;
    for (const auto& o : parse_lines(evaluated.out))
        if (o["certificate"] == true) ++completed_by_unit[o["unit"].get<std::string>()];
    for (const auto& u : report["units"])
        CHECK(u["target"]["completed"] == completed_by_unit[u["unit"].get<std::string>()]);

    const std::string html = slurp(dir / "r.html");
    CHECK(html.find("<svg class=\"chart bar-chart\"") != std::string::npos);
    CHECK(html.find("http") == std::string::npos);
    CHECK(html.find("2023-02-11 09:00") != std::string::npos);
    const std::string csv = slurp(dir / "r.csv");
    CHECK(csv.rfind("\xEF\xBB\xBF排名,单位,", 0) == 0);
    CHECK(csv.find("1,长沙市,合计,,5,2,2,2,0,0.4000,5,按摸底人数,") != std::string::npos);

    // Same inputs, same generated-at: same bytes.
    TempDir again;
    auto r2 = run("report " + kInputs + " --census examples/data/census.csv --json " + (again / "r.json") +
                  " --html " + (again / "r.html") + " --generated-at '2023-02-11 09:00'");
    REQUIRE(r2.status == 0);
    CHECK(slurp(again / "r.html") == html);
    CHECK(slurp(again / "r.json") == slurp(dir / "r.json"));
}

TEST_CASE("yanxiu report: without a census, as of a date, in English") {
    TempDir dir;
    auto r = run("report " + kInputs + " --as-of 2023-01-16 --lang en --json " + (dir / "r.json") + " --html " +
                 (dir / "r.html"));
    REQUIRE(r.status == 0);
    CHECK(r.out.find("Homeroom teacher") != std::string::npos);
    const auto report = nlohmann::json::parse(slurp(dir / "r.json"));
    CHECK(report["census"] == false);
    CHECK(report["as_of"] == "2023-01-17T00:00:00+08:00");
    CHECK(report["daily"].size() == 8);
    CHECK(report["totals"]["target"]["coverage_denominator"] == "registered");
    CHECK(report["totals"]["target"]["expected"].is_null());
    CHECK(report["participants_without_census"].empty());
    CHECK(slurp(dir / "r.html").find("<html lang=\"en\">") != std::string::npos);
}

TEST_CASE("report CSV: a BOM by default (Excel reads the Chinese), none with --no-bom") {
    TempDir dir;
    REQUIRE(run("report " + kInputs + " --csv " + (dir / "a.csv")).status == 0);
    REQUIRE(run("report " + kInputs + " --csv " + (dir / "b.csv") + " --no-bom").status == 0);
    const std::string a = slurp(dir / "a.csv"), b = slurp(dir / "b.csv");
    CHECK(a.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(b.rfind("\xEF\xBB\xBF", 0) == std::string::npos);
    CHECK(a.substr(3) == b);
    CHECK(run("report " + kInputs + " --csv " + (dir / "c.csv") + " --bom --no-bom").status == 2);
}

TEST_CASE("yanxiu report: usage errors") {
    CHECK(run("report --participants examples/data/participants.jsonl --events examples/data/events.jsonl").status == 2);
    CHECK(run("report " + kInputs + " --lang fr").status == 2);
    CHECK(run("report " + kInputs + " --bom").status == 2);
    CHECK(run("report " + kInputs + " --no-bom").status == 2);
    CHECK(run("report " + kInputs + " --census /nonexistent/census.csv").status == 1);
    auto help = run("report --help");
    CHECK(help.status == 0);
    CHECK(help.out.find("usage: yanxiu report") != std::string::npos);
    CHECK(help.out.find("--xlsx FILE.xlsx") != std::string::npos);
    CHECK(help.out.find("yanxiu demo") == std::string::npos);  // its own help, not everyone's
}

TEST_CASE("yanxiu simulate: the same seed gives the same bytes") {
    TempDir a, b, c;
    auto ra = run("simulate --participants 500 --seed 42 --out " + a.path.string());
    auto rb = run("simulate --participants 500 --seed 42 --out " + b.path.string());
    auto rc = run("simulate --participants 500 --seed 43 --out " + c.path.string());
    REQUIRE(ra.status == 0);
    REQUIRE(rb.status == 0);
    REQUIRE(rc.status == 0);
    CHECK(ra.out.find("simulated 5") != std::string::npos);
    for (const char* name : {"participants.jsonl", "participants.csv", "events.jsonl", "events.csv", "census.csv"}) {
        INFO(name);
        const std::string first = slurp(a / name);
        CHECK(first.size() > 100);
        CHECK(first == slurp(b / name));
    }
    CHECK(slurp(a / "events.jsonl") != slurp(c / "events.jsonl"));
    CHECK(run("simulate --participants 0 --seed 1 --out " + (a / "x")).status == 2);
    CHECK(run("simulate --participants ten --seed 1 --out " + (a / "x")).status == 2);
    CHECK(run("simulate --participants 10 --out " + (a / "x")).status == 2);
}

TEST_CASE("yanxiu demo: simulate, evaluate and report, end to end") {
    TempDir dir;
    const std::string out = dir / "demo";
    auto r = run("demo --out " + out + " --participants 2000 --generated-at '2023-02-11 09:00'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());  // no progress line when stderr is not a terminal
    CHECK(r.out.find(out) != std::string::npos);  // names the folder
    CHECK(r.out.find("合计") != std::string::npos);
    for (const char* name : {"report.html", "report.json", "report.csv", "outcomes.jsonl", "rejects.jsonl",
                             "participants.jsonl", "events.jsonl", "census.csv", "follow-up/index.csv"})
        CHECK_MESSAGE(fs::exists(dir.path / "demo" / name), name);
#ifdef YANXIU_HAVE_XLSX
    CHECK(slurp(out + "/report.xlsx").compare(0, 2, "PK") == 0);
#endif

    const auto report = nlohmann::json::parse(slurp(out + "/report.json"));
    const auto outcomes = parse_lines(slurp(out + "/outcomes.jsonl"));
    CHECK(report["program"]["id"] == "hunan-2023-mh-winter");
    CHECK(report["census"] == true);
    CHECK(report["inputs"]["participants"]["accepted"] == outcomes.size());
    std::size_t target = 0, completed = 0, recorded = 0;
    for (const auto& o : outcomes) {
        if (o["category"] == "other") ++recorded;
        else ++target;
        if (o["certificate"] == true) ++completed;
    }
    CHECK(report["totals"]["target"]["registered"] == target);
    CHECK(report["totals"]["target"]["completed"] == completed);
    CHECK(report["totals"]["recorded"]["registered"] == recorded);
    CHECK(report["daily"].back()["completed"] == completed);
    // Reads reconcile, and the rejections written are those counted.
    std::size_t rejected = 0;
    for (const auto& [name, counts] : report["inputs"].items()) {
        CHECK(counts["read"].get<std::size_t>() == counts["accepted"].get<std::size_t>() +
                                                        counts["rejected"].get<std::size_t>() +
                                                        counts["duplicates"].get<std::size_t>());
        rejected += counts["rejected"].get<std::size_t>();
    }
    CHECK(rejected > 0);
    CHECK(parse_lines(slurp(out + "/rejects.jsonl")).size() == rejected);
    const std::string html = slurp(out + "/report.html");
    CHECK(html.find("湖南省心理健康教育教师培训") != std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
}
