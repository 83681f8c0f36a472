#pragma once
/// \file render/report_html.hpp
/// A report as ONE self-contained HTML page for circulation (研修进度通报).

#include <yanxiu/messages.hpp>
#include <yanxiu/report.hpp>

#include <string>

namespace yanxiu {

/// The page: the rules at the top, key figures, the ranking of units, a
/// coverage bar chart and a daily progress chart (inline SVG), the
/// categories, the census gaps, the milestones and support channels, and the
/// data counts at the foot.  Nothing is fetched from the network; printable
/// on A4.  Every string from the data is escaped; the same report gives the
/// same bytes.
[[nodiscard]] std::string to_html(const Report& r, Lang lang = Lang::zh);

}  // namespace yanxiu
