// B5: the DurableLedger — what durability costs an add, per fsync policy,
// against the in-memory ShardedLedger in the same run.
//
//   yanxiu_bench_b5_durable COHORT_DIR STATE_PARENT [SINGLE_ADDS]
//
// The cohort's participants go in as one body; then two measurements per
// ledger (memory; durable with fsync never, interval, always):
//   - single adds: SINGLE_ADDS events (default 2,000) one body of one line
//     each, from one thread: the latency of one acknowledged record;
//   - group commit: every event of the cohort in bodies of 100 lines from 4
//     threads at once: records acknowledged per second.
// The state directories are made under STATE_PARENT (use a directory on the
// disk that would hold the state: a tmpfs makes fsync free) and removed.

#include "bench_util.hpp"

#include <yanxiu/yanxiu.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        out.push_back(text.substr(start, nl - start + 1));
    return out;
}

/// Either ledger, behind one interface for the timing loops.
struct Target {
    yanxiu::ShardedLedger* memory = nullptr;
    yanxiu::DurableLedger* durable = nullptr;
    yanxiu::BatchResult add_events(std::string_view body) {
        return durable ? durable->add_events(body) : memory->add_events(body);
    }
    yanxiu::BatchResult add_participants(std::string_view body) {
        return durable ? durable->add_participants(body) : memory->add_participants(body);
    }
};

struct Figures {
    double p50_us = 0, p99_us = 0, single_per_s = 0, group_per_s = 0;
    std::uint64_t fsyncs = 0, log_bytes = 0;
};

Figures measure(Target target, const std::string& participants, const std::vector<std::string>& events,
                std::size_t singles) {
    Figures f;
    target.add_participants(participants);
    singles = std::min(singles, events.size());
    std::vector<double> each;
    each.reserve(singles);
    const double t0 = bench::now();
    for (std::size_t i = 0; i < singles; ++i) {
        const double a = bench::now();
        target.add_events(events[i]);
        each.push_back(bench::now() - a);
    }
    const double single_seconds = bench::now() - t0;
    std::sort(each.begin(), each.end());
    if (!each.empty()) {
        f.p50_us = each[each.size() / 2] * 1e6;
        f.p99_us = each[std::min(each.size() - 1, each.size() * 99 / 100)] * 1e6;
        f.single_per_s = static_cast<double>(singles) / single_seconds;
    }
    // The rest in bodies of 100 lines, from 4 threads taking bodies in turn.
    std::vector<std::string> bodies;
    for (std::size_t i = singles; i < events.size(); i += 100) {
        std::string body;
        for (std::size_t k = i; k < std::min(events.size(), i + 100); ++k) body += events[k];
        bodies.push_back(std::move(body));
    }
    std::atomic<std::size_t> next{0};
    const double g0 = bench::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (std::size_t b; (b = next++) < bodies.size();) target.add_events(bodies[b]);
        });
    for (auto& th : threads) th.join();
    f.group_per_s = static_cast<double>(events.size() - singles) / (bench::now() - g0);
    if (target.durable) {
        const auto s = target.durable->status();
        f.fsyncs = s.syncs;
        f.log_bytes = s.log_bytes;
    }
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s COHORT_DIR STATE_PARENT [SINGLE_ADDS]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const std::filesystem::path parent = argv[2];
    const std::size_t singles = argc > 3 ? std::stoul(argv[3]) : 2000;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const std::string participants = slurp(dir + "/participants.jsonl");
    const std::vector<std::string> events = lines_of(slurp(dir + "/events.jsonl"));
    std::printf("B5: %zu event lines; %zu single adds, then bodies of 100 lines from 4 threads\n", events.size(),
                singles);
    std::printf("%-22s %10s %10s %14s %16s %8s %10s\n", "ledger", "p50 us", "p99 us", "single/s", "group rec/s",
                "fsyncs", "log MB");

    yanxiu::ShardedLedger memory(program);
    const Figures base = measure(Target{&memory, nullptr}, participants, events, singles);
    std::printf("%-22s %10.1f %10.1f %14.0f %16.0f %8s %10s\n", "in memory (baseline)", base.p50_us, base.p99_us,
                base.single_per_s, base.group_per_s, "-", "-");
    for (auto policy : {yanxiu::SyncPolicy::never, yanxiu::SyncPolicy::interval, yanxiu::SyncPolicy::always}) {
        const auto state = parent / ("yanxiu-b5-" + std::string(yanxiu::to_string(policy)));
        std::filesystem::remove_all(state);
        Figures f;
        {
            yanxiu::DurableOptions options;
            options.sync = policy;
            options.checkpoint_bytes = 0;  // the log alone: the cost of an add, not of a checkpoint
            yanxiu::DurableLedger durable(program, state.string(), options);
            f = measure(Target{nullptr, &durable}, participants, events, singles);
        }
        std::filesystem::remove_all(state);
        const std::string name = "durable, fsync " + std::string(yanxiu::to_string(policy));
        std::printf("%-22s %10.1f %10.1f %14.0f %16.0f %8llu %10.1f   (%.2fx, %.2fx the baseline)\n", name.c_str(),
                    f.p50_us, f.p99_us, f.single_per_s, f.group_per_s, static_cast<unsigned long long>(f.fsyncs),
                    static_cast<double>(f.log_bytes) / 1e6, f.single_per_s / base.single_per_s,
                    f.group_per_s / base.group_per_s);
    }
    return 0;
}
