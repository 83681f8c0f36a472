// Records (docs/records.md "Rejections"): every rejection code, with its file, line and field, and
// the reconciliation read = accepted + rejected + duplicates.

#include "helpers.hpp"

#include "io/read.hpp"
#include "io/scan.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <cerrno>
#include <system_error>
#include <unistd.h>

using namespace test;
using yanxiu::RejectCode;

namespace {

struct Expect {
    std::size_t line;
    std::string field;
    RejectCode code;
};

void check_rejections(const yanxiu::Dataset& data, const std::string& file, const std::vector<Expect>& expected) {
    std::vector<const yanxiu::Rejection*> mine;
    for (const auto& r : data.rejections())
        if (r.file == file) mine.push_back(&r);
    REQUIRE(mine.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("rejection ", i, ": ", mine[i]->message);
        CHECK(mine[i]->line == expected[i].line);
        CHECK(mine[i]->field == expected[i].field);
        CHECK(yanxiu::to_string(mine[i]->code) == yanxiu::to_string(expected[i].code));
        CHECK_FALSE(mine[i]->message.empty());
    }
}

}  // namespace

TEST_CASE("participants: every rejection code with file, line and field") {
    auto p = program();
    yanxiu::Dataset data(p);
    std::string text =
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"sector\":\"primary\",\"category\":\"homeroom\",\"name\":\"张三\"}\n"  // 1 ok
        "{\"unit\":\"长沙市\"}\n"                                                  // 2 missing_field id
        "{\"id\":[1]}\n"                                                          // 3 bad_type id
        "{\"id\":\"T2\",\"sector\":\"大学\"}\n"                                   // 4 unknown_sector
        "{\"id\":\"T3\",\"category\":\"principal\"}\n"                            // 5 unknown_category
        "{\"id\":\"T4\",\"verified\":\"maybe\"}\n"                                // 6 bad_type verified
        "{\"id\":\"T5\",\"id\":\"T6\"}\n"                                         // 7 duplicate_key
        "{\"id\":\"T1\",\"unit\":\"株洲市\"}\n"                                   // 8 duplicate_id
        "\n"                                                                      // blank: not a record
        "{\"id\":\"T7\"\n"                                                        // 10 malformed (truncated)
        "{\"id\":\"T8\",\"x\":" + std::string(100, '[') + std::string(100, ']') + "}\n"  // 11 too_deep
        "{\"id\":\"T9\",\"name\":\"\xff\xfe\"}\n"                                 // 12 bad_utf8
        "{\"id\":\"T10\",\"name\":\"\\ud800\"}\n"                                 // 13 bad_utf8 (lone surrogate)
        "[1,2]\n"                                                                 // 14 malformed
        "{\"id\":\"T11\"}{\"id\":\"T12\"}\n"                                      // 15 malformed: two objects
        "{\"id\":\"T13\",\"extra\":{\"deep\":1}}\n"                               // 16 ok, unknown key ignored
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"sector\":\"primary\",\"category\":\"homeroom\",\"name\":\"张三\"}";  // 17 duplicate
    auto summary = data.read_participants(text, "people.jsonl");
    check_rejections(data, "people.jsonl",
                     {{2, "id", RejectCode::missing_field},
                      {3, "id", RejectCode::bad_type},
                      {4, "sector", RejectCode::unknown_sector},
                      {5, "category", RejectCode::unknown_category},
                      {6, "verified", RejectCode::bad_type},
                      {7, "id", RejectCode::duplicate_key},
                      {8, "id", RejectCode::duplicate_id},
                      {10, "", RejectCode::malformed},
                      {11, "", RejectCode::too_deep},
                      {12, "", RejectCode::bad_utf8},
                      {13, "", RejectCode::bad_utf8},
                      {14, "", RejectCode::malformed},
                      {15, "", RejectCode::malformed}});
    CHECK(summary.read == 16);
    CHECK(summary.accepted == 2);
    CHECK(summary.rejected == 13);
    CHECK(summary.duplicates == 1);
    CHECK(summary.reconciles());
    // No message repeats a participant's name.
    for (const auto& r : data.rejections()) CHECK(r.message.find("张三") == std::string::npos);
}

TEST_CASE("events: every rejection code with file, line and field") {
    auto p = program({{"lessons", json::array({{{"id", "L01"}, {"minutes", 30}}, {{"id", "L02"}, {"minutes", 30}}})}});
    yanxiu::Dataset data(p);
    data.read_participants(lines({person("T1", "homeroom")}), "p.jsonl");
    std::vector<std::string> rows = {
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:30:00+08:00"})",  // 1 ok
        R"({"participant":"T1","lesson":"L01"})",                                                          // 2 missing kind
        R"({"kind":"video","participant":"T1","lesson":"L01"})",                                           // 3 unknown_kind
        R"({"kind":"study","participant":"T9","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:30:00+08:00"})",  // 4
        R"({"kind":"study","participant":"T1","lesson":"L77","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T19:30:00+08:00"})",  // 5
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-02-31T19:00:00+08:00","end":"2023-01-10T19:30:00+08:00"})",  // 6
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","duration":"P1M"})",  // 7
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-10T18:30:00+08:00"})",  // 8
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-11T19:00:01+08:00"})",  // 9
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:40:00+08:00","score":101})",  // 10
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:40:00+08:00","score":1e999})",  // 11
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:40:00+08:00","score":"high"})",  // 12
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":20230110})",                                // 13 bad_type
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00"})",         // 14 missing end
        R"({"kind":"quiz","participant":"T1","lesson":"L01","at":"2023-01-10T19:40:00+08:00","completed":"maybe"})",  // 15
        R"({"kind":"study","participant":"T1","lesson":"L02","start":"2023-01-10T20:00:00+08:00","duration":1800,"id":"e1"})",  // 16 ok
        R"({"kind":"study","participant":"T1","lesson":"L02","start":"2023-01-10T20:00:00+08:00","duration":"PT31M","id":"e1"})",  // 17
        R"({"kind":"study","participant":"T1","lesson":"L02","start":"2023-01-10T20:00:00+08:00","end":"2023-01-10T20:30:00+08:00","id":"e1"})",  // 18 dup
        R"({"kind":"study","participant":"T1","lesson":"L01","start":"2023-01-10T19:00:00+08:00","end":"2023-01-11T19:00:00+08:00"})",  // 19 ok: 24 h
    };
    std::string text;
    for (const auto& r : rows) text += r + "\r\n";
    auto summary = data.read_events("\xEF\xBB\xBF" + text, "ev.jsonl");
    check_rejections(data, "ev.jsonl",
                     {{2, "kind", RejectCode::missing_field},
                      {3, "kind", RejectCode::unknown_kind},
                      {4, "participant", RejectCode::unknown_participant},
                      {5, "lesson", RejectCode::unknown_lesson},
                      {6, "start", RejectCode::bad_timestamp},
                      {7, "duration", RejectCode::bad_duration},
                      {8, "end", RejectCode::end_before_start},
                      {9, "end", RejectCode::session_too_long},
                      {10, "score", RejectCode::number_out_of_range},
                      {11, "score", RejectCode::number_out_of_range},
                      {12, "score", RejectCode::bad_type},
                      {13, "at", RejectCode::bad_type},
                      {14, "end", RejectCode::missing_field},
                      {15, "completed", RejectCode::bad_type},
                      {17, "id", RejectCode::duplicate_id}});
    CHECK(summary.read == 19);
    CHECK(summary.accepted == 3);
    CHECK(summary.duplicates == 1);
    CHECK(summary.reconciles());
}

TEST_CASE("CSV: header, quoting, CRLF, BOM, multi-line cells, ragged rows, duplicate headers") {
    auto p = program();
    yanxiu::Dataset data(p);
    std::string people =
        "\xEF\xBB\xBFid,unit,sector,category,verified,name\r\n"
        "T1,长沙市,primary,homeroom,true,\"Zhang, San\"\r\n"       // 2
        "T2,\"株洲\"\"市\",secondary,homeroom,false,\"two\nlines\"\r\n"  // 3-4
        "T3,湘潭市,secondary\r\n"                                 // 5 ragged
        "T4,=cmd(),secondary,homeroom,1,\r\n"                     // 6 ok; a formula stays text
        "T5,湘潭市,secondary,homeroom,perhaps,\r\n"               // 7 bad verified
        "\r\n"
        "T6,\"unterminated,secondary,homeroom,true,\n";           // 9 malformed
    auto summary = data.read_participants(people, "people.csv");
    check_rejections(data, "people.csv",
                     {{5, "", RejectCode::malformed}, {7, "verified", RejectCode::bad_type}, {9, "", RejectCode::malformed}});
    CHECK(summary.read == 6);
    CHECK(summary.accepted == 3);
    REQUIRE(data.participants().size() == 3);
    CHECK(data.participants()[1].unit == "株洲\"市");
    CHECK(data.participants()[1].name == "two\nlines");
    CHECK_FALSE(data.participants()[1].verified);
    CHECK(data.participants()[2].unit == "=cmd()");

    yanxiu::Dataset dup(p);
    auto s = dup.read_participants("id,unit,unit\nT1,a,b\nT2,a,b\n", "dup.csv");
    CHECK(s.rejected == 2);
    check_rejections(dup, "dup.csv", {{2, "unit", RejectCode::duplicate_key}, {3, "unit", RejectCode::duplicate_key}});
}

TEST_CASE("CSV: one buffer of cells serves records of any width, quoted or not") {
    // The splitter writes cells in place and keeps the strings past a short
    // record for the next one: nothing of an earlier record may leak through.
    const std::string text =
        "a long first cell of thirty-two!,b,c\n"
        "x\r"
        "\"q\"\"uoted\nover lines\",,\"\"\r\n"
        "1,2,3,4\n"
        ",\n"
        "tail";
    std::size_t pos = 0, line = 1;
    std::vector<std::string> cells;
    std::string error;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::size_t> lines;
    while (pos < text.size()) {
        REQUIRE(yanxiu::detail::split_csv_record(text, pos, line, cells, error));
        rows.push_back(cells);
        lines.push_back(line);
    }
    using Row = std::vector<std::string>;
    REQUIRE(rows.size() == 6);
    CHECK(rows[0] == Row{"a long first cell of thirty-two!", "b", "c"});
    CHECK(rows[1] == Row{"x"});
    CHECK(rows[2] == Row{"q\"uoted\nover lines", "", ""});
    CHECK(rows[3] == Row{"1", "2", "3", "4"});
    CHECK(rows[4] == Row{"", ""});
    CHECK(rows[5] == Row{"tail"});
    CHECK(lines == std::vector<std::size_t>{2, 3, 5, 6, 7, 7});

    // Without a quote in the text, a cut falls after the last newline; with
    // one, never inside the quoted cell.
    CHECK(yanxiu::detail::safe_cut("a,b\nc,d\ne", true) == 8);
    CHECK(yanxiu::detail::safe_cut("a,b", true) == 0);
    CHECK(yanxiu::detail::safe_cut("a,b\n\"c\nd", true) == 4);
}

TEST_CASE("CSV and JSON Lines of the same records give the same dataset") {
    auto p = program();
    yanxiu::Dataset a(p), b(p);
    a.read_participants(lines({person("T1", "homeroom"), person("T2", "other", "primary", false)}), "p.jsonl");
    b.read_participants("id,unit,sector,category,verified\nT1,长沙市,secondary,homeroom,true\nT2,长沙市,primary,other,false\n",
                        "p.csv");
    REQUIRE(a.participants().size() == b.participants().size());
    for (std::size_t i = 0; i < a.participants().size(); ++i) CHECK(a.participants()[i] == b.participants()[i]);
    a.read_events(lines({study("T1", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
                         quiz("T1", "L01", "2023-01-10T19:40:00+08:00", 75.5, 1)}),
                  "e.jsonl");
    b.read_events("kind,participant,lesson,start,end,duration,at,score,completed,id\n"
                  "study,T1,L01,2023-01-10T19:00:00+08:00,,PT30M,,,,\n"
                  "quiz,T1,L01,,,,2023-01-10T19:40:00+08:00,75.5,true,\n",
                  "e.csv");
    REQUIRE(a.events().size() == 2);
    REQUIRE(b.events().size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        auto x = a.events().row(i), y = b.events().row(i);
        CHECK(x.kind == y.kind);
        CHECK(x.start == y.start);
        CHECK(x.end == y.end);
        CHECK(x.completed == y.completed);
        CHECK((std::isnan(x.score) ? std::isnan(y.score) : x.score == y.score));
    }
}

TEST_CASE("format detection by extension and by content") {
    CHECK(yanxiu::detail::detect_format("x.CSV", "{") == yanxiu::Format::csv);
    CHECK(yanxiu::detail::detect_format("x.jsonl", "id") == yanxiu::Format::jsonl);
    CHECK(yanxiu::detail::detect_format("-", "\xEF\xBB\xBF  {\"id\":1}") == yanxiu::Format::jsonl);
    CHECK(yanxiu::detail::detect_format("export.txt", "id,unit") == yanxiu::Format::csv);
}

TEST_CASE("records built in memory are checked like files") {
    auto p = program();
    yanxiu::Dataset data(p);
    using yanxiu::AddStatus;
    CHECK(data.add_participant(person("T1", "homeroom")) == AddStatus::accepted);
    CHECK(data.add_participant(person("T1", "homeroom")) == AddStatus::duplicate);
    CHECK(data.add_participant(json{{"unit", "x"}}, "<participants>", 2) == AddStatus::rejected);
    CHECK(data.add_event(study("T1", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00")) ==
          AddStatus::accepted);
    CHECK(data.add_event(json::array(), "<events>", 2) == AddStatus::rejected);
    CHECK(data.rejections().size() == 2);
    CHECK(data.rejections()[0].code == RejectCode::missing_field);
    CHECK(data.rejections()[1].code == RejectCode::malformed);
    CHECK(data.participant_summary().reconciles());
    CHECK(data.event_summary().reconciles());
}

TEST_CASE("JSON Lines: the fast path for flat objects agrees with the general parser") {
    // Lines built from fragments, many of them odd; wherever the fast path
    // accepts a line, the general parser must yield the same fields.
    const std::vector<std::string> keys = {"\"id\"", "\"kind\"", "\"score\"", "\"x\"", "\"id\"", "\"completed\"", "\"a\\u0062\""};
    const std::vector<std::string> values = {
        "\"T1\"", "1", "-0", "0.5", "1e3", "-1.5E-2", "123456789012345678", "1234567890123456789", "true", "false",
        "null", "\"\"", "\"a\\\"b\"", "[1]", "{\"a\":1}", "01", "1.", ".5", "-", "tru", "\"\t\"", "1e999", "\"é中\""};
    const std::vector<std::string> glue = {"", " ", "\t", ",", ":", "}", "{"};
    std::uint64_t state = 12345;
    auto next = [&](std::size_t n) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::size_t>((state >> 33) % n);
    };
    yanxiu::Record fast, general;
    yanxiu::detail::FlatObjectHandler handler(general);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string line = next(10) ? "{" : glue[next(glue.size())];
        std::size_t members = next(4);
        for (std::size_t m = 0; m < members; ++m) {
            if (m) line += next(12) ? "," : glue[next(glue.size())];
            line += next(3) ? " " : "";
            line += keys[next(keys.size())];
            line += next(15) ? ":" : glue[next(glue.size())];
            line += values[next(values.size())];
        }
        line += next(12) ? "}" : glue[next(glue.size())];
        if (next(5) == 0) line += " ";
        if (!yanxiu::detail::scan_flat_object_fast(line, fast)) continue;
        ++accepted;
        handler.reset();
        bool ok = nlohmann::json::sax_parse(line.begin(), line.end(), &handler);
        INFO(line);
        REQUIRE((ok && !handler.error()));
        for (std::size_t f = 0; f < yanxiu::kFieldCount; ++f) {
            const auto& a = fast.values()[f];
            const auto& b = general.values()[f];
            CHECK(static_cast<int>(a.type) == static_cast<int>(b.type));
            if (a.type == b.type) {
                CHECK(a.text == b.text);
                if (a.type == yanxiu::ValueType::integer) CHECK(a.integer == b.integer);
                if (a.type == yanxiu::ValueType::number) CHECK(a.number == b.number);
                if (a.type == yanxiu::ValueType::boolean) CHECK(a.boolean == b.boolean);
            }
        }
    }
    CHECK(accepted > 1000);
}

TEST_CASE("files are read in pieces with the same result as whole text, at any piece size") {
    auto p = program();
    std::string dir = "/tmp/yanxiu_pieces_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    const std::string people =
        "\xEF\xBB\xBFid,unit,sector,category,verified,name\r\n"
        "T1,长沙市,primary,homeroom,true,\"Zhang, San\"\r\n"
        "T2,\"株\"\"洲\nmulti\",secondary,homeroom,false,\"a\"\"b\"\r\n"
        "T3,ab\"c,secondary,homeroom,true,x\n"
        "T4,\"q\"junk,secondary,homeroom,true,x\n"
        "T5,\"x\ny\",secondary,homeroom,true,\"\"\"\"\n"
        "T6,湘潭市,secondary\n"
        "T7,\"unterminated,secondary,homeroom,true,\n";
    const std::string events = "\xEF\xBB\xBF" +
        lines({study("T1", "L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
               quiz("T1", "L01", "2023-01-10T19:40:00+08:00")}) +
        "{\"kind\":\"study\",\"participant\":\"T1\"\n\n{broken\r\n" +
        lines({study("T5", "L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00")}) + "{\"last\":1";
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name, std::ios::binary) << text;
        return dir + "/" + name;
    };
    auto people_path = write("people.csv", people);
    auto events_path = write("events.jsonl", events);
    yanxiu::Dataset whole(p);
    whole.read_participants(people, people_path);
    whole.read_events(events, events_path);
    for (std::size_t piece : {1, 2, 3, 5, 7, 16, 64, 1 << 20}) {
        INFO("piece ", piece);
        yanxiu::Dataset streamed(p);
        streamed.read_chunk_bytes = piece;
        streamed.read_participants_file(people_path);
        streamed.read_events_file(events_path);
        REQUIRE(streamed.participants().size() == whole.participants().size());
        for (std::size_t i = 0; i < whole.participants().size(); ++i)
            CHECK(streamed.participants()[i] == whole.participants()[i]);
        CHECK(streamed.events().size() == whole.events().size());
        REQUIRE(streamed.rejections().size() == whole.rejections().size());
        for (std::size_t i = 0; i < whole.rejections().size(); ++i) {
            CHECK(streamed.rejections()[i].line == whole.rejections()[i].line);
            CHECK(streamed.rejections()[i].code == whole.rejections()[i].code);
            CHECK(streamed.rejections()[i].field == whole.rejections()[i].field);
        }
        CHECK(streamed.participant_summary().read == whole.participant_summary().read);
        CHECK(streamed.event_summary().read == whole.event_summary().read);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("io_error: a file that cannot be read names itself and carries errno") {
    auto p = program();
    yanxiu::Dataset data(p);
    try {
        data.read_participants_file("/nonexistent/participants.jsonl");
        FAIL("no error");
    } catch (const yanxiu::io_error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(e.path() == "/nonexistent/participants.jsonl");
        CHECK(std::string(e.what()).rfind("/nonexistent/participants.jsonl: cannot open: ", 0) == 0);
    }
    try {
        data.read_events_file("/tmp");
        FAIL("no error");
    } catch (const yanxiu::io_error& e) {
        CHECK(e.code().value() == EISDIR);  // fopen succeeds on a directory; reading it fails
    }
    // A system_error, so callers that know only the standard library still see errno.
    CHECK_THROWS_AS(data.read_events_file("/nonexistent"), std::system_error);
    CHECK(data.participant_summary().read == 0);
}

TEST_CASE("fields: field_from_name finds every field by its name, and nothing else") {
    for (std::size_t i = 0; i < yanxiu::kFieldCount; ++i) {
        const auto f = static_cast<yanxiu::Field>(i);
        INFO(yanxiu::field_name(f));
        CHECK(yanxiu::field_from_name(yanxiu::field_name(f)) == f);
    }
    for (const char* other : {"", "i", "ids", "Kind", "lessons", "participants", "exams", "sec", "completed_"})
        CHECK_FALSE(yanxiu::field_from_name(other));
}
