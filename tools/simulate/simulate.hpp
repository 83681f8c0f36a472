#pragma once
/// \file simulate.hpp
/// A realistic, deterministic cohort of Hunan teachers under a programme:
/// participants, study and quiz events, and a census, in JSON Lines and CSV.
/// A tool (for the CLI, the benchmarks, the tests and Python), not part of
/// the installed library.  The programme gives the window, the zone, the
/// lessons and each category's minimum; the cohort's shape (units, sectors,
/// behaviours) is Hunan's.
///
/// The cohort is meant to exercise every rule: steady finishers, last-day
/// crammers whose sessions cross the deadline, quiz skippers, two-tab overlap,
/// re-watchers, early sessions crossing into the window, non-target and
/// unverified teachers, and a small share of deliberately bad records.
///
/// Same options, same bytes, on any machine: the generator uses its own
/// xoshiro256** streams (never `std::*_distribution`, whose output is
/// implementation-defined) and sorts with a total order.

#include <yanxiu/program.hpp>
#include <yanxiu/time.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace yanxiu {

/// What to simulate.
struct SimulationOptions {
    /// Registered participants (not counting deliberately bad participant records).
    std::size_t participants = 20000;
    /// Seed of every random choice; same seed, same bytes.
    std::uint64_t seed = 1;
    /// Share of records (participants and events) that are deliberately bad.
    double malformed_share = 0.002;
};

/// The files `simulate_to_directory` wrote, and what is in them.
struct SimulationFiles {
    std::string participants_jsonl, participants_csv, events_jsonl, events_csv, census_csv;  ///< paths
    std::size_t participants = 0;  ///< participant records (data lines) in each participants file
    std::size_t events = 0;        ///< event records (data lines) in each events file
    std::size_t malformed = 0;     ///< records, of both kinds, that are deliberately bad
    std::size_t duplicates = 0;    ///< exact re-sent copies of good records (not bad)
    std::map<std::string, std::size_t> behaviours;  ///< participants per simulated behaviour
};

/// A simulated cohort held in memory (the same bytes the files would hold).
struct SimulatedCohort {
    std::string participants_jsonl, participants_csv, events_jsonl, events_csv, census_csv;
    std::size_t participants = 0;  ///< participant records (data lines) in each participants text
    std::size_t events = 0;        ///< event records (data lines) in each events text
    std::size_t malformed = 0;     ///< records, of both kinds, that are deliberately bad
    std::size_t duplicates = 0;    ///< exact re-sent copies of good records (not bad)
    std::map<std::string, std::size_t> behaviours;  ///< participants per simulated behaviour
};

/// Simulates a cohort under `program` in memory.  Same programme and
/// options, same bytes.  Throws `std::invalid_argument` for bad options.
[[nodiscard]] SimulatedCohort simulate(const Program& program, const SimulationOptions& options = {});

/// Simulates a cohort into `out_dir` (created if missing):
/// participants.jsonl/.csv, events.jsonl/.csv and census.csv.  Streams the
/// text out in large blocks, so only the compact events stay in memory.
/// Each file is written to a temporary beside it, and all five are renamed
/// into place only once every one is written: a failed run leaves an
/// earlier cohort as it was.  Throws `io_error` on an I/O error.
SimulationFiles simulate_to_directory(const Program& program, const SimulationOptions& options,
                                      const std::string& out_dir);

/// Called with each temporary file `simulate_to_directory` creates
/// (`created` true) and when it is renamed or removed (false), e.g. for a
/// signal handler that removes what an interrupted run leaves.
using SimulationTemporaryHook = void (*)(const std::string& path, bool created);
void set_simulation_temporary_hook(SimulationTemporaryHook hook) noexcept;

}  // namespace yanxiu
