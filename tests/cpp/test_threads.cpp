// Batch evaluation and reading on several threads give the results of one
// thread (and are the tests the TSan build of scripts/test runs).

#include <doctest/doctest.h>
#include <yanxiu/yanxiu.hpp>
#include <simulate.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

TEST_CASE("threads: a simulated cohort evaluates the same on 1 and 4 threads") {
    yanxiu::SimulationOptions options;
    options.participants = 3000;  // evaluate_all stays on one thread below 2048 participants
    options.seed = 7;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    yanxiu::Dataset data(program);
    data.read_participants(cohort.participants_jsonl, "participants.jsonl");
    data.read_events(cohort.events_jsonl, "events.jsonl");
    REQUIRE(data.participants().size() >= 2048);

    yanxiu::EvaluateOptions one, four;
    one.threads = 1;
    four.threads = 4;
    const auto a = yanxiu::evaluate_all(data, one);
    const auto b = yanxiu::evaluate_all(data, four);
    REQUIRE(a.size() == b.size());
    std::string lines_a, lines_b;
    yanxiu::OutcomeJson with_lessons;
    with_lessons.include_lessons = true;
    for (const auto& o : a) yanxiu::append_json_line(lines_a, o, program.time_zone(), with_lessons);
    for (const auto& o : b) yanxiu::append_json_line(lines_b, o, program.time_zone(), with_lessons);
    CHECK(lines_a == lines_b);
}

TEST_CASE("cancel: a set flag stops a read and an evaluation with Cancelled") {
    auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    std::atomic<bool> cancel{true};
    yanxiu::Dataset data(program);
    data.cancel = &cancel;
    CHECK_THROWS_AS(data.read_participants_file(std::string(YANXIU_SOURCE_DIR) + "/examples/data/participants.jsonl"),
                    yanxiu::Cancelled);
    cancel = false;
    data.read_participants_file(std::string(YANXIU_SOURCE_DIR) + "/examples/data/participants.jsonl");
    yanxiu::EvaluateOptions options;
    options.cancel = &cancel;
    CHECK(yanxiu::evaluate_all(data, options).size() == data.participants().size());
    cancel = true;
    CHECK_THROWS_AS((void)yanxiu::evaluate_all(data, options), yanxiu::Cancelled);
}

namespace {

/// Everything a read leaves in a dataset, as text: the event columns, notes,
/// lessons in id order, record ids, every rejection in order, and the counts.
std::string store_of(const yanxiu::Dataset& data, bool too_long_messages = true) {
    std::string out;
    const auto& e = data.events();
    for (std::size_t i = 0; i < e.size(); ++i) {
        const yanxiu::Event ev = e.row(i);
        out += std::to_string(static_cast<int>(ev.kind)) + ' ' + std::to_string(ev.participant) + ' ' +
               std::to_string(ev.lesson) + ' ' + std::to_string(ev.start.time_since_epoch().count()) + ' ' +
               std::to_string(ev.end.time_since_epoch().count()) + ' ' + std::to_string(ev.score) + ' ' +
               std::to_string(ev.completed) + '\n';
    }
    for (const auto& n : data.notes()) out += "note " + n.by + '|' + n.reason + '\n';
    for (std::uint32_t i = 0; i < data.lessons().size(); ++i) out += "lesson " + data.lessons().str(i) + '\n';
    for (const auto& id : data.event_record_ids()) out += "id " + id + '\n';
    for (const auto& r : data.rejections())
        out += r.file + ':' + std::to_string(r.line) + ' ' + r.field + ' ' + std::string(yanxiu::to_string(r.code)) +
               ' ' + (too_long_messages || r.code != yanxiu::RejectCode::too_long ? r.message : "") + '\n';
    const auto& s = data.event_summary();
    out += "read " + std::to_string(s.read) + " accepted " + std::to_string(s.accepted) + " rejected " +
           std::to_string(s.rejected) + " duplicates " + std::to_string(s.duplicates) + '\n';
    if (too_long_messages)
        for (const auto& [file, encoding] : data.decoded_files()) out += "decoded " + file + ' ' + encoding + '\n';
    return out;
}

}  // namespace

TEST_CASE("read_threads: an events file parsed on 1, 2 and 4 threads gives the same store and rejections") {
    yanxiu::SimulationOptions options;
    options.participants = 400;
    options.seed = 11;
    options.malformed_share = 0.02;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    const std::string dir = "/tmp/yanxiu_read_threads_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name, std::ios::binary) << text;
        return dir + "/" + name;
    };
    // What a whole file may hold beyond the simulated records, spread through
    // it so that pieces cut among them: records sharing an id (the same, and
    // different in either order), approvals and credits with notes,
    // duplicates without an id, a line over the limit, bad UTF-8, a field
    // over the limit, blank lines and CRLF.
    const std::string p1 = "T0000001", p2 = "T0000002";
    const std::string extra_jsonl =
        "{\"kind\":\"study\",\"participant\":\"" + p1 +
        "\",\"lesson\":\"L01\",\"id\":\"r1\",\"start\":\"2023-01-10T19:00:00+08:00\",\"end\":\"2023-01-10T19:30:00+08:00\"}\n"
        "{\"kind\":\"study\",\"participant\":\"" + p1 +
        "\",\"lesson\":\"L01\",\"id\":\"r1\",\"start\":\"2023-01-10T11:00:00Z\",\"end\":\"2023-01-10T11:30:00Z\"}\r\n"
        "{\"kind\":\"study\",\"participant\":\"" + p1 +
        "\",\"lesson\":\"L02\",\"id\":\"r2\",\"start\":\"2023-01-10T19:00:00+08:00\",\"end\":\"2023-01-10T19:31:00+08:00\"}\n"
        "\n"
        "{\"kind\":\"approval\",\"participant\":\"" + p2 +
        "\",\"at\":\"2023-01-20T10:00:00+08:00\",\"by\":\"校长\",\"reason\":\"核对\"}\n"
        "{\"kind\":\"credit\",\"participant\":\"" + p2 +
        "\",\"lesson\":\"L03\",\"at\":\"2023-01-20T10:00:00+08:00\",\"seconds\":1800,\"by\":\"教务处\"}\n"
        "{\"kind\":\"credit\",\"participant\":\"" + p2 +
        "\",\"lesson\":\"L03\",\"at\":\"2023-01-20T10:00:00+08:00\",\"seconds\":1800,\"by\":\"教务处\"}\n"
        "{\"kind\":\"study\",\"participant\":\"" + p1 + "\",\"lesson\":\"L01\",\"id\":\"" + std::string(300, 'x') +
        "\",\"start\":\"2023-01-10T19:00:00+08:00\",\"end\":\"2023-01-10T19:30:00+08:00\"}\n"
        "{\"kind\":\"study\",\"participant\":\"\xff\"}\n"
        // the first check that fails names the rejection: the participant before the timestamp
        "{\"kind\":\"study\",\"participant\":\"NOBODY\",\"lesson\":\"L01\",\"start\":\"soon\",\"end\":\"later\"}\n"
        "{\"kind\":\"study\",\"participant\":\"" + p1 + "\",\"lesson\":\"L01\",\"start\":\"soon\",\"end\":\"later\"}\n"
        "{\"kind\":\"quiz\",\"participant\":\"NOBODY\",\"lesson\":\"L01\",\"at\":\"2023-01-10T19:00:00+08:00\"}\n" +
        std::string(2000, ' ') + "{}\n";
    const std::string later_r2 =
        "{\"kind\":\"study\",\"participant\":\"" + p1 +
        "\",\"lesson\":\"L02\",\"id\":\"r2\",\"start\":\"2023-01-10T19:00:00+08:00\",\"end\":\"2023-01-10T19:30:00+08:00\"}\n";
    std::string jsonl = "\xEF\xBB\xBF";
    const std::string& events = cohort.events_jsonl;
    const std::size_t third = events.size() / 3;
    const std::size_t cut1 = events.find('\n', third) + 1, cut2 = events.find('\n', 2 * third) + 1;
    jsonl += events.substr(0, cut1) + extra_jsonl + events.substr(cut1, cut2 - cut1) + later_r2 +
             events.substr(cut2) + extra_jsonl;
    const std::string jsonl_path = write("events.jsonl", jsonl);
    // CSV: the simulated table, with a quoted cell holding a newline and a too-long line.
    std::string csv = cohort.events_csv;
    const std::size_t mid = csv.find('\n', csv.size() / 2) + 1;
    csv.insert(mid, "study," + p1 + ",L01,\"2023-01-10T19:00:00+08:00\",\"2023-01-10T19:30:00+08:00\",,,,,\"multi\nline\"\n" +
                        "study," + p1 + ",L01," + std::string(3000, '9') + ",,,,,,\n");
    const std::string csv_path = write("events.csv", csv);

    for (const std::string& path : {jsonl_path, csv_path}) {
        // What the records are, read whole as text (record by record, on this thread).
        const std::string& whole = path == jsonl_path ? jsonl : csv;
        yanxiu::Dataset text_read(program);
        text_read.max_line_bytes = 2048;
        text_read.max_field_bytes = 256;
        text_read.read_participants(cohort.participants_jsonl, "participants.jsonl");
        text_read.read_events(whole, path);
        const std::string as_text = store_of(text_read, false);
        CHECK(text_read.rejection_counts()[static_cast<std::size_t>(yanxiu::RejectCode::unknown_participant)] > 0);
        std::string expected;
        for (unsigned threads : {1u, 2u, 4u}) {
            for (std::size_t piece : {std::size_t{4096}, std::size_t{65536}}) {
                INFO(path, " threads ", threads, " piece ", piece);
                yanxiu::Dataset data(program);
                data.read_threads = threads;
                data.read_chunk_bytes = piece;
                data.max_line_bytes = 2048;
                data.max_field_bytes = 256;
                data.read_participants(cohort.participants_jsonl, "participants.jsonl");
                const yanxiu::ReadSummary s = data.read_events_file(path);
                CHECK(s.read == s.accepted + s.rejected + s.duplicates);
                const std::string store = store_of(data);
                CHECK(store_of(data, false) == as_text);
                if (expected.empty()) {
                    expected = store;
                    CHECK(s.duplicates > 0);
                    if (path == jsonl_path) CHECK(data.notes().size() == 2);  // the copies are duplicates
                    CHECK(data.rejection_counts()[static_cast<std::size_t>(yanxiu::RejectCode::too_long)] > 0);
                } else {
                    CHECK(store == expected);
                }
            }
        }
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("read_threads: a cancelled read on several threads throws Cancelled and can be read again") {
    yanxiu::SimulationOptions options;
    options.participants = 300;
    options.seed = 3;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    const std::string path = "/tmp/yanxiu_read_cancel_" + std::to_string(::getpid()) + ".jsonl";
    std::ofstream(path, std::ios::binary) << cohort.events_jsonl;
    std::atomic<bool> cancel{false};
    yanxiu::Dataset data(program);
    data.read_participants(cohort.participants_jsonl, "participants.jsonl");
    data.read_threads = 2;
    data.read_chunk_bytes = 4096;
    data.cancel = &cancel;
    int pieces = 0;
    data.on_read_progress = [&](std::uint64_t, std::uint64_t) {
        if (++pieces == 5) cancel = true;
    };
    CHECK_THROWS_AS(data.read_events_file(path), yanxiu::Cancelled);
    std::remove(path.c_str());
}

TEST_CASE("read_threads: records the readers check from views are those the general reading gives, variant by variant") {
    // Each spelling of the common records' fields next to its neighbours: the
    // fast path takes some, the general reading the rest; both readings of
    // the file must agree on every event and every rejection.
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const std::string people = "id,unit,category,sector\nT1,长沙市,homeroom,primary\nT2,长沙市,homeroom,primary\n";
    const std::vector<std::string> scores = {"", "80", "80.5", "80.", ".5", " 80", "+80", "-1", "100", "100.0001",
                                             "1e2", "abc", "0", "00", "99999999999999999999999999999999999"};
    const std::vector<std::string> completed = {"", "true", "false", "TRUE", "yes", "0", "1", "maybe", " true"};
    const std::vector<std::string> instants = {"2023-01-10T19:00:00+08:00", "2023-01-10T11:00:00Z", "2023-01-10 19:00:00",
                                               "2023-01-10", "bad", ""};
    std::string csv = "kind,participant,lesson,start,end,duration,at,score,completed,id\n";
    std::string jsonl;
    auto json_value = [](const std::string& s) { return nlohmann::json(s).dump(); };
    std::size_t n = 0;
    for (const std::string& who : {std::string("T1"), std::string("T2"), std::string("T9"), std::string("")})
        for (const std::string& at : instants)
            for (std::size_t k = 0; k < scores.size(); ++k) {
                const std::string& score = scores[k];
                const std::string& done = completed[k % completed.size()];
                const std::string lesson = "L0" + std::to_string(1 + n % 9);
                const std::string id = n % 5 == 0 ? "q" + std::to_string(n % 40) : "";
                csv += "quiz," + who + "," + lesson + ",,,," + at + "," + score + "," + done + "," + id + "\n";
                jsonl += "{\"kind\":\"quiz\",\"participant\":" + json_value(who) + ",\"lesson\":\"" + lesson +
                         "\",\"at\":" + json_value(at) + (score.empty() ? "" : ",\"score\":" + (k % 2 ? score : json_value(score))) +
                         (done.empty() ? "" : ",\"completed\":" + (done == "true" || done == "false" ? done : json_value(done))) +
                         (id.empty() ? "" : ",\"id\":" + json_value(id)) + "}\n";
                const std::string& end = instants[(k + 1) % instants.size()];
                const std::string duration = k % 3 == 0 ? "PT30M" : "";
                csv += "study," + who + "," + lesson + "," + at + "," + end + "," + duration + ",,,,\r\n";
                jsonl += "{\"kind\":\"study\",\"participant\":" + json_value(who) + ",\"lesson\":\"" + lesson +
                         "\",\"start\":" + json_value(at) + ",\"end\":" + json_value(end) +
                         (duration.empty() ? "" : ",\"duration\":\"" + duration + "\"") + "}\n";
                ++n;
            }
    // A study of 25 hours, one ending before it starts, one with a numeric participant, an unknown kind.
    csv += "study,T1,L01,2023-01-10T19:00:00+08:00,2023-01-11T20:00:00+08:00,,,,,\n"
           "study,T1,L01,2023-01-10T19:00:00+08:00,2023-01-10T18:00:00+08:00,,,,,\n"
           "Study,T1,L01,2023-01-10T19:00:00+08:00,2023-01-10T20:00:00+08:00,,,,,\n";
    jsonl += "{\"kind\":\"study\",\"participant\":1,\"lesson\":\"L01\",\"start\":\"2023-01-10T19:00:00+08:00\",\"end\":\"2023-01-10T20:00:00+08:00\"}\n"
             "{\"kind\":\"quiz\",\"participant\":\"T1\",\"lesson\":\"L01\",\"at\":\"2023-01-10T19:00:00+08:00\",\"score\":1e400}\n";
    const std::string dir = "/tmp/yanxiu_fast_path_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"events.csv", csv}, {"events.jsonl", jsonl}}) {
        INFO(name);
        const std::string path = dir + "/" + name;
        std::ofstream(path, std::ios::binary) << text;
        yanxiu::Dataset general(program), pieces(program);
        general.read_participants(people, "people.csv");
        pieces.read_participants(people, "people.csv");
        general.read_events(text, path);
        pieces.read_threads = 2;
        pieces.read_chunk_bytes = 2048;
        pieces.read_events_file(path);
        CHECK(pieces.events().size() > 40);
        CHECK(pieces.rejections().size() > 100);
        CHECK(store_of(pieces) == store_of(general));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("read_threads: a participants file parsed on 1, 2 and 4 threads gives the participants and rejections of a text read") {
    yanxiu::SimulationOptions options;
    options.participants = 3000;
    options.seed = 5;
    options.malformed_share = 0.02;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    // Units written with space around them (noted even when the row is rejected), ids read twice
    // with different fields in either order, quoted cells with commas and newlines.
    const std::string extra =
        "T0000001,\" 长沙市\",primary,homeroom,true,\"Zhang, San\"\n"
        "T0000002,\"长沙市\u3000\",primary,nosuchcategory,true,x\n"
        "T0000003,\"株洲市\nnorth\",primary,homeroom,true,\"a\"\"b\"\n"
        "T0000004,湘潭市,primary,homeroom,maybe,x\n";
    for (const bool csv : {true, false}) {
        std::string text = csv ? cohort.participants_csv : cohort.participants_jsonl;
        if (csv) {
            const std::size_t header = text.find('\n') + 1;
            const std::size_t mid = text.find('\n', text.size() / 2) + 1;
            text.insert(mid, extra);
            text.insert(header, extra);
        }
        const std::string path = "/tmp/yanxiu_read_people_" + std::to_string(::getpid()) + (csv ? ".csv" : ".jsonl");
        std::ofstream(path, std::ios::binary) << text;
        yanxiu::Dataset whole(program);
        whole.read_participants(text, path);
        REQUIRE(whole.participants().size() > 2500);
        for (unsigned threads : {1u, 2u, 4u}) {
            INFO(path, " threads ", threads);
            yanxiu::Dataset data(program);
            data.read_threads = threads;
            data.read_chunk_bytes = 4096;
            data.read_participants_file(path);
            REQUIRE(data.participants().size() == whole.participants().size());
            for (std::size_t i = 0; i < whole.participants().size(); ++i)
                CHECK(data.participants()[i] == whole.participants()[i]);
            REQUIRE(data.rejections().size() == whole.rejections().size());
            for (std::size_t i = 0; i < whole.rejections().size(); ++i) {
                const auto& a = data.rejections()[i];
                const auto& b = whole.rejections()[i];
                CHECK(a.line == b.line);
                CHECK(a.code == b.code);
                CHECK(a.field == b.field);
                CHECK(a.message == b.message);
            }
            CHECK(data.unit_spellings() == whole.unit_spellings());
            CHECK(data.participant_summary().read == whole.participant_summary().read);
            CHECK(data.participant_summary().duplicates == whole.participant_summary().duplicates);
            if (csv) CHECK(!data.unit_spellings().empty());
        }
        std::remove(path.c_str());
    }
}
