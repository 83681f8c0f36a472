#include <doctest/doctest.h>
#include <simulate.hpp>
#include <yanxiu/yanxiu.hpp>
#include "generator.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using namespace yanxiu;
using nlohmann::json;

namespace {

const TimeZone& shanghai() { return *find_zone("Asia/Shanghai"); }

/// The programme the cohorts are simulated under.
const Program& hunan() {
    static const Program p = Program::load("hunan-2023-mh-winter");
    return p;
}

/// The default 20,000-participant cohort, simulated once for all tests here.
const SimulatedCohort& cohort() {
    static const SimulatedCohort c = simulate(hunan(), SimulationOptions{});
    return c;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

std::vector<std::string> split_cells(std::string_view row) {
    std::vector<std::string> cells;
    std::size_t pos = 0;
    for (;;) {
        std::size_t comma = row.find(',', pos);
        cells.emplace_back(row.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        if (comma == std::string_view::npos) return cells;
        pos = comma + 1;
    }
}

/// The text of a JSON value as the CSV cell would carry it.
std::string cell_of(const json& record, const char* key) {
    if (!record.contains(key)) return "";
    const json& v = record[key];
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

std::optional<Instant> instant_of(const json& record, const char* key) {
    if (!record.contains(key) || !record[key].is_string()) return std::nullopt;
    return parse_instant(record[key].get<std::string>(), shanghai());
}

/// An independent reading of the simulated records: which are bad, which
/// are exact re-sends, and facts about the good ones.
struct Audit {
    std::size_t bad_participants = 0, bad_events = 0, participant_duplicates = 0, event_duplicates = 0;
    std::size_t good_events = 0, timestamps_checked = 0;
    // Facts about the events file as a whole.
    std::size_t not_json = 0, unknown_kinds = 0, unparsable_times = 0, unknown_people = 0;
    std::size_t inversions = 0;   // records earlier than the one before
    std::size_t far_behind = 0;   // records over 10 minutes earlier than one written before them
    bool plain_local_times = false, numeric_durations = false;
    std::unordered_map<std::string, json> people;  // good participants by id
    struct Session {
        std::string lesson;
        Instant start, end;
    };
    std::unordered_map<std::string, std::vector<Session>> sessions;
    std::unordered_map<std::string, std::vector<std::pair<std::string, Instant>>> quizzes;
};

Audit audit(const SimulatedCohort& c) {
    Audit a;
    for (std::string_view line : split_lines(c.participants_jsonl)) {
        json r = json::parse(line, nullptr, false);
        if (r.is_discarded() || !r.is_object() || !r.contains("id") || !r["id"].is_string() ||
            (r.contains("verified") && !r["verified"].is_boolean())) {
            ++a.bad_participants;
            continue;
        }
        auto [it, fresh] = a.people.emplace(r["id"].get<std::string>(), r);
        if (!fresh) {
            if (it->second == r) ++a.participant_duplicates;
            else ++a.bad_participants;  // same id, other content
        }
    }
    std::unordered_map<std::string, std::string> event_ids;
    std::unordered_set<std::string> seen_without_id;
    std::optional<Instant> previous, latest;
    for (std::string_view line : split_lines(c.events_jsonl)) {
        json r = json::parse(line, nullptr, false);
        auto bad = [&] { ++a.bad_events; };
        if (r.is_discarded()) {
            ++a.not_json;
            bad();
            continue;
        }
        if (r.contains("kind") && r["kind"] != "study" && r["kind"] != "quiz") ++a.unknown_kinds;
        for (const char* key : {"start", "end", "at"})
            if (r.contains(key) && r[key].is_string() && !parse_instant(r[key].get<std::string>(), shanghai()))
                ++a.unparsable_times;
        if (r.contains("participant") && !a.people.count(r["participant"].get<std::string>())) ++a.unknown_people;
        if (auto t = instant_of(r, r.contains("at") ? "at" : "start")) {
            if (previous && *t < *previous) ++a.inversions;
            if (latest && *t < *latest - std::chrono::minutes{10}) ++a.far_behind;
            previous = t;
            if (!latest || *t > *latest) latest = t;
        }
        if (r.contains("start") && r["start"].is_string() && r["start"].get<std::string>().size() == 19)
            a.plain_local_times = true;
        if (r.contains("duration") && r["duration"].is_number()) a.numeric_durations = true;

        if (!r.is_object() || !r.contains("kind") || !r["kind"].is_string()) {
            bad();
            continue;
        }
        std::string kind = r["kind"];
        if ((kind != "study" && kind != "quiz") || !r.contains("participant") || !r.contains("lesson") ||
            !a.people.count(r["participant"].get<std::string>())) {
            bad();
            continue;
        }
        const std::string who = r["participant"];
        const std::string lesson = r["lesson"];
        if (kind == "study") {
            auto start = instant_of(r, "start");
            if (!start) {
                bad();
                continue;
            }
            std::optional<Instant> end;
            if (r.contains("end")) {
                end = instant_of(r, "end");
            } else if (r.contains("duration")) {
                const json& d = r["duration"];
                if (d.is_number_unsigned()) end = *start + Seconds{d.get<std::int64_t>()};
                else if (d.is_string())
                    if (auto s = parse_duration(d.get<std::string>())) end = *start + *s;
            }
            if (!end || *end < *start || *end - *start > Seconds{86400}) {
                bad();
                continue;
            }
            a.timestamps_checked += r.contains("end") ? 2 : 1;
            if (r.contains("id")) {
                auto [it, fresh] = event_ids.emplace(r["id"].get<std::string>(), std::string(line));
                if (!fresh) {
                    if (it->second == line) ++a.event_duplicates;
                    else bad();
                    continue;
                }
            } else if (!seen_without_id.insert(std::string(line)).second) {
                ++a.event_duplicates;
                continue;
            }
            a.sessions[who].push_back({lesson, *start, *end});
        } else {
            auto at = instant_of(r, "at");
            if (!at || (r.contains("score") && (!r["score"].is_number() || r["score"].get<double>() < 0 ||
                                                r["score"].get<double>() > 100))) {
                bad();
                continue;
            }
            a.timestamps_checked += 1;
            if (r.contains("id")) {
                auto [it, fresh] = event_ids.emplace(r["id"].get<std::string>(), std::string(line));
                if (!fresh) {
                    if (it->second == line) ++a.event_duplicates;
                    else bad();
                    continue;
                }
            } else if (!seen_without_id.insert(std::string(line)).second) {
                ++a.event_duplicates;
                continue;
            }
            a.quizzes[who].push_back({lesson, *at});
        }
        ++a.good_events;
    }
    return a;
}

const Audit& cohort_audit() {
    static const Audit a = audit(cohort());
    return a;
}

std::size_t count_lines(std::string_view text) { return split_lines(text).size(); }

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Instant local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    return *parse_instant(date::format("%F", date::sys_days{date::year{y} / mo / d}) + "T00:00:00+08:00",
                          shanghai()) +
           std::chrono::hours{h} + std::chrono::minutes{mi};
}

}  // namespace

TEST_CASE("simulate: fast timestamps are byte-identical to format_instant") {
    detail::sim::Rng rng(42);
    for (const char* name : {"Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe",
                             "Asia/Kathmandu", "UTC"}) {
        const TimeZone& zone = *find_zone(name);
        detail::sim::InstantWriter writer(zone);
        for (int i = 0; i < 4000; ++i) {
            // Mostly near 2023, some anywhere in 1900..2100.
            std::int64_t s = i % 4 == 0 ? rng.between(-2208988800LL, 4102444800LL)
                                        : rng.between(1672531200LL, 1675209600LL);
            Instant t{Seconds{s}};
            std::string full = format_instant(t, zone);
            CHECK(writer.format(t, detail::sim::TimeStyle::offset) == full);
            CHECK(writer.format(t, detail::sim::TimeStyle::utc) == format_instant_utc(t));
            CHECK(writer.format(t, detail::sim::TimeStyle::local) == full.substr(0, 19));
        }
    }
}

TEST_CASE("simulate: the RNG is our own and reproducible") {
    detail::sim::Rng a(1, 2, 3), b(1, 2, 3), c(1, 2, 4);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        std::uint64_t x = a.next();
        CHECK(x == b.next());
        differs = differs || x != c.next();
    }
    CHECK(differs);
    detail::sim::Rng r(7);
    for (int i = 0; i < 10000; ++i) {
        CHECK(r.below(7) < 7);
        double u = r.unit();
        CHECK((u >= 0 && u < 1));
    }
}

TEST_CASE("simulate: same seed gives the same bytes, another seed other bytes") {
    SimulationOptions options;
    options.participants = 3000;
    options.seed = 7;
    SimulatedCohort a = simulate(hunan(), options), b = simulate(hunan(), options);
    CHECK(a.participants_jsonl == b.participants_jsonl);
    CHECK(a.participants_csv == b.participants_csv);
    CHECK(a.events_jsonl == b.events_jsonl);
    CHECK(a.events_csv == b.events_csv);
    CHECK(a.census_csv == b.census_csv);
    CHECK(a.events == b.events);
    options.seed = 8;
    SimulatedCohort c = simulate(hunan(), options);
    CHECK(a.participants_jsonl != c.participants_jsonl);
    CHECK(a.events_jsonl != c.events_jsonl);
    CHECK(a.events_csv != c.events_csv);
}

TEST_CASE("simulate: the bytes are pinned, so a platform or compiler that differs is caught") {
    // If the simulator is changed on purpose, update the hash (and say so):
    // cohorts written by earlier versions then differ.
    SimulationOptions options;
    options.participants = 500;
    options.seed = 2023;
    SimulatedCohort c = simulate(hunan(), options);
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const std::string* text : {&c.participants_jsonl, &c.participants_csv, &c.events_jsonl, &c.events_csv,
                                    &c.census_csv})
        for (unsigned char ch : *text) {
            hash ^= ch;
            hash *= 1099511628211ULL;
        }
    CHECK(c.events == 10004);
    CHECK(hash == 0x938bb8a74f8ffebdULL);
}

TEST_CASE("simulate: the files hold exactly the in-memory bytes") {
    SimulationOptions options;
    options.participants = 1500;
    options.seed = 99;
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    auto dir = std::filesystem::temp_directory_path() / ("yanxiu-sim-test-" + std::to_string(stamp));
    std::filesystem::remove_all(dir);
    SimulationFiles files = simulate_to_directory(hunan(), options, (dir / "nested").string());
    SimulatedCohort memory = simulate(hunan(), options);
    CHECK(slurp(files.participants_jsonl) == memory.participants_jsonl);
    CHECK(slurp(files.participants_csv) == memory.participants_csv);
    CHECK(slurp(files.events_jsonl) == memory.events_jsonl);
    CHECK(slurp(files.events_csv) == memory.events_csv);
    CHECK(slurp(files.census_csv) == memory.census_csv);
    CHECK(files.participants == memory.participants);
    CHECK(files.events == memory.events);
    CHECK(files.malformed == memory.malformed);
    CHECK(files.behaviours == memory.behaviours);
    std::filesystem::remove_all(dir);
}

TEST_CASE("simulate: counts reconcile and JSONL and CSV carry the same records") {
    const SimulatedCohort& c = cohort();
    CHECK(c.participants >= 20000);
    CHECK(count_lines(c.participants_jsonl) == c.participants);
    CHECK(count_lines(c.participants_csv) == c.participants + 1);
    CHECK(count_lines(c.events_jsonl) == c.events);
    CHECK(count_lines(c.events_csv) == c.events + 1);
    CHECK(c.events > 15 * 20000);

    auto event_lines = split_lines(c.events_jsonl);
    auto event_rows = split_lines(c.events_csv);
    REQUIRE(event_rows.size() == event_lines.size() + 1);
    CHECK(event_rows[0] == "kind,participant,lesson,start,end,duration,at,score,completed,id");
    // Counted, not checked one by one: a failure names the first differing line.
    std::size_t compared = 0, differing = 0;
    std::string first_difference;
    auto compare = [&](std::string_view line, std::string_view row, std::size_t number, const auto& keys) {
        json r = json::parse(line, nullptr, false);
        if (r.is_discarded()) return;
        ++compared;
        auto cells = split_cells(row);
        bool same = cells.size() == std::size(keys);
        for (std::size_t k = 0; same && k < cells.size(); ++k) same = cells[k] == cell_of(r, keys[k]);
        if (!same && differing++ == 0) first_difference = "line " + std::to_string(number) + ": " + std::string(row);
    };
    const char* event_keys[] = {"kind", "participant", "lesson", "start", "end",
                                "duration", "at", "score", "completed", "id"};
    for (std::size_t i = 0; i < event_lines.size(); ++i) compare(event_lines[i], event_rows[i + 1], i + 2, event_keys);
    CHECK_MESSAGE(differing == 0, first_difference);
    CHECK(compared > event_lines.size() * 99 / 100);

    auto people_lines = split_lines(c.participants_jsonl);
    auto people_rows = split_lines(c.participants_csv);
    REQUIRE(people_rows.size() == people_lines.size() + 1);
    CHECK(people_rows[0] == "id,unit,sector,category,verified,name");
    const char* people_keys[] = {"id", "unit", "sector", "category", "verified", "name"};
    compared = 0;
    for (std::size_t i = 0; i < people_lines.size(); ++i)
        compare(people_lines[i], people_rows[i + 1], i + 2, people_keys);
    CHECK_MESSAGE(differing == 0, first_difference);
    CHECK(compared >= 20000);
}

TEST_CASE("simulate: every timestamp parses except the deliberately bad records") {
    const SimulatedCohort& c = cohort();
    const Audit& a = cohort_audit();
    // The audit finds exactly the bad records the simulator says it wrote.
    CHECK(a.bad_participants + a.bad_events == c.malformed);
    CHECK(a.participant_duplicates + a.event_duplicates == c.duplicates);
    CHECK(a.people.size() == 20000);
    CHECK(a.people.size() + a.bad_participants + a.participant_duplicates == c.participants);
    CHECK(a.good_events + a.bad_events + a.event_duplicates == c.events);
    CHECK(a.timestamps_checked > a.good_events);

    // Every bad-record kind is there.
    CHECK(a.not_json > 0);
    CHECK(a.unknown_kinds > 0);
    CHECK(a.unparsable_times > 0);
    CHECK(a.unknown_people > 0);
}

TEST_CASE("simulate: proportions are plausible for Hunan") {
    const SimulatedCohort& c = cohort();
    const Audit& a = cohort_audit();
    std::map<std::string, double> category, unit;
    double unverified = 0, no_sector = 0, mismatch = 0, n = 0;
    const std::set<std::string> schools = {"primary", "secondary", "secondary_vocational"};
    const std::set<std::string> universities = {"higher_vocational", "undergraduate"};
    for (const auto& [id, r] : a.people) {
        n += 1;
        std::string cat = r["category"];
        category[cat] += 1;
        unit[r["unit"].get<std::string>()] += 1;
        if (r.contains("verified") && !r["verified"].get<bool>()) unverified += 1;
        if (!r.contains("sector")) {
            no_sector += 1;
        } else {
            std::string sector = r["sector"];
            if ((cat == "homeroom" && !schools.count(sector)) || (cat == "counselor" && !universities.count(sector)))
                mismatch += 1;
        }
    }
    CHECK(n == 20000);
    CHECK(category["homeroom"] / n == doctest::Approx(0.71).epsilon(0.05));
    CHECK(category["counselor"] / n == doctest::Approx(0.076).epsilon(0.15));
    CHECK(category["other"] / n == doctest::Approx(0.10).epsilon(0.2));
    CHECK(category["mh_parttime"] / n == doctest::Approx(0.08).epsilon(0.15));
    CHECK(category["mh_fulltime"] / n == doctest::Approx(0.024).epsilon(0.25));
    CHECK(category["mh_fulltime"] < category["mh_parttime"]);
    CHECK(category.size() == 5);
    CHECK(unverified / n == doctest::Approx(0.01).epsilon(0.35));
    CHECK(no_sector / n == doctest::Approx(0.02).epsilon(0.3));
    CHECK(mismatch / n > 0.005);
    CHECK(mismatch / n < 0.03);
    // Changsha is the largest unit, about 13.6% (its share of the population, of 90%).
    CHECK(unit["长沙市"] / n == doctest::Approx(0.136).epsilon(0.1));
    CHECK(unit["张家界市"] < unit["湘西土家族苗族自治州"]);
    for (const char* city : {"株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "益阳市", "郴州市",
                             "永州市", "怀化市", "娄底市"})
        CHECK(unit[city] > 0);
    for (const char* university : {"中南大学", "湖南大学", "湖南师范大学", "湘潭大学", "吉首大学", "湖南铁道职业技术学院",
                                   "长沙民政职业技术学院", "湖南省教育科学研究院"})
        CHECK(unit[university] > 0);
    double records = static_cast<double>(c.participants + c.events);
    CHECK(static_cast<double>(c.malformed) / records == doctest::Approx(0.002).epsilon(0.3));
    CHECK(c.duplicates > 0);
}

TEST_CASE("simulate: every behaviour is present, in the counts and in the data") {
    const SimulatedCohort& c = cohort();
    const Audit& a = cohort_audit();
    REQUIRE(c.behaviours.size() == detail::sim::kBehaviourCount);
    std::size_t total = 0;
    for (const auto& [name, count] : c.behaviours) {
        CHECK_MESSAGE(count > 0, name);
        total += count;
    }
    CHECK(total == 20000);

    const Instant window_begin = local(2023, 1, 9), window_end = local(2023, 2, 11);
    std::size_t cross_end = 0, cross_begin = 0, two_tabs = 0, rewatch = 0, quiz_first = 0, silent = 0,
                late = 0, quiz_skipped = 0;
    for (const auto& [id, person] : a.people) {
        auto s = a.sessions.find(id);
        if (s == a.sessions.end()) {
            ++silent;
            continue;
        }
        auto sessions = s->second;
        std::sort(sessions.begin(), sessions.end(),
                  [](const auto& x, const auto& y) { return x.start < y.start; });
        std::map<std::string, Instant> first_start;
        bool tabs = false, again = false;
        for (std::size_t i = 0; i < sessions.size(); ++i) {
            const auto& x = sessions[i];
            if (x.start < window_end && x.end > window_end) ++cross_end;
            if (x.start < window_begin && x.end > window_begin) ++cross_begin;
            if (i + 1 < sessions.size() && sessions[i + 1].start < x.end) {
                if (sessions[i + 1].lesson != x.lesson) tabs = true;
                else again = true;
            }
            if (first_start.count(x.lesson)) again = true;
            else first_start[x.lesson] = x.start;
        }
        two_tabs += tabs;
        rewatch += again;
        if (sessions.front().start >= local(2023, 1, 25)) ++late;
        std::set<std::string> quizzed;
        auto q = a.quizzes.find(id);
        if (q != a.quizzes.end())
            for (const auto& [lesson, at] : q->second) {
                quizzed.insert(lesson);
                auto f = first_start.find(lesson);
                if (f != first_start.end() && at < f->second) ++quiz_first;
            }
        for (const auto& [lesson, start] : first_start)
            if (!quizzed.count(lesson)) {
                ++quiz_skipped;
                break;
            }
    }
    CHECK(cross_end > 100);     // crammers past midnight of 2月10日
    CHECK(cross_begin > 100);   // early access across 1月9日 00:00
    CHECK(two_tabs > 100);
    CHECK(rewatch > 100);
    CHECK(quiz_first > 100);
    CHECK(quiz_skipped > 100);
    CHECK(silent > 1000);        // registered, never started
    CHECK(late > 500);

    // Export order is time-ish but not sorted.
    CHECK(a.inversions > 1000);
    CHECK(a.far_behind > 100);
    CHECK(a.far_behind < c.events / 20);
}

TEST_CASE("simulate: timestamps come with offsets, in Z and as local time; durations in both forms") {
    const SimulatedCohort& c = cohort();
    CHECK(c.events_jsonl.find("+08:00\"") != std::string::npos);
    CHECK(c.events_jsonl.find("Z\"") != std::string::npos);
    CHECK(c.events_jsonl.find("\"duration\":\"PT") != std::string::npos);
    CHECK(c.events_jsonl.find("\"completed\":false") != std::string::npos);
    const Audit& a = cohort_audit();
    CHECK(a.plain_local_times);
    CHECK(a.numeric_durations);
    // Sessions last 5-60 minutes (good records).
    std::size_t out_of_range = 0;
    for (const auto& [id, sessions] : a.sessions)
        for (const auto& s : sessions)
            if (s.end - s.start < Seconds{300} || s.end - s.start > Seconds{3600}) ++out_of_range;
    CHECK(out_of_range == 0);
}

TEST_CASE("simulate: the census has shortfalls, unregistered units and gaps") {
    const SimulatedCohort& c = cohort();
    const Audit& a = cohort_audit();
    std::map<std::pair<std::string, std::string>, long> registered;
    for (const auto& [id, r] : a.people) {
        bool verified = !r.contains("verified") || r["verified"].get<bool>();
        if (verified && r["category"] != "other") ++registered[{r["unit"], r["category"]}];
    }
    auto rows = split_lines(c.census_csv);
    REQUIRE(!rows.empty());
    CHECK(rows[0] == "unit,category,expected");
    std::size_t at_least = 0, below = 0, unregistered_units = 0;
    std::set<std::pair<std::string, std::string>> listed;
    std::set<std::string> units_with_people;
    for (const auto& [key, count] : registered) units_with_people.insert(key.first);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        auto cells = split_cells(rows[i]);
        REQUIRE(cells.size() == 3);
        CHECK(cells[1] != "other");
        long expected = std::stol(cells[2]);
        CHECK(expected >= 0);
        listed.insert({cells[0], cells[1]});
        long have = registered.count({cells[0], cells[1]}) ? registered[{cells[0], cells[1]}] : 0;
        if (expected >= have) ++at_least;
        else ++below;
        if (!units_with_people.count(cells[0])) ++unregistered_units;
    }
    CHECK(at_least > 4 * below);
    CHECK(unregistered_units >= 3);
    std::size_t missing = 0;
    for (const auto& [key, count] : registered)
        if (!listed.count(key)) ++missing;
    CHECK(missing >= 1);
}

TEST_CASE("simulate: options are honoured and checked") {
    SimulationOptions options;
    options.participants = 300;
    options.malformed_share = 0;
    // The programme's catalogue gives the lessons, its categories the minimums.
    std::string catalogue;
    for (int i = 1; i <= 16; ++i) catalogue += std::string(i > 1 ? "," : "") + R"({"id":"M)" + std::to_string(i) + R"(","minutes":30})";
    const Program modules = Program::from_json(R"({"extends":"hunan-2023-mh-winter","id":"m","version":"1","lessons":[)" +
                                               catalogue + "]}");
    SimulatedCohort c = simulate(modules, options);
    CHECK(c.malformed == 0);
    CHECK(c.events_jsonl.find("\"lesson\":\"L") == std::string::npos);
    CHECK(c.events_jsonl.find("\"lesson\":\"M1") != std::string::npos);
    for (std::string_view line : split_lines(c.events_jsonl)) CHECK(!json::parse(line, nullptr, false).is_discarded());

    options.participants = 0;
    SimulatedCohort empty = simulate(modules, options);
    CHECK(empty.events == 0);
    CHECK(empty.participants_csv == "id,unit,sector,category,verified,name\n");
    CHECK(empty.events_csv == "kind,participant,lesson,start,end,duration,at,score,completed,id\n");

    SimulationOptions bad_share;
    bad_share.malformed_share = 1.5;
    CHECK_THROWS_AS((void)simulate(hunan(), bad_share), std::invalid_argument);
    SimulationOptions too_many;
    too_many.participants = 60'000'000;
    CHECK_THROWS_AS((void)simulate(hunan(), too_many), std::invalid_argument);
}

TEST_CASE("simulate: the programme sets the minimums the simulated teachers study towards") {
    // Under a programme that asks homeroom teachers for 14 lessons, steady
    // finishers study 14 or more: some of them complete under it.
    const Program stricter = Program::from_json(
        R"({"extends":"hunan-2023-mh-winter","id":"strict","version":"1","categories":{"homeroom":{"min_lessons":14}}})");
    SimulationOptions options;
    options.participants = 2000;
    options.seed = 3;
    const SimulatedCohort c = simulate(stricter, options);
    Dataset data(stricter);
    data.read_participants(c.participants_jsonl, "participants.jsonl");
    data.read_events(c.events_jsonl, "events.jsonl");
    std::size_t homeroom_completed = 0;
    for (const Outcome& o : evaluate_all(data))
        if (o.category == "homeroom" && o.status == Status::completed) {
            ++homeroom_completed;
            CHECK(o.lessons_credited >= 14);
        }
    CHECK(homeroom_completed > 100);
    // The default programme's cohort differs: its homeroom teachers aim at 10.
    CHECK(simulate(hunan(), options).events_jsonl != c.events_jsonl);
}
