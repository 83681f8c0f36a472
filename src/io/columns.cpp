// Records given column by column (include/yanxiu/io/columns.hpp).  The rows
// are checked and kept by the readers' piece machinery (io/read.cpp).

#include <yanxiu/io/columns.hpp>

#include "io/read.hpp"

#include <cmath>
#include <cstring>

namespace yanxiu {

std::size_t format_epoch_seconds_to(char* out, std::int64_t seconds, bool utc) noexcept {
    auto out_of_range = [&] {
        static constexpr char kText[] = "out-of-range-Z";
        const std::size_t n = utc ? sizeof kText - 1 : sizeof kText - 3;
        std::memcpy(out, kText, n);
        return n;
    };
    std::int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) rest += 86400, --days;
    // Beyond ±10^7 days the calendar arithmetic below would overflow `int`.
    if (days > 10000000 || days < -10000000) return out_of_range();
    const date::year_month_day ymd{date::sys_days{date::days{days}}};
    const int year = static_cast<int>(ymd.year());
    if (year < 1 || year > 9999) return out_of_range();
    // By hand rather than snprintf: a data frame has a million of these.
    static constexpr char kPattern[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                                          'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
    std::memcpy(out, kPattern, sizeof kPattern);
    auto put = [out](std::size_t at, unsigned value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(year), 4);
    put(5, static_cast<unsigned>(ymd.month()), 2);
    put(8, static_cast<unsigned>(ymd.day()), 2);
    put(11, static_cast<unsigned>(rest / 3600), 2);
    put(14, static_cast<unsigned>(rest / 60 % 60), 2);
    put(17, static_cast<unsigned>(rest % 60), 2);
    return utc ? 20 : 19;
}

/// Formats seconds since 1970-01-01 00:00 as `YYYY-MM-DDThh:mm:ss`, with `Z`
/// appended when `utc`.  Years outside 0001-9999 give text the timestamp
/// parser rejects (so such a cell is a `bad_timestamp`, not a wrong instant).
std::string format_epoch_seconds(std::int64_t seconds, bool utc) {
    char buf[20];
    return std::string(buf, format_epoch_seconds_to(buf, seconds, utc));
}

void RecordColumn::cell(std::size_t row, Value& out) const {
    if (!missing.empty() && missing[row]) return;
    out.from_text = false;
    switch (type) {
        case ColumnType::text:
            out.type = ValueType::string;
            out.text = text[row];
            return;
        case ColumnType::text_view:
            out.type = ValueType::string;
            out.text.assign(views[row].data(), views[row].size());
            return;
        case ColumnType::categorical:
            if (codes[row] >= 0) out = categories[static_cast<std::size_t>(codes[row])];
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

ReadSummary add_participants(Dataset& data, const RecordTable& table, std::string_view where) {
    return detail::add_table(data, false, table, where);
}

ReadSummary add_events(Dataset& data, const RecordTable& table, std::string_view where) {
    return detail::add_table(data, true, table, where);
}

}  // namespace yanxiu
