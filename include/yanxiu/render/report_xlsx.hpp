#pragma once
/// \file render/report_xlsx.hpp
/// A report as an Excel workbook (.xlsx, written by libxlsxwriter), the
/// format training offices circulate: the 通报 table by unit, the figures
/// by unit and category, the daily series, the follow-up list (未完成名单)
/// when given, and a sheet saying what the figures mean.  Coverage is a
/// number formatted as a percentage, every header row is frozen, ids are
/// text (leading zeros kept), and total rows sit below the rows they add up.
///
/// Part of the separate library yanxiu::xlsx, so that a program which only
/// evaluates does not link libxlsxwriter; the CLI's `report --xlsx` and
/// `--follow-up` use it.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/followup.hpp>
#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>
#include <yanxiu/time.hpp>

#include <optional>
#include <string>
#include <vector>

namespace yanxiu {

/// How a workbook is written.
struct XlsxOptions {
    Lang lang = Lang::zh;
    /// The follow-up list to add as a sheet (it names people: only when asked for).
    const std::vector<FollowUpRow>* follow_up = nullptr;
    /// The document's creation time; default generation_instant() (which
    /// honours SOURCE_DATE_EPOCH), so the same inputs can give the same bytes.
    std::optional<Instant> created;
};

/// The workbook's bytes.  Throws std::runtime_error if libxlsxwriter fails
/// (e.g. no room for its temporary file).
[[nodiscard]] std::string to_xlsx(const Report& r, const XlsxOptions& options = {});

/// One follow-up list as a workbook of one sheet (one unit's list, say).
[[nodiscard]] std::string follow_up_xlsx(const std::vector<FollowUpRow>& rows, const Program& program,
                                         const XlsxOptions& options = {});

/// An evaluation's outcomes as a workbook of one sheet, the columns of
/// `write_outcomes_csv` (`evaluate --out FILE.xlsx`).
[[nodiscard]] std::string outcomes_xlsx(const Evaluation& evaluation, const XlsxOptions& options = {},
                                        bool explanations = false);

}  // namespace yanxiu
