#pragma once
/// \file durable.hpp
/// A ledger that persists itself: `DurableLedger` keeps a `ShardedLedger` in
/// memory and, before an add returns, an append-only log of every record it
/// kept in a state directory, so that a process killed at any instant
/// (`kill -9`, an OOM kill, a crash) restarts with every acknowledged record
/// and nothing half-written.
///
/// The state directory holds
///   - `LOCK`: held (flock) by the one process using the directory;
///   - `snapshot-N.yxl`: every record kept up to generation N (none for N = 0);
///   - `log-N.yxl`: every record kept since that snapshot, in order.
/// Both are lines `CRC KIND JSON`: the CRC-32 (8 hex digits) of `KIND JSON`,
/// a kind (`H` header, `P` participant, `E` event, `T` a snapshot's trailer)
/// and one JSON object, the records in the form `Ledger::snapshot` writes.
/// Opening replays the snapshot and then the log; a log that ends in a
/// damaged or incomplete line (a write cut short) is cut back to its last
/// whole line, while damage followed by good lines, a damaged snapshot or a
/// state kept for another programme is refused with a `StateError` naming
/// the file, line and what is wrong.  A checkpoint writes a new snapshot (to
/// a temporary file, renamed into place) and starts a new log.

#include <yanxiu/ledger.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace yanxiu {

/// A state directory that cannot be used: in use by another process,
/// unwritable, damaged, or kept for another programme.  `what()` is one line
/// naming the file (and line) and what is wrong.
class StateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// When an add's records reach the disk before the add returns.
enum class SyncPolicy : std::uint8_t {
    /// Written and fsync'd (one fsync for every add waiting at that moment: a
    /// group commit).  Survives a power cut.
    always,
    /// Written before the add returns, fsync'd every `sync_interval`.
    /// Survives the process dying (the kernel has the bytes); a power cut can
    /// lose the last interval.
    interval,
    /// Written before the add returns, never fsync'd (tests, benchmarks).
    never,
};

/// "always", "interval" or "never".
[[nodiscard]] std::string_view to_string(SyncPolicy policy) noexcept;
/// The policy of that name, if any.
[[nodiscard]] std::optional<SyncPolicy> parse_sync_policy(std::string_view name) noexcept;

struct DurableOptions {
    SyncPolicy sync = SyncPolicy::always;
    std::chrono::milliseconds sync_interval{100};  ///< for SyncPolicy::interval
    /// A checkpoint (new snapshot, new log) is written once the log is larger
    /// than this: by the add that crosses it (other adds wait meanwhile), or
    /// on open if the log replayed is.  0: only when `checkpoint()` is called.
    std::uint64_t checkpoint_bytes = std::uint64_t{256} << 20;
    std::size_t shards = 16;                   ///< see ShardedLedger
    std::size_t park_limit = kDefaultParkLimit;  ///< see Ledger::set_park_limit
};

/// What opening a state directory found.
struct Recovery {
    std::uint64_t generation = 0;      ///< the snapshot read (0: none)
    std::size_t snapshot_records = 0;  ///< records read from it
    std::size_t log_records = 0;       ///< records replayed from the log
    std::size_t participants = 0;      ///< kept after replay
    std::size_t events = 0;
    std::size_t parked = 0;
    /// Records replayed that the ledger did not keep again (0 unless the
    /// shard count changed: which of two events sharing an id is kept can
    /// depend on it).
    std::size_t not_kept = 0;
    std::uint64_t torn_bytes = 0;  ///< bytes cut from the log's end (an unfinished write)
    std::string torn_at;           ///< where: "log-N.yxl:LINE" (empty when nothing was cut)
    double seconds = 0;            ///< how long opening took
};

/// The durability state, for a health check.
struct DurableStatus {
    std::string directory;
    SyncPolicy sync = SyncPolicy::always;
    std::uint64_t generation = 0;        ///< current snapshot/log generation
    std::uint64_t log_bytes = 0;         ///< size of the current log
    std::uint64_t records_appended = 0;  ///< since open
    std::uint64_t records_durable = 0;   ///< of those, written (and fsync'd under `always`)
    std::uint64_t syncs = 0;             ///< fsyncs of the log since open
    /// When the log was last fsync'd (nullopt: not since open).
    std::optional<std::chrono::system_clock::time_point> last_sync;
    std::uint64_t checkpoints = 0;  ///< since open
    std::size_t parked = 0;
    /// Why the log can no longer be written (empty while healthy).  Once it
    /// fails, every add throws StateError: records kept in memory but not on
    /// disk must not be acknowledged.  Restart (after freeing space) recovers.
    std::string failure;
};

/// A `ShardedLedger` whose every kept record is in a log on disk before the
/// add returns.  Thread-safe.  One process per state directory.
class DurableLedger {
public:
    /// Opens (creating it if needed, not its parent) the state directory
    /// `directory` for `program`: takes its lock, replays it and checks that
    /// it can write there.  Throws StateError (with a one-line message) when
    /// it cannot.
    DurableLedger(const Program& program, const std::string& directory, DurableOptions options = {});
    /// Writes what is pending and releases the directory.
    ~DurableLedger();
    DurableLedger(const DurableLedger&) = delete;
    DurableLedger& operator=(const DurableLedger&) = delete;

    [[nodiscard]] const Program& program() const noexcept;
    [[nodiscard]] const Recovery& recovery() const noexcept;

    /// As ShardedLedger's; every record kept is on disk (per the sync policy)
    /// when they return.  Throw StateError when the log cannot be written.
    BatchResult add_participants(std::string_view text, std::string_view where = "<participants>",
                                 Format format = Format::jsonl);
    BatchResult add_events(std::string_view text, std::string_view where = "<events>", Format format = Format::jsonl);
    AddResult add_participant(const Record& record);
    Update add(const Record& event);
    /// Adds without waiting for the disk: call `sync()` before acknowledging.
    Update add_unsynced(const Record& event);
    /// The same for a participant record.
    AddResult add_participant_unsynced(const Record& record);
    /// Waits until every record kept so far is on disk (per the policy).
    void sync();

    [[nodiscard]] std::optional<Outcome> outcome(std::string_view id, Instant as_of = kEndOfTime);
    [[nodiscard]] std::vector<Outcome> outcomes(Instant as_of = kEndOfTime);
    /// The unit of participant `id`, nullopt if unknown (see ShardedLedger::unit_of).
    [[nodiscard]] std::optional<std::string> unit_of(std::string_view id);
    [[nodiscard]] ShardedLedger::Counts counts();
    [[nodiscard]] std::size_t parked_count();

    /// Writes a snapshot of everything and starts a new log (adds wait meanwhile).
    void checkpoint();
    [[nodiscard]] DurableStatus status();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace yanxiu
