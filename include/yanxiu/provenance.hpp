#pragma once
/// \file provenance.hpp
/// Where an output came from: the library version, the resolved programme's
/// SHA-256, every input file's SHA-256 and record counts, the time zone
/// database version, as_of and the generation time.  JSON outputs carry it
/// as an object; a JSON Lines output gets a sidecar `FILE.provenance.json`
/// (so it stays one record a line) that also names the output's own SHA-256,
/// and `check_provenance` re-hashes everything a sidecar names.

#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yanxiu {

/// One input (or output) file: its role, path, size, SHA-256 and, for
/// records, what reading it gave.
struct ProvenanceFile {
    std::string role;  ///< "participants", "events", "xapi", "census", "previous", "output", ...
    std::string path;
    std::uint64_t bytes = 0;
    std::string sha256;
    std::optional<ReadSummary> counts;
};

struct Provenance {
    std::string library;  ///< "yanxiu 0.1.0"
    std::string programme_id, programme_version, programme_sha256;
    std::string tzdb;          ///< the time zone database's version ("2024a"), or "unknown"
    std::string as_of;         ///< in the programme's zone; empty: no as_of
    std::string generated_at;  ///< UTC
    std::vector<ProvenanceFile> inputs;
    std::optional<ProvenanceFile> output;  ///< in a sidecar: the file it describes

    [[nodiscard]] nlohmann::ordered_json to_json() const;
    /// From a sidecar's JSON; throws std::runtime_error naming what is wrong.
    [[nodiscard]] static Provenance from_json(const nlohmann::json& j);
};

/// The SHA-256 of the resolved programme (its canonical JSON).
[[nodiscard]] std::string programme_sha256(const Program& program);
/// A provenance with the library, programme, tz database, as_of and
/// generation time filled in (no files yet).
[[nodiscard]] Provenance provenance_of(const Program& program, std::optional<Instant> as_of, Instant generated_at);
/// A file's size and SHA-256 (read in pieces); a pipe or device, already consumed
/// by the reading, gets no hash (empty sha256).  Throws io_error if it cannot be read.
[[nodiscard]] ProvenanceFile hash_file(const std::string& role, const std::string& path,
                                       std::optional<ReadSummary> counts = std::nullopt);
/// The sidecar's path for an output: `FILE.provenance.json`.
[[nodiscard]] inline std::string sidecar_path(const std::string& output) { return output + ".provenance.json"; }

/// What checking a sidecar found: one line per file that is missing or
/// changed, empty when everything it names is as it was.
struct ProvenanceCheck {
    std::vector<std::string> problems;
    std::size_t files = 0;  ///< files checked (inputs and the output)
    bool embedded = false;  ///< read from inside the output (which cannot name its own SHA-256)
    [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
};
/// Checks a sidecar (or the output it describes: `FILE` finds
/// `FILE.provenance.json`) against the files it names.  Without a sidecar,
/// the provenance a report's JSON or HTML carries inside is checked (its
/// inputs only).  Throws std::runtime_error when there is neither.
[[nodiscard]] ProvenanceCheck check_provenance(const std::string& path);

}  // namespace yanxiu
