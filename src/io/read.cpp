// Reading records into a Dataset: text and files in JSON Lines or CSV, and
// JSON values; every record ends in the Dataset's acceptance (dataset.cpp).

#include "io/read.hpp"

#include "io/fields.hpp"
#include "io/prepared.hpp"
#include "parallel.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <system_error>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace yanxiu {

namespace detail {

Format detect_format(std::string_view path, std::string_view text) {
    auto ends_with = [&](std::string_view suffix) { return text::ends_with_ignoring_case(path, suffix); };
    if (ends_with(".csv")) return Format::csv;
    if (ends_with(".jsonl") || ends_with(".ndjson") || ends_with(".json")) return Format::jsonl;
    std::size_t pos = text::bom_length(text);
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n'))
        ++pos;
    if (pos < text.size() && (text[pos] == '{' || text[pos] == '[')) return Format::jsonl;
    return Format::csv;
}

std::string read_whole_file(const std::string& path, Encoding* encoding) {
    TextSource source(path);  // UTF-8 whatever the file was saved as; its size checked
    std::string data;
    while (source.read(data, std::size_t{1} << 20)) {
    }
    if (encoding) *encoding = source.encoding();
    return data;
}

}  // namespace detail

namespace {

/// One piece of an events file, split into records and checked on a worker
/// thread: what it found, in line order, to be kept on the calling thread.
struct EventPiece {
    std::string text;
    bool csv = false;
    detail::CsvScanner scanner;  // CSV: the file's header, lines from 1
    std::size_t row_begin = 0, row_end = 0;  // or rows of a table (add_table)

    /// An event checked: its lesson is an id in `lessons`, an approval's or
    /// credit's `end` an index in `notes`; its record id is `ids[id_begin,
    /// id_begin + id_size)`, its participant's id `ids[who_begin, ...)` until
    /// it is looked up.
    struct Item {
        Event event;
        std::uint64_t hash;  // detail::content_hash, once the participant is known
        std::size_t id_begin;
        std::size_t who_begin;
        std::uint32_t id_size;
        std::uint32_t who_size;
        std::uint32_t line;
    };
    /// A rejection, made before `events[before]`.
    struct Error {
        std::size_t before;
        std::size_t line;
        Rejection rejection;
    };
    std::vector<Item> events;
    std::vector<Error> errors;
    std::string ids;  // record ids and participant ids, back to back
    Interner lessons;
    std::vector<Note> notes;
    std::size_t lines = 0;  // the lines the piece spans
    std::exception_ptr failure;
    bool done = false;  // guarded by the pool's mutex

    /// Empty again for the next piece, its buffers kept (fresh ones would
    /// cost page faults and zeroing for every piece).
    void reuse() {
        text.clear();
        events.clear();
        errors.clear();
        ids.clear();
        lessons = Interner();
        notes.clear();
        lines = 0;
        failure = nullptr;
        done = false;
    }
};

/// One piece of a participants file, split and checked on a worker thread.
struct ParticipantPiece {
    std::string text;
    bool csv = false;
    detail::CsvScanner scanner;
    std::size_t row_begin = 0, row_end = 0;  // or rows of a table (add_table)

    /// A record checked, in line order: a participant to keep, or its
    /// rejection; the unit's spelling is noted either way.
    struct Entry {
        detail::PreparedParticipant prepared;
        std::optional<Rejection> rejection;
        std::size_t line = 0;
    };
    std::vector<Entry> entries;
    std::size_t lines = 0;
    std::exception_ptr failure;
    bool done = false;

    void reuse() {
        text.clear();
        entries.clear();
        lines = 0;
        failure = nullptr;
        done = false;
    }
};

/// Worker threads that parse pieces; the pieces are committed by the caller.
template <class Piece>
class PiecePool {
public:
    template <class Parse>
    PiecePool(unsigned threads, Parse parse) : parse_(parse) {
        for (unsigned i = 0; i < threads; ++i)
            workers_.emplace_back([this] {
                for (;;) {
                    Piece* piece = nullptr;
                    {
                        std::unique_lock<std::mutex> lock(mutex_);
                        wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
                        if (stop_) return;
                        piece = queue_.front();
                        queue_.pop_front();
                    }
                    run(*piece);
                }
            });
    }
    ~PiecePool() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
    }
    PiecePool(const PiecePool&) = delete;
    PiecePool& operator=(const PiecePool&) = delete;

    void submit(Piece* piece) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(piece);
        }
        wake_.notify_one();
    }
    /// Whether `piece` is parsed.
    bool done(const Piece& piece) {
        const std::lock_guard<std::mutex> lock(mutex_);
        return piece.done;
    }
    /// Until `piece` is parsed, parses pieces still queued on this thread
    /// (the caller's, which would otherwise only wait), then waits.
    void help_until(const Piece& piece) {
        for (;;) {
            Piece* next = nullptr;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                if (piece.done) return;
                if (queue_.empty()) {
                    finished_.wait(lock, [&] { return piece.done; });
                    return;
                }
                next = queue_.front();  // the earliest not yet started: perhaps `piece` itself
                queue_.pop_front();
            }
            run(*next);
        }
    }

private:
    /// Parses a piece taken from the queue (on a worker or the caller) and marks it done.
    void run(Piece& piece) {
        try {
            parse_(piece);
        } catch (...) {
            piece.failure = std::current_exception();
        }
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            piece.done = true;
        }
        finished_.notify_all();
    }

    std::function<void(Piece&)> parse_;
    std::mutex mutex_;
    std::condition_variable wake_, finished_;
    std::deque<Piece*> queue_;
    bool stop_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace

/// Feeds scanned records to a Dataset's acceptance, counting each.
struct DatasetAccess {
    template <class Scan>
    static ReadSummary run(Dataset& data, bool events, std::string_view file, Scan&& scan) {
        ReadSummary summary;
        auto on_record = [&](const Record& record, std::size_t line) {
            // The scanners checked UTF-8 already; the length of each field is left.
            if (data.reject_too_long(record, file, line)) {
                data.tally(summary, AddStatus::rejected, events);
                return;
            }
            data.tally(summary,
                       events ? data.accept_event(record, file, line) : data.accept_participant(record, file, line),
                       events);
        };
        auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            ++summary.read;
            ++summary.rejected;
            data.reject(file, line, field, code, std::move(message));
        };
        scan(on_record, on_error);
        (events ? data.event_summary_ : data.participant_summary_) += summary;
        return summary;
    }

    static ReadSummary text(Dataset& data, bool events, std::string_view text, std::string_view file, Format format) {
        return run(data, events, file,
                   [&](auto& on_record, auto& on_error) {
                       detail::scan_text(text, format, file, on_record, on_error, data.max_line_bytes);
                   });
    }

    /// Splits a piece into records for `on_record` / `on_error` (and the
    /// common events for `on_views`), its UTF-8 checked once for all its
    /// lines, and counts the lines it spans.
    template <class Piece, class OnRecord, class OnError, class OnViews = detail::NoViews>
    static void scan_piece(Piece& piece, std::size_t max_line, OnRecord&& on_record, OnError&& on_error,
                           OnViews&& on_views = OnViews{}) {
        const std::string_view text = piece.text;
        const bool valid_utf8 = text::find_invalid_utf8(text) == std::string_view::npos;
        if (piece.csv) {
            piece.scanner.valid_utf8 = valid_utf8;
            piece.scanner.feed(text, false, on_record, on_error, on_views);
            piece.lines = piece.scanner.line() - 1;
        } else {
            detail::scan_jsonl(text, on_record, on_error, 0, false, max_line, valid_utf8, on_views);
            piece.lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        }
    }

    /// Splits a piece into records and checks each (a worker thread: reads
    /// `data`, changes nothing in it).  The participants are looked up after
    /// the piece is split, many at once, each one's slot in the index and its
    /// record fetched ahead (the lookups are random reads of a large table).
    static void parse_piece(const Dataset& data, EventPiece& piece, std::size_t max_line) {
        parse_events_with(data, piece, [&](auto& on_record, auto& on_error, auto& on_views) {
            scan_piece(piece, max_line, on_record, on_error, on_views);
        });
    }

    /// The same for records given by `scan(on_record, on_error, on_views)`
    /// (the piece's text split, or rows of a table).
    template <class Scan>
    static void parse_events_with(const Dataset& data, EventPiece& piece, Scan&& scan) {
        detail::PreparedEvent p;
        // Lessons are few and short: a small cache in front of the piece's
        // interner, keyed by a short id's bytes (exact for ids of at most 8).
        struct CachedLesson {
            std::uint64_t key = 0;
            std::uint32_t size = 0xFFFFFFFFu, id = 0;
        };
        std::array<CachedLesson, 64> lesson_cache{};
        auto lesson_id = [&](std::string_view lesson) {
            if (lesson.size() > 8) return piece.lessons.intern(lesson);
            std::uint64_t key = 0;
            std::memcpy(&key, lesson.data(), lesson.size());
            CachedLesson& c = lesson_cache[((key ^ lesson.size()) * 0x9E3779B97F4A7C15ULL) >> 58];
            if (c.size != lesson.size() || c.key != key)
                c = CachedLesson{key, static_cast<std::uint32_t>(lesson.size()), piece.lessons.intern(lesson)};
            return c.id;
        };
        auto fail = [&](std::size_t line, Rejection rejection) {
            piece.errors.push_back(EventPiece::Error{piece.events.size(), line, std::move(rejection)});
        };
        // An event checked, its ids copied into the piece; its note is added by the caller.
        auto push = [&](const Event& event, std::string_view record_id, std::string_view participant,
                        std::string_view lesson, std::size_t line) -> EventPiece::Item& {
            EventPiece::Item item{event,
                                  0,
                                  piece.ids.size(),
                                  piece.ids.size() + record_id.size(),
                                  static_cast<std::uint32_t>(record_id.size()),
                                  static_cast<std::uint32_t>(participant.size()),
                                  static_cast<std::uint32_t>(line)};
            piece.ids += record_id;
            piece.ids += participant;
            if (detail::has_lesson(event.kind)) item.event.lesson = lesson_id(lesson);
            piece.events.push_back(item);
            return piece.events.back();
        };
        auto on_record = [&](const Record& record, std::size_t line) {
            if (auto rejection = data.too_long(record)) return fail(line, std::move(*rejection));
            if (auto rejection = data.prepare_event(record, p, detail::ParticipantLookup::later))
                return fail(line, std::move(*rejection));
            EventPiece::Item& item = push(p.event, p.record_id, p.participant, p.lesson, line);
            if (detail::has_note(item.event.kind)) {
                item.event.end = Instant{Seconds{static_cast<std::int64_t>(piece.notes.size())}};
                piece.notes.push_back(std::move(p.note));
            }
        };
        auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            fail(line, Rejection{"", 0, std::string(field), code, std::move(message)});
        };
        // The common records, checked from views into the piece: nothing copied but the ids.
        detail::FastEvent fast;
        auto on_views = [&](const detail::RecordView& view, std::size_t line) {
            if (!data.prepare_event_fast(view, fast)) return false;
            push(fast.event, fast.record_id, fast.participant, fast.lesson, line);
            return true;
        };
        scan(on_record, on_error, on_views);
        find_participants(data, piece);
    }

    /// Looks up each event's participant; an unknown one's event becomes its
    /// rejection, in its place among the others.
    static void find_participants(const Dataset& data, EventPiece& piece) {
        const std::size_t n = piece.events.size();
        std::vector<std::uint64_t> hashes(n);
        for (std::size_t i = 0; i < n; ++i) {
            const EventPiece::Item& item = piece.events[i];
            hashes[i] = detail::hash_bytes(std::string_view(piece.ids.data() + item.who_begin, item.who_size));
        }
        std::vector<std::uint64_t> lesson_hashes(piece.lessons.size());
        for (std::uint32_t k = 0; k < piece.lessons.size(); ++k)
            lesson_hashes[k] = detail::hash_bytes(piece.lessons.str(k));
        const detail::IdIndex& index = data.participant_index_;
        const std::vector<Participant>& people = data.participants_;
        constexpr std::size_t slot_ahead = 16, record_ahead = 8;
        std::vector<EventPiece::Item> kept;
        kept.reserve(n);
        std::vector<EventPiece::Error> errors;
        errors.reserve(piece.errors.size());
        std::size_t next_error = 0;
        auto errors_before = [&](std::size_t i) {  // the rejections made before events[i], in their places
            for (; next_error < piece.errors.size() && piece.errors[next_error].before <= i; ++next_error) {
                errors.push_back(std::move(piece.errors[next_error]));
                errors.back().before = kept.size();
            }
        };
        Note none;
        for (std::size_t i = 0; i < n; ++i) {
            if (i + slot_ahead < n) index.prefetch(hashes[i + slot_ahead]);
            if (i + record_ahead < n) {
                const std::uint32_t k = index.first_candidate(hashes[i + record_ahead]);
                if (k != detail::IdIndex::kEmpty) __builtin_prefetch(&people[k]);
            }
            errors_before(i);
            EventPiece::Item& item = piece.events[i];
            const std::string_view who(piece.ids.data() + item.who_begin, item.who_size);
            const std::uint32_t found = index.find(hashes[i], [&](std::uint32_t k) { return people[k].id == who; });
            if (found == detail::IdIndex::kEmpty) {
                errors.push_back(EventPiece::Error{
                    kept.size(), item.line,
                    Rejection{"", 0, "participant", RejectCode::unknown_participant,
                              "participant " + quoted(who) + " is not among the participants read"}});
                continue;
            }
            item.event.participant = found;
            const Event& e = item.event;
            const Note& note =
                detail::has_note(e.kind) ? piece.notes[static_cast<std::size_t>(e.end.time_since_epoch().count())] : none;
            item.hash = detail::content_hash_of_lesson(e, detail::has_lesson(e.kind) ? lesson_hashes[e.lesson] : e.lesson,
                                                       note);
            kept.push_back(item);
        }
        errors_before(n);
        piece.events = std::move(kept);
        piece.errors = std::move(errors);
    }

    /// Keeps a parsed piece's events and makes its rejections, in line
    /// order, as reading it on this thread would have.
    static void commit_piece(Dataset& data, EventPiece& piece, std::size_t lines_before, const std::string& file,
                             ReadSummary& summary) {
        if (piece.failure) std::rethrow_exception(piece.failure);
        std::vector<std::uint32_t> lesson_ids(piece.lessons.size(), detail::IdIndex::kEmpty);
        std::size_t next = 0;
        Note none;
        constexpr std::size_t ahead = 16;  // the duplicate index is probed at random: prefetch
        for (std::size_t i = 0; i < ahead && i < piece.events.size(); ++i)
            data.events_without_id_.prefetch(piece.events[i].hash);
        auto keep_until = [&](std::size_t end) {
            for (; next < end; ++next) {
                if (next + ahead < piece.events.size())
                    data.events_without_id_.prefetch(piece.events[next + ahead].hash);
                EventPiece::Item& item = piece.events[next];
                Event event = item.event;
                if (detail::has_lesson(event.kind)) {
                    std::uint32_t& id = lesson_ids[event.lesson];
                    if (id == detail::IdIndex::kEmpty) id = data.lessons_.intern(piece.lessons.str(event.lesson));
                    event.lesson = id;
                }
                Note& note = detail::has_note(event.kind)
                                 ? piece.notes[static_cast<std::size_t>(event.end.time_since_epoch().count())]
                                 : none;
                const std::string_view id(piece.ids.data() + item.id_begin, item.id_size);
                data.tally(summary, data.store_event(event, id, note, item.hash, file, lines_before + item.line),
                           true);
            }
        };
        for (EventPiece::Error& error : piece.errors) {
            keep_until(error.before);
            Rejection& r = error.rejection;
            data.count_rejected(summary, file, lines_before + error.line, r.field, r.code, std::move(r.message));
        }
        keep_until(piece.events.size());
    }

    /// Participants: each piece's records checked on a worker.
    static void parse_participants(const Dataset& data, ParticipantPiece& piece, std::size_t max_line) {
        parse_participants_with(data, piece, [&](auto& on_record, auto& on_error) {
            scan_piece(piece, max_line, on_record, on_error);
        });
    }

    template <class Scan>
    static void parse_participants_with(const Dataset& data, ParticipantPiece& piece, Scan&& scan) {
        auto add = [&](std::size_t line) -> ParticipantPiece::Entry& {
            piece.entries.emplace_back();
            piece.entries.back().line = line;
            return piece.entries.back();
        };
        auto on_record = [&](const Record& record, std::size_t line) {
            ParticipantPiece::Entry& entry = add(line);
            entry.rejection = data.too_long(record);
            if (!entry.rejection) entry.rejection = data.prepare_participant(record, entry.prepared);
        };
        auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            add(line).rejection = Rejection{"", 0, std::string(field), code, std::move(message)};
        };
        scan(on_record, on_error);
    }

    /// Participants: kept in line order, as reading on this thread would.
    static void commit_participants(Dataset& data, ParticipantPiece& piece, std::size_t lines_before,
                                    const std::string& file, ReadSummary& summary) {
        if (piece.failure) std::rethrow_exception(piece.failure);
        for (ParticipantPiece::Entry& entry : piece.entries)
            data.tally(summary,
                       data.keep_participant(entry.prepared, std::move(entry.rejection), file, lines_before + entry.line),
                       false);
    }

    /// A committed piece to fill again (its buffers keep their capacity), or a new one.
    template <class Piece>
    static std::unique_ptr<Piece> reuse_or_make(std::vector<std::unique_ptr<Piece>>& spare) {
        if (spare.empty()) return std::make_unique<Piece>();
        std::unique_ptr<Piece> piece = std::move(spare.back());
        spare.pop_back();
        return piece;
    }

    /// Keeps the oldest piece submitted once it is parsed (this thread parses
    /// queued pieces meanwhile), then sets it aside to be filled again.
    template <class Piece, class Commit>
    static void commit_oldest(PiecePool<Piece>& pool, std::deque<std::unique_ptr<Piece>>& pending,
                              std::vector<std::unique_ptr<Piece>>& spare, Commit& commit) {
        Piece& piece = *pending.front();
        pool.help_until(piece);
        commit(piece);
        piece.reuse();
        spare.push_back(std::move(pending.front()));
        pending.pop_front();
    }

    /// Room for `expected` events in all: the columns and the duplicate index
    /// then never grow (copy, rehash) while they fill.
    static void reserve_events(Dataset& data, std::size_t expected) {
        if (expected > data.events_->kind.capacity()) data.events_->reserve(expected);
        data.events_without_id_.reserve(expected);
    }

    /// A file read in pieces of `data.read_chunk_bytes`, each split and
    /// checked by `parse(piece)` on `data.read_threads` worker threads (on
    /// this one alone for 1), and kept here by `commit(piece, lines before
    /// it)` in file order.
    template <class Piece, class Parse, class Commit>
    static void read_in_pieces(Dataset& data, const std::string& path, Format format, ReadSummary& summary,
                               Parse parse, Commit commit_piece) {
        const unsigned threads = detail::resolve_threads(data.read_threads);
        const std::size_t max_line = data.max_line_bytes;
        std::size_t lines = 0;   // lines read (committed) so far
        detail::CsvScanner csv;  // reads the header; each piece gets a copy
        csv.max_line = max_line;
        std::deque<std::unique_ptr<Piece>> pending;  // submitted, in file order
        std::unique_ptr<PiecePool<Piece>> pool;
        const std::size_t most_pending = 2 * std::size_t{threads} + 1;
        auto commit = [&](Piece& piece) {
            commit_piece(piece, lines);
            lines += piece.lines;
        };
        std::vector<std::unique_ptr<Piece>> spare;  // committed, to be filled again
        auto commit_front = [&] { commit_oldest(*pool, pending, spare, commit); };
        auto drain = [&] {
            while (!pending.empty()) commit_front();
        };
        auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            data.count_rejected(summary, path, line, field, code, std::move(message));
        };
        detail::Encoding encoding = detail::Encoding::utf8;
        detail::for_each_piece(
            path, format, data.read_chunk_bytes,
            [&](std::string& bytes, bool first, bool is_csv) {
                std::size_t skip = first ? detail::skip_bom(bytes) : 0;  // where the records start
                if (is_csv && !csv.header_done()) {
                    drain();
                    csv.set_line(lines + 1);
                    skip = csv.feed_header(bytes, skip, on_error);
                    lines = csv.line() - 1;
                }
                if (skip >= bytes.size()) return;
                std::unique_ptr<Piece> piece = reuse_or_make(spare);
                piece->text.swap(bytes);  // the piece's bytes, without a copy
                if (skip) piece->text.erase(0, skip);
                piece->csv = is_csv;
                if (is_csv) piece->scanner = csv.for_piece();
                if (threads <= 1) {  // parsed and kept here, one piece at a time
                    parse(*piece);
                    commit(*piece);
                    piece->reuse();
                    spare.push_back(std::move(piece));
                    return;
                }
                // Workers for all threads but this one, which reads, keeps, and
                // parses what is queued whenever it would otherwise wait.
                if (!pool) pool = std::make_unique<PiecePool<Piece>>(threads - 1, parse);
                pool->submit(piece.get());
                pending.push_back(std::move(piece));
                while (pending.size() > most_pending || (!pending.empty() && pool->done(*pending.front())))
                    commit_front();
            },
            [&](bool) {
                drain();
                on_error(lines + 1, "", RejectCode::too_long, detail::too_long_message(std::nullopt, max_line));
                ++lines;
            },
            data.cancel, max_line, &encoding, &data.on_read_progress);
        drain();
        pool.reset();
        if (encoding != detail::Encoding::utf8)
            data.decoded_files_.push_back({path, std::string(detail::to_string(encoding))});
    }

    /// Events from a file, in pieces (read_in_pieces).
    static ReadSummary events_file(Dataset& data, const std::string& path, Format format) {
        ReadSummary summary;
        // Room for the whole file's events (reserve_events), estimated from its first piece.
        std::error_code size_error;
        const std::uintmax_t file_bytes = std::filesystem::file_size(path, size_error);
        bool reserved = size_error || file_bytes == 0;
        const std::size_t max_line = data.max_line_bytes;
        read_in_pieces<EventPiece>(
            data, path, format, summary, [&data, max_line](EventPiece& piece) { parse_piece(data, piece, max_line); },
            [&](EventPiece& piece, std::size_t lines_before) {
                if (!reserved && !piece.text.empty()) {
                    reserved = true;
                    const double per_byte =
                        static_cast<double>(piece.events.size()) / static_cast<double>(piece.text.size());
                    const auto estimate = static_cast<std::size_t>(1.02 * per_byte * static_cast<double>(file_bytes));
                    reserve_events(data, data.events_->size() + std::min<std::size_t>(estimate, file_bytes / 16));
                }
                commit_piece(data, piece, lines_before, path, summary);
            });
        data.event_summary_ += summary;
        return summary;
    }

    /// Participants from a file, in pieces (read_in_pieces).
    static ReadSummary participants_file(Dataset& data, const std::string& path, Format format) {
        ReadSummary summary;
        const std::size_t max_line = data.max_line_bytes;
        read_in_pieces<ParticipantPiece>(
            data, path, format, summary,
            [&data, max_line](ParticipantPiece& piece) { parse_participants(data, piece, max_line); },
            [&](ParticipantPiece& piece, std::size_t lines_before) {
                commit_participants(data, piece, lines_before, path, summary);
            });
        data.participant_summary_ += summary;
        return summary;
    }

    /// A table's record columns, and one row of them as views into its cells.
    class TableRows {
    public:
        explicit TableRows(const RecordTable& table) {
            for (const auto& column : table.columns())
                if (auto field = field_from_header(column.name)) known_.emplace_back(*field, &column);
            stamps_.resize(known_.size());
        }

        /// Row `row` as views (valid until the next call).  False, having
        /// decided nothing, when a cell cannot be a view: text that is not
        /// valid UTF-8, an integer beyond 64 bits, a nested value.  The
        /// caller then takes `record`, whose checks decide.
        bool view(std::size_t row, detail::RecordView& out) {
            out.clear();
            for (std::size_t i = 0; i < known_.size(); ++i) {
                const RecordColumn& c = *known_[i].second;
                if (!c.missing.empty() && c.missing[row]) continue;  // as RecordColumn::cell: the slot as it was
                detail::ValueView& v = out.slot(known_[i].first);
                switch (c.type) {
                    case ColumnType::text:
                        if (!string_view_of(c.text[row], v, c.valid_utf8)) return false;
                        break;
                    case ColumnType::text_view:
                        if (!string_view_of(c.views[row], v, c.valid_utf8)) return false;
                        break;
                    case ColumnType::categorical:
                        if (c.codes[row] >= 0 && !value_view_of(c.categories[static_cast<std::size_t>(c.codes[row])], v))
                            return false;
                        break;
                    case ColumnType::values:
                        if (!value_view_of(c.values[row], v)) return false;
                        break;
                    case ColumnType::integer:
                        v.type = ValueType::integer, v.integer = c.integers[row], v.from_text = false;
                        break;
                    case ColumnType::number:
                        if (!std::isnan(c.numbers[row])) v.type = ValueType::number, v.number = c.numbers[row], v.from_text = false;
                        break;
                    case ColumnType::boolean:
                        v.type = ValueType::boolean, v.boolean = c.booleans[row] != 0, v.from_text = false;
                        break;
                    case ColumnType::instant:
                    case ColumnType::local_time: {
                        char* stamp = stamps_[i].data();
                        const std::size_t n = format_epoch_seconds_to(stamp, c.integers[row], c.type == ColumnType::instant);
                        v.type = ValueType::string, v.text = std::string_view(stamp, n), v.from_text = false;
                        break;
                    }
                }
            }
            return true;
        }

        /// Row `row` as a Record, its text copied (what the general checks read).
        void record(std::size_t row, Record& out) const {
            out.clear();
            for (const auto& [field, column] : known_) column->cell(row, out.slot(field));
        }

    private:
        static bool string_view_of(std::string_view text, detail::ValueView& v, bool valid_utf8 = false) {
            if (!valid_utf8 && text::find_invalid_utf8(text) != std::string_view::npos) return false;
            v.type = ValueType::string, v.text = text, v.from_text = false;
            return true;
        }
        static bool value_view_of(const Value& value, detail::ValueView& v) {
            switch (value.type) {
                case ValueType::absent: return true;
                case ValueType::string:
                    if (!string_view_of(value.text, v)) return false;
                    v.from_text = value.from_text;
                    return true;
                case ValueType::null:
                case ValueType::boolean:
                case ValueType::integer:
                case ValueType::number:
                    v.type = value.type, v.boolean = value.boolean, v.integer = value.integer;
                    v.number = value.number, v.from_text = value.from_text, v.text = {};
                    return true;
                default: return false;  // unsigned beyond int64, nested: the general path
            }
        }

        std::vector<std::pair<Field, const RecordColumn*>> known_;
        std::vector<std::array<char, 24>> stamps_;  // per column: the text of an instant cell
    };

    /// A row the view path did not take, through the general checks (after
    /// UTF-8, which a file's scanner checks before its records are split).
    template <class OnRecord, class OnError>
    static void table_record(const Record& record, std::size_t line, OnRecord& on_record, OnError& on_error) {
        if (auto bad = detail::first_invalid_utf8_field(record))
            return on_error(line, field_name(*bad), RejectCode::bad_utf8, "invalid UTF-8 in a value");
        on_record(record, line);
    }

    static void parse_table_events(const Dataset& data, const RecordTable& table, EventPiece& piece) {
        TableRows rows(table);
        detail::RecordView view;
        Record record;
        parse_events_with(data, piece, [&](auto& on_record, auto& on_error, auto& on_views) {
            for (std::size_t row = piece.row_begin; row < piece.row_end; ++row) {
                const std::size_t line = row - piece.row_begin + 1;
                if (rows.view(row, view) && on_views(view, line)) continue;
                rows.record(row, record);
                table_record(record, line, on_record, on_error);
            }
        });
    }

    static void parse_table_participants(const Dataset& data, const RecordTable& table, ParticipantPiece& piece) {
        TableRows rows(table);
        Record record;
        parse_participants_with(data, piece, [&](auto& on_record, auto& on_error) {
            for (std::size_t row = piece.row_begin; row < piece.row_end; ++row) {
                rows.record(row, record);
                table_record(record, row - piece.row_begin + 1, on_record, on_error);
            }
        });
    }

    /// Rows `[0, rows)` in pieces, each parsed by `parse(piece)` on
    /// `data.read_threads` threads (on this one alone for 1) and kept by
    /// `commit(piece)` here, in row order; as read_in_pieces does a file's.
    template <class Piece, class Parse, class Commit>
    static void table_in_pieces(Dataset& data, std::size_t rows, Parse parse, Commit commit) {
        constexpr std::size_t kPieceRows = 16384;
        const std::size_t count = (rows + kPieceRows - 1) / kPieceRows;
        const unsigned threads =
            static_cast<unsigned>(std::min<std::size_t>(detail::resolve_threads(data.read_threads), count));
        auto check_cancel = [&] {
            if (data.cancel && data.cancel->load(std::memory_order_relaxed)) throw Cancelled();
        };
        auto rows_of = [&](Piece& piece, std::size_t k) {
            piece.row_begin = k * kPieceRows;
            piece.row_end = std::min(rows, piece.row_begin + kPieceRows);
        };
        if (threads <= 1) {
            Piece piece;
            for (std::size_t k = 0; k < count; ++k) {
                check_cancel();
                rows_of(piece, k);
                parse(piece);
                commit(piece);
                piece.reuse();
            }
            return;
        }
        std::deque<std::unique_ptr<Piece>> pending;  // submitted, in row order
        std::vector<std::unique_ptr<Piece>> spare;
        PiecePool<Piece> pool(threads - 1, parse);  // destroyed (joined) before the pieces
        const std::size_t most_pending = 2 * std::size_t{threads} + 1;
        std::size_t next = 0;
        while (next < count || !pending.empty()) {
            while (next < count && pending.size() < most_pending) {
                check_cancel();
                std::unique_ptr<Piece> piece = reuse_or_make(spare);
                rows_of(*piece, next++);
                pool.submit(piece.get());
                pending.push_back(std::move(piece));
            }
            commit_oldest(pool, pending, spare, commit);
        }
    }

    static ReadSummary table(Dataset& data, bool events, const RecordTable& table, std::string_view where) {
        ReadSummary summary;
        const std::string file(where);
        if (events) {
            reserve_events(data, data.events_->size() + table.rows());
            table_in_pieces<EventPiece>(
                data, table.rows(), [&data, &table](EventPiece& piece) { parse_table_events(data, table, piece); },
                [&](EventPiece& piece) { commit_piece(data, piece, piece.row_begin, file, summary); });
            data.event_summary_ += summary;
        } else {
            table_in_pieces<ParticipantPiece>(
                data, table.rows(),
                [&data, &table](ParticipantPiece& piece) { parse_table_participants(data, table, piece); },
                [&](ParticipantPiece& piece) { commit_participants(data, piece, piece.row_begin, file, summary); });
            data.participant_summary_ += summary;
        }
        return summary;
    }

    static AddStatus json(Dataset& data, bool events, const nlohmann::json& record, std::string_view where,
                          std::size_t line) {
        Record& fields = *data.json_fields_;  // reused: its strings keep their capacity between records
        AddStatus status = AddStatus::rejected;
        if (auto error = detail::fields_from_json(record, fields))
            data.reject(where, line, error->field, error->code, error->message);
        else
            status = events ? data.accept_event(fields, where, line) : data.accept_participant(fields, where, line);
        data.tally(events ? data.event_summary_ : data.participant_summary_, status, events);
        return status;
    }
};

namespace detail {
ReadSummary add_table(Dataset& data, bool events, const RecordTable& table, std::string_view where) {
    return DatasetAccess::table(data, events, table, where);
}
}  // namespace detail

ReadSummary Dataset::read_participants(std::string_view text, std::string_view file, Format format) {
    return DatasetAccess::text(*this, false, text, file, format);
}

ReadSummary Dataset::read_events(std::string_view text, std::string_view file, Format format) {
    return DatasetAccess::text(*this, true, text, file, format);
}

ReadSummary Dataset::read_participants_file(const std::string& path, Format format) {
    return DatasetAccess::participants_file(*this, path, format);
}

ReadSummary Dataset::read_events_file(const std::string& path, Format format) {
    return DatasetAccess::events_file(*this, path, format);
}

AddStatus Dataset::add_participant(const nlohmann::json& record, std::string_view where, std::size_t line) {
    return DatasetAccess::json(*this, false, record, where, line);
}

AddStatus Dataset::add_event(const nlohmann::json& record, std::string_view where, std::size_t line) {
    return DatasetAccess::json(*this, true, record, where, line);
}

}  // namespace yanxiu
