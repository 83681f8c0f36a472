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

void write_contact_header(std::ostream& out, Lang lang) {
    const bool zh = lang == Lang::zh;
    for (const char* column : {zh ? "联系人" : "Contact", zh ? "职务" : "Title", zh ? "手机" : "Mobile",
                               zh ? "座机" : "Phone", zh ? "微信" : "WeChat"})
        out << ',' << csv_text_cell(column);
}

void write_contact_cells(std::ostream& out, const Contact* contact) {
    if (!contact) {
        out << ",,,,,";
        return;
    }
    for (const std::string* v : {&contact->name, &contact->title, &contact->mobile, &contact->phone, &contact->wechat})
        out << ',' << csv_text_cell(*v);
}

/// Writes the report as one CSV table (UTF-8): for each unit in rank order,
/// a row per category and a total row over target categories; then the
/// totals.  Coverage is a ratio (0.8234), hours to 2 decimals.
void write_csv(std::ostream& out, const Report& r, const CsvOptions& options) {
    const Lang lang = options.lang;
    if (options.bom) out << "\xEF\xBB\xBF";
    const ReportLabel columns[] = {ReportLabel::rank,        ReportLabel::unit,          ReportLabel::category,
                                   ReportLabel::category_id, ReportLabel::expected,      ReportLabel::registered,
                                   ReportLabel::started,     ReportLabel::completed,     ReportLabel::unverified,
                                   ReportLabel::coverage,    ReportLabel::coverage_base, ReportLabel::denominator,
                                   ReportLabel::mean_hours};
    bool first = true;
    for (ReportLabel c : columns) {
        if (c == ReportLabel::rank && !r.ranked) continue;  // 不排名: no rank column
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
    // With contacts: whom to call about the unit, on each of its rows.
    if (r.contacts) write_contact_header(out, lang);
    out << "\r\n";
    const Contact* contact = nullptr;  // of the unit being written
    auto row = [&](const std::string& rank, const std::string& unit, const std::string& category_text,
                   const std::string& category_id, const Counts& k, bool target) {
        if (r.ranked) out << rank << ',';
        out << csv_text_cell(unit) << ',' << csv_text_cell(category_text) << ','
            << csv_text_cell(category_id) << ',';
        if (k.expected) out << *k.expected;
        out << ',' << k.registered << ',' << k.started << ',' << k.completed << ',' << k.unverified << ',';
        if (target)
            if (auto coverage = k.coverage()) out << fixed(*coverage, 4);
        out << ',';
        if (target && k.coverage_base > 0) out << k.coverage_base;
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
        if (r.contacts) write_contact_cells(out, contact);
        out << "\r\n";
    };
    const std::string total(label(ReportLabel::total, lang));
    for (const UnitReport& u : r.units) {
        const std::string unit = unit_label(u.unit, lang);
        const std::string rank = std::to_string(u.rank);
        contact = r.contacts ? r.contacts->find(u.unit) : nullptr;
        for (const CategoryCounts& c : u.categories)
            row(rank, unit, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
        row(rank, unit, total, "", u.target, true);
    }
    contact = nullptr;
    for (const CategoryCounts& c : r.categories)
        row("", total, category_label(c.category, lang, &r.program), c.category, c.counts, c.target);
    row("", total, total, "", r.target, true);
}


std::string to_csv(const Report& r, const CsvOptions& options) {
    std::ostringstream out;
    write_csv(out, r, options);
    return out.str();
}

namespace {

/// The BOM (when asked) and a header row of labels, without its line end.
template <std::size_t N>
void write_header(std::ostream& out, const ReportLabel (&columns)[N], const CsvOptions& options) {
    if (options.bom) out << "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < N; ++i) out << (i ? "," : "") << csv_text_cell(label(columns[i], options.lang));
}

}  // namespace

void write_follow_up_csv(std::ostream& out, const std::vector<FollowUpRow>& rows, const Program& program,
                         const CsvOptions& options) {
    const Lang lang = options.lang;
    write_header(out, render::kFollowUpColumns, options);
    out << "\r\n";
    for (const FollowUpRow& r : rows) {
        out << csv_text_cell(r.participant) << ',' << csv_text_cell(r.name) << ',' << csv_text_cell(unit_label(r.unit, lang))
            << ',' << csv_text_cell(category_label(r.category, lang, &program)) << ','
            << csv_text_cell(message(r.status, lang)) << ',' << r.lessons_credited << ',';
        if (r.lessons_required > 0) out << r.lessons_required;
        out << ',' << fixed(r.hours_credited, 1) << ',';
        if (r.hours_required) out << fixed(*r.hours_required, 1);
        out << ',' << csv_text_cell(r.missing) << "\r\n";
    }
}

void write_outcomes_csv(std::ostream& out, const Evaluation& evaluation, const CsvOptions& options,
                        bool explanations) {
    const Lang lang = options.lang;
    const Program& program = *evaluation.program;
    write_header(out, render::kOutcomeColumns, options);
    if (explanations) out << ',' << csv_text_cell(label(ReportLabel::explanation, lang));
    out << "\r\n";
    for (const Outcome& o : evaluation.outcomes) {
        out << csv_text_cell(o.participant) << ',' << csv_text_cell(o.unit) << ','
            << csv_text_cell(category_label(o.category, lang, &program)) << ',' << csv_text_cell(o.category) << ','
            << csv_text_cell(message(o.status, lang)) << ',' << to_string(o.status) << ',' << o.lessons_credited << ','
            << o.lessons_required << ',' << o.seconds_studied.count() << ',' << o.seconds_credited.count() << ','
            << fixed(o.hours_credited, 1) << ',' << render::yes_no(o.certificate, lang) << ',';
        if (o.completed_at) out << format_instant(*o.completed_at, program.time_zone());
        out << ',' << csv_text_cell(render::reason_codes(o));
        if (explanations) out << ',' << csv_text_cell(render::explanation_text(o, program, lang));
        out << "\r\n";
    }
}

}  // namespace yanxiu
