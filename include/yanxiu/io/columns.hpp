#pragma once
/// \file io/columns.hpp
/// Records given column by column (a data frame, an Arrow table, a database
/// cursor's arrays) rather than as text.
///
/// Each row becomes one record and goes through the same acceptance as a
/// JSON Lines or CSV record (`Dataset::add_participant` / `add_event`), so it
/// gets the same rejections — the file is named by `where`, the line is the
/// 1-based row number — and the same counts.  Columns whose name is not a
/// record field are ignored, as unknown CSV columns are.
///
/// Text cells may be owned (`of_text`), borrowed from the caller's buffers
/// (`of_text_views`: a data frame's strings, read without a copy), or one of
/// a few categories by code (`of_categories`: a categorical column, each
/// distinct value converted once).  Rows are checked in pieces on
/// `Dataset::read_threads` threads and kept in row order, as a file's pieces
/// are; the common event records take the same view-based path as the file
/// readers.
///
/// Instants travel as text: a cell of an `instant` column is read as the
/// timestamp `YYYY-MM-DDThh:mm:ssZ`, a cell of a `local_time` column as
/// `YYYY-MM-DDThh:mm:ss` in the programme's zone.  So one parser decides what
/// a timestamp is, whatever the input.

#include <yanxiu/dataset.hpp>
#include <yanxiu/record.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// What the cells of a column hold.
enum class ColumnType : std::uint8_t {
    text,        ///< UTF-8 strings, read as JSON strings are (not parsed as CSV cells are)
    integer,     ///< 64-bit integers
    number,      ///< doubles; NaN is a missing cell
    boolean,     ///< 0 or 1
    instant,     ///< Unix seconds (UTC)
    local_time,  ///< wall-clock seconds since 1970-01-01 00:00, in the programme's zone
    values,      ///< one `Value` per cell, of any type (a mixed column)
    text_view,   ///< UTF-8 strings borrowed from the caller (see `of_text_views`)
    categorical, ///< one of `categories` per cell, by `codes`; a negative code is a missing cell
};

/// One column of records: a field name and one cell per row.
struct RecordColumn {
    std::string name;
    ColumnType type = ColumnType::text;
    std::vector<std::string> text;           ///< `text`
    std::vector<std::int64_t> integers;      ///< `integer`, `instant`, `local_time`
    std::vector<double> numbers;             ///< `number`
    std::vector<std::uint8_t> booleans;      ///< `boolean`
    std::vector<Value> values;               ///< `values`
    std::vector<std::string_view> views;     ///< `text_view`
    std::vector<Value> categories;           ///< `categorical`: each distinct value once
    std::vector<std::int32_t> codes;         ///< `categorical`: an index in `categories`, or negative
    std::vector<std::uint8_t> missing;       ///< empty, or non-zero where a cell is missing
    /// Set by a caller whose text cells are valid UTF-8 by construction (a
    /// Python str's own UTF-8): the rows then skip that check.  Left false,
    /// a cell that is not valid UTF-8 is rejected `bad_utf8`.
    bool valid_utf8 = false;

    [[nodiscard]] static RecordColumn of_text(std::string name, std::vector<std::string> cells,
                                              std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::text;
        c.text = std::move(cells), c.missing = std::move(missing);
        return c;
    }
    /// Text cells that point into the caller's memory: every byte they view
    /// must stay valid and unchanged until `add_participants` / `add_events`
    /// returns (nothing keeps a view after it: ids are copied when stored).
    [[nodiscard]] static RecordColumn of_text_views(std::string name, std::vector<std::string_view> cells,
                                                    std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::text_view;
        c.views = std::move(cells), c.missing = std::move(missing);
        return c;
    }
    /// A categorical column: cell `i` is `categories[codes[i]]`, missing
    /// where the code is negative (pandas' -1).  A code beyond the categories
    /// is a caller's error: `RecordTable::add` throws.
    [[nodiscard]] static RecordColumn of_categories(std::string name, std::vector<Value> categories,
                                                    std::vector<std::int32_t> codes) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::categorical;
        c.categories = std::move(categories), c.codes = std::move(codes);
        return c;
    }
    [[nodiscard]] static RecordColumn of_integers(std::string name, std::vector<std::int64_t> cells,
                                                  std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::integer;
        c.integers = std::move(cells), c.missing = std::move(missing);
        return c;
    }
    [[nodiscard]] static RecordColumn of_numbers(std::string name, std::vector<double> cells) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::number;
        c.numbers = std::move(cells);
        return c;
    }
    [[nodiscard]] static RecordColumn of_booleans(std::string name, std::vector<std::uint8_t> cells,
                                                  std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::boolean;
        c.booleans = std::move(cells), c.missing = std::move(missing);
        return c;
    }
    [[nodiscard]] static RecordColumn of_instants(std::string name, std::vector<std::int64_t> unix_seconds,
                                                  std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::instant;
        c.integers = std::move(unix_seconds), c.missing = std::move(missing);
        return c;
    }
    [[nodiscard]] static RecordColumn of_local_times(std::string name, std::vector<std::int64_t> wall_seconds,
                                                     std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::local_time;
        c.integers = std::move(wall_seconds), c.missing = std::move(missing);
        return c;
    }
    [[nodiscard]] static RecordColumn of_values(std::string name, std::vector<Value> cells) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::values;
        c.values = std::move(cells);
        return c;
    }

    /// The number of cells.
    [[nodiscard]] std::size_t size() const noexcept {
        switch (type) {
            case ColumnType::text: return text.size();
            case ColumnType::integer:
            case ColumnType::instant:
            case ColumnType::local_time: return integers.size();
            case ColumnType::number: return numbers.size();
            case ColumnType::boolean: return booleans.size();
            case ColumnType::values: return values.size();
            case ColumnType::text_view: return views.size();
            case ColumnType::categorical: return codes.size();
        }
        return 0;
    }

    /// Writes the cell of `row` into `out` (left absent when missing).
    void cell(std::size_t row, Value& out) const;
};

/// A table of records, column by column; every column has `rows()` cells.
class RecordTable {
public:
    explicit RecordTable(std::size_t rows = 0) : rows_(rows) {}

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] const std::vector<RecordColumn>& columns() const noexcept { return columns_; }

    /// Adds a column.  Throws `std::invalid_argument` when its length is not
    /// `rows()`, its `missing` mask has another length, a categorical code
    /// names no category, or a column of the same name is already there (a
    /// record cannot hold a field twice).
    RecordTable& add(RecordColumn column) {
        if (column.size() != rows_)
            throw std::invalid_argument("column '" + column.name + "' has " + std::to_string(column.size()) +
                                        " cells but the table has " + std::to_string(rows_) + " rows");
        if (!column.missing.empty() && column.missing.size() != rows_)
            throw std::invalid_argument("column '" + column.name + "': the missing-cell mask has the wrong length");
        for (const std::int32_t code : column.codes)
            if (code >= 0 && static_cast<std::size_t>(code) >= column.categories.size())
                throw std::invalid_argument("column '" + column.name + "': code " + std::to_string(code) +
                                            " names no category (there are " +
                                            std::to_string(column.categories.size()) + ")");
        for (const auto& c : columns_)
            if (c.name == column.name) throw std::invalid_argument("column '" + column.name + "' appears twice");
        columns_.push_back(std::move(column));
        return *this;
    }

private:
    std::size_t rows_ = 0;
    std::vector<RecordColumn> columns_;
};

/// Formats seconds since 1970-01-01 00:00 as `YYYY-MM-DDThh:mm:ss`, with `Z`
/// appended when `utc` (a cell of an `instant` or `local_time` column as
/// text).  Years outside 0001-9999 give text the timestamp parser rejects
/// (so such a cell is a `bad_timestamp`, not a wrong instant).
[[nodiscard]] std::string format_epoch_seconds(std::int64_t seconds, bool utc);

/// Writes `format_epoch_seconds(seconds, utc)` into `out` (room for 20
/// bytes) without allocating; returns its length.
std::size_t format_epoch_seconds_to(char* out, std::int64_t seconds, bool utc) noexcept;

/// Adds every row of `table` as a participant; rejections name `where` and
/// the 1-based row.  Returns the counts of this table alone.
ReadSummary add_participants(Dataset& data, const RecordTable& table, std::string_view where = "<participants>");

/// Adds every row of `table` as an event (after the participants); rejections
/// name `where` and the 1-based row.  Returns the counts of this table alone.
ReadSummary add_events(Dataset& data, const RecordTable& table, std::string_view where = "<events>");

}  // namespace yanxiu
