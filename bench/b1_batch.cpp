// B1: batch evaluation of a simulated cohort in memory.
//
//   yanxiu_bench_b1_batch DIR [REPEATS]
//
// DIR holds a cohort written by yanxiu_bench_simulate.  The files are read
// into memory block by block (not timed); then timed: ingestion
// (Dataset::read_* of JSON Lines; CSV is in B3), evaluation alone
// (evaluate_all) on one thread with the events as read, grouping them by
// participant (Dataset::group_events), evaluation of the grouped store on one
// thread and on all threads, and the baseline: one
// plain pass summing every event column the evaluator reads (the
// memory-bandwidth floor).  Best of REPEATS for the in-memory passes.

#include "bench_util.hpp"

#include <yanxiu/yanxiu.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The floor: touch every column of every event once, as the evaluator must.
std::int64_t sum_columns(const yanxiu::EventColumns& e) {
    std::int64_t sum = 0;
    double scores = 0;
    const std::size_t n = e.size();
    for (std::size_t i = 0; i < n; ++i) {
        sum += static_cast<std::int64_t>(e.kind[i]) + e.participant[i] + e.lesson[i] + e.start[i] + e.end[i] +
               e.completed[i];
        scores += e.score[i] == e.score[i] ? e.score[i] : 0.0;
    }
    return sum + static_cast<std::int64_t>(scores);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [REPEATS]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    // Ingestion, JSON Lines: the library's file readers, as `yanxiu evaluate`
    // reads (pieces of 2 MB split and checked on every core, kept in order);
    // page cache warm (the files were just written or read).
    yanxiu::Dataset data(program);
    double ingest_jsonl = 0, jsonl_mb = 0;
    {
        for (const char* name : {"/participants.jsonl", "/events.jsonl"}) {
            std::FILE* f = std::fopen((dir + name).c_str(), "rb");
            if (!f) {
                std::perror(name);
                return 1;
            }
            std::fseek(f, 0, SEEK_END);
            jsonl_mb += static_cast<double>(std::ftell(f)) / 1e6;
            std::fclose(f);
        }
        const double t0 = bench::now();
        data.read_participants_file(dir + "/participants.jsonl");
        data.read_events_file(dir + "/events.jsonl");
        ingest_jsonl = bench::now() - t0;
    }
    double t0 = 0;

    const double participants = static_cast<double>(data.participants().size());
    const double events = static_cast<double>(data.events().size());
    std::printf("cohort: %.0f participants, %.0f events accepted (%zu rejections)\n", participants, events,
                data.rejections().size());
    std::printf("ingest JSON Lines: %.3f s (%.1f MB, %.1f MB/s, %.2f M events/s)\n", ingest_jsonl, jsonl_mb,
                jsonl_mb / ingest_jsonl, events / ingest_jsonl / 1e6);

    // The floor.
    double floor_best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        t0 = bench::now();
        std::int64_t s = sum_columns(data.events());
        floor_best = std::min(floor_best, bench::now() - t0);
        bench::keep(s);
    }

    auto evaluate = [&](unsigned threads, bool lessons = true) {
        double best = 1e30;
        for (int r = 0; r < repeats; ++r) {
            yanxiu::EvaluateOptions options;
            options.threads = threads;
            options.keep_lessons = lessons;
            t0 = bench::now();
            std::vector<yanxiu::Outcome> outcomes = yanxiu::evaluate_all(data, options);
            best = std::min(best, bench::now() - t0);
            bench::keep(outcomes);
        }
        return best;
    };
    // As read (events in file order, gathered per participant at evaluation),
    // then grouped by participant as `yanxiu evaluate` and Python do after
    // reading, and evaluated again.
    const double ungrouped = evaluate(1);
    t0 = bench::now();
    data.group_events();
    const double grouping = bench::now() - t0;
    const double one = evaluate(1);
    const double all = evaluate(0);
    // What `yanxiu evaluate` does without --explain: no per-lesson detail.
    const double counts = evaluate(1, false);

    std::printf("floor (sum every event column once): %.4f s = %.1f M events/s\n", floor_best,
                events / floor_best / 1e6);
    std::printf("grouping the events by participant (every core): %.3f s\n", grouping);
    std::printf("evaluate_all, 1 thread, events in file order: %.3f s = %.2f M events/s\n", ungrouped,
                events / ungrouped / 1e6);
    std::printf("evaluate_all, 1 thread:   %.3f s = %.2f M events/s = %.2fx the floor's time\n", one,
                events / one / 1e6, one / floor_best);
    std::printf("evaluate_all, %u threads: %.3f s = %.2f M events/s = %.2fx the floor's time (speed-up %.2fx)\n",
                cores, all, events / all / 1e6, all / floor_best, one / all);
    std::printf("evaluate_all, 1 thread, no per-lesson detail (the CLI without --explain): %.3f s = %.2f M events/s = "
                "%.2fx the floor's time\n",
                counts, events / counts / 1e6, counts / floor_best);

    bench::result("participants", participants);
    bench::result("events", events);
    bench::result("ingest_jsonl_s", ingest_jsonl);
    bench::result("ingest_jsonl_mb", jsonl_mb);
    bench::result("floor_s", floor_best);
    bench::result("group_s", grouping);
    bench::result("eval1_ungrouped_s", ungrouped);
    bench::result("eval1_s", one);
    bench::result("evalall_s", all);
    bench::result("eval1_counts_s", counts);
    bench::result("threads", cores);
    return 0;
}
