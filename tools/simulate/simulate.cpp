// The cohort simulator (tools/simulate/simulate.hpp).

#include "simulate.hpp"
#include "generator.hpp"

#include <yanxiu/io/error.hpp>

#include <filesystem>

namespace yanxiu {


SimulatedCohort simulate(const Program& program, const SimulationOptions& options) {
    detail::sim::Generator generator(program, options);
    detail::sim::Sink pj, pc, ej, ec, census;
    SimulatedCohort cohort = generator.run(pj, pc, ej, ec, census);
    cohort.participants_jsonl = pj.take();
    cohort.participants_csv = pc.take();
    cohort.events_jsonl = ej.take();
    cohort.events_csv = ec.take();
    cohort.census_csv = census.take();
    return cohort;
}

void set_simulation_temporary_hook(SimulationTemporaryHook hook) noexcept {
    detail::sim::Sink::temporary_hook() = hook;
}

SimulationFiles simulate_to_directory(const Program& program, const SimulationOptions& options,
                                     const std::string& out_dir) {
    namespace fs = std::filesystem;
    detail::sim::Generator generator(program, options);
    std::error_code ec_dir;
    fs::create_directories(out_dir, ec_dir);
    if (ec_dir) throw io_error(out_dir, "cannot create", ec_dir.value());
    SimulationFiles files;
    auto path = [&](const char* name) { return (fs::path(out_dir) / name).string(); };
    files.participants_jsonl = path("participants.jsonl");
    files.participants_csv = path("participants.csv");
    files.events_jsonl = path("events.jsonl");
    files.events_csv = path("events.csv");
    files.census_csv = path("census.csv");
    detail::sim::Sink pj(files.participants_jsonl), pc(files.participants_csv), ej(files.events_jsonl),
        ec(files.events_csv), census(files.census_csv);
    SimulatedCohort counts = generator.run(pj, pc, ej, ec, census);
    pj.finish();
    pc.finish();
    ej.finish();
    ec.finish();
    census.finish();
    for (detail::sim::Sink* sink : {&pj, &pc, &ej, &ec, &census}) sink->publish();  // all written: now in place
    files.participants = counts.participants;
    files.events = counts.events;
    files.malformed = counts.malformed;
    files.duplicates = counts.duplicates;
    files.behaviours = std::move(counts.behaviours);
    return files;
}

}  // namespace yanxiu
