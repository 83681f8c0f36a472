// Writes a simulated Hunan cohort for the benchmarks:
//   yanxiu_bench_simulate PARTICIPANTS SEED DIR [MALFORMED_SHARE]
// (participants.jsonl/.csv, events.jsonl/.csv, census.csv in DIR).

#include <yanxiu/simulate.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s PARTICIPANTS SEED DIR [MALFORMED_SHARE]\n", argv[0]);
        return 2;
    }
    yanxiu::SimulationOptions options;
    options.participants = std::strtoull(argv[1], nullptr, 10);
    options.seed = std::strtoull(argv[2], nullptr, 10);
    if (argc > 4) options.malformed_share = std::strtod(argv[4], nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    const yanxiu::SimulationFiles files = yanxiu::simulate_to_directory(options, argv[3]);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("simulated %zu participant records, %zu event records (%zu malformed, %zu duplicates) into %s in %.2f s\n",
                files.participants, files.events, files.malformed, files.duplicates, argv[3], seconds);
    return 0;
}
