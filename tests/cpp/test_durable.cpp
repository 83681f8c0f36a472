// DurableLedger: what was acknowledged is there after a restart, a write cut
// short is dropped, damage is refused with where it is, one process per
// directory.

#include "helpers.hpp"

#include <yanxiu/durable.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace test;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the system's temporary one, removed afterwards.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() / ("yanxiu-durable-" + name + "-" + std::to_string(::getpid()))) {
        fs::remove_all(path);
    }
    ~TempDir() { fs::remove_all(path); }
    [[nodiscard]] std::string str() const { return path.string(); }
};

std::vector<fs::path> files(const fs::path& dir, const std::string& stem) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().rfind(stem, 0) == 0) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

yanxiu::DurableOptions quick(yanxiu::SyncPolicy sync = yanxiu::SyncPolicy::always) {
    yanxiu::DurableOptions o;
    o.sync = sync;
    o.shards = 4;
    return o;
}

std::string people() { return lines({person("T1", "homeroom"), person("T2", "homeroom")}); }

/// The outcomes a plain ledger gives for the same records.
std::vector<yanxiu::Outcome> expected(const yanxiu::Program& p, const std::vector<std::string>& events_bodies) {
    yanxiu::ShardedLedger ledger(p, 2);
    ledger.add_participants(people());
    for (const auto& body : events_bodies) ledger.add_events(body);
    return ledger.outcomes();
}

}  // namespace

TEST_CASE("DurableLedger: every acknowledged record is back after a restart, parked ones included") {
    TempDir dir("restart");
    const auto p = program();
    const std::string events = lines(finish_lessons("T1", 10)) + lines(finish_lessons("T3", 3));  // T3 not yet known
    {
        yanxiu::DurableLedger ledger(p, dir.str(), quick());
        CHECK(ledger.recovery().participants == 0);
        const auto added = ledger.add_events(events);
        CHECK(added.parked == 26);  // nobody is known yet (a study and a quiz per lesson)
        ledger.add_participants(people());
        CHECK(ledger.parked_count() == 6);
        CHECK(ledger.status().records_durable == ledger.status().records_appended);
    }
    yanxiu::DurableLedger again(p, dir.str(), quick());
    CHECK(again.recovery().participants == 2);
    CHECK(again.recovery().events == 20);
    CHECK(again.recovery().parked == 6);
    CHECK(again.recovery().torn_bytes == 0);
    CHECK(again.outcomes() == expected(p, {events}));
}

TEST_CASE("DurableLedger: a process that dies without a word (as kill -9) loses nothing it acknowledged") {
    TempDir dir("die");
    const auto p = program();
    const std::string events = lines(finish_lessons("T1", 10));
    for (auto policy : {yanxiu::SyncPolicy::always, yanxiu::SyncPolicy::interval, yanxiu::SyncPolicy::never}) {
        fs::remove_all(dir.path);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            // No destructor runs: what is on disk is what the adds left there.
            try {
                yanxiu::DurableLedger ledger(p, dir.str(), quick(policy));
                ledger.add_participants(people());
                ledger.add_events(events);
            } catch (...) {
                ::_exit(3);
            }
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        yanxiu::DurableLedger again(p, dir.str(), quick());
        CHECK(again.counts().events == 20);
        CHECK(again.outcomes() == expected(p, {events}));
    }
}

TEST_CASE("DurableLedger: a write cut short at the log's end is dropped, and the log goes on from there") {
    TempDir dir("torn");
    const auto p = program();
    const std::string events = lines(finish_lessons("T1", 10));
    {
        yanxiu::DurableLedger ledger(p, dir.str(), quick());
        ledger.add_participants(people());
        ledger.add_events(events);
    }
    const auto log = files(dir.path, "log-").at(0);
    const std::string whole = read(log);
    // Every cut inside the last line (the first byte to the newline) drops just that record.
    const std::size_t last_start = whole.rfind('\n', whole.size() - 2) + 1;
    for (std::size_t cut : {last_start + 1, last_start + 20, whole.size() - 1}) {
        write(log, whole.substr(0, cut));
        yanxiu::DurableLedger again(p, dir.str(), quick());
        CHECK(again.recovery().torn_bytes == cut - last_start);
        CHECK(again.recovery().torn_at.find("log-") == 0);
        CHECK(again.counts().events == 19);
        CHECK(fs::file_size(log) == last_start);
    }
    // A damaged last line (a bad checksum) is a write cut short too.
    std::string flipped = whole;
    flipped[whole.size() - 5] ^= 1;
    write(log, flipped);
    {
        yanxiu::DurableLedger again(p, dir.str(), quick());
        CHECK(again.counts().events == 19);
        again.add_events(events);  // appends after the cut
        CHECK(again.counts().events == 20);
    }
    yanxiu::DurableLedger third(p, dir.str(), quick());
    CHECK(third.recovery().torn_bytes == 0);
    CHECK(third.outcomes() == expected(p, {events}));
}

TEST_CASE("DurableLedger: damage with good records after it is refused, naming the file and line") {
    TempDir dir("damaged");
    const auto p = program();
    {
        yanxiu::DurableLedger ledger(p, dir.str(), quick());
        ledger.add_participants(people());
        ledger.add_events(lines(finish_lessons("T1", 10)));
    }
    const auto log = files(dir.path, "log-").at(0);
    std::string text = read(log);
    const std::size_t third_line = text.find('\n', text.find('\n') + 1) + 1;
    text[third_line + 30] ^= 1;
    write(log, text);
    try {
        yanxiu::DurableLedger again(p, dir.str(), quick());
        FAIL("opened a damaged log");
    } catch (const yanxiu::StateError& e) {
        const std::string what = e.what();
        CHECK(what.find(log.filename().string() + ":3") != std::string::npos);
        CHECK(what.find("checksum mismatch") != std::string::npos);
        CHECK(what.find("damaged") != std::string::npos);
    }
    CHECK(read(log) == text);  // refused, not "repaired"
}

TEST_CASE("DurableLedger: checkpoints write a checksummed snapshot and start a new log") {
    TempDir dir("checkpoint");
    const auto p = program();
    auto options = quick();
    options.checkpoint_bytes = 1000;  // a few records per log
    std::vector<std::string> bodies;
    {
        yanxiu::DurableLedger ledger(p, dir.str(), options);
        ledger.add_participants(people());
        for (const auto& e : finish_lessons("T1", 10)) {
            bodies.push_back(lines({e}));
            ledger.add_events(bodies.back());
        }
        for (const auto& e : finish_lessons("T2", 4)) {
            bodies.push_back(lines({e}));
            ledger.add_events(bodies.back());
        }
        CHECK(ledger.status().checkpoints >= 2);
        ledger.checkpoint();
        CHECK(ledger.status().log_bytes < 300);  // just the header
    }
    CHECK(files(dir.path, "snapshot-").size() == 1);
    CHECK(files(dir.path, "log-").size() == 1);
    {
        yanxiu::DurableLedger again(p, dir.str(), options);
        CHECK(again.recovery().generation >= 3);
        CHECK(again.recovery().snapshot_records == 2 + 28);
        CHECK(again.recovery().log_records == 0);
        CHECK(again.outcomes() == expected(p, bodies));
    }
    // A damaged snapshot is refused with its line.
    const auto snapshot = files(dir.path, "snapshot-").at(0);
    std::string text = read(snapshot);
    text[text.find('\n') + 40] ^= 1;
    write(snapshot, text);
    CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(p, dir.str(), options),
                         doctest::Contains((snapshot.filename().string() + ":2: checksum mismatch").c_str()), yanxiu::StateError);
    // So is one cut short (no trailer).
    write(snapshot, read(snapshot).substr(0, text.find('\n') + 1));
    CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(p, dir.str(), options), doctest::Contains("incomplete"),
                         yanxiu::StateError);
}

TEST_CASE("DurableLedger: one process per directory, and a directory that cannot be used says why") {
    TempDir dir("lock");
    const auto p = program();
    {
        yanxiu::DurableLedger first(p, dir.str(), quick());
        CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(p, dir.str(), quick()),
                             doctest::Contains(("in use by another process (pid " + std::to_string(::getpid()) + ")").c_str()),
                             yanxiu::StateError);
    }
    yanxiu::DurableLedger after(p, dir.str(), quick());  // released on close

    CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(p, (dir.path / "no" / "such").string(), quick()),
                         doctest::Contains("cannot create the state directory"), yanxiu::StateError);
    const auto file = dir.path / "plain-file";
    write(file, "x");
    CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(p, file.string(), quick()), doctest::Contains("not a directory"),
                         yanxiu::StateError);
}

TEST_CASE("DurableLedger: a state kept for another programme is refused") {
    TempDir dir("program");
    {
        yanxiu::DurableLedger ledger(program(), dir.str(), quick());
        ledger.add_participants(people());
    }
    const auto other = program({{"categories", {{"homeroom", {{"min_lessons", 5}}}}}});
    CHECK_THROWS_WITH_AS(yanxiu::DurableLedger(other, dir.str(), quick()),
                         doctest::Contains("the state was kept for programme"), yanxiu::StateError);
}

TEST_CASE("DurableLedger: sync policies have names") {
    for (auto policy : {yanxiu::SyncPolicy::always, yanxiu::SyncPolicy::interval, yanxiu::SyncPolicy::never})
        CHECK(yanxiu::parse_sync_policy(yanxiu::to_string(policy)) == policy);
    CHECK_FALSE(yanxiu::parse_sync_policy("sometimes"));
}

TEST_CASE("DurableLedger: four threads adding while checkpoints run lose nothing") {
    TempDir dir("threads");
    const auto p = program();
    auto options = quick(yanxiu::SyncPolicy::interval);
    options.sync_interval = std::chrono::milliseconds(1);
    options.checkpoint_bytes = 4000;
    std::vector<std::string> people_lines, bodies;
    for (int i = 0; i < 40; ++i) {
        const std::string id = "T" + std::to_string(i);
        people_lines.push_back(lines({person(id, "homeroom")}));
        for (const auto& e : finish_lessons(id, 3)) bodies.push_back(lines({e}));
    }
    {
        yanxiu::DurableLedger ledger(p, dir.str(), options);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (std::size_t i = static_cast<std::size_t>(t); i < bodies.size(); i += 4) {
                    ledger.add_events(bodies[i]);  // events first: many wait for their participant
                    if (i < people_lines.size()) ledger.add_participants(people_lines[i]);
                }
            });
        for (auto& th : threads) th.join();
        CHECK(ledger.status().checkpoints >= 1);
        CHECK(ledger.parked_count() == 0);
    }
    yanxiu::ShardedLedger want(p, 2);
    for (const auto& l : people_lines) want.add_participants(l);
    for (const auto& b : bodies) want.add_events(b);
    yanxiu::DurableLedger again(p, dir.str(), options);
    CHECK(again.counts().participants == 40);
    CHECK(again.counts().events == want.counts().events);
    CHECK(again.outcomes() == want.outcomes());
}
