#pragma once
// Text and files split into records (private to the compiled library): the
// one place a format is chosen and a file is read in pieces.

#include <yanxiu/dataset.hpp>
#include <yanxiu/io/columns.hpp>
#include <yanxiu/io/error.hpp>

#include "io/fields.hpp"
#include "io/scan.hpp"
#include "io/source.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace yanxiu::detail {

/// The format of `path` by extension (.csv; .jsonl, .ndjson, .json), else by
/// the first significant byte of `text` ('{' or '[': JSON Lines).
[[nodiscard]] Format detect_format(std::string_view path, std::string_view text);

/// A whole file as UTF-8 (see TextSource); throws io_error.
[[nodiscard]] std::string read_whole_file(const std::string& path, Encoding* encoding = nullptr);

/// Calls `on_record(record, line)` / `on_error(line, field, code, message)`
/// for every record of `text`; `file` only chooses the format when automatic.
template <class OnRecord, class OnError>
void scan_text(std::string_view text, Format format, std::string_view file, OnRecord&& on_record,
               OnError&& on_error, std::size_t max_line = kDefaultMaxLineBytes) {
    if (format == Format::automatic) format = detect_format(file, text);
    if (format == Format::csv)
        scan_csv(text, on_record, on_error, max_line);
    else
        scan_jsonl(text, on_record, on_error, 0, true, max_line);
}

/// Reads a file in pieces of about `chunk_bytes` that end at record
/// boundaries (a record longer than a piece doubles it, up to `max_line`: a
/// longer one is passed over to the next newline without being held) and
/// calls `on_piece(piece, first, csv)` for each, in order (`piece` a
/// std::string& the callee may swap with a buffer of its own), and
/// `on_too_long(csv)` where a line over `max_line` was passed over (it
/// counts as one line).  Throws io_error, and Cancelled between pieces.
template <class OnPiece, class OnTooLong>
void for_each_piece(const std::string& path, Format format, std::size_t chunk_bytes, OnPiece&& on_piece,
                    OnTooLong&& on_too_long, const std::atomic<bool>* cancel = nullptr,
                    std::size_t max_line = kDefaultMaxLineBytes, Encoding* encoding = nullptr,
                    const std::function<void(std::uint64_t, std::uint64_t)>* progress = nullptr) {
    TextSource source(path);  // UTF-8 whatever the file was saved as
    std::string buffer, rest;
    std::size_t want = std::max<std::size_t>(chunk_bytes, 1);
    bool first = true;
    bool skipping = false;  // inside a line over max_line: drop bytes up to its newline
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
        const bool eof = !source.read(buffer, want);  // the size checked before any record of the last piece counts
        if (first && encoding) *encoding = source.encoding();
        if (first && format == Format::automatic) format = detect_format(path, buffer);
        const bool is_csv = format == Format::csv;
        if (skipping) {
            const std::size_t nl = buffer.find('\n');
            if (nl == std::string::npos) {
                buffer.clear();
                if (eof) break;
                continue;
            }
            buffer.erase(0, nl + 1);
            skipping = false;
        }
        const std::size_t cut = eof ? buffer.size() : safe_cut(buffer, is_csv);
        if (cut == 0 && !eof) {
            if (buffer.size() > max_line) {
                // No record ends within the limit: reject it; the next pass drops it up to its newline.
                on_too_long(is_csv);
                skipping = true;
                first = false;
                want = std::max<std::size_t>(chunk_bytes, 1);
                continue;
            }
            want = std::min<std::size_t>(want * 2, std::size_t{1} << 30);
            continue;
        }
        // The piece is handed over as a string of its own, which `on_piece` may
        // keep by swapping (giving back another buffer): only the bytes after
        // the cut, part of a record, are copied.
        rest.assign(buffer, cut, std::string::npos);
        buffer.resize(cut);
        on_piece(buffer, first, is_csv);
        buffer.swap(rest);
        first = false;
        want = std::max<std::size_t>(chunk_bytes, 1);
        if (progress && *progress) (*progress)(source.bytes_read(), source.total_bytes());
        if (eof) break;
    }
}

/// Adds one verdict to a summary.
inline void count(ReadSummary& summary, AddStatus status) noexcept {
    ++summary.read;
    switch (status) {
        case AddStatus::accepted: ++summary.accepted; break;
        case AddStatus::rejected: ++summary.rejected; break;
        case AddStatus::duplicate: ++summary.duplicates; break;
    }
}

/// Adds every row of `table` as a participant or an event (io/columns.hpp),
/// in pieces of rows checked on `data.read_threads` threads and kept in row
/// order; rejections name `where` and the 1-based row.  Returns the counts
/// of this table alone.  Throws Cancelled between pieces.
ReadSummary add_table(Dataset& data, bool events, const RecordTable& table, std::string_view where);

/// A small table read whole (a census, the contacts): every record of
/// `text` to `accept(record, line)`, every line that is none rejected into
/// `rejections`; the counts of this read, also added to `total`.
template <class Accept>
ReadSummary read_small_table(std::string_view text, std::string_view file, Format format,
                             std::vector<Rejection>& rejections, ReadSummary& total, Accept&& accept) {
    ReadSummary summary;
    auto on_record = [&](const Record& fields, std::size_t line) { count(summary, accept(fields, line)); };
    auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
        ++summary.read;
        ++summary.rejected;
        rejections.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
    };
    scan_text(text, format, file, on_record, on_error);
    total += summary;
    return summary;
}

/// One row of a small table given as fields (a data-frame row): invalid
/// UTF-8 is rejected `bad_utf8`, anything else goes to `accept(row)`.
template <class Accept>
AddStatus add_small_table_row(const Record& row, std::string_view where, std::size_t line,
                              std::vector<Rejection>& rejections, ReadSummary& total, Accept&& accept) {
    AddStatus status = AddStatus::rejected;
    if (auto bad = first_invalid_utf8_field(row))
        rejections.push_back(Rejection{std::string(where), line, std::string(field_name(*bad)), RejectCode::bad_utf8,
                                       "invalid UTF-8 in a value"});
    else
        status = accept(row);
    count(total, status);
    return status;
}

/// Counts a row of a small table read but unusable before it had fields.
inline void reject_small_table_row(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                                   std::string message, std::vector<Rejection>& rejections, ReadSummary& total) {
    ++total.read;
    ++total.rejected;
    rejections.push_back(Rejection{std::string(where), line, std::string(field), code, std::move(message)});
}

}  // namespace yanxiu::detail
