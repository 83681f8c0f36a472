// B4: the streaming Ledger — nanoseconds per event and bytes per participant.
//
//   yanxiu_bench_b4_ledger DIR [COPIES]
//
// Participants of DIR's cohort are added one by one, then every event in
// file order.  Records are parsed from JSON Lines in batches outside the
// timed region (a service receives them parsed or parses them itself), so
// the time is Ledger::add alone.  Memory is the growth of the resident set
// (/proc/self/statm) from before the ledger exists to after the last event.
//
// COPIES (default 1) feeds the cohort that many times into one ledger, each
// copy's ids (participants' and events') prefixed "C<k>-" so that the copies
// are different teachers: 13 copies of a 1 M cohort are nearly a whole
// country (13.72 M teachers took part in 2023) without 13 files on disk.
// Copy k's participants and events come after copy k-1's.

#include "bench_util.hpp"

#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kBatch = 64;

/// Prefixes the id fields of `record` (an object) with `prefix`.
void prefix_ids(nlohmann::json& record, const std::string& prefix, std::initializer_list<const char*> fields) {
    if (prefix.empty() || !record.is_object()) return;
    for (const char* field : fields)
        if (auto it = record.find(field); it != record.end() && it->is_string())
            *it = prefix + it->get<std::string>();
}

/// Feeds `file` to `add` in parsed batches, each record's `id_fields`
/// prefixed with `prefix`; returns the seconds spent in `add` and the seconds
/// spent parsing.
template <class Add>
std::pair<double, double> feed(const std::string& file, std::size_t& count, const std::string& prefix,
                               std::initializer_list<const char*> id_fields, Add&& add) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot open " + file);
    std::string line;
    std::vector<nlohmann::json> batch;
    batch.reserve(kBatch);
    double adding = 0, parsing = 0;
    bool more = true;
    while (more) {
        batch.clear();
        double t0 = bench::now();
        while (batch.size() < kBatch && (more = static_cast<bool>(std::getline(in, line)))) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            prefix_ids(j, prefix, id_fields);
            batch.push_back(std::move(j));  // a malformed line goes in as a discarded value: rejected
        }
        parsing += bench::now() - t0;
        t0 = bench::now();
        for (const auto& record : batch) add(record);
        adding += bench::now() - t0;
        count += batch.size();
    }
    return {adding, parsing};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [COPIES]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const int copies = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");

    const long long rss0 = bench::rss_bytes();
    yanxiu::Ledger ledger(program);
    std::size_t participant_records = 0, event_records = 0, completions = 0;
    double p_add = 0, p_parse = 0, e_add = 0, e_parse = 0;
    long long rss1 = 0;
    for (int k = 0; k < copies; ++k) {
        const std::string prefix = k == 0 ? "" : "C" + std::to_string(k) + "-";
        const auto [added, parsed] = feed(dir + "/participants.jsonl", participant_records, prefix, {"id"},
                                          [&](const nlohmann::json& r) { (void)ledger.add_participant(r); });
        p_add += added, p_parse += parsed;
        if (k == 0) rss1 = bench::rss_bytes();  // the first copy's participants, before any event
        const auto [e_added, e_parsed] =
            feed(dir + "/events.jsonl", event_records, prefix, {"id", "participant"}, [&](const nlohmann::json& r) {
                const yanxiu::Update u = ledger.add(r);
                completions += u.completed_now;
            });
        e_add += e_added, e_parse += e_parsed;
        if (copies > 1)
            std::fprintf(stderr, "copy %d of %d: %zu participants, %.1f GB resident\n", k + 1, copies,
                         ledger.participant_count(), static_cast<double>(bench::rss_bytes()) / 1e9);
    }
    const long long rss2 = bench::rss_bytes();

    // Lessons touched: distinct (participant, lesson) pairs among accepted
    // events, as one bit a lesson for each participant (no copy of the events).
    const auto& events = ledger.data().events();
    double touched = 0;
    if (ledger.data().lessons().size() <= 64) {
        std::vector<std::uint64_t> seen(ledger.participant_count(), 0);
        for (std::size_t i = 0; i < events.size(); ++i)
            if (events.lesson[i] < 64) seen[events.participant[i]] |= std::uint64_t{1} << events.lesson[i];
        for (const std::uint64_t bits : seen) touched += __builtin_popcountll(bits);
    } else {
        std::vector<std::uint64_t> pairs(events.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            pairs[i] = (static_cast<std::uint64_t>(events.participant[i]) << 32) | events.lesson[i];
        std::sort(pairs.begin(), pairs.end());
        touched = static_cast<double>(std::unique(pairs.begin(), pairs.end()) - pairs.begin());
    }

    const double participants = static_cast<double>(ledger.participant_count());
    const double accepted = static_cast<double>(ledger.event_count());
    const double grown = static_cast<double>(rss2 - rss0);
    const double budget = 256 * participants + 32 * touched;
    std::printf("ledger: %.0f participants, %.0f events accepted of %zu records, %.0f lessons touched, %zu completions\n",
                participants, accepted, event_records, touched, completions);
    std::printf("add_participant: %.0f ns each (parsing, not counted: %.0f ns)\n",
                p_add / static_cast<double>(participant_records) * 1e9,
                p_parse / static_cast<double>(participant_records) * 1e9);
    std::printf("add(event):      %.0f ns each (parsing, not counted: %.0f ns)\n",
                e_add / static_cast<double>(event_records) * 1e9, e_parse / static_cast<double>(event_records) * 1e9);
    std::printf("resident memory: +%.1f MB after the first copy's participants, +%.1f MB after events (%d cop%s)\n",
                (rss1 - rss0) / 1e6, grown / 1e6, copies, copies == 1 ? "y" : "ies");
    std::printf("= %.0f bytes per participant; budget 256/participant + 32/lesson touched = %.1f MB (%.2fx used)\n",
                grown / participants, budget / 1e6, grown / budget);
    bench::result("participants", participants);
    bench::result("events", static_cast<double>(event_records));
    bench::result("touched", touched);
    bench::result("ns_per_event", e_add / static_cast<double>(event_records) * 1e9);
    bench::result("ns_parse_per_event", e_parse / static_cast<double>(event_records) * 1e9);
    bench::result("ns_per_participant", p_add / static_cast<double>(participant_records) * 1e9);
    bench::result("rss_participants", static_cast<double>(rss1 - rss0));
    bench::result("rss_total", grown);
    bench::result("copies", copies);
    return 0;
}
