#pragma once
/// \file render/report_csv.hpp
/// A report as one CSV table, for a spreadsheet.

#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace yanxiu {

/// How `write_csv` writes.
struct CsvOptions {
    Lang lang = Lang::zh;  ///< language of the header and of category labels
    bool bom = false;      ///< start with a UTF-8 byte-order mark (Excel then reads UTF-8)
};

/// One CSV cell from text: a cell that a spreadsheet would read as a formula
/// (beginning with `=`, `+`, `-`, `@`, tab or carriage return) gets a
/// leading `'`; a cell holding a comma, quote or line break is quoted.
[[nodiscard]] std::string csv_text_cell(std::string_view s);

/// Writes the report as one CSV table (UTF-8): for each unit in rank order,
/// a row per category and a total row over target categories; then the
/// totals.  Coverage is a ratio (0.8234), hours to 2 decimals.
void write_csv(std::ostream& out, const Report& r, const CsvOptions& options = {});

/// The same table as a string.
[[nodiscard]] std::string to_csv(const Report& r, const CsvOptions& options = {});

}  // namespace yanxiu
