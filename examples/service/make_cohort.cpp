// Writes a simulated Hunan cohort for the service's test and load run:
//   yanxiu_service_cohort PARTICIPANTS SEED DIR
// (participants.jsonl/.csv, events.jsonl/.csv, census.csv in DIR).

#include <yanxiu/simulate.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s PARTICIPANTS SEED DIR\n", argv[0]);
        return 2;
    }
    try {
        yanxiu::SimulationOptions options;
        options.participants = std::strtoull(argv[1], nullptr, 10);
        options.seed = std::strtoull(argv[2], nullptr, 10);
        const yanxiu::SimulationFiles files = yanxiu::simulate_to_directory(options, argv[3]);
        std::printf("%zu participant records, %zu event records (%zu malformed, %zu duplicates) in %s\n",
                    files.participants, files.events, files.malformed, files.duplicates, argv[3]);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "yanxiu_service_cohort: %s\n", e.what());
        return 1;
    }
}
