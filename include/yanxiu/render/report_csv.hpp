#pragma once
/// \file render/report_csv.hpp
/// A report as one CSV table, for a spreadsheet.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/followup.hpp>
#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace yanxiu {

/// How `write_csv` writes.
struct CsvOptions {
    Lang lang = Lang::zh;  ///< language of the header and of category labels
    bool bom = false;      ///< start with a UTF-8 byte-order mark (Excel on Windows then reads UTF-8; the CLI's default)
};

/// One CSV cell from text: a cell that a spreadsheet would read as a formula
/// (beginning with `=`, `+`, `-`, `@`, tab or carriage return) gets a
/// leading `'`; a cell holding a comma, quote or line break is quoted.
[[nodiscard]] std::string csv_text_cell(std::string_view s);

/// The contact columns a CSV adds after its own when made with contacts:
/// ",联系人,职务,手机,座机,微信" (or their English), and a unit's cells in
/// the same order (empty ones for a unit without a contact).
void write_contact_header(std::ostream& out, Lang lang);
void write_contact_cells(std::ostream& out, const Contact* contact);

/// Writes the report as one CSV table (UTF-8): for each unit in rank order,
/// a row per category and a total row over target categories; then the
/// totals.  Coverage is a ratio (0.8234), hours to 2 decimals.
void write_csv(std::ostream& out, const Report& r, const CsvOptions& options = {});

/// The same table as a string.
[[nodiscard]] std::string to_csv(const Report& r, const CsvOptions& options = {});

/// Writes a follow-up list (未完成名单) as one CSV table: participant,
/// name, unit, category, status, lessons and hours credited and required,
/// and what is still missing.  The rows are written in the order given.
void write_follow_up_csv(std::ostream& out, const std::vector<FollowUpRow>& rows, const Program& program,
                         const CsvOptions& options = {});

/// The columns of an outcomes table (`evaluate --out FILE.csv`/`.xlsx`):
/// participant, unit, category and its id, status in words and as a code,
/// lessons credited and required, seconds studied and credited, hours
/// credited, certificate, completed at (the programme's zone), the reason
/// codes (`;`-separated, `code:lesson` for a lesson's), and with
/// `explanations` the reasons in words.
void write_outcomes_csv(std::ostream& out, const Evaluation& evaluation, const CsvOptions& options = {},
                        bool explanations = false);

}  // namespace yanxiu
