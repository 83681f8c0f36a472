#pragma once
// Splits JSON Lines and CSV text into flat records of named fields, and
// rejects what cannot be a record (bad JSON, bad UTF-8, duplicate keys,
// nesting too deep, ragged CSV rows) with the line it starts on.  Private to
// the compiled library: readers, the census, the ledger's text input.

#include <yanxiu/record.hpp>
#include <yanxiu/time.hpp>

#include "text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>

namespace yanxiu::detail {

using text::is_digit;

using RecordFields = Record;
using FieldValue = Value;

/// Deepest nesting accepted inside one record.
inline constexpr std::size_t kMaxDepth = 64;

/// Why a record could not be split into fields.
struct FieldError {
    std::string field;
    RejectCode code;
    std::string message;
};

using text::find_invalid_utf8;

/// SAX handler that fills RecordFields from one JSON object.
class FlatObjectHandler {
public:
    using json = nlohmann::json;

    explicit FlatObjectHandler(RecordFields& fields) : fields_(fields) {}

    void reset() {
        fields_.clear();
        depth_ = 0;
        current_ = nullptr;
        for (auto& s : seen_) s = false;
        unknown_keys_.clear();
        error_.reset();
    }
    [[nodiscard]] const std::optional<FieldError>& error() const noexcept { return error_; }

    bool null() { return scalar([](FieldValue& v) { v.type = ValueType::null; }); }
    bool boolean(bool b) {
        return scalar([b](FieldValue& v) { v.type = ValueType::boolean, v.boolean = b; });
    }
    bool number_integer(json::number_integer_t n) {
        return scalar([n](FieldValue& v) { v.type = ValueType::integer, v.integer = n; });
    }
    bool number_unsigned(json::number_unsigned_t n) {
        return scalar([n](FieldValue& v) {
            if (n <= static_cast<std::uint64_t>(INT64_MAX))
                v.type = ValueType::integer, v.integer = static_cast<std::int64_t>(n);
            else
                v.type = ValueType::unsigned_integer, v.unsigned_integer = n;
        });
    }
    bool number_float(json::number_float_t x, const json::string_t&) {
        return scalar([x](FieldValue& v) { v.type = ValueType::number, v.number = x; });
    }
    bool string(json::string_t& s) {
        return scalar([&s](FieldValue& v) { v.type = ValueType::string, v.text.swap(s); });
    }
    bool binary(json::binary_t&) { return scalar([](FieldValue& v) { v.type = ValueType::nested; }); }
    bool start_object(std::size_t) { return open(); }
    bool end_object() { return close(); }
    bool start_array(std::size_t) {
        if (depth_ == 0) return fail("", RejectCode::malformed, "a record must be a JSON object, not an array");
        return open();
    }
    bool end_array() { return close(); }
    bool key(json::string_t& k) {
        if (depth_ != 1) return true;
        if (auto f = field_from_name(k)) {
            auto i = static_cast<std::size_t>(*f);
            if (seen_[i]) return fail(k, RejectCode::duplicate_key, "key '" + k + "' appears twice");
            seen_[i] = true;
            current_ = &fields_.slot(*f);
        } else {
            if (!unknown_keys_.insert(k).second)
                return fail(k.size() <= 64 ? k : k.substr(0, 64), RejectCode::duplicate_key,
                            "a key appears twice");
            current_ = nullptr;
        }
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
        if (error_) return false;
        if (e.id == 406) {
            fail(current_name(), RejectCode::number_out_of_range, "a number is too large to represent");
            return false;
        }
        // nlohmann's message quotes the text it read; keep only its explanation
        // so that no personal data from the line reaches a log.
        std::string what = e.what();
        std::string reason = "not valid JSON";
        auto at = what.find("syntax error while parsing ");
        if (at != std::string::npos) {
            reason = what.substr(at);
            auto cut = reason.find("; last read");
            if (cut != std::string::npos) reason.erase(cut);
            auto dash = reason.find(" - ");
            if (dash != std::string::npos) reason = "invalid JSON:" + reason.substr(dash + 2);
        }
        fail("", RejectCode::malformed, reason + " (at byte " + std::to_string(position) + ")");
        return false;
    }

private:
    template <class Set>
    bool scalar(Set set) {
        if (depth_ == 0) return fail("", RejectCode::malformed, "a record must be a JSON object");
        if (depth_ == 1 && current_) set(*current_);
        return true;
    }
    bool open() {
        if (depth_ == 1 && current_) current_->type = ValueType::nested;
        if (++depth_ > kMaxDepth)
            return fail(current_name(), RejectCode::too_deep,
                        "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }
    std::string current_name() const {
        if (!current_) return "";
        for (std::size_t i = 0; i < kFieldCount; ++i)
            if (&fields_.slot(static_cast<Field>(i)) == current_) return std::string(field_name(static_cast<Field>(i)));
        return "";
    }
    bool fail(std::string field, RejectCode code, std::string message) {
        if (!error_) error_ = FieldError{std::move(field), code, std::move(message)};
        return false;
    }

    RecordFields& fields_;
    std::size_t depth_ = 0;
    FieldValue* current_ = nullptr;
    std::array<bool, kFieldCount> seen_{};
    std::unordered_set<std::string> unknown_keys_;
    std::optional<FieldError> error_;
};

/// Skips a UTF-8 byte-order mark at the start of `text`.
[[nodiscard]] inline std::size_t skip_bom(std::string_view text) noexcept { return text::bom_length(text); }

using text::is_blank;

/// A record's fields as views into the text they were read from (a JSON
/// line, a CSV row): what the readers' fast paths check without copying a
/// field.  Valid only while that text is.
struct ValueView {
    ValueType type = ValueType::absent;
    bool boolean = false;
    bool from_text = false;  ///< a CSV cell
    std::int64_t integer = 0;
    double number = 0;
    std::string_view text;
    /// Absent, null, or an empty string (as Value::empty).
    [[nodiscard]] bool empty() const noexcept {
        return type == ValueType::absent || type == ValueType::null || (type == ValueType::string && text.empty());
    }
};

struct RecordView {
    std::array<ValueView, kFieldCount> values;
    [[nodiscard]] const ValueView& get(Field f) const noexcept { return values[static_cast<std::size_t>(f)]; }
    [[nodiscard]] ValueView& slot(Field f) noexcept { return values[static_cast<std::size_t>(f)]; }
    void clear() noexcept {
        for (ValueView& v : values) v.type = ValueType::absent, v.from_text = false;
    }
    /// The same fields in a Record, their text copied.
    void to_record(Record& record) const {
        record.clear();
        for (std::size_t i = 0; i < kFieldCount; ++i) {
            const ValueView& v = values[i];
            if (v.type == ValueType::absent) continue;
            Value& out = record.slot(static_cast<Field>(i));
            out.type = v.type;
            out.boolean = v.boolean;
            out.integer = v.integer;
            out.number = v.number;
            out.text.assign(v.text.data(), v.text.size());
            out.from_text = v.from_text;
        }
    }
};

/// Reads one line holding a flat JSON object of plain values, the common
/// case, without the general parser.  Returns false, having decided nothing,
/// on anything else (escapes, nesting, big integers, duplicate keys, any
/// syntax error): the caller then runs the general parser, which defines the
/// behaviour and the error, so both paths accept exactly the same records.
/// `line` must already be valid UTF-8.  The strings are views into `line`.
inline bool scan_flat_object(std::string_view line, RecordView& fields) {
    const char* p = line.data();
    const char* const end = p + line.size();
    auto skip_ws = [&] {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
    };
    // A string without escapes or control characters; p is on the opening quote.
    auto read_string = [&](std::string_view& out) -> bool {
        const char* start = ++p;
        while (p < end) {
            const auto c = static_cast<unsigned char>(*p);
            if (c == '"') {
                out = std::string_view(start, static_cast<std::size_t>(p - start));
                ++p;
                return true;
            }
            if (c == '\\' || c < 0x20) return false;
            ++p;
        }
        return false;
    };
    std::array<bool, kFieldCount> seen{};
    std::array<std::string_view, 16> unknown{};
    std::size_t unknown_count = 0;
    fields.clear();
    skip_ws();
    if (p >= end || *p != '{') return false;
    ++p;
    skip_ws();
    if (p < end && *p == '}') {
        ++p;
        skip_ws();
        return p == end;
    }
    for (;;) {
        skip_ws();
        if (p >= end || *p != '"') return false;
        std::string_view key;
        if (!read_string(key)) return false;
        ValueView* slot = nullptr;
        if (auto f = field_from_name(key)) {
            auto i = static_cast<std::size_t>(*f);
            if (seen[i]) return false;
            seen[i] = true;
            slot = &fields.slot(*f);
        } else {
            for (std::size_t k = 0; k < unknown_count; ++k)
                if (unknown[k] == key) return false;
            if (unknown_count == unknown.size()) return false;
            unknown[unknown_count++] = key;
        }
        skip_ws();
        if (p >= end || *p != ':') return false;
        ++p;
        skip_ws();
        if (p >= end) return false;
        const char c = *p;
        if (c == '"') {
            std::string_view value;
            if (!read_string(value)) return false;
            if (slot) slot->type = ValueType::string, slot->text = value;
        } else if (c == 't' || c == 'f' || c == 'n') {
            std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
            if (static_cast<std::size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word)
                return false;
            p += word.size();
            if (slot) {
                if (c == 'n') slot->type = ValueType::null;
                else slot->type = ValueType::boolean, slot->boolean = (c == 't');
            }
        } else if (c == '-' || is_digit(c)) {
            // JSON's number grammar, exactly.
            const char* start = p;
            if (*p == '-') ++p;
            if (p >= end || !is_digit(*p)) return false;
            if (*p == '0') {
                ++p;
            } else {
                while (p < end && is_digit(*p)) ++p;
            }
            const std::size_t int_digits = static_cast<std::size_t>(p - start) - (*start == '-' ? 1 : 0);
            bool is_float = false;
            if (p < end && *p == '.') {
                ++p;
                if (p >= end || !is_digit(*p)) return false;
                while (p < end && is_digit(*p)) ++p;
                is_float = true;
            }
            if (p < end && (*p == 'e' || *p == 'E')) {
                ++p;
                if (p < end && (*p == '+' || *p == '-')) ++p;
                if (p >= end || !is_digit(*p)) return false;
                while (p < end && is_digit(*p)) ++p;
                is_float = true;
            }
            const std::size_t length = static_cast<std::size_t>(p - start);
            if (!is_float) {
                if (int_digits > 18) return false;  // the general parser decides int64/uint64/float
                std::int64_t value = 0;
                for (const char* q = start + (*start == '-' ? 1 : 0); q < p; ++q) value = value * 10 + (*q - '0');
                if (slot) slot->type = ValueType::integer, slot->integer = *start == '-' ? -value : value;
            } else {
                if (length >= 64) return false;
                char buffer[64];
                std::memcpy(buffer, start, length);
                buffer[length] = '\0';
                const double value = std::strtod(buffer, nullptr);
                if (!std::isfinite(value)) return false;
                if (slot) slot->type = ValueType::number, slot->number = value;
            }
        } else {
            return false;  // nested object or array, or not JSON
        }
        skip_ws();
        if (p >= end) return false;
        if (*p == ',') {
            ++p;
            continue;
        }
        if (*p != '}') return false;
        ++p;
        skip_ws();
        return p == end;
    }
}

/// The same into a Record (its strings copied out of `line`).
inline bool scan_flat_object_fast(std::string_view line, RecordFields& fields) {
    RecordView view;
    if (!scan_flat_object(line, view)) return false;
    view.to_record(fields);
    return true;
}

/// No fast path: every record goes to `on_record` (the scanners' default).
struct NoViews {
    bool operator()(const RecordView&, std::size_t) const noexcept { return false; }
};

/// A line (or CSV record) longer than this is rejected `too_long` unread.
inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{1} << 20;

/// The rejection message of a line over the limit (of `length` bytes, when known).
inline std::string too_long_message(std::optional<std::size_t> length, std::size_t limit) {
    return length ? "the line is " + std::to_string(*length) + " bytes, longer than the limit of " +
                        std::to_string(limit) + " (max_line_bytes)"
                  : "the line is longer than the limit of " + std::to_string(limit) + " bytes (max_line_bytes)";
}

/// Calls `on_record(fields, line)` for each JSON object line and
/// `on_error(line, field, code, message)` for each unusable line.  Blank lines
/// are not records; a line over `max_line` bytes is rejected `too_long`.
/// `valid_utf8`: the caller checked that all of `text` is UTF-8 (no line is
/// then checked again).  `on_views(view, line)`, when given, is offered each
/// flat object first as views into the line; when it returns true the record
/// is taken, else it goes to `on_record` as usual.
template <class OnRecord, class OnError, class OnViews = NoViews>
void scan_jsonl(std::string_view text, OnRecord&& on_record, OnError&& on_error, std::size_t lines_before = 0,
                bool at_file_start = true, std::size_t max_line = kDefaultMaxLineBytes, bool valid_utf8 = false,
                OnViews&& on_views = OnViews{}) {
    RecordFields fields;
    RecordView views;
    FlatObjectHandler handler(fields);
    std::size_t pos = at_file_start ? skip_bom(text) : 0, line = lines_before;
    while (pos < text.size()) {
        ++line;
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view record = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
        if (record.size() > max_line) {
            on_error(line, "", RejectCode::too_long, too_long_message(record.size(), max_line));
            continue;
        }
        if (is_blank(record)) continue;
        if (auto bad = valid_utf8 ? std::string_view::npos : find_invalid_utf8(record); bad != std::string_view::npos) {
            on_error(line, "", RejectCode::bad_utf8, "invalid UTF-8 at byte " + std::to_string(bad));
            continue;
        }
        if (scan_flat_object(record, views)) {
            if constexpr (!std::is_same_v<std::decay_t<OnViews>, NoViews>)
                if (on_views(static_cast<const RecordView&>(views), line)) continue;
            views.to_record(fields);
            on_record(static_cast<const RecordFields&>(fields), line);
            continue;
        }
        handler.reset();
        bool ok = nlohmann::json::sax_parse(record.begin(), record.end(), &handler);
        if (!ok || handler.error()) {
            if (auto& e = handler.error()) {
                RejectCode code = e->code;
                // nlohmann reports a lone surrogate escape as a syntax error.
                if (code == RejectCode::malformed && e->message.find("surrogate") != std::string::npos)
                    code = RejectCode::bad_utf8;
                on_error(line, e->field, code, e->message);
            } else {
                on_error(line, "", RejectCode::malformed, "not valid JSON");
            }
            continue;
        }
        on_record(static_cast<const RecordFields&>(fields), line);
    }
}

/// Splits one CSV record starting at `pos` into cells (RFC 4180: quoted cells
/// may hold commas, doubled quotes and newlines).  Advances `pos` and `line`
/// past the record.  Returns false on an unterminated or ill-closed quote.
inline bool split_csv_record(std::string_view text, std::size_t& pos, std::size_t& line,
                             std::vector<std::string>& cells, std::string& error) {
    // Cells are written into `cells` in place: strings past the record's
    // count are kept (not destroyed) so their buffers serve the next record.
    const char* const data = text.data();
    const std::size_t size = text.size();
    std::size_t n = 0;
    auto done = [&](bool ok) {
        cells.resize(n);
        return ok;
    };
    for (;;) {
        if (n == cells.size()) cells.emplace_back();
        std::string& cell = cells[n++];
        cell.clear();
        if (pos < size && data[pos] == '"') {
            ++pos;
            for (;;) {
                // The run up to the next quote is the cell's text, newlines and all.
                const void* quote = std::memchr(data + pos, '"', size - pos);
                const std::size_t stop = quote ? static_cast<std::size_t>(static_cast<const char*>(quote) - data) : size;
                line += static_cast<std::size_t>(std::count(data + pos, data + stop, '\n'));
                cell.append(data + pos, stop - pos);
                pos = stop;
                if (pos >= size) {
                    error = "a quoted cell is not closed";
                    return done(false);
                }
                ++pos;  // the quote
                if (pos < size && data[pos] == '"') {  // a doubled quote stands for one
                    cell += '"';
                    ++pos;
                    continue;
                }
                break;
            }
            if (pos < size && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') {
                error = "unexpected text after a closing quote";
                // Resynchronise at the end of the physical line.
                while (pos < size && data[pos] != '\n') ++pos;
                if (pos < size) ++pos, ++line;
                return done(false);
            }
        } else {
            std::size_t stop = pos;
            while (stop < size && data[stop] != ',' && data[stop] != '\n' && data[stop] != '\r') ++stop;
            cell.assign(data + pos, stop - pos);
            pos = stop;
        }
        if (pos >= size) return done(true);
        const char c = data[pos];
        if (c == ',') {
            ++pos;
            continue;
        }
        if (c == '\r') {
            ++pos;
            if (pos < size && data[pos] == '\n') ++pos;
            ++line;
            return done(true);
        }
        // c == '\n'
        ++pos;
        ++line;
        return done(true);
    }
}

/// Calls `on_record(fields, line)` for each CSV data row and
/// `on_error(line, field, code, message)` for each unusable one.  The first
/// row is the header; unknown columns are ignored.
/// Reads CSV in pieces that each end at a record boundary (see
/// `safe_cut`): the header from the first piece, then data rows.
class CsvScanner {
public:
    std::size_t max_line = kDefaultMaxLineBytes;  ///< a longer record is rejected too_long
    /// The caller checked that the text fed is all UTF-8: cells are not checked again.
    bool valid_utf8 = false;
    /// The line the next record starts on.
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    /// Passes over a record the caller skipped (one that ended at a newline).
    void skip_line() noexcept { ++line_; }
    /// Sets the line the next record starts on.
    void set_line(std::size_t line) noexcept { line_ = line; }
    /// Whether the header row has been read.
    [[nodiscard]] bool header_done() const noexcept { return header_done_; }
    /// A scanner for a later piece of the same file, read on its own (on
    /// another thread): this one's header, lines counted from 1.
    [[nodiscard]] CsvScanner for_piece() const {
        CsvScanner s;
        s.max_line = max_line;
        s.header_done_ = header_done_;
        s.columns_ = columns_;
        s.header_error_ = header_error_;
        return s;
    }

    /// Scans `text`; `at_file_start` skips a byte-order mark and reads the header.
    /// `on_views(view, line)`, when given, is offered each row without quotes
    /// first as views into the text (see scan_jsonl).
    template <class OnRecord, class OnError, class OnViews = NoViews>
    void feed(std::string_view text, bool at_file_start, OnRecord&& on_record, OnError&& on_error,
              OnViews&& on_views = OnViews{}) {
        std::size_t pos = at_file_start ? skip_bom(text) : 0;
        if (!header_done_) pos = feed_header(text, pos, on_error);
        while (pos < text.size()) {
            if constexpr (!std::is_same_v<std::decay_t<OnViews>, NoViews>) {
                const std::size_t next = plain_row(text, pos);
                if (next != 0 && on_views(static_cast<const RecordView&>(views_), line_)) {
                    pos = next;
                    ++line_;
                    continue;
                }
            }
            std::size_t start_line = line_;
            std::size_t before = pos;
            bool ok = split_csv_record(text, pos, line_, cells_, error_);
            std::string_view raw = text.substr(before, pos - before);
            if (raw.size() > max_line + 2) {  // the record and its line end
                on_error(start_line, "", RejectCode::too_long, too_long_message(raw.size(), max_line));
                // Read on from the line after its first, as a file read in pieces does: a stray
                // quote that opened a cell running to the end of the file loses one line, not the rest.
                const std::size_t nl = text.find('\n', before);
                pos = nl == std::string_view::npos ? text.size() : nl + 1;
                line_ = start_line + 1;
                continue;
            }
            if (ok && cells_.size() == 1 && is_blank(cells_[0]) && is_blank(raw)) continue;
            if (header_error_) {
                on_error(start_line, header_error_->field, header_error_->code,
                         header_error_->message + " (line 1); rows cannot be read");
                continue;
            }
            if (!ok) {
                on_error(start_line, "", RejectCode::malformed, error_);
                continue;
            }
            if (cells_.size() != columns_.size()) {
                on_error(start_line, "", RejectCode::malformed,
                         "the row has " + std::to_string(cells_.size()) + " cells but the header has " +
                             std::to_string(columns_.size()));
                continue;
            }
            bool utf8_ok = true;
            for (std::size_t i = 0; i < cells_.size() && utf8_ok && !valid_utf8; ++i) {
                if (auto bad = find_invalid_utf8(cells_[i]); bad != std::string_view::npos) {
                    std::string field =
                        columns_[i] ? std::string(field_name(*columns_[i])) : "";
                    on_error(start_line, field, RejectCode::bad_utf8, "invalid UTF-8 in a cell");
                    utf8_ok = false;
                }
            }
            if (!utf8_ok) continue;
            fields_.clear();
            for (std::size_t i = 0; i < cells_.size(); ++i) {
                if (!columns_[i]) continue;
                auto& v = fields_.slot(*columns_[i]);
                v.type = ValueType::string;
                v.text.swap(cells_[i]);
                v.from_text = true;
            }
            on_record(static_cast<const RecordFields&>(fields_), start_line);
        }
    }

    /// A row from `pos` to its newline that holds no quote, is not blank, has
    /// the header's number of cells and no lone carriage return, and is
    /// within `max_line`: its cells as views in `views_`, and where the next
    /// row starts.  0 (deciding nothing) for any other row, which the general
    /// splitter then reads.
    std::size_t plain_row(std::string_view text, std::size_t pos) {
        if (header_error_ || !valid_utf8) return 0;
        const char* const begin = text.data() + pos;
        const std::size_t left = text.size() - pos;
        const void* nl = std::memchr(begin, '\n', left);
        std::size_t length = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - begin) : left;
        const std::size_t next = pos + length + (nl ? 1 : 0);
        if (length > 0 && begin[length - 1] == '\r') --length;
        if (length > max_line || is_blank(std::string_view(begin, length))) return 0;
        views_.clear();
        // One pass: cells end at commas; a quote or a carriage return sends the row to the general splitter.
        std::size_t cell = 0, start = 0;
        const std::size_t columns = columns_.size();
        for (std::size_t i = 0;; ++i) {
            const char c = i < length ? begin[i] : ',';
            if (c == '"' || c == '\r') return 0;
            if (c != ',') continue;
            if (cell >= columns) return 0;
            if (const auto& field = columns_[cell]) {
                ValueView& v = views_.slot(*field);
                v.type = ValueType::string;
                v.text = std::string_view(begin + start, i - start);
                v.from_text = true;
            }
            ++cell;
            if (i >= length) break;
            start = i + 1;
        }
        return cell == columns ? next : 0;
    }

    /// Reads the header row of `text` from `pos`, passing blank lines before
    /// it; returns where the rows after it start (text.size() when `text`
    /// holds no header yet).
    template <class OnError>
    std::size_t feed_header(std::string_view text, std::size_t pos, OnError&& on_error) {
        while (!header_done_ && pos < text.size()) {
            std::size_t start_line = line_;
            std::size_t before = pos;
            bool ok = split_csv_record(text, pos, line_, cells_, error_);
            std::string_view raw = text.substr(before, pos - before);
            if (ok && cells_.size() == 1 && is_blank(cells_[0]) && is_blank(raw)) continue;
            if (!ok) {
                on_error(start_line, "", RejectCode::malformed, "the header row is not valid CSV: " + error_);
                cells_.clear();
            }
            header_done_ = true;
            read_header();
        }
        return pos;
    }

private:
    void read_header() {
        std::unordered_set<std::string> names;
        for (auto& name : cells_) {
            std::string trimmed = name;
            while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
            std::size_t lead = 0;
            while (lead < trimmed.size() && (trimmed[lead] == ' ' || trimmed[lead] == '\t')) ++lead;
            trimmed.erase(0, lead);
            if (find_invalid_utf8(trimmed) != std::string_view::npos && !header_error_)
                header_error_ = FieldError{"", RejectCode::bad_utf8, "the header row has invalid UTF-8"};
            if (!names.insert(trimmed).second && !header_error_)
                header_error_ = FieldError{trimmed.size() <= 64 ? trimmed : trimmed.substr(0, 64),
                                           RejectCode::duplicate_key, "the header names a column twice"};
            const auto field = field_from_header(trimmed);
            // "id" and "工号" name one field: a record cannot hold it twice.
            if (field && !header_error_)
                for (const auto& earlier : columns_)
                    if (earlier == field) {
                        header_error_ = FieldError{std::string(field_name(*field)), RejectCode::duplicate_key,
                                                   "two columns of the header name the field " +
                                                       std::string(field_name(*field))};
                        break;
                    }
            columns_.push_back(field);
        }
    }

    bool header_done_ = false;
    std::size_t line_ = 1;
    std::vector<std::optional<Field>> columns_;
    std::optional<FieldError> header_error_;
    std::vector<std::string> cells_;
    std::string error_;
    RecordFields fields_;
    RecordView views_;
};

/// Calls `on_record(fields, line)` for each CSV data row and
/// `on_error(line, field, code, message)` for each unusable one.  The first
/// row is the header; unknown columns are ignored.
template <class OnRecord, class OnError>
void scan_csv(std::string_view text, OnRecord&& on_record, OnError&& on_error,
              std::size_t max_line = kDefaultMaxLineBytes) {
    CsvScanner scanner;
    scanner.max_line = max_line;
    scanner.feed(text, true, on_record, on_error);
}

/// The length of the longest prefix of `text` that ends at a record boundary:
/// after a newline outside quotes (CSV) or after any newline (JSON Lines).
/// 0 if there is none yet.
[[nodiscard]] inline std::size_t safe_cut(std::string_view text, bool csv) noexcept {
    // JSON Lines, or CSV without any quote: every newline ends a record.
    if (!csv || std::memchr(text.data(), '"', text.size()) == nullptr) {
        auto last = text.rfind('\n');
        return last == std::string_view::npos ? 0 : last + 1;
    }
    // The same state machine as split_csv_record, so that a cut never falls
    // inside a quoted cell, whatever stray quotes the text holds.
    std::size_t cut = 0;
    bool field_start = true, quoted = false, closed = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 >= text.size()) break;  // "" or a closing quote: undecidable yet
                if (text[i + 1] == '"') ++i;
                else quoted = false, closed = true;
            }
            continue;
        }
        if (closed) {
            closed = false;
            if (c == ',') {
                field_start = true;
            } else if (c == '\n' || c == '\r') {
                field_start = true;
                if (c == '\n') cut = i + 1;
            } else {
                // Text after a closing quote: the reader skips to the end of the line.
                while (i < text.size() && text[i] != '\n') ++i;
                if (i >= text.size()) break;
                cut = i + 1;
                field_start = true;
            }
            continue;
        }
        if (field_start && c == '"') {
            quoted = true;
            field_start = false;
            continue;
        }
        field_start = (c == ',' || c == '\n' || c == '\r');
        if (c == '\n') cut = i + 1;
    }
    return cut;
}

/// Fills `fields` from a JSON object (for records built in memory).
[[nodiscard]] inline std::optional<FieldError> fields_from_json(const nlohmann::json& record, RecordFields& fields) {
    fields.clear();
    if (!record.is_object()) return FieldError{"", RejectCode::malformed, "a record must be a JSON object"};
    for (const auto& [key, value] : record.items()) {
        auto f = field_from_name(key);
        if (!f) continue;
        auto& v = fields.slot(*f);
        switch (value.type()) {
            case nlohmann::json::value_t::null: v.type = ValueType::null; break;
            case nlohmann::json::value_t::boolean: v.type = ValueType::boolean, v.boolean = value.get<bool>(); break;
            case nlohmann::json::value_t::number_integer:
                v.type = ValueType::integer, v.integer = value.get<std::int64_t>();
                break;
            case nlohmann::json::value_t::number_unsigned: {
                auto n = value.get<std::uint64_t>();
                if (n <= static_cast<std::uint64_t>(INT64_MAX))
                    v.type = ValueType::integer, v.integer = static_cast<std::int64_t>(n);
                else
                    v.type = ValueType::unsigned_integer, v.unsigned_integer = n;
                break;
            }
            case nlohmann::json::value_t::number_float: v.type = ValueType::number, v.number = value.get<double>(); break;
            case nlohmann::json::value_t::string:
                v.type = ValueType::string, v.text = value.get_ref<const std::string&>();
                if (find_invalid_utf8(v.text) != std::string_view::npos)
                    return FieldError{std::string(key), RejectCode::bad_utf8, "invalid UTF-8 in a value"};
                break;
            default: v.type = ValueType::nested; break;
        }
    }
    return std::nullopt;
}

}  // namespace yanxiu::detail
