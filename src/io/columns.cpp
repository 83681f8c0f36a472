// Records given column by column (include/yanxiu/io/columns.hpp).

#include <yanxiu/io/columns.hpp>

#include <cmath>

namespace yanxiu {

/// Formats seconds since 1970-01-01 00:00 as `YYYY-MM-DDThh:mm:ss`, with `Z`
/// appended when `utc`.  Years outside 0001-9999 give text the timestamp
/// parser rejects (so such a cell is a `bad_timestamp`, not a wrong instant).
std::string format_epoch_seconds(std::int64_t seconds, bool utc) {
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

namespace {

/// Calls `add(fields, row_number)` for every row of `table`, 1-based.
template <class Add>
void for_each_table_row(const RecordTable& table, Add&& add) {
    std::vector<std::pair<Field, const RecordColumn*>> known;
    for (const auto& column : table.columns())
        if (auto field = field_from_header(column.name)) known.emplace_back(*field, &column);
    Record fields;
    for (std::size_t row = 0; row < table.rows(); ++row) {
        fields.clear();
        for (const auto& [field, column] : known) column->cell(row, fields.slot(field));
        add(static_cast<const Record&>(fields), row + 1);
    }
}

}  // namespace


void RecordColumn::cell(std::size_t row, Value& out) const {
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
            out.text = format_epoch_seconds(integers[row], type == ColumnType::instant);
            return;
        case ColumnType::values: out = values[row]; return;
    }
}

/// Adds every row of `table` as a participant; rejections name `where` and
/// the 1-based row.  Returns the counts of this table alone.
ReadSummary add_participants(Dataset& data, const RecordTable& table, std::string_view where) {
    const ReadSummary before = data.participant_summary();
    for_each_table_row(table, [&](const Record& fields, std::size_t row) {
        data.add_participant(fields, where, row);
    });
    return data.participant_summary().since(before);
}

/// Adds every row of `table` as an event (after the participants); rejections
/// name `where` and the 1-based row.  Returns the counts of this table alone.
ReadSummary add_events(Dataset& data, const RecordTable& table, std::string_view where) {
    const ReadSummary before = data.event_summary();
    for_each_table_row(table, [&](const Record& fields, std::size_t row) {
        data.add_event(fields, where, row);
    });
    return data.event_summary().since(before);
}

}  // namespace yanxiu
