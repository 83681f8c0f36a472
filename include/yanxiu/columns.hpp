#pragma once
/// \file columns.hpp
/// Records given column by column (a data frame, an Arrow table, a database
/// cursor's arrays) rather than as text.
///
/// Each row becomes one record and goes through the same acceptance as a
/// JSON Lines or CSV record (`Dataset::add_participant` / `add_event`), so it
/// gets the same rejections — the file is named by `where`, the line is the
/// 1-based row number — and the same counts.  Columns whose name is not a
/// record field are ignored, as unknown CSV columns are.
///
/// Instants travel as text: a cell of an `instant` column is read as the
/// timestamp `YYYY-MM-DDThh:mm:ssZ`, a cell of a `local_time` column as
/// `YYYY-MM-DDThh:mm:ss` in the programme's zone.  So one parser decides what
/// a timestamp is, whatever the input.

#include <yanxiu/detail/record_scan.hpp>
#include <yanxiu/records.hpp>
#include <yanxiu/rejection.hpp>

#include <cmath>
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
    values,      ///< one `detail::FieldValue` per cell, of any type (a mixed column)
};

/// One column of records: a field name and one cell per row.
struct RecordColumn {
    std::string name;
    ColumnType type = ColumnType::text;
    std::vector<std::string> text;           ///< `text`
    std::vector<std::int64_t> integers;      ///< `integer`, `instant`, `local_time`
    std::vector<double> numbers;             ///< `number`
    std::vector<std::uint8_t> booleans;      ///< `boolean`
    std::vector<detail::FieldValue> values;  ///< `values`
    std::vector<std::uint8_t> missing;       ///< empty, or non-zero where a cell is missing

    [[nodiscard]] static RecordColumn of_text(std::string name, std::vector<std::string> cells,
                                              std::vector<std::uint8_t> missing = {}) {
        RecordColumn c;
        c.name = std::move(name), c.type = ColumnType::text;
        c.text = std::move(cells), c.missing = std::move(missing);
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
    [[nodiscard]] static RecordColumn of_values(std::string name, std::vector<detail::FieldValue> cells) {
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
        }
        return 0;
    }

    /// Writes the cell of `row` into `out` (left absent when missing).
    void cell(std::size_t row, detail::FieldValue& out) const;
};

/// A table of records, column by column; every column has `rows()` cells.
class RecordTable {
public:
    explicit RecordTable(std::size_t rows = 0) : rows_(rows) {}

    [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
    [[nodiscard]] const std::vector<RecordColumn>& columns() const noexcept { return columns_; }

    /// Adds a column.  Throws `std::invalid_argument` when its length is not
    /// `rows()`, its `missing` mask has another length, or a column of the
    /// same name is already there (a record cannot hold a field twice).
    RecordTable& add(RecordColumn column) {
        if (column.size() != rows_)
            throw std::invalid_argument("column '" + column.name + "' has " + std::to_string(column.size()) +
                                        " cells but the table has " + std::to_string(rows_) + " rows");
        if (!column.missing.empty() && column.missing.size() != rows_)
            throw std::invalid_argument("column '" + column.name + "': the missing-cell mask has the wrong length");
        for (const auto& c : columns_)
            if (c.name == column.name) throw std::invalid_argument("column '" + column.name + "' appears twice");
        columns_.push_back(std::move(column));
        return *this;
    }

private:
    std::size_t rows_ = 0;
    std::vector<RecordColumn> columns_;
};

namespace detail {

/// Formats seconds since 1970-01-01 00:00 as `YYYY-MM-DDThh:mm:ss`, with `Z`
/// appended when `utc`.  Years outside 0001-9999 give text the timestamp
/// parser rejects (so such a cell is a `bad_timestamp`, not a wrong instant).
[[nodiscard]] inline std::string format_epoch_seconds(std::int64_t seconds, bool utc) {
    std::int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) rest += 86400, --days;
    // Beyond ±10^7 days the calendar arithmetic below would overflow `int`.
    if (days > 10000000 || days < -10000000) return utc ? "out-of-range-Z" : "out-of-range";
    const date::year_month_day ymd{date::sys_days{date::days{days}}};
    const int year = static_cast<int>(ymd.year());
    if (year < 1 || year > 9999) return utc ? "out-of-range-Z" : "out-of-range";
    // By hand rather than snprintf: a data frame has a million of these.
    char buf[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
    auto put = [&buf](std::size_t at, unsigned value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10) buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(year), 4);
    put(5, static_cast<unsigned>(ymd.month()), 2);
    put(8, static_cast<unsigned>(ymd.day()), 2);
    put(11, static_cast<unsigned>(rest / 3600), 2);
    put(14, static_cast<unsigned>(rest / 60 % 60), 2);
    put(17, static_cast<unsigned>(rest % 60), 2);
    return std::string(buf, utc ? 20 : 19);
}

/// Calls `add(fields, row_number)` for every row of `table`, 1-based.
template <class Add>
void for_each_table_row(const RecordTable& table, Add&& add) {
    std::vector<std::pair<Field, const RecordColumn*>> known;
    for (const auto& column : table.columns())
        if (auto field = field_from_name(column.name)) known.emplace_back(*field, &column);
    RecordFields fields;
    for (std::size_t row = 0; row < table.rows(); ++row) {
        fields.clear();
        for (const auto& [field, column] : known) column->cell(row, fields.slot(field));
        add(static_cast<const RecordFields&>(fields), row + 1);
    }
}

[[nodiscard]] inline ReadSummary summary_difference(const ReadSummary& after, const ReadSummary& before) noexcept {
    ReadSummary d;
    d.read = after.read - before.read;
    d.accepted = after.accepted - before.accepted;
    d.rejected = after.rejected - before.rejected;
    d.duplicates = after.duplicates - before.duplicates;
    return d;
}

}  // namespace detail

inline void RecordColumn::cell(std::size_t row, detail::FieldValue& out) const {
    using detail::ValueType;
    if (!missing.empty() && missing[row]) return;
    out.from_text = false;
    switch (type) {
        case ColumnType::text:
            out.type = ValueType::string;
            out.text = text[row];
            return;
        case ColumnType::integer:
            out.type = ValueType::integer;
            out.integer = integers[row];
            return;
        case ColumnType::number:
            if (std::isnan(numbers[row])) return;
            out.type = ValueType::number;
            out.number = numbers[row];
            return;
        case ColumnType::boolean:
            out.type = ValueType::boolean;
            out.boolean = booleans[row] != 0;
            return;
        case ColumnType::instant:
        case ColumnType::local_time:
            out.type = ValueType::string;
            out.text = detail::format_epoch_seconds(integers[row], type == ColumnType::instant);
            return;
        case ColumnType::values: out = values[row]; return;
    }
}

/// Adds every row of `table` as a participant; rejections name `where` and
/// the 1-based row.  Returns the counts of this table alone.
inline ReadSummary add_participants(Dataset& data, const RecordTable& table,
                                    std::string_view where = "<participants>") {
    const ReadSummary before = data.participant_summary();
    detail::for_each_table_row(table, [&](const detail::RecordFields& fields, std::size_t row) {
        data.add_participant(fields, where, row);
    });
    return detail::summary_difference(data.participant_summary(), before);
}

/// Adds every row of `table` as an event (after the participants); rejections
/// name `where` and the 1-based row.  Returns the counts of this table alone.
inline ReadSummary add_events(Dataset& data, const RecordTable& table, std::string_view where = "<events>") {
    const ReadSummary before = data.event_summary();
    detail::for_each_table_row(table, [&](const detail::RecordFields& fields, std::size_t row) {
        data.add_event(fields, where, row);
    });
    return detail::summary_difference(data.event_summary(), before);
}

}  // namespace yanxiu
