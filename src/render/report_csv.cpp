// A report as one CSV table.

#include <yanxiu/render/report_csv.hpp>

#include "render/common.hpp"

#include <ostream>
#include <sstream>

namespace yanxiu {

using render::denominator_label;
using render::fixed;
using render::unit_label;

/// One CSV cell from text: a cell that a spreadsheet would read as a formula
/// (beginning with `=`, `+`, `-`, `@`, tab or carriage return) gets a
/// leading `'`; a cell holding a comma, quote or line break is quoted.
std::string csv_text_cell(std::string_view s) {
    std::string cell;
    if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
        cell += '\'';
    cell += s;
    if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
    std::string quoted = "\"";
    for (char c : cell) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

/// Writes the report as one CSV table (UTF-8): for each unit in rank order,
/// a row per category and a total row over target categories; then the
/// totals.  Coverage is a ratio (0.8234), hours to 2 decimals.
void write_csv(std::ostream& out, const Report& r, const CsvOptions& options) {
    const Lang lang = options.lang;
    if (options.bom) out << "\xEF\xBB\xBF";
    const ReportLabel columns[] = {ReportLabel::rank,      ReportLabel::unit,        ReportLabel::category,
                                   ReportLabel::category_id, ReportLabel::expected,  ReportLabel::registered,
                                   ReportLabel::started,   ReportLabel::completed,   ReportLabel::unverified,
                                   ReportLabel::coverage,  ReportLabel::denominator, ReportLabel::mean_hours};
    bool first = true;
    for (ReportLabel c : columns) {
        if (!first) out << ',';
        first = false;
        out << csv_text_cell(label(c, lang));
    }
    // Where the programme has groups (modules): each one's mean hours, and how many reached its quota.
    const auto& groups = r.program.groups();
    for (const Group& g : groups) {
        const std::string name = label_text(g.label, lang).empty() ? g.id : label_text(g.label, lang);
        out << ',' << csv_text_cell(phrase(Phrase::module_mean_hours, lang, {name}));
        out << ',' << csv_text_cell(phrase(Phrase::module_at_quota, lang, {name}));
    }
    out << "\r\n";
    auto row = [&](const std::string& rank, const std::string& unit, const std::string& category_text,
                   const std::string& category_id, const Counts& k, bool target) {
        out << rank << ',' << csv_text_cell(unit) << ',' << csv_text_cell(category_text) << ','
            << csv_text_cell(category_id) << ',';
        if (k.expected) out << *k.expected;
        out << ',' << k.registered << ',' << k.started << ',' << k.completed << ',' << k.unverified << ',';
        if (target)
            if (auto coverage = k.coverage()) out << fixed(*coverage, 4);
        out << ',';
        if (target) out << csv_text_cell(denominator_label(k.denominator, lang));
        out << ',';
        if (auto mean = k.mean_hours()) out << fixed(*mean, 2);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            out << ',';
            if (auto mean = k.mean_group_hours(g)) out << fixed(*mean, 2);
            out << ',';
            if (groups[g].max_hours) out << (g < k.group_at_quota.size() ? k.group_at_quota[g] : 0);
        }
        out << "\r\n";
    };
    const std::string total(label(ReportLabel::total, lang));
    for (const UnitReport& u : r.units) {
        const std::string unit = unit_label(u.unit, lang);
        const std::string rank = std::to_string(u.rank);
        for (const CategoryCounts& c : u.categories)
            row(rank, unit, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
        row(rank, unit, total, "", u.target, true);
    }
    for (const CategoryCounts& c : r.categories)
        row("", total, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
    row("", total, total, "", r.target, true);
}


std::string to_csv(const Report& r, const CsvOptions& options) {
    std::ostringstream out;
    write_csv(out, r, options);
    return out.str();
}

}  // namespace yanxiu
