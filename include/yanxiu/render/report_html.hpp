#pragma once
/// \file render/report_html.hpp
/// A report as ONE self-contained HTML page for circulation (研修进度通报).

#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>

#include <string>
#include <vector>

namespace yanxiu {

/// The page: the rules at the top, key figures, the ranking of units, a
/// coverage bar chart and a daily progress chart (inline SVG), the
/// categories, the census gaps, the milestones and support channels, and the
/// data counts at the foot.  Nothing is fetched from the network; printable
/// on A4.  Every string from the data is escaped; the same report gives the
/// same bytes.
[[nodiscard]] std::string to_html(const Report& r, Lang lang = Lang::zh);

/// One report of a dispatch series and the file it was written to.
struct DispatchLink {
    const Report* report = nullptr;
    LocalDate date;    ///< the dispatch date (the report is as of the end of it)
    std::string html;  ///< its page, relative to the index
    std::string json;  ///< its JSON, relative to the index ("" when none)
};

/// The index page of a dispatch series (调度、通报): one row per dispatch
/// date, in order, with the figures of that report (completed, coverage)
/// and the change since the one before (较上期), each linking its page.
/// Self-contained, escaped, the same links give the same bytes.
[[nodiscard]] std::string dispatch_index_html(const std::vector<DispatchLink>& reports, Lang lang = Lang::zh);

}  // namespace yanxiu
