#pragma once
/// \file dataset.hpp
/// The record store: accepted participants and events, held as columns with
/// interned ids, and every rejection, so that for each input read =
/// accepted + rejected + duplicates.  Readers (JSON Lines, CSV, xAPI, data
/// frames) all end in `add_participant` / `add_event`, which decide what a
/// record is; the parsing and acceptance code is compiled (src/).

#include <yanxiu/detail/id_index.hpp>
#include <yanxiu/detail/large_alloc.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json_fwd.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yanxiu {

namespace detail {
struct PreparedEvent;                          // an event record checked, not yet stored (src/io/prepared.hpp)
struct FastEvent;                              // likewise, as views into the text read
struct PreparedParticipant;                    // a participant record checked, not yet stored
struct RecordView;                             // a record's fields as views into the text read (src/io/scan.hpp)
enum class ParticipantLookup : std::uint8_t;  // when prepare_event finds the participant (likewise)
}  // namespace detail

/// An evaluation or a read stopped because its cancel flag was set
/// (`EvaluateOptions::cancel`, `Dataset::cancel`).
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

/// Input formats.
enum class Format : std::uint8_t { automatic, jsonl, csv };

/// A participant.
struct Participant {
    std::string id;
    std::string unit;
    Sector sector = Sector::unknown;
    std::uint16_t category = 0;  ///< index into Program::categories()
    bool verified = true;
    std::string name;            ///< kept for the caller; never printed by yanxiu

    friend bool operator==(const Participant& a, const Participant& b) {
        return a.id == b.id && a.unit == b.unit && a.sector == b.sector && a.category == b.category &&
               a.verified == b.verified && a.name == b.name;
    }
};

/// What an event is.
enum class EventKind : std::uint8_t {
    study,     ///< a session on a lesson, [start, end)
    quiz,      ///< an attempt at a lesson's quiz, at `start`
    exam,      ///< an attempt at a declared exam, at `start`
    approval,  ///< a sign-off (e.g. a school administrator's), at `start`
    credit,    ///< a manual credit of a lesson (e.g. an offline session a unit accepted), at `start`
};

/// The spelling of an event kind in records ("study", "quiz", "exam", "approval", "credit").
[[nodiscard]] constexpr std::string_view to_string(EventKind k) noexcept {
    switch (k) {
        case EventKind::study: return "study";
        case EventKind::quiz: return "quiz";
        case EventKind::exam: return "exam";
        case EventKind::approval: return "approval";
        case EventKind::credit: return "credit";
    }
    return "study";
}

/// Who gave an approval or a manual credit, and why: kept beside the event
/// columns (the event's `end` holds its index), so the outcome can name them.
struct Note {
    std::string by;
    std::string reason;
    /// Who sent the record, when a service authenticated its writer (empty
    /// otherwise).  Not part of what the record says: a resend of the same
    /// approval by another writer is a duplicate, and the first writer stays.
    std::string recorded_by;
    friend bool operator==(const Note& a, const Note& b) { return a.by == b.by && a.reason == b.reason; }
};

/// One event in row form (the store keeps columns).
struct Event {
    EventKind kind = EventKind::study;
    std::uint32_t participant = 0;  ///< index into the participant table
    /// The interned lesson id (study, quiz, credit), or the exam's index in
    /// `Program::exams()` (exam); 0 for an approval.
    std::uint32_t lesson = 0;
    Instant start{};                ///< study start, or the instant of any other event
    /// Study: the end (exclusive).  Quiz, exam: equals start.  Approval,
    /// credit: the index of its `Note` (see `Dataset::notes()`), as seconds.
    Instant end{};
    /// Quiz, exam: the score (NaN: none).  Credit: the seconds credited.
    double score = std::numeric_limits<double>::quiet_NaN();
    bool completed = true;          ///< quiz only: false when marked `"completed": false`
};

/// Interns strings to dense 32-bit ids; ids are stable once given.
class Interner {
public:
    /// The id of `s`, adding it if new.
    std::uint32_t intern(std::string_view s) {
        auto id = static_cast<std::uint32_t>(strings_.size());
        auto [found, inserted] =
            index_.insert(detail::hash_bytes(s), id, [&](std::uint32_t k) { return strings_[k] == s; });
        if (inserted) {
            strings_.emplace_back(s);
            ranks_valid_ = false;
        }
        return found;
    }
    /// The id of `s`, if known.
    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view s) const {
        auto id = index_.find(detail::hash_bytes(s), [&](std::uint32_t k) { return strings_[k] == s; });
        if (id == detail::IdIndex::kEmpty) return std::nullopt;
        return id;
    }
    [[nodiscard]] const std::string& str(std::uint32_t id) const { return strings_[id]; }
    [[nodiscard]] std::size_t size() const noexcept { return strings_.size(); }
    /// Each id's position in byte-wise string order (for tie-breaks by id).
    [[nodiscard]] const std::vector<std::uint32_t>& ranks() const {
        if (!ranks_valid_) compute_ranks();
        return ranks_;
    }

private:
    void compute_ranks() const;

    std::vector<std::string> strings_;
    detail::IdIndex index_;
    mutable std::vector<std::uint32_t> ranks_;
    mutable bool ranks_valid_ = true;
};

/// Events as columns: one vector per field, indexed by event number.
/// A province's columns are read at random when a participant's events are
/// gathered, so large ones live on huge pages (detail/large_alloc.hpp).
struct EventColumns {
    template <class T>
    using Column = detail::LargeVector<T>;
    Column<EventKind> kind;
    Column<std::uint32_t> participant;
    Column<std::uint32_t> lesson;
    Column<std::int64_t> start;  ///< seconds since the epoch
    Column<std::int64_t> end;
    Column<double> score;
    Column<std::uint8_t> completed;

    [[nodiscard]] std::size_t size() const noexcept { return kind.size(); }
    [[nodiscard]] Event row(std::size_t i) const {
        return Event{kind[i], participant[i], lesson[i], Instant{Seconds{start[i]}}, Instant{Seconds{end[i]}},
                     score[i],  completed[i] != 0};
    }
    void push_back(const Event& e) {
        kind.push_back(e.kind);
        participant.push_back(e.participant);
        lesson.push_back(e.lesson);
        start.push_back(e.start.time_since_epoch().count());
        end.push_back(e.end.time_since_epoch().count());
        score.push_back(e.score);
        completed.push_back(e.completed ? 1 : 0);
    }
    void pop_back() {
        kind.pop_back(), participant.pop_back(), lesson.pop_back(), start.pop_back(), end.pop_back(),
            score.pop_back(), completed.pop_back();
    }
    void reserve(std::size_t n) {
        kind.reserve(n), participant.reserve(n), lesson.reserve(n), start.reserve(n), end.reserve(n),
            score.reserve(n), completed.reserve(n);
    }
};

/// The longest study session accepted (longer ones are rejected `session_too_long`).
inline constexpr Seconds kMaxSession{24 * 3600};

/// What became of one record offered to a store or a ledger.
enum class AddStatus : std::uint8_t {
    accepted,   ///< new, and kept
    duplicate,  ///< the same record was already kept (counted, not kept again)
    rejected,   ///< unusable; its Rejection says why
};

/// The spelling of an AddStatus ("accepted", "duplicate", "rejected").
[[nodiscard]] constexpr std::string_view to_string(AddStatus s) noexcept {
    switch (s) {
        case AddStatus::accepted: return "accepted";
        case AddStatus::duplicate: return "duplicate";
        case AddStatus::rejected: return "rejected";
    }
    return "rejected";
}

/// Participants and events of one evaluation, with every rejection.
///
/// Read participants before events: an event naming a participant not (yet)
/// accepted is rejected `unknown_participant`.
class Dataset {
public:
    /// `program` must outlive the dataset.
    explicit Dataset(const Program& program);
    ~Dataset();
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;
    Dataset(Dataset&&) noexcept;
    Dataset& operator=(Dataset&&) noexcept;

    [[nodiscard]] const Program& program() const noexcept { return *program_; }

    /// Files are read in pieces of about this many bytes (memory stays
    /// bounded: at most 2 x read_threads + 1 pieces are in flight, with what
    /// was parsed from them, about three times their text).
    std::size_t read_chunk_bytes = std::size_t{2} << 20;
    /// A line (a CSV record) longer than this is rejected `too_long`
    /// without being parsed (or, in a file, held in memory).
    std::size_t max_line_bytes = std::size_t{1} << 20;
    /// A field value longer than this is rejected `too_long`, naming the field.
    std::size_t max_field_bytes = std::size_t{64} << 10;
    /// Threads that read a file (0: every core; 1: the calling thread
    /// alone): its pieces are split and checked on read_threads - 1 workers
    /// and on the calling thread, which also keeps the records in file order
    /// and parses whatever is queued when it would otherwise wait.  The store,
    /// every count, and every rejection and its order are the same for any
    /// number.  Also the threads of `read_xapi`.
    unsigned read_threads = 0;
    /// When set (by another thread), a file being read stops at the next
    /// piece and the read throws `Cancelled`.
    const std::atomic<bool>* cancel = nullptr;

    /// Reads participants from text; `file` names it in rejections.
    ReadSummary read_participants(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads events from text; `file` names it in rejections.
    ReadSummary read_events(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads a participants file (format from the extension, else sniffed), in
    /// pieces.  Throws `io_error` (io/error.hpp) when it cannot be opened or read.
    ReadSummary read_participants_file(const std::string& path, Format format = Format::automatic);
    /// Reads an events file (format from the extension, else sniffed), in pieces.
    ReadSummary read_events_file(const std::string& path, Format format = Format::automatic);

    /// Adds one participant; `where` and `line` name it in a rejection.  A
    /// string field that is not valid UTF-8 is rejected `bad_utf8`.
    AddStatus add_participant(const Record& record, std::string_view where = "<participants>", std::size_t line = 0);
    /// Adds one event (study or quiz).
    AddStatus add_event(const Record& record, std::string_view where = "<events>", std::size_t line = 0);
    /// Adds one participant given as a JSON object (its members as fields).
    AddStatus add_participant(const nlohmann::json& record, std::string_view where = "<participants>",
                              std::size_t line = 0);
    /// Adds one event given as a JSON object.
    AddStatus add_event(const nlohmann::json& record, std::string_view where = "<events>", std::size_t line = 0);
    /// Counts one event record read but unusable before it had fields (e.g. an
    /// xAPI statement that is not valid JSON), with its rejection, so that
    /// other readers reconcile through the same summary.
    void reject_event(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                      std::string message);
    /// The same for a participant record.
    void reject_participant(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                            std::string message);

    [[nodiscard]] const std::vector<Participant>& participants() const noexcept { return participants_; }
    [[nodiscard]] const EventColumns& events() const noexcept { return *events_; }
    [[nodiscard]] const Interner& lessons() const noexcept { return lessons_; }
    /// The rejections kept, in the order made: the first `rejections_kept` of them.
    [[nodiscard]] const std::vector<Rejection>& rejections() const noexcept { return rejections_; }
    /// At most this many rejections are kept in `rejections()` (all by
    /// default); every one is still counted (`rejection_counts()`) and handed
    /// to `on_rejection`, so a reader of a bad file needs memory for N, not for
    /// every bad line.
    std::size_t rejections_kept = std::numeric_limits<std::size_t>::max();
    /// Called with every rejection as it is made (e.g. to stream it to a file).
    std::function<void(const Rejection&)> on_rejection;
    /// Called after each piece of a file read by read_*_file: the bytes read
    /// so far and the file's size (0 for a pipe), for a progress display.
    std::function<void(std::uint64_t bytes_read, std::uint64_t total_bytes)> on_read_progress;
    /// How many rejections were made, by code (indexed by the code's value).
    [[nodiscard]] const std::array<std::size_t, std::size(kRejectCodes)>& rejection_counts() const noexcept {
        return rejection_counts_;
    }
    /// Files read that were not UTF-8, with the encoding they were read
    /// in ("UTF-16LE", "UTF-16BE", "GB18030"): converted to UTF-8 as read.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& decoded_files() const noexcept {
        return decoded_files_;
    }
    /// The latest rejection made, kept or not (what a ledger answers with).
    [[nodiscard]] const std::optional<Rejection>& last_rejection() const noexcept { return last_rejection_; }
    /// Checks an event as `add_event` would, except that its participant
    /// need not be known yet; adds nothing.  The rejection, or nullopt when
    /// the event would be accepted once its participant is (a ledger parks
    /// such an event until then), with the event as one line of JSON in
    /// `json` (the form a ledger's snapshot writes).  Counts nothing.
    [[nodiscard]] std::optional<Rejection> check_event(const Record& record, std::string_view where = "<events>",
                                                       std::size_t line = 0, std::string* json = nullptr);
    /// Who gave each approval and manual credit, and why (an approval's or
    /// credit's `end` is the index here).
    [[nodiscard]] const std::vector<Note>& notes() const noexcept { return notes_; }
    /// Unit names that came with space around them (ASCII or the full-width
    /// U+3000), which was dropped: trimmed name -> the spellings read (at most
    /// 8 each).  A front end reports these, since each may have merged what
    /// would otherwise have been two units.
    [[nodiscard]] const std::map<std::string, std::vector<std::string>>& unit_spellings() const noexcept {
        return unit_spellings_;
    }
    /// Counts over every participant read so far.
    [[nodiscard]] const ReadSummary& participant_summary() const noexcept { return participant_summary_; }
    /// Counts over every event read so far.
    [[nodiscard]] const ReadSummary& event_summary() const noexcept { return event_summary_; }
    /// Each accepted event's record `id` ("" where it had none), by event index.
    [[nodiscard]] std::vector<std::string> event_record_ids() const;
    /// What the last `add_event` replaced: an event whose id it shares and
    /// whose content it precedes in canonical order takes that event's place
    /// (which is rejected `duplicate_id` instead).  A ledger keeps its own
    /// copy of each event in step with this.
    struct Replacement {
        std::uint32_t index;  ///< the event's place in the columns
        Event before;         ///< what was there
    };
    [[nodiscard]] const std::optional<Replacement>& last_replacement() const noexcept { return last_replacement_; }
    /// The participant the last `add_participant` replaced (same id, a
    /// smaller canonical form), if it did.
    [[nodiscard]] std::optional<std::uint32_t> last_participant_replaced() const noexcept {
        return last_participant_replaced_;
    }

    /// Where each participant's events are once `group_events` has run.
    struct EventGroups {
        std::vector<std::uint32_t> by_id;    ///< participant indices in id order
        std::vector<std::uint32_t> offsets;  ///< participant by_id[k]'s events: [offsets[k], offsets[k+1])
    };
    /// Reorders the events so that each participant's sit side by side,
    /// participants in id order and each one's in the order they were kept:
    /// batch evaluation then reads them front to back instead of gathering
    /// every event from columns in file order (and needs no sort of its own).
    /// Event numbers change (`event_record_ids()` and the duplicate checks
    /// follow them); nothing that is evaluated does.  The grouping holds until
    /// the next participant or event is kept; until then a second call does
    /// nothing.  Run on `read_threads` threads.
    /// Not for a dataset a Ledger holds (it keeps event numbers).
    void group_events();
    /// The grouping of the events, or nullptr when they are not (or no longer) grouped.
    [[nodiscard]] const EventGroups* event_groups() const noexcept { return groups_.get(); }

    /// The index of a participant by id, if accepted.
    [[nodiscard]] std::optional<std::uint32_t> find_participant(std::string_view id) const {
        auto found = participant_index_.find(detail::hash_bytes(id),
                                             [&](std::uint32_t k) { return participants_[k].id == id; });
        if (found == detail::IdIndex::kEmpty) return std::nullopt;
        return found;
    }

private:
    friend struct DatasetAccess;  // src/: the readers and the acceptance code

    AddStatus accept_participant(const Record& r, std::string_view file, std::size_t line);
    /// Checks and converts a participant record without storing anything
    /// (safe on several threads at once): the rejection, or nullopt with
    /// `out` filled; `out.spelling` is set either way once the unit is read.
    [[nodiscard]] std::optional<Rejection> prepare_participant(const Record& r,
                                                               detail::PreparedParticipant& out) const;
    /// What becomes of a prepared participant: its unit's spelling noted,
    /// then `rejection` made, or the participant stored.
    AddStatus keep_participant(detail::PreparedParticipant& prepared, std::optional<Rejection> rejection,
                               std::string_view file, std::size_t line);
    /// Keeps a prepared participant unless one with its id is kept: the
    /// duplicate and conflicting-id rules.  `p` is moved from when kept.
    AddStatus store_participant(Participant& p, std::string_view file, std::size_t line);
    /// Notes that `unit` was read as `spelling` (space around it dropped).
    void note_spelling(const std::string& unit, const std::string& spelling);
    /// `check_only`: validate everything but the participant, store nothing.
    AddStatus accept_event(const Record& r, std::string_view file, std::size_t line, std::string* check_only = nullptr);
    /// Checks and converts an event record without storing anything (safe
    /// on several threads at once while no participant is added): the
    /// rejection, or nullopt with `out` filled.  `lookup` says whether the
    /// participant must be known, need not be, or is looked up by the caller.
    [[nodiscard]] std::optional<Rejection> prepare_event(const Record& r, detail::PreparedEvent& out,
                                                         detail::ParticipantLookup lookup) const;
    /// The common event records (a study with start and end, a quiz with at,
    /// fields of plain types) checked straight from views into the text, the
    /// participant left to the caller: true with `out` filled when the record
    /// is one of those and passes every check, false (deciding nothing) for
    /// any other, which the caller gives to prepare_event.  Whichever path a
    /// record takes, it gives the same event.
    [[nodiscard]] bool prepare_event_fast(const detail::RecordView& r, detail::FastEvent& out) const;
    /// Keeps a prepared event (its lesson interned), unless it duplicates one
    /// kept: the record-id and content duplicate checks.  `note` is moved
    /// from for an approval or a credit; `hash` is its detail::content_hash.
    AddStatus store_event(Event event, std::string_view record_id, Note& note, std::uint64_t hash,
                          std::string_view file, std::size_t line);
    AddStatus add_checked(const Record& record, std::string_view where, std::size_t line, bool event);
    /// Rejects a record with a field that is not UTF-8 or is too long; true when it did.
    bool reject_unreadable(const Record& record, std::string_view where, std::size_t line);
    /// Rejects a record with a field over `max_field_bytes`; true when it did.
    bool reject_too_long(const Record& record, std::string_view where, std::size_t line);
    /// The rejection of a record with a field over `max_field_bytes` (file and line left empty).
    [[nodiscard]] std::optional<Rejection> too_long(const Record& record) const;
    void reject(std::string_view file, std::size_t line, std::string_view field, RejectCode code,
                std::string message);
    /// Counts one added record in `summary`, a replacement included.
    void tally(ReadSummary& summary, AddStatus status, bool event) const noexcept;
    void count_rejected(ReadSummary& summary, std::string_view where, std::size_t line, std::string_view field,
                        RejectCode code, std::string message);
    [[nodiscard]] bool same_event(std::uint32_t a, std::uint32_t b) const noexcept;

    /// Where a kept record was read: the file (interned) and the line.
    struct Origin {
        std::uint32_t file = 0;
        std::uint32_t line = 0;
    };
    Origin origin(std::string_view file, std::size_t line);
    [[nodiscard]] std::string where(Origin o) const;
    void reject(Origin o, std::string_view field, RejectCode code, std::string message);
    [[nodiscard]] std::string canonical_participant(const Participant& p) const;
    [[nodiscard]] std::string canonical_event(std::uint32_t i, const std::string& id) const;
    void replace_event(std::uint32_t kept, std::uint32_t with);

    const Program* program_;
    std::vector<Participant> participants_;
    detail::IdIndex participant_index_;
    std::unique_ptr<EventColumns> events_;
    Interner event_id_strings_{};
    Interner lessons_;
    std::vector<std::uint32_t> event_by_record_id_;  // interned record id -> first event with it
    std::unique_ptr<Record> json_fields_;           // scratch for the JSON overloads of add_*
    std::unique_ptr<detail::PreparedEvent> prepared_;  // scratch for accept_event
    std::unique_ptr<detail::PreparedParticipant> prepared_participant_;  // and for accept_participant
    detail::IdIndex events_without_id_;             // content -> event, for records without an id
    std::vector<Rejection> rejections_;
    std::array<std::size_t, std::size(kRejectCodes)> rejection_counts_{};
    std::optional<Rejection> last_rejection_;
    std::vector<std::pair<std::string, std::string>> decoded_files_;
    bool checking_ = false;  // inside check_event: rejections are not counted or kept
    std::vector<Note> notes_;
    std::map<std::string, std::vector<std::string>> unit_spellings_;
    Interner files_;                               // the files records were read from
    std::uint32_t last_file_ = 0;                  // files_'s id of the latest file named by origin()
    std::vector<Origin> participant_origins_;      // participant -> where it was read
    std::vector<Origin> event_origins_;            // interned record id -> where its kept event was read
    struct Conflicts;  // id -> canonical forms rejected under it (src/dataset.cpp)
    std::unique_ptr<Conflicts> conflicts_;
    std::optional<Replacement> last_replacement_;
    std::optional<std::uint32_t> last_participant_replaced_;
    ReadSummary participant_summary_;
    ReadSummary event_summary_;
    bool event_ids_seeded_ = false;
    std::unique_ptr<EventGroups> groups_;  // set by group_events, dropped when a record is kept
};

}  // namespace yanxiu
