#pragma once
/// \file ledger.hpp
/// A streaming ledger for services: participants and events arrive one at a
/// time, in any order (an event whose participant is not there yet is
/// parked until it is), and each answer equals what batch evaluation of the
/// same records would give (the same `Evaluator` decides both).
/// `ShardedLedger` splits one by participant for many threads, and takes
/// whole JSON Lines bodies and snapshots, so a service keeps no records of
/// its own.

#include <yanxiu/dataset.hpp>
#include <yanxiu/evaluate.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

namespace detail {
struct ParkSpace;  // how many events wait for a participant, and how many may (src/ledger.cpp)
}

/// What became of one participant record offered to a ledger.
struct AddResult {
    AddStatus result = AddStatus::rejected;
    std::string id;                      ///< the record's id as text ("" when it has none)
    std::optional<Rejection> rejection;  ///< why it was rejected, when it was

    [[nodiscard]] bool accepted() const noexcept { return result == AddStatus::accepted; }
    [[nodiscard]] bool duplicate() const noexcept { return result == AddStatus::duplicate; }
};

/// What one event added to a ledger changed for its participant.
struct Update {
    AddStatus result = AddStatus::rejected;
    std::string participant;             ///< the event's participant as text ("" when it names none)
    std::optional<Rejection> rejection;  ///< why it was rejected, when it was
    /// The participant's standing after the event (when the participant is known).
    Status status = Status::not_started;
    int lessons_credited = 0;
    int lessons_required = 0;
    Seconds seconds_credited{0};
    double hours_credited = 0;
    bool completed_now = false;  ///< this event earned the certificate
    /// Its participant is not known yet: the event is kept aside (result
    /// `accepted`) and applied when the participant arrives.
    bool parked = false;

    [[nodiscard]] bool accepted() const noexcept { return result == AddStatus::accepted; }
    [[nodiscard]] bool duplicate() const noexcept { return result == AddStatus::duplicate; }
};

/// The rejections a BatchResult lists (all are counted, by code).
inline constexpr std::size_t kBatchRejectionsKept = 1000;

/// What a body of records (JSON Lines) did to a ledger: the reconciliation
/// (read = accepted + rejected + duplicates), the first rejections (at most
/// kBatchRejectionsKept: a body of bad lines costs no memory per line) with
/// every rejection counted by code, and how many participants the events
/// completed.
struct BatchResult {
    ReadSummary summary;
    std::vector<Rejection> rejections;
    std::array<std::size_t, std::size(kRejectCodes)> rejected_by_code{};  ///< indexed by the code's value
    /// Lists `r` if there is room, and counts it.
    void reject(Rejection r) {
        ++rejected_by_code[static_cast<std::size_t>(r.code)];
        if (rejections.size() < kBatchRejectionsKept) rejections.push_back(std::move(r));
    }
    std::size_t completed = 0;  ///< participants whose certificate these events earned
    std::size_t parked = 0;     ///< events kept aside until their participant arrives (among the accepted)
};

/// Reads the records of a JSON Lines (or CSV) text as `add_events` and
/// `add_participants` do, adding none: `on_record(record, line)` for each,
/// `on_error(rejection)` for each line that is no record (bad JSON, a line too
/// long), naming `where`.  For a caller that must see every record of a
/// request before it keeps any (a service checking who may write each).
void for_each_record(std::string_view text, std::string_view where, Format format,
                     const std::function<void(const Record& record, std::size_t line)>& on_record,
                     const std::function<void(Rejection rejection)>& on_error);

/// Where a ledger writes each record as it keeps it: a participant ('P') or
/// an event ('E', parked ones included), as one line of JSON in the
/// snapshot's form.  Called under the lock of the ledger (shard) that keeps
/// the record, before the add returns; `DurableLedger` logs them.
class Journal {
public:
    virtual ~Journal() = default;
    virtual void append(char kind, const std::string& json) = 0;
};

/// At most this many events wait for their participant by default (per ledger, or per ShardedLedger).
inline constexpr std::size_t kDefaultParkLimit = 1'000'000;

/// The snapshot format `Ledger::snapshot` and `ShardedLedger::save` write.
inline constexpr std::string_view kLedgerSnapshotFormat = "yanxiu-ledger/1";

/// Holds one programme's participants and events and evaluates on demand.
/// Not thread-safe by itself; `ShardedLedger` is.
class Ledger {
public:
    explicit Ledger(Program program);
    ~Ledger();
    Ledger(Ledger&&) noexcept;
    Ledger& operator=(Ledger&&) noexcept;

    [[nodiscard]] const Program& program() const noexcept { return *program_; }

    /// Adds a participant record.
    AddResult add_participant(const Record& record);
    /// Adds a participant given as a JSON object.
    AddResult add_participant(const nlohmann::json& record);
    /// Adds an event record (study or quiz) and returns its participant's new standing.
    Update add(const Record& event);
    /// Adds an event given as a JSON object.
    Update add(const nlohmann::json& event);

    /// The participant's outcome as of `as_of` (no limit by default); nullopt if unknown.
    [[nodiscard]] std::optional<Outcome> outcome(std::string_view id, Instant as_of = kEndOfTime) const;
    /// Every participant's outcome, sorted by id (what batch evaluation gives).
    [[nodiscard]] std::vector<Outcome> outcomes(Instant as_of = kEndOfTime) const;

    [[nodiscard]] const Dataset& data() const noexcept { return *data_; }
    [[nodiscard]] std::size_t participant_count() const noexcept { return data_->participants().size(); }
    [[nodiscard]] std::size_t event_count() const noexcept { return data_->events().size(); }
    /// Events waiting for their participant.
    [[nodiscard]] std::size_t parked_count() const noexcept;
    /// How many events may wait for their participant at once (0: none; an
    /// event for an unknown participant is then rejected `unknown_participant`,
    /// as it is when the space is full).
    void set_park_limit(std::size_t limit) noexcept;
    /// Writes every record kept from now on to `journal` (nullptr: none).
    void set_journal(Journal* journal) noexcept;

    /// Everything needed to resume: the programme and every accepted record,
    /// in the order added (so duplicate decisions replay identically), and
    /// the parked events.
    [[nodiscard]] nlohmann::ordered_json snapshot() const;
    /// Hands every record `snapshot()` holds to `out`, one line of JSON each:
    /// participants ('P'), events, then parked events ('E').  Replaying them
    /// in this order rebuilds the ledger.
    void each_record(const std::function<void(char kind, const std::string& json)>& out) const;
    /// Rebuilds a ledger from `snapshot()`; throws ProgramError on a bad snapshot.
    [[nodiscard]] static Ledger restore(const nlohmann::json& snapshot);

private:
    friend class ShardedLedger;
    struct State;
    Outcome evaluate_participant(std::uint32_t p, Instant as_of, Detail detail) const;
    /// The participant's status after their latest event (one byte each, not a cached Outcome).
    Status standing(std::uint32_t p);
    Update add_checked(const Record& event, std::string where, std::size_t line);
    AddResult add_participant_checked(const Record& record, std::string where, std::size_t line);
    /// Keeps a valid event for a participant not known yet; false when there is no room.
    bool park(const std::string& participant, const Record& event, std::string_view where, std::size_t line,
              Update& update);
    void apply_parked(const std::string& participant);

    std::unique_ptr<Program> program_;  // on the heap: the dataset points at it
    std::unique_ptr<Dataset> data_;
    std::unique_ptr<State> state_;
};

/// A ledger split into shards by participant id, each behind its own lock, so
/// that many threads can add and read at once.
class ShardedLedger {
public:
    explicit ShardedLedger(const Program& program, std::size_t shards = 16);
    ~ShardedLedger();

    [[nodiscard]] const Program& program() const noexcept { return program_; }

    AddResult add_participant(const Record& record);
    AddResult add_participant(const nlohmann::json& record);
    Update add(const Record& event);
    Update add(const nlohmann::json& event);

    /// Adds every participant of a JSON Lines (or CSV) text; `where` names it
    /// in rejections, with the line each record is on.
    BatchResult add_participants(std::string_view text, std::string_view where = "<participants>",
                                 Format format = Format::jsonl);
    /// Adds every event of a JSON Lines (or CSV) text.
    BatchResult add_events(std::string_view text, std::string_view where = "<events>", Format format = Format::jsonl);

    [[nodiscard]] std::optional<Outcome> outcome(std::string_view id, Instant as_of = kEndOfTime);
    /// Every participant's outcome, sorted by id.
    [[nodiscard]] std::vector<Outcome> outcomes(Instant as_of = kEndOfTime);
    /// The unit of participant `id`, nullopt if unknown: a lookup, no evaluation.
    [[nodiscard]] std::optional<std::string> unit_of(std::string_view id);

    /// Accepted participants and events, over all shards.
    struct Counts {
        std::size_t participants = 0;
        std::size_t events = 0;
        std::size_t not_kept = 0;  ///< `restore`: records of the snapshot not kept again (rejected or duplicate)
    };
    [[nodiscard]] Counts counts();
    /// Events waiting for their participant, over all shards.
    [[nodiscard]] std::size_t parked_count();
    /// How many events may wait for their participant at once, over all shards.
    void set_park_limit(std::size_t limit);
    /// Writes every record kept from now on to `journal` (see `Journal`).
    void set_journal(Journal* journal);

    /// One snapshot of every shard's records (shards hold disjoint
    /// participants, so their union replays exactly), as `Ledger::snapshot`.
    [[nodiscard]] nlohmann::ordered_json snapshot();
    /// `Ledger::each_record` over every shard, shard by shard (each under its lock).
    void each_record(const std::function<void(char kind, const std::string& json)>& out);
    /// Writes `snapshot()` to `path` as one JSON text, through `path.tmp`
    /// renamed over it, so a crash never leaves half a file.  Throws io_error.
    void save(const std::string& path);
    /// Replays a snapshot written by `save` or `Ledger::snapshot` for this
    /// programme, and returns what it added (and how many of its records it
    /// did not keep: say so, they were dropped).  Throws ProgramError when the
    /// snapshot is unreadable or was kept for another programme (or another
    /// version of it), io_error when the file cannot be read.
    Counts restore(const std::string& path);

private:
    struct Shard;
    Shard& shard_for(std::string_view id);
    template <class Result>
    Result add_json(const nlohmann::json& json);

    Program program_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::shared_ptr<detail::ParkSpace> park_space_;  // shared by the shards
};

}  // namespace yanxiu
