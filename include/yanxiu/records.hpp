#pragma once
/// \file records.hpp
/// Participants and events as read from JSON Lines and CSV (SPEC §4): a
/// columnar store with interned ids, and a rejection for every record that
/// cannot be used, so that records read = accepted + rejected + duplicates.

#include <yanxiu/detail/id_index.hpp>
#include <yanxiu/detail/large_alloc.hpp>
#include <yanxiu/detail/record_scan.hpp>
#include <yanxiu/rejection.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/time.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// Input formats.
enum class Format : std::uint8_t { automatic, jsonl, csv };

/// A participant (SPEC §4).
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
enum class EventKind : std::uint8_t { study, quiz };

/// One event in row form (the store keeps columns).
struct Event {
    EventKind kind = EventKind::study;
    std::uint32_t participant = 0;  ///< index into the participant table
    std::uint32_t lesson = 0;       ///< interned lesson id
    Instant start{};                ///< study start, or the quiz attempt's instant
    Instant end{};                  ///< study end (exclusive); equals start for a quiz
    double score = std::numeric_limits<double>::quiet_NaN();  ///< NaN: no score
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
        if (!ranks_valid_) {
            std::vector<std::uint32_t> order(strings_.size());
            for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
            std::sort(order.begin(), order.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return strings_[a] < strings_[b]; });
            ranks_.assign(order.size(), 0);
            for (std::uint32_t r = 0; r < order.size(); ++r) ranks_[order[r]] = r;
            ranks_valid_ = true;
        }
        return ranks_;
    }

private:
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

/// The longest study session accepted (SPEC §4 `session_too_long`).
inline constexpr Seconds kMaxSession{24 * 3600};

/// Participants and events of one evaluation, with every rejection.
///
/// Read participants before events: an event naming a participant not (yet)
/// accepted is rejected `unknown_participant`.
class Dataset {
public:
    /// `program` must outlive the dataset.
    explicit Dataset(const Program& program) : program_(&program) {}
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;
    Dataset(Dataset&&) = default;
    Dataset& operator=(Dataset&&) = default;

    [[nodiscard]] const Program& program() const noexcept { return *program_; }

    /// Files are read in pieces of about this many bytes (memory stays bounded).
    std::size_t read_chunk_bytes = std::size_t{8} << 20;

    /// Reads participants from text; `file` names it in rejections.
    ReadSummary read_participants(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads events from text; `file` names it in rejections.
    ReadSummary read_events(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads a participants file (format from the extension, else sniffed).
    ReadSummary read_participants_file(const std::string& path, Format format = Format::automatic);
    /// Reads an events file (format from the extension, else sniffed).
    ReadSummary read_events_file(const std::string& path, Format format = Format::automatic);

    /// Adds one participant given as fields (as a JSON object); `where` and
    /// `line` name it in a rejection.  Returns whether it was accepted (a
    /// duplicate returns false too; see the summary).
    bool add_participant(const nlohmann::json& record, std::string_view where = "<participants>",
                         std::size_t line = 0);
    /// Adds one event given as fields (as a JSON object).
    bool add_event(const nlohmann::json& record, std::string_view where = "<events>", std::size_t line = 0);
    /// Adds one participant given as fields already split out (e.g. one row of
    /// a table built in memory; see columns.hpp).  Counted and checked as a
    /// record read from a file; a string field that is not valid UTF-8 is
    /// rejected `bad_utf8`.
    bool add_participant(const detail::RecordFields& fields, std::string_view where = "<participants>",
                         std::size_t line = 0);
    /// Adds one event given as fields already split out.
    bool add_event(const detail::RecordFields& fields, std::string_view where = "<events>", std::size_t line = 0);
    /// Counts one event record read but unusable before it had fields (e.g. an
    /// xAPI statement that is not valid JSON), with its rejection, so that
    /// other readers reconcile through the same summary.
    void reject_event(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                      std::string message) {
        ++event_summary_.read;
        ++event_summary_.rejected;
        reject(where, line, field, code, std::move(message));
    }

    [[nodiscard]] const std::vector<Participant>& participants() const noexcept { return participants_; }
    [[nodiscard]] const EventColumns& events() const noexcept { return *events_; }
    [[nodiscard]] const Interner& lessons() const noexcept { return lessons_; }
    [[nodiscard]] const std::vector<Rejection>& rejections() const noexcept { return rejections_; }
    /// Counts over every participant read so far.
    [[nodiscard]] const ReadSummary& participant_summary() const noexcept { return participant_summary_; }
    /// Counts over every event read so far.
    [[nodiscard]] const ReadSummary& event_summary() const noexcept { return event_summary_; }
    /// Each accepted event's record `id` ("" where it had none), by event index.
    [[nodiscard]] std::vector<std::string> event_record_ids() const {
        std::vector<std::string> ids(events_->size());
        for (std::uint32_t r = 0; r < event_by_record_id_.size(); ++r)
            if (event_by_record_id_[r] != detail::IdIndex::kEmpty) ids[event_by_record_id_[r]] = event_id_strings_.str(r);
        return ids;
    }
    /// The index of a participant by id, if accepted.
    [[nodiscard]] std::optional<std::uint32_t> find_participant(std::string_view id) const {
        auto found = participant_index_.find(detail::hash_bytes(id),
                                             [&](std::uint32_t k) { return participants_[k].id == id; });
        if (found == detail::IdIndex::kEmpty) return std::nullopt;
        return found;
    }

private:
    enum class Outcome : std::uint8_t { accepted, rejected, duplicate };
    using Fields = detail::RecordFields;

    Outcome accept_participant(const Fields& f, std::string_view file, std::size_t line);
    Outcome accept_event(const Fields& f, std::string_view file, std::size_t line);
    void reject(std::string_view file, std::size_t line, std::string_view field, RejectCode code,
                std::string message) {
        rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
    }
    template <class Accept>
    ReadSummary read_all(std::string_view text, std::string_view file, Format format, Accept accept);
    template <class Accept>
    ReadSummary read_stream(const std::string& path, Format format, Accept accept);

    [[nodiscard]] std::uint64_t event_hash(std::uint32_t i) const noexcept;
    [[nodiscard]] bool same_event(std::uint32_t a, std::uint32_t b) const noexcept;

    const Program* program_;
    std::vector<Participant> participants_;
    detail::IdIndex participant_index_;
    std::unique_ptr<EventColumns> events_ = std::make_unique<EventColumns>();
    Interner event_id_strings_{};
    Interner lessons_;
    std::vector<std::uint32_t> event_by_record_id_;  // interned record id -> first event with it
    Fields json_fields_;  // scratch for add_participant/add_event on JSON values
    detail::IdIndex events_without_id_;             // content -> event, for records without an id
    std::vector<Rejection> rejections_;
    ReadSummary participant_summary_;
    ReadSummary event_summary_;
    bool event_ids_seeded_ = false;
};

// ---------------------------------------------------------------------------
// Implementation

namespace detail {

/// Reads a whole file; throws std::runtime_error naming it on failure.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open file");
    std::string data;
    in.seekg(0, std::ios::end);
    auto size = in.tellg();
    if (size > 0) {
        data.resize(static_cast<std::size_t>(size));
        in.seekg(0, std::ios::beg);
        in.read(data.data(), size);
        if (!in) throw std::runtime_error(path + ": read error");
    }
    return data;
}

/// The format of `path` by extension, else by the first significant byte.
inline Format detect_format(std::string_view path, std::string_view text) {
    auto ends_with = [&](std::string_view suffix) {
        if (path.size() < suffix.size()) return false;
        for (std::size_t i = 0; i < suffix.size(); ++i) {
            char c = path[path.size() - suffix.size() + i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != suffix[i]) return false;
        }
        return true;
    };
    if (ends_with(".csv")) return Format::csv;
    if (ends_with(".jsonl") || ends_with(".ndjson") || ends_with(".json")) return Format::jsonl;
    std::size_t pos = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n'))
        ++pos;
    if (pos < text.size() && (text[pos] == '{' || text[pos] == '[')) return Format::jsonl;
    return Format::csv;
}

inline std::string quote_for_message(std::string_view s) {
    // Messages quote values from files: keep them short and printable.
    std::string out = "'";
    std::size_t n = 0;
    for (unsigned char c : s) {
        if (n++ == 40) {
            out += "…";
            break;
        }
        if (c < 0x20 || c == 0x7f || c >= 0x80) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "'";
}

}  // namespace detail

template <class Accept>
ReadSummary Dataset::read_all(std::string_view text, std::string_view file, Format format, Accept accept) {
    ReadSummary summary;
    if (format == Format::automatic) format = detail::detect_format(file, text);
    auto on_record = [&](const Fields& fields, std::size_t line) {
        ++summary.read;
        switch (accept(fields, file, line)) {
            case Outcome::accepted: ++summary.accepted; break;
            case Outcome::rejected: ++summary.rejected; break;
            case Outcome::duplicate: ++summary.duplicates; break;
        }
    };
    auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
        ++summary.read;
        ++summary.rejected;
        reject(file, line, field, code, std::move(message));
    };
    if (format == Format::csv)
        detail::scan_csv(text, on_record, on_error);
    else
        detail::scan_jsonl(text, on_record, on_error);
    return summary;
}

inline ReadSummary Dataset::read_participants(std::string_view text, std::string_view file, Format format) {
    auto summary = read_all(text, file, format, [this](const Fields& f, std::string_view fl, std::size_t line) {
        return accept_participant(f, fl, line);
    });
    participant_summary_ += summary;
    return summary;
}

inline ReadSummary Dataset::read_events(std::string_view text, std::string_view file, Format format) {
    auto summary = read_all(text, file, format, [this](const Fields& f, std::string_view fl, std::size_t line) {
        return accept_event(f, fl, line);
    });
    event_summary_ += summary;
    return summary;
}

inline ReadSummary Dataset::read_participants_file(const std::string& path, Format format) {
    auto summary = read_stream(path, format, [this](const Fields& f, std::string_view fl, std::size_t line) {
        return accept_participant(f, fl, line);
    });
    participant_summary_ += summary;
    return summary;
}

inline ReadSummary Dataset::read_events_file(const std::string& path, Format format) {
    auto summary = read_stream(path, format, [this](const Fields& f, std::string_view fl, std::size_t line) {
        return accept_event(f, fl, line);
    });
    event_summary_ += summary;
    return summary;
}

template <class Accept>
ReadSummary Dataset::read_stream(const std::string& path, Format format, Accept accept) {
    // Pieces that end at record boundaries, so memory stays bounded by the
    // piece size however large the file is.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw std::runtime_error(path + ": cannot open file");
    ReadSummary summary;
    auto on_record = [&](const Fields& fields, std::size_t line) {
        ++summary.read;
        switch (accept(fields, path, line)) {
            case Outcome::accepted: ++summary.accepted; break;
            case Outcome::rejected: ++summary.rejected; break;
            case Outcome::duplicate: ++summary.duplicates; break;
        }
    };
    auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
        ++summary.read;
        ++summary.rejected;
        reject(path, line, field, code, std::move(message));
    };
    std::string buffer;
    std::size_t want = std::max<std::size_t>(read_chunk_bytes, 1);
    std::size_t lines_before = 0;
    bool first = true;
    detail::CsvScanner csv;
    for (;;) {
        const std::size_t old = buffer.size();
        buffer.resize(old + want);
        const std::size_t got = std::fread(buffer.data() + old, 1, want, file.get());
        buffer.resize(old + got);
        if (std::ferror(file.get())) throw std::runtime_error(path + ": read error");
        const bool eof = got < want;
        if (first && format == Format::automatic) format = detail::detect_format(path, buffer);
        const bool is_csv = format == Format::csv;
        const std::size_t cut = eof ? buffer.size() : detail::safe_cut(buffer, is_csv);
        if (cut == 0 && !eof) {
            want = std::min<std::size_t>(want * 2, std::size_t{1} << 30);  // a record longer than the piece
            continue;
        }
        std::string_view piece(buffer.data(), cut);
        if (is_csv) {
            csv.feed(piece, first, on_record, on_error);
        } else {
            detail::scan_jsonl(piece, on_record, on_error, lines_before, first);
            lines_before += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
        }
        first = false;
        buffer.erase(0, cut);
        want = std::max<std::size_t>(read_chunk_bytes, 1);
        if (eof) break;
    }
    return summary;
}

inline bool Dataset::add_participant(const nlohmann::json& record, std::string_view where, std::size_t line) {
    Fields& fields = json_fields_;  // reused: its strings keep their capacity between records
    ReadSummary summary;
    summary.read = 1;
    bool accepted = false;
    if (auto error = detail::fields_from_json(record, fields)) {
        summary.rejected = 1;
        reject(where, line, error->field, error->code, error->message);
    } else {
        switch (accept_participant(fields, where, line)) {
            case Outcome::accepted: summary.accepted = 1, accepted = true; break;
            case Outcome::rejected: summary.rejected = 1; break;
            case Outcome::duplicate: summary.duplicates = 1; break;
        }
    }
    participant_summary_ += summary;
    return accepted;
}

inline bool Dataset::add_event(const nlohmann::json& record, std::string_view where, std::size_t line) {
    Fields& fields = json_fields_;  // reused: its strings keep their capacity between records
    ReadSummary summary;
    summary.read = 1;
    bool accepted = false;
    if (auto error = detail::fields_from_json(record, fields)) {
        summary.rejected = 1;
        reject(where, line, error->field, error->code, error->message);
    } else {
        switch (accept_event(fields, where, line)) {
            case Outcome::accepted: summary.accepted = 1, accepted = true; break;
            case Outcome::rejected: summary.rejected = 1; break;
            case Outcome::duplicate: summary.duplicates = 1; break;
        }
    }
    event_summary_ += summary;
    return accepted;
}

namespace detail {

/// The first field holding a string that is not valid UTF-8, if any.
[[nodiscard]] inline std::optional<Field> first_invalid_utf8_field(const RecordFields& fields) noexcept {
    for (std::size_t i = 0; i < fields.values.size(); ++i) {
        const FieldValue& v = fields.values[i];
        if (v.type == ValueType::string && find_invalid_utf8(v.text) != std::string_view::npos)
            return static_cast<Field>(i);
    }
    return std::nullopt;
}

}  // namespace detail

inline bool Dataset::add_participant(const Fields& fields, std::string_view where, std::size_t line) {
    ReadSummary summary;
    summary.read = 1;
    bool accepted = false;
    if (auto bad = detail::first_invalid_utf8_field(fields)) {
        summary.rejected = 1;
        reject(where, line, detail::kFieldNames[static_cast<std::size_t>(*bad)], RejectCode::bad_utf8,
               "invalid UTF-8 in a value");
    } else {
        switch (accept_participant(fields, where, line)) {
            case Outcome::accepted: summary.accepted = 1, accepted = true; break;
            case Outcome::rejected: summary.rejected = 1; break;
            case Outcome::duplicate: summary.duplicates = 1; break;
        }
    }
    participant_summary_ += summary;
    return accepted;
}

inline bool Dataset::add_event(const Fields& fields, std::string_view where, std::size_t line) {
    ReadSummary summary;
    summary.read = 1;
    bool accepted = false;
    if (auto bad = detail::first_invalid_utf8_field(fields)) {
        summary.rejected = 1;
        reject(where, line, detail::kFieldNames[static_cast<std::size_t>(*bad)], RejectCode::bad_utf8,
               "invalid UTF-8 in a value");
    } else {
        switch (accept_event(fields, where, line)) {
            case Outcome::accepted: summary.accepted = 1, accepted = true; break;
            case Outcome::rejected: summary.rejected = 1; break;
            case Outcome::duplicate: summary.duplicates = 1; break;
        }
    }
    event_summary_ += summary;
    return accepted;
}

namespace detail {

/// Reads a field as an identifier: a string, or an integer written in decimal.
inline bool field_as_id(const FieldValue& v, std::string& out) {
    if (v.type == ValueType::string) {
        out = v.text;
        return true;
    }
    if (v.type == ValueType::integer) {
        out = std::to_string(v.integer);
        return true;
    }
    if (v.type == ValueType::unsigned_integer) {
        out = std::to_string(v.unsigned_integer);
        return true;
    }
    return false;
}

/// Whether a field is absent, null or (in CSV) an empty cell.
inline bool field_empty(const FieldValue& v) {
    return v.type == ValueType::absent || v.type == ValueType::null ||
           (v.type == ValueType::string && v.text.empty());
}

/// Reads a boolean: JSON true/false, or in CSV true/false/1/0/yes/no.
inline std::optional<bool> field_as_bool(const FieldValue& v) {
    if (v.type == ValueType::boolean) return v.boolean;
    if (v.type == ValueType::string && v.from_text) {
        std::string lower;
        for (char c : v.text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower == "true" || lower == "1" || lower == "yes") return true;
        if (lower == "false" || lower == "0" || lower == "no") return false;
    }
    if (v.type == ValueType::integer && (v.integer == 0 || v.integer == 1)) return v.integer == 1;
    if (v.type == ValueType::unsigned_integer && (v.unsigned_integer <= 1)) return v.unsigned_integer == 1;
    return std::nullopt;
}

/// A parsed number, or why not.
struct NumberRead {
    std::optional<double> value;
    bool out_of_range = false;
};

/// Reads a number: a JSON number, or in CSV a decimal numeral.
inline NumberRead field_as_number(const FieldValue& v) {
    if (v.type == ValueType::integer) return {static_cast<double>(v.integer)};
    if (v.type == ValueType::unsigned_integer) return {static_cast<double>(v.unsigned_integer)};
    if (v.type == ValueType::number) {
        if (!std::isfinite(v.number)) return {std::nullopt, true};
        return {v.number};
    }
    if (v.type == ValueType::string && v.from_text) {
        // A strict decimal numeral: optional sign, digits, optional fraction.
        const std::string& s = v.text;
        std::size_t i = 0;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++digits;
        if (i < s.size() && s[i] == '.') {
            ++i;
            while (i < s.size() && is_digit(s[i])) ++i, ++digits;
        }
        if (digits == 0 || i != s.size() || s.size() > 64) return {};
        double value = std::strtod(s.c_str(), nullptr);
        if (!std::isfinite(value)) return {std::nullopt, true};
        return {value};
    }
    return {};
}

}  // namespace detail

inline Dataset::Outcome Dataset::accept_participant(const Fields& f, std::string_view file, std::size_t line) {
    using detail::Field;
    Participant p;
    const auto& id = f.get(Field::id);
    if (detail::field_empty(id)) {
        reject(file, line, "id", RejectCode::missing_field, "a participant needs an id");
        return Outcome::rejected;
    }
    if (!detail::field_as_id(id, p.id)) {
        reject(file, line, "id", RejectCode::bad_type, "id must be a string or an integer");
        return Outcome::rejected;
    }
    const auto& unit = f.get(Field::unit);
    if (!detail::field_empty(unit) && !detail::field_as_id(unit, p.unit)) {
        reject(file, line, "unit", RejectCode::bad_type, "unit must be a string");
        return Outcome::rejected;
    }
    const auto& sector = f.get(Field::sector);
    if (!detail::field_empty(sector)) {
        if (sector.type != detail::ValueType::string) {
            reject(file, line, "sector", RejectCode::bad_type, "sector must be a string");
            return Outcome::rejected;
        }
        auto parsed = parse_sector(sector.text);
        if (!parsed) {
            reject(file, line, "sector", RejectCode::unknown_sector,
                   "unknown sector " + detail::quote_for_message(sector.text) +
                       "; expected kindergarten, primary, secondary, secondary_vocational, "
                       "higher_vocational, undergraduate or other");
            return Outcome::rejected;
        }
        p.sector = *parsed;
    }
    const auto& category = f.get(Field::category);
    std::string category_id = "other";
    if (!detail::field_empty(category)) {
        if (category.type != detail::ValueType::string) {
            reject(file, line, "category", RejectCode::bad_type, "category must be a string");
            return Outcome::rejected;
        }
        category_id = category.text;
    }
    const auto& categories = program_->categories();
    auto found = std::find_if(categories.begin(), categories.end(),
                              [&](const Category& c) { return c.id == category_id; });
    if (found == categories.end()) {
        if (detail::field_empty(category))
            reject(file, line, "category", RejectCode::missing_field,
                   "no category given and the programme has no 'other' category");
        else
            reject(file, line, "category", RejectCode::unknown_category,
                   "unknown category " + detail::quote_for_message(category_id) + " for programme " +
                       program_->id());
        return Outcome::rejected;
    }
    p.category = static_cast<std::uint16_t>(found - categories.begin());
    const auto& verified = f.get(Field::verified);
    if (!detail::field_empty(verified)) {
        auto value = detail::field_as_bool(verified);
        if (!value) {
            reject(file, line, "verified", RejectCode::bad_type, "verified must be true or false");
            return Outcome::rejected;
        }
        p.verified = *value;
    }
    const auto& name = f.get(Field::name);
    if (!detail::field_empty(name) && !detail::field_as_id(name, p.name)) {
        reject(file, line, "name", RejectCode::bad_type, "name must be a string");
        return Outcome::rejected;
    }
    if (!found->allows(p.sector) && program_->on_sector_mismatch() == SectorMismatchPolicy::reject) {
        reject(file, line, "category", RejectCode::category_sector_mismatch,
               "category " + found->id + " is not open to sector " + std::string(to_string(p.sector)));
        return Outcome::rejected;
    }
    auto existing = find_participant(p.id);
    if (existing) {
        if (participants_[*existing] == p) return Outcome::duplicate;
        reject(file, line, "id", RejectCode::duplicate_id,
               "participant " + detail::quote_for_message(p.id) + " was already read with different fields");
        return Outcome::rejected;
    }
    auto index = static_cast<std::uint32_t>(participants_.size());
    participant_index_.insert(detail::hash_bytes(p.id), index, [](std::uint32_t) { return false; });
    participants_.push_back(std::move(p));
    return Outcome::accepted;
}

inline std::uint64_t Dataset::event_hash(std::uint32_t i) const noexcept {
    const auto& e = *events_;
    std::uint64_t h = static_cast<std::uint64_t>(e.kind[i]);
    h = detail::hash_mix(h, e.participant[i]);
    h = detail::hash_mix(h, e.lesson[i]);
    h = detail::hash_mix(h, static_cast<std::uint64_t>(e.start[i]));
    h = detail::hash_mix(h, static_cast<std::uint64_t>(e.end[i]));
    return h;
}

inline bool Dataset::same_event(std::uint32_t a, std::uint32_t b) const noexcept {
    const auto& e = *events_;
    if (e.kind[a] != e.kind[b] || e.participant[a] != e.participant[b] || e.lesson[a] != e.lesson[b] ||
        e.start[a] != e.start[b] || e.end[a] != e.end[b] || e.completed[a] != e.completed[b])
        return false;
    bool nan_a = std::isnan(e.score[a]), nan_b = std::isnan(e.score[b]);
    return nan_a == nan_b && (nan_a || e.score[a] == e.score[b]);
}

inline Dataset::Outcome Dataset::accept_event(const Fields& f, std::string_view file, std::size_t line) {
    using detail::Field;
    using detail::ValueType;
    if (!event_ids_seeded_) {
        event_id_strings_.intern("");  // id 0 means "no record id"
        event_ids_seeded_ = true;
    }
    Event event;
    const auto& kind = f.get(Field::kind);
    if (detail::field_empty(kind)) {
        reject(file, line, "kind", RejectCode::missing_field, "an event needs a kind (study or quiz)");
        return Outcome::rejected;
    }
    if (kind.type != ValueType::string) {
        reject(file, line, "kind", RejectCode::bad_type, "kind must be a string");
        return Outcome::rejected;
    }
    if (kind.text == "study")
        event.kind = EventKind::study;
    else if (kind.text == "quiz")
        event.kind = EventKind::quiz;
    else {
        reject(file, line, "kind", RejectCode::unknown_kind,
               "unknown kind " + detail::quote_for_message(kind.text) + "; expected study or quiz");
        return Outcome::rejected;
    }
    std::string text;
    const auto& record_id = f.get(Field::id);
    std::uint32_t record_id_index = 0;
    if (!detail::field_empty(record_id)) {
        if (!detail::field_as_id(record_id, text)) {
            reject(file, line, "id", RejectCode::bad_type, "id must be a string or an integer");
            return Outcome::rejected;
        }
        record_id_index = event_id_strings_.intern(text);
    }
    const auto& participant = f.get(Field::participant);
    if (detail::field_empty(participant)) {
        reject(file, line, "participant", RejectCode::missing_field, "an event needs a participant");
        return Outcome::rejected;
    }
    if (!detail::field_as_id(participant, text)) {
        reject(file, line, "participant", RejectCode::bad_type, "participant must be a string or an integer");
        return Outcome::rejected;
    }
    auto who = find_participant(text);
    if (!who) {
        reject(file, line, "participant", RejectCode::unknown_participant,
               "participant " + detail::quote_for_message(text) + " is not among the participants read");
        return Outcome::rejected;
    }
    event.participant = *who;
    const auto& lesson = f.get(Field::lesson);
    if (detail::field_empty(lesson)) {
        reject(file, line, "lesson", RejectCode::missing_field, "an event needs a lesson");
        return Outcome::rejected;
    }
    if (!detail::field_as_id(lesson, text)) {
        reject(file, line, "lesson", RejectCode::bad_type, "lesson must be a string or an integer");
        return Outcome::rejected;
    }
    if (!program_->lessons().empty() && !program_->find_lesson(text)) {
        reject(file, line, "lesson", RejectCode::unknown_lesson,
               "lesson " + detail::quote_for_message(text) + " is not in the programme's catalogue");
        return Outcome::rejected;
    }
    auto read_instant = [&](Field field, std::string_view name) -> std::optional<Instant> {
        const auto& v = f.get(field);
        if (detail::field_empty(v)) {
            reject(file, line, name, RejectCode::missing_field, std::string("missing ") + std::string(name));
            return std::nullopt;
        }
        if (v.type != ValueType::string) {
            reject(file, line, name, RejectCode::bad_type, std::string(name) + " must be a timestamp string");
            return std::nullopt;
        }
        std::string error;
        auto t = parse_instant(v.text, program_->time_zone(), &error);
        if (!t) reject(file, line, name, RejectCode::bad_timestamp, detail::quote_for_message(v.text) + ": " + error);
        return t;
    };
    if (event.kind == EventKind::study) {
        auto start = read_instant(Field::start, "start");
        if (!start) return Outcome::rejected;
        event.start = *start;
        const auto& end = f.get(Field::end);
        if (!detail::field_empty(end)) {
            auto t = read_instant(Field::end, "end");
            if (!t) return Outcome::rejected;
            event.end = *t;
        } else {
            const auto& duration = f.get(Field::duration);
            if (detail::field_empty(duration)) {
                reject(file, line, "end", RejectCode::missing_field, "a study event needs end or duration");
                return Outcome::rejected;
            }
            std::optional<Seconds> length;
            std::string error = "expected seconds or an ISO 8601 duration";
            if (duration.type == ValueType::string) {
                length = parse_duration(duration.text, &error);
            } else if (duration.type == ValueType::integer || duration.type == ValueType::unsigned_integer ||
                       duration.type == ValueType::number) {
                auto n = detail::field_as_number(duration);
                if (n.value && *n.value >= 0 && *n.value <= static_cast<double>(kMaxDurationSeconds))
                    length = Seconds{static_cast<std::int64_t>(std::floor(*n.value))};
                else
                    error = "duration must be a non-negative number of seconds";
            } else {
                reject(file, line, "duration", RejectCode::bad_type,
                       "duration must be seconds or an ISO 8601 string");
                return Outcome::rejected;
            }
            if (!length) {
                reject(file, line, "duration", RejectCode::bad_duration, error);
                return Outcome::rejected;
            }
            event.end = event.start + *length;
        }
        if (event.end < event.start) {
            reject(file, line, "end", RejectCode::end_before_start, "the session ends before it starts");
            return Outcome::rejected;
        }
        if (event.end - event.start > kMaxSession) {
            reject(file, line, "end", RejectCode::session_too_long, "a study session may last at most 24 hours");
            return Outcome::rejected;
        }
    } else {
        auto at = read_instant(Field::at, "at");
        if (!at) return Outcome::rejected;
        event.start = event.end = *at;
        const auto& score = f.get(Field::score);
        if (!detail::field_empty(score)) {
            auto n = detail::field_as_number(score);
            if (n.out_of_range) {
                reject(file, line, "score", RejectCode::number_out_of_range, "score must lie between 0 and 100");
                return Outcome::rejected;
            }
            if (!n.value) {
                reject(file, line, "score", RejectCode::bad_type, "score must be a number");
                return Outcome::rejected;
            }
            if (*n.value < 0 || *n.value > 100) {
                reject(file, line, "score", RejectCode::number_out_of_range, "score must lie between 0 and 100");
                return Outcome::rejected;
            }
            event.score = *n.value;
        }
        const auto& completed = f.get(Field::completed);
        if (!detail::field_empty(completed)) {
            auto value = detail::field_as_bool(completed);
            if (!value) {
                reject(file, line, "completed", RejectCode::bad_type, "completed must be true or false");
                return Outcome::rejected;
            }
            event.completed = *value;
        }
    }
    event.lesson = lessons_.intern(text);

    // Duplicates: compared on parsed content, so equal instants written
    // differently are still the same record.
    auto index = static_cast<std::uint32_t>(events_->size());
    events_->push_back(event);
    if (record_id_index != 0) {
        if (event_by_record_id_.size() <= record_id_index)
            event_by_record_id_.resize(record_id_index + 1, detail::IdIndex::kEmpty);
        std::uint32_t& first = event_by_record_id_[record_id_index];
        if (first == detail::IdIndex::kEmpty) {
            first = index;
        } else {
            bool same = same_event(first, index);
            events_->pop_back();
            if (same) return Outcome::duplicate;
            reject(file, line, "id", RejectCode::duplicate_id,
                   "event id " + detail::quote_for_message(event_id_strings_.str(record_id_index)) +
                       " was already read with different content");
            return Outcome::rejected;
        }
    } else if (!events_without_id_
                    .insert(event_hash(index), index, [&](std::uint32_t k) { return same_event(k, index); })
                    .second) {
        events_->pop_back();
        return Outcome::duplicate;
    }
    return Outcome::accepted;
}

}  // namespace yanxiu
