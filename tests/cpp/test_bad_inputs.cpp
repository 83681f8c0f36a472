// Bad inputs never crash the readers and nothing is lost (docs/records.md "Rejections"): every file
// of tests/data/bad/manifest.json through the library and through the CLI,
// plus large inputs generated here rather than committed.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yanxiu/yanxiu.hpp>
#include <yanxiu/io/xapi.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

const std::string kBad = std::string(YANXIU_SOURCE_DIR) + "/tests/data/bad/";
const std::string kCli = YANXIU_CLI_PATH;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct CliResult {
    bool exited = false;  ///< false: killed by a signal
    int status = -1;
    std::string err;
};

CliResult run_cli(const std::string& args) {
    static int counter = 0;
    std::string base = "/tmp/yanxiu_bad_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::string command = "'" + kCli + "' " + args + " >/dev/null 2>" + base + ".err";
    int raw = std::system(command.c_str());
    CliResult r;
    r.exited = WIFEXITED(raw);
    r.status = r.exited ? WEXITSTATUS(raw) : -1;
    r.err = slurp(base + ".err");
    std::remove((base + ".err").c_str());
    return r;
}

std::size_t count_lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

/// Rejections as comparable JSON {line, field, code}.
nlohmann::json rejections_of(const yanxiu::Dataset& data) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : data.rejections())
        out.push_back({{"line", r.line}, {"field", r.field}, {"code", std::string(yanxiu::to_string(r.code))}});
    return out;
}

const std::string kEvaluate = "evaluate --program moe-2023-mh-winter ";

}  // namespace

TEST_CASE("bad inputs: every file of the manifest gives its expected rejections") {
    const auto manifest = nlohmann::json::parse(slurp(kBad + "manifest.json"));
    REQUIRE(manifest["files"].size() >= 60);
    const auto program = yanxiu::Program::load("moe-2023-mh-winter");
    for (const auto& entry : manifest["files"]) {
        const std::string file = entry["file"], kind = entry["kind"], path = kBad + file;
        INFO("file ", file);
        if (kind == "program") {
            const std::string want = entry["error"];
            bool threw = false;
            try {
                (void)yanxiu::Program::load(path);
            } catch (const yanxiu::ProgramError& e) {
                threw = true;
                CHECK_MESSAGE(std::string(e.what()).find(want) != std::string::npos, e.what());
            }
            CHECK(threw);
            continue;
        }
        yanxiu::Dataset data(program);
        if (kind == "participants") {
            auto s = data.read_participants_file(path);
            CHECK(s.reconciles());
        } else if (kind == "events") {
            data.read_participants_file(kBad + "support/participants.jsonl");
            auto s = data.read_events_file(path);
            CHECK(s.reconciles());
        } else {
            REQUIRE(kind == "xapi");
            data.read_participants_file(kBad + "support/participants.jsonl");
            auto s = yanxiu::read_xapi_file(data, path);
            CHECK(s.reconciles());
            CHECK(data.event_summary().reconciles());
        }
        CHECK(rejections_of(data) == entry["rejections"]);
        for (const auto& r : data.rejections()) {
            CHECK(r.file == path);
            CHECK(!r.message.empty());
            CHECK(r.message.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("bad inputs: the CLI exits as the manifest says, with one line on failure") {
    if (kCli.empty()) return;
    const auto manifest = nlohmann::json::parse(slurp(kBad + "manifest.json"));
    const std::string participants = "'" + kBad + "support/participants.jsonl'";
    for (const auto& entry : manifest["files"]) {
        const std::string file = entry["file"], kind = entry["kind"], path = "'" + kBad + file + "'";
        INFO("file ", file);
        CliResult r;
        if (kind == "program") r = run_cli("validate " + path);
        else if (kind == "participants")
            r = run_cli(kEvaluate + "--participants " + path + " --events '" + kBad + "support/empty.jsonl'");
        else if (kind == "events") r = run_cli(kEvaluate + "--participants " + participants + " --events " + path);
        else r = run_cli(kEvaluate + "--participants " + participants + " --xapi " + path);
        REQUIRE(r.exited);
        CHECK(r.status == entry["exit"].get<int>());
        if (r.status != 0) {
            CHECK(count_lines(r.err) == 1);
            CHECK(r.err.rfind("yanxiu: ", 0) == 0);
            if (entry.contains("error")) CHECK(r.err.find(entry["error"].get<std::string>()) != std::string::npos);
        } else {
            const char* line = kind == "participants" ? "participants: read " : kind == "events" ? "events: read " : "xapi: read ";
            CHECK(r.err.find(line) != std::string::npos);
            const auto rejected = entry["rejections"].size();
            if (rejected) CHECK(r.err.find(std::to_string(rejected) + " records rejected") != std::string::npos);
        }
        CHECK(r.err.find("terminate called") == std::string::npos);
    }
}

namespace {

/// A file written for one test and removed after it.
struct TempFile {
    std::string path;
    TempFile(const std::string& name, const std::string& content)
        : path("/tmp/yanxiu_bad_" + std::to_string(::getpid()) + "_" + name) {
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("bad inputs: 1 MB ids, a 10 MB line and 100000 brackets") {
    const auto program = yanxiu::Program::load("moe-2023-mh-winter");
    const std::string huge_id(1 << 20, 'A');
    TempFile people("people.jsonl", "{\"id\":\"" + huge_id + "\",\"category\":\"other\"}\n{\"id\":\"T1\",\"category\":\"other\"}\n");
    const std::string ten_mb(10u << 20, 'x');
    TempFile events("events.jsonl",
                    "{\"kind\":\"study\",\"participant\":\"" + huge_id + "Z\",\"lesson\":\"L01\",\"start\":\"2023-01-10T19:00:00Z\",\"end\":\"2023-01-10T19:30:00Z\"}\n" +
                        "{\"kind\":\"study\",\"participant\":\"T1\",\"note\":\"" + ten_mb + "\",\"lesson\":\"L01\",\"start\":\"2023-01-10T19:00:00Z\",\"end\":\"2023-01-10T19:30:00Z\"}\n" +
                        ten_mb + "\n" + std::string(100000, '[') + "\n{\"kind\":" + std::string(100000, '[') + "\n" +
                        "{\"kind\":\"quiz\",\"participant\":\"T1\",\"lesson\":\"L01\",\"at\":\"2023-01-10T19:40:00Z\"}\n");
    TempFile statements("statements.json", std::string(100000, '['));
    TempFile statements_lines("statements.jsonl", "{\"a\":" + std::string(100000, '[') + "\n{\"actor\":{\"mbox\":\"mailto:" +
                                                      ten_mb + "@example.org\"},\"verb\":{\"id\":\"http://x/completed\"},\"object\":{\"id\":\"http://x/L01\"},\"result\":{\"duration\":\"PT1M\"},\"timestamp\":\"2023-01-10T19:30:00Z\"}\n");

    yanxiu::Dataset data(program);
    data.read_chunk_bytes = 1 << 20;  // lines longer than a piece
    data.max_line_bytes = data.max_field_bytes = 64u << 20;  // limits raised: every line is parsed
    auto p = data.read_participants_file(people.path);
    CHECK(p.accepted == 2);
    auto e = data.read_events_file(events.path);
    CHECK(e.reconciles());
    CHECK(e.read == 6);
    CHECK(e.accepted == 2);
    const auto got = rejections_of(data);
    REQUIRE(got.size() == 4);
    CHECK(got[0] == nlohmann::json{{"line", 1}, {"field", "participant"}, {"code", "unknown_participant"}});
    CHECK(got[1] == nlohmann::json{{"line", 3}, {"field", ""}, {"code", "malformed"}});
    CHECK(got[2] == nlohmann::json{{"line", 4}, {"field", ""}, {"code", "malformed"}});
    CHECK(got[3] == nlohmann::json{{"line", 5}, {"field", "kind"}, {"code", "too_deep"}});
    for (const auto& r : data.rejections()) CHECK(r.message.size() < 1000);  // the id is not repeated whole

    auto x = yanxiu::read_xapi_file(data, statements.path);
    CHECK(x.reconciles());
    CHECK(x.rejected == 1);
    auto xl = yanxiu::read_xapi_file(data, statements_lines.path);
    CHECK(xl.reconciles());
    CHECK(xl.read == 2);
    CHECK(xl.rejected == 2);  // too deep; an unknown 10 MB participant
    CHECK(data.rejections()[5].code == yanxiu::RejectCode::too_deep);
    CHECK(data.rejections()[6].code == yanxiu::RejectCode::unknown_participant);
    CHECK(data.rejections()[6].message.size() < 1000);

    if (kCli.empty()) return;
    auto r = run_cli(kEvaluate + "--participants " + people.path + " --events " + events.path + " --xapi " +
                     statements_lines.path);
    REQUIRE(r.exited);
    CHECK(r.status == 0);
    // The command line's default limits (1 MiB a line, 64 KiB a field): the
    // megabyte ids and the 10 MB lines are rejected too_long, unparsed.
    CHECK(r.err.find("participants: read 2 = accepted 1 + rejected 1 + duplicates 0") != std::string::npos);
    CHECK(r.err.find("events: read 6 = accepted 1 + rejected 5 + duplicates 0") != std::string::npos);
    CHECK(r.err.find("xapi: read 2 = mapped 0 + ignored 0 + rejected 2 + duplicates 0") != std::string::npos);
    CHECK(r.err.size() < 2000);
}

TEST_CASE("too_long: a line over max_line_bytes or a field over max_field_bytes is rejected, naming it") {
    const auto program = yanxiu::Program::load("moe-2023-mh-winter");
    const std::string ok = "{\"id\":\"T1\",\"category\":\"other\"}\n";
    const std::string long_name = "{\"id\":\"T2\",\"category\":\"other\",\"name\":\"" + std::string(3000, 'n') + "\"}\n";
    const std::string huge_line = std::string(5000, ' ') + "{}\n";
    for (const char* name : {"people.jsonl", "people.csv"}) {
        const bool csv = std::string(name).find(".csv") != std::string::npos;
        const std::string text =
            csv ? "id,category,name\nT1,other,\nT2,other," + std::string(3000, 'n') + "\n\"" + std::string(6000, 'q') +
                      "\nT3,other,\n"
                : ok + long_name + huge_line + "{\"id\":\"T3\",\"category\":\"other\"}\n";
        for (std::size_t chunk : {std::size_t{256}, std::size_t{1} << 20}) {
            TempFile file(name, text);
            yanxiu::Dataset data(program);
            data.read_chunk_bytes = chunk;  // the file's way (a piece smaller than the line) and the text's
            data.max_line_bytes = 4096;
            data.max_field_bytes = 1024;
            const auto got = data.read_participants_file(file.path);
            CAPTURE(name);
            CAPTURE(chunk);
            CHECK(got.reconciles());
            CHECK(got.accepted == 2);  // T1, T3: reading goes on after the long line
            REQUIRE(data.rejections().size() == 2);
            CHECK(data.rejections()[0].code == yanxiu::RejectCode::too_long);
            CHECK(data.rejections()[0].field == "name");
            CHECK(data.rejections()[0].line == (csv ? 3u : 2u));
            CHECK(data.rejections()[1].code == yanxiu::RejectCode::too_long);
            CHECK(data.rejections()[1].line == (csv ? 4u : 3u));
            CHECK(data.rejections()[1].message.find("4096") != std::string::npos);
            CHECK(data.find_participant("T3"));
        }
    }
}

TEST_CASE("encodings: UTF-16 and GB18030 files read as UTF-8, in pieces that cut characters") {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    // 长沙市 / 湘西土家族苗族自治州 in each encoding (bytes written out, so the test needs no converter).
    const std::string utf8 = "id,unit,category\nT1,\xE9\x95\xBF\xE6\xB2\x99\xE5\xB8\x82,homeroom\nT2,\xE9\x95\xBF\xE6\xB2\x99\xE5\xB8\x82,homeroom\n";
    const std::string gb = "id,unit,category\nT1,\xB3\xA4\xC9\xB3\xCA\xD0,homeroom\nT2,\xB3\xA4\xC9\xB3\xCA\xD0,homeroom\n";
    auto utf16 = [&](bool little) {
        // ASCII and the three characters U+957F U+6C99 U+5E02.
        std::string out = little ? "\xFF\xFE" : "\xFE\xFF";
        auto unit = [&](unsigned u) {
            const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
            out += little ? std::string{lo, hi} : std::string{hi, lo};
        };
        for (std::size_t i = 0; i < utf8.size();) {
            const auto c = static_cast<unsigned char>(utf8[i]);
            if (c < 0x80) {
                unit(c);
                ++i;
            } else {
                unit(((c & 0x0F) << 12) | ((static_cast<unsigned char>(utf8[i + 1]) & 0x3F) << 6) |
                     (static_cast<unsigned char>(utf8[i + 2]) & 0x3F));
                i += 3;
            }
        }
        return out;
    };
    const std::pair<std::string, std::string> files[] = {
        {"gb18030", gb}, {"UTF-16LE", utf16(true)}, {"UTF-16BE", utf16(false)}};
    for (const auto& [encoding, bytes] : files) {
        for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{1} << 20}) {
            TempFile file("encoded.csv", bytes);
            yanxiu::Dataset data(program);
            data.read_chunk_bytes = chunk;
            const auto got = data.read_participants_file(file.path);
            CAPTURE(encoding);
            CAPTURE(chunk);
            CHECK(got.accepted == 2);
            REQUIRE(data.participants().size() == 2);
            CHECK(data.participants()[1].unit == "\xE9\x95\xBF\xE6\xB2\x99\xE5\xB8\x82");
            REQUIRE(data.decoded_files().size() == 1);
            CHECK(data.decoded_files()[0].second == (encoding == "gb18030" ? "GB18030" : encoding));
        }
    }
    // UTF-8 stays UTF-8 (and is not listed); zero bytes are refused.
    TempFile plain("plain.csv", utf8);
    yanxiu::Dataset data(program);
    CHECK(data.read_participants_file(plain.path).accepted == 2);
    CHECK(data.decoded_files().empty());
    TempFile zeros("zeros.jsonl", std::string(100, '\0'));
    CHECK_THROWS_WITH(data.read_participants_file(zeros.path), doctest::Contains("mostly zero bytes"));
}

TEST_CASE("a file that grows while it is read is an error, not a shorter file") {
    const auto program = yanxiu::Program::load("moe-2023-mh-winter");
    std::string text = "not json\n";
    for (int i = 0; i < 2000; ++i) text += "{\"id\":\"T" + std::to_string(i) + "\",\"category\":\"other\"}\n";
    TempFile file("growing.jsonl", text);
    yanxiu::Dataset data(program);
    data.read_chunk_bytes = 1024;
    // One thread: each piece is kept before the next is read, so the line is
    // appended while the file is still being read (on more threads the
    // pieces ahead may all be read before the first one's rejection is made).
    data.read_threads = 1;
    bool appended = false;
    data.on_rejection = [&](const yanxiu::Rejection&) {  // the first line's rejection: the export goes on
        if (appended) return;
        appended = true;
        std::ofstream(file.path, std::ios::app) << "{\"id\":\"late\",\"category\":\"other\"}\n";
    };
    CHECK_THROWS_WITH_AS(data.read_participants_file(file.path), doctest::Contains("changed size while being read"),
                         yanxiu::io_error);
}
