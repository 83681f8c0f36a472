// Provenance (provenance.hpp): what an output names of its inputs, how a
// sidecar and a report carry it, and how check_provenance finds a change.

#include <doctest/doctest.h>
#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path path;
    explicit Scratch(const std::string& name)
        : path(fs::temp_directory_path() / ("yanxiu-provenance-" + name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() { fs::remove_all(path); }
    [[nodiscard]] std::string file(const std::string& name, const std::string& text) const {
        const std::string p = (path / name).string();
        fs::create_directories(fs::path(p).parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
};

const yanxiu::Program& program() {
    static const auto p = yanxiu::Program::load("hunan-2023-mh-winter");
    return p;
}

}  // namespace

TEST_CASE("provenance: a file's SHA-256 and size, and the programme's, name exactly what was read") {
    const Scratch dir("hash");
    const auto f = yanxiu::hash_file("events", dir.file("abc.txt", "abc"));
    CHECK(f.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2's example
    CHECK(f.bytes == 3);
    CHECK(f.role == "events");
    CHECK_THROWS_AS((void)yanxiu::hash_file("events", (dir.path / "absent").string()), yanxiu::io_error);
    const std::string sha = yanxiu::programme_sha256(program());
    CHECK(sha.size() == 64);
    CHECK(sha == yanxiu::programme_sha256(yanxiu::Program::load("hunan-2023-mh-winter")));  // the resolved rules, not a path
    CHECK(sha != yanxiu::programme_sha256(yanxiu::Program::load("moe-2023-mh-winter")));
}

TEST_CASE("provenance: the record round-trips through JSON with its counts, as_of and generation time") {
    const yanxiu::Instant at = *yanxiu::parse_instant("2023-01-26T08:00:00+08:00", program().time_zone());
    auto p = yanxiu::provenance_of(program(), at, at);
    yanxiu::ReadSummary counts;
    counts.read = 10, counts.accepted = 7, counts.rejected = 2, counts.duplicates = 1;
    const Scratch dir("json");
    p.inputs.push_back(yanxiu::hash_file("participants", dir.file("p.jsonl", "{}\n"), counts));
    CHECK(p.generated_at == "2023-01-26T00:00:00Z");
    CHECK(p.as_of == "2023-01-26T08:00:00+08:00");
    CHECK(p.library.rfind("yanxiu ", 0) == 0);
    CHECK(p.tzdb != "");
    const auto back = yanxiu::Provenance::from_json(nlohmann::json::parse(p.to_json().dump()));
    CHECK(back.to_json() == p.to_json());
    REQUIRE(back.inputs.size() == 1);
    REQUIRE(back.inputs[0].counts);
    CHECK(back.inputs[0].counts->duplicates == 1);
    CHECK_THROWS_AS((void)yanxiu::Provenance::from_json(nlohmann::json::parse(R"({"library": 3})")), std::runtime_error);
}

TEST_CASE("provenance: a report's JSON and HTML carry it, and checking either finds a changed input") {
    const Scratch dir("report");
    // A path that would close the hidden element if written as it is (a directory "p<").
    const std::string participants = dir.file("p<</pre><b>x.jsonl",
                                              R"({"id":"T1","unit":"长沙市","category":"homeroom"})" "\n");
    yanxiu::Dataset data(program());
    const auto read = data.read_participants_file(participants);
    auto report = yanxiu::report(yanxiu::evaluate(data));
    report.provenance = yanxiu::provenance_of(program(), std::nullopt, yanxiu::Instant{});
    report.provenance->inputs.push_back(yanxiu::hash_file("participants", participants, read));

    const std::string json_text = yanxiu::to_json_text(report);
    const auto j = nlohmann::json::parse(json_text);
    REQUIRE(j.contains("provenance"));
    CHECK(j["provenance"]["inputs"][0]["path"] == participants);
    CHECK(j["provenance"]["inputs"][0]["records"]["accepted"] == 1);
    const std::string html = yanxiu::to_html(report);
    CHECK(html.find("<b>x.jsonl") == std::string::npos);  // escaped, in the footer and the hidden copy
    CHECK(html.find(report.provenance->inputs[0].sha256) != std::string::npos);

    const std::string json_file = dir.file("r.json", json_text), html_file = dir.file("r.html", html);
    for (const auto& output : {json_file, html_file}) {
        const auto check = yanxiu::check_provenance(output);
        CHECK(check.ok());
        CHECK(check.embedded);
        CHECK(check.files == 1);
    }
    (void)dir.file("p<</pre><b>x.jsonl", R"({"id":"T2","unit":"长沙市","category":"homeroom"})" "\n");
    for (const auto& output : {json_file, html_file}) {
        const auto check = yanxiu::check_provenance(output);
        REQUIRE(check.problems.size() == 1);
        CHECK(check.problems[0].find("(participants): changed") != std::string::npos);
    }
    fs::remove(participants);
    CHECK(yanxiu::check_provenance(json_file).problems.at(0).find("missing") != std::string::npos);
    // Neither a sidecar nor provenance inside: an error, not a pass.
    CHECK_THROWS_AS((void)yanxiu::check_provenance(dir.file("plain.json", "{\"a\":1}")), std::runtime_error);
}
