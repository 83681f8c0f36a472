// A report as one self-contained HTML page: inline CSS (src/render/report.css,
// compiled in) and inline SVG charts, nothing fetched from the network.

#include <yanxiu/render/report_html.hpp>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "embed.hpp"
#include "render/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace yanxiu {

namespace {

/// A contact in one cell: name (post), mobile or landline, WeChat.
std::string contact_text(const Contact& c, Lang lang) {
    std::string text = c.name;
    if (!c.title.empty()) text += (lang == Lang::zh ? "（" : " (") + c.title + (lang == Lang::zh ? "）" : ")");
    for (const std::string* way : {&c.mobile, &c.phone})
        if (!way->empty()) text += " " + *way;
    if (!c.wechat.empty()) text += (lang == Lang::zh ? " 微信 " : " WeChat ") + c.wechat;
    return text;
}

using render::denominator_label;
using render::escape;
using render::fixed;
using render::unit_label;

/// The phrases of the page in one language: P(Phrase::x, {args}).
struct Words {
    Lang lang;
    std::string operator()(Phrase p, std::initializer_list<std::string_view> args = {}) const {
        return phrase(p, lang, args);
    }
};

/// The page's style sheet, compiled in from src/render/report.css.
std::string_view style() { return detail::kEmbeddedStyles.find("report"); }


/// The first `n` code points of UTF-8 text, with "…" when cut.
std::string clip(std::string_view s, std::size_t n) {
    std::size_t points = 0, i = 0;
    while (i < s.size()) {
        if (points == n) return std::string(s.substr(0, i)) + "…";
        const auto c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        ++points;
    }
    return std::string(s);
}

/// Display width of text in em-ish units: CJK counts 1, ASCII 0.55.
double text_width(std::string_view s) {
    double w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) w += 0.55, i += 1;
        else w += 1.0, i += c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    return w;
}

std::string percent(std::optional<double> x) {
    if (!x) return "—";
    return fixed(*x * 100, 1) + "%";
}

std::string optional_number(const std::optional<std::int64_t>& x) {
    return x ? std::to_string(*x) : "—";
}

std::string hours_text(std::optional<double> x) { return x ? fixed(*x, 2) : "—"; }

/// A number for SVG coordinates (one decimal is plenty).
std::string num(double x) {
    std::string s = fixed(x, 1);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    if (s == "-0") s = "0";
    return s;
}

/// Axis ticks: 0, step, 2·step, … covering `max`, with step 1, 2 or 5 × 10^k.
std::vector<double> nice_ticks(double max, int target = 5) {
    if (max <= 0) max = 1;
    const double raw = max / target;
    double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (f * magnitude >= raw) {
            step = f * magnitude;
            break;
        }
    if (step < 1) step = 1;
    std::vector<double> ticks;
    for (double v = 0; v < max + step - 1e-9; v += step) ticks.push_back(v);
    return ticks;
}

/// Joins texts with a separator.
std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}


/// The coverage-by-unit bar chart, units in rank order.
std::string bar_chart(const Report& r, Lang lang) {
    const Words P{lang};
    std::vector<const UnitReport*> units;
    for (const UnitReport& u : r.units)
        if (u.target.coverage_base > 0) units.push_back(&u);
    double max_coverage = 0;
    for (const UnitReport* u : units) max_coverage = std::max(max_coverage, u->target.coverage().value_or(0));
    // The scale: 100% once any unit passes half way (beyond 100% for a stale
    // census, up to 200%); early in the window, the smallest that fits, so
    // that units can still be told apart.  The axis says which.
    double scale_max = 1.0;
    int step = 10;  // grid every `step` percent
    if (max_coverage > 1.0) {
        scale_max = std::min(2.0, std::ceil(max_coverage * 10 - 1e-9) / 10), step = 20;
    } else if (max_coverage * 1.05 <= 0.5) {
        const std::pair<double, int> scales[] = {{0.05, 1}, {0.1, 2}, {0.2, 5}, {0.3, 5}, {0.4, 10}, {0.5, 10}};
        for (const auto& [scale, grid] : scales)
            if (scale >= max_coverage * 1.05) {
                scale_max = scale, step = grid;
                break;
            }
    }
    const double width = 760, label_width = 178, right = 62, row = 19, top = 30, bottom = 40;
    const double plot_width = width - label_width - right;
    const double height = top + row * static_cast<double>(std::max<std::size_t>(units.size(), 1)) + bottom;
    auto x_of = [&](double coverage) { return label_width + plot_width * std::min(coverage, scale_max) / scale_max; };
    std::string s;
    s += "<svg class=\"chart bar-chart\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" role=\"img\" aria-label=\"" + escape(P(Phrase::coverage_by_unit)) + "\">\n";
    for (int pct = 0; pct <= static_cast<int>(std::lround(scale_max * 100)); pct += step) {
        const double x = x_of(pct / 100.0);
        s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top - 4) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(height - bottom) + "\" stroke=\"" + (pct == 0 ? "#8a949e" : "#e3e8ed") + "\" stroke-width=\"1\"/>\n";
        s += "<text x=\"" + num(x) + "\" y=\"" + num(height - bottom + 15) +
             "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6670\">" + std::to_string(pct) + "%</text>\n";
    }
    s += "<text class=\"axis-label\" x=\"" + num(label_width + plot_width / 2) + "\" y=\"" + num(height - 6) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(P(Phrase::coverage_axis)) + "</text>\n";
    s += "<text class=\"axis-label\" x=\"" + num(label_width - 8) + "\" y=\"" + num(top - 12) +
         "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2228\">" + escape(label(ReportLabel::unit, lang)) +
         "</text>\n";
    for (std::size_t i = 0; i < units.size(); ++i) {
        const UnitReport& u = *units[i];
        const double coverage = u.target.coverage().value_or(0);
        const double y = top + row * static_cast<double>(i);
        const std::string name = unit_label(u.unit, lang);
        s += "<g class=\"bar\" data-unit=\"" + escape(u.unit) + "\" data-rank=\"" + std::to_string(u.rank) +
             "\" data-coverage=\"" + fixed(coverage, 6) + "\">";
        s += "<title>" + escape(name) + " " + percent(coverage) + "</title>";
        s += "<text x=\"" + num(label_width - 8) + "\" y=\"" + num(y + row / 2 + 4) +
             "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2228\">" + escape(clip(name, 13)) + "</text>";
        const double x_end = x_of(coverage);
        s += "<rect x=\"" + num(label_width) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(x_end - label_width) +
             "\" height=\"" + num(row - 6) + "\" fill=\"" + (coverage > scale_max ? "#1b4a80" : "#2d65a8") + "\"/>";
        // A white halo keeps the figure legible where it crosses the reference line.
        s += "<text x=\"" + num(x_end + 4) + "\" y=\"" + num(y + row / 2 + 4) +
             "\" font-size=\"11\" fill=\"#1d2228\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" +
             percent(coverage) + "</text>";
        s += "</g>\n";
    }
    // The overall coverage as a reference line.
    if (auto overall = r.target.coverage(); overall && !units.empty()) {
        const double x = x_of(*overall);
        s += "<line class=\"overall\" x1=\"" + num(x) + "\" y1=\"" + num(top - 4) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(height - bottom) + "\" stroke=\"#a8201a\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n";
        s += "<text x=\"" + num(x + 4) + "\" y=\"" + num(top - 10) + "\" font-size=\"11\" fill=\"#a8201a\">" +
             escape(std::string(label(ReportLabel::total, lang))) + " " + percent(*overall) + "</text>\n";
    }
    s += "</svg>\n";
    return s;
}

/// The daily progress chart: cumulative completions and started learners.
std::string line_chart(const Report& r, Lang lang) {
    const Words P{lang};
    const Program& p = r.program;
    const double width = 760, height = 340, left = 64, right = 20, top = 44, bottom = 56;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    const int n_days = std::max(1, p.window().days());
    const date::sys_days first{p.window().start_date()};
    std::size_t max_value = 1;
    for (const DayPoint& d : r.daily) max_value = std::max({max_value, d.completed, d.started});
    const std::vector<double> ticks = nice_ticks(static_cast<double>(max_value));
    const double y_max = ticks.back();
    auto x_of_day = [&](double index) { return left + plot_w * (index + 0.5) / n_days; };
    auto y_of = [&](double v) { return top + plot_h * (1 - v / y_max); };
    auto index_of = [&](LocalDate d) { return static_cast<double>((date::sys_days{d} - first).count()); };

    std::string s;
    s += "<svg class=\"chart line-chart\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" role=\"img\" aria-label=\"" + escape(P(Phrase::daily_progress)) + "\">\n";
    for (double t : ticks) {
        const double y = y_of(t);
        s += "<line x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(width - right) + "\" y2=\"" + num(y) +
             "\" stroke=\"" + (t == 0 ? "#8a949e" : "#e3e8ed") + "\" stroke-width=\"1\"/>\n";
        s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) +
             "\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6670\">" + fixed(t, 0) + "</text>\n";
    }
    // Day ticks, with a label each week and on the last day.
    for (int i = 0; i < n_days; ++i) {
        const double x = x_of_day(i);
        const bool labelled = i % 7 == 0 || (i == n_days - 1 && (n_days - 1) % 7 >= 3);
        s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top + plot_h) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(top + plot_h + (labelled ? 6 : 3)) + "\" stroke=\"#8a949e\" stroke-width=\"1\"/>\n";
        if (labelled)
            s += "<text x=\"" + num(x) + "\" y=\"" + num(top + plot_h + 19) +
                 "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6670\">" +
                 escape(short_date(LocalDate{first + date::days{i}}, lang)) + "</text>\n";
    }
    s += "<text class=\"axis-label\" x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(height - 10) +
         "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(P(Phrase::date_axis)) + "</text>\n";
    s += "<text class=\"axis-label\" transform=\"translate(16 " + num(top + plot_h / 2) +
         ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2228\">" +
         escape(P(Phrase::participants_axis)) + "</text>\n";
    // Milestones as dashed lines at the end of their day.
    for (const Milestone& m : p.milestones()) {
        const double index = index_of(m.date);
        if (index < 0 || index >= n_days) continue;
        const double x = left + plot_w * (index + 1) / n_days;
        const std::string& text = label_text(m.label, lang);
        s += "<line class=\"milestone\" x1=\"" + num(x) + "\" y1=\"" + num(top) + "\" x2=\"" + num(x) + "\" y2=\"" +
             num(top + plot_h) + "\" stroke=\"#a8201a\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n";
        const bool at_right = x > left + plot_w * 0.8;
        s += "<text x=\"" + num(at_right ? x - 4 : x + 4) + "\" y=\"" + num(top + 12) + "\" font-size=\"11\" text-anchor=\"" +
             (at_right ? "end" : "start") + "\" fill=\"#a8201a\">" +
             escape(short_date(m.date, lang) + " " + (text.empty() ? m.id : text)) + "</text>\n";
    }
    struct Series {
        const char* key;
        ReportLabel name;
        const char* colour;
    };
    const Series series[] = {{"started", ReportLabel::cumulative_started, "#2d65a8"},
                             {"completed", ReportLabel::cumulative_completed, "#a8201a"}};
    for (const Series& k : series) {
        std::string points;
        std::string dots;
        for (const DayPoint& d : r.daily) {
            const std::size_t v = std::string_view(k.key) == "completed" ? d.completed : d.started;
            const double x = x_of_day(index_of(d.date)), y = y_of(static_cast<double>(v));
            points += num(x) + "," + num(y) + " ";
            dots += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.4\" fill=\"" + k.colour +
                    "\" data-date=\"" + format_local_date(d.date) + "\" data-value=\"" + std::to_string(v) +
                    "\"><title>" + escape(format_local_date(d.date) + " " + std::string(label(k.name, lang)) + " " +
                                          std::to_string(v)) +
                    "</title></circle>";
        }
        if (!points.empty()) points.pop_back();
        s += "<g class=\"series\" data-series=\"" + std::string(k.key) + "\"><polyline points=\"" + points +
             "\" fill=\"none\" stroke=\"" + k.colour + "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>" + dots +
             "</g>\n";
    }
    // Legend above the plot.
    double lx = left;
    for (const Series& k : series) {
        const std::string name(label(k.name, lang));
        s += "<line x1=\"" + num(lx) + "\" y1=\"" + num(top - 22) + "\" x2=\"" + num(lx + 22) + "\" y2=\"" +
             num(top - 22) + "\" stroke=\"" + k.colour + "\" stroke-width=\"2.5\"/>";
        s += "<text x=\"" + num(lx + 28) + "\" y=\"" + num(top - 18) + "\" font-size=\"12\" fill=\"#1d2228\">" +
             escape(name) + "</text>\n";
        lx += 28 + text_width(name) * 12 + 26;
    }
    s += "</svg>\n";
    return s;
}

std::string provenance_html(const Provenance& p, Lang lang) {
    const auto P = [lang](Phrase phrase, std::initializer_list<std::string_view> args = {}) {
        return yanxiu::phrase(phrase, lang, args);
    };
    std::string h = "<div class=\"provenance\">\n<p><strong>" + escape(P(Phrase::provenance_heading)) + "</strong> " +
                    escape(P(Phrase::provenance_summary, {p.library, p.programme_id, p.programme_version,
                                                          p.programme_sha256, p.tzdb, p.generated_at}));
    if (!p.as_of.empty()) h += escape(P(Phrase::provenance_as_of, {p.as_of}));
    h += "</p>\n<ul>\n";
    for (const ProvenanceFile& f : p.inputs)
        h += "<li>" + escape(P(Phrase::provenance_file, {input_label(f.role, lang), f.path, std::to_string(f.bytes)})) +
             "<code>" + escape(f.sha256) + "</code></li>\n";
    h += "</ul>\n<p>" + escape(P(Phrase::provenance_check)) + "</p>\n</div>\n";
    // The same record as JSON, for `yanxiu provenance` to check the page by:
    // a hidden element, HTML-escaped (the page has no script of any kind).
    h += "<pre hidden id=\"yanxiu-provenance\">" +
         escape(p.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + "</pre>\n";
    return h;
}

}  // namespace

std::string to_html(const Report& r, Lang lang) {
    const Words P{lang};
    const Program& p = r.program;
    auto L = [&](ReportLabel l) { return std::string(label(l, lang)); };
    auto cat_label = [&](const std::string& id) { return escape(category_label(id, lang, &p)); };
    const std::string title_text = label_text(p.title(), lang).empty() ? p.title().zh : label_text(p.title(), lang);
    const std::string report_word = P(Phrase::report_title);
    // What the figures count up to: as_of when given, else every record read, up to the latest.
    const Instant as_of = report_cut_off(r);
    const std::string moment_text =
        local_moment(as_of, p, lang) + (P(Phrase::open_paren)) + zone_words(p, lang) + (P(Phrase::close_paren));
    const std::string as_of_text = r.as_of || !r.latest_record ? moment_text : P(Phrase::cut_off_latest, {moment_text});
    auto count_text = [&](std::size_t n) { return std::to_string(n); };

    std::string h;
    h.reserve(1 << 16);
    h += "<!DOCTYPE html>\n<html lang=\"";
    h += P(Phrase::html_lang);
    h += "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>" + escape(title_text) + " " + escape(report_word) + "</title>\n<style>" + std::string(style()) + "</style>\n</head>\n<body>\n<main>\n";

    // Masthead and date line.
    h += "<header class=\"masthead\">\n<p class=\"programme\">" + escape(title_text) + "</p>\n<h1>" + escape(report_word) +
         "</h1>\n";
    if (!p.authority().empty())
        h += "<p class=\"authority\">" + escape((P(Phrase::authority_prefix)) + p.authority()) + "</p>\n";
    if (!r.issuer.empty()) h += "<p class=\"issuer\">" + escape(P(Phrase::issuer_prefix) + r.issuer) + "</p>\n";
    h += "</header>\n<div class=\"dateline\"><span>" + escape((P(Phrase::data_as_of_prefix)) + as_of_text) +
         "</span><span>" + escape((P(Phrase::programme_prefix)) + p.id() + (P(Phrase::version_open)) +
                                  p.version() + (P(Phrase::close_paren))) +
         "</span></div>\n";

    // The rules in brief.
    int section = 0;
    h += "<section class=\"rules keep\">\n<h2>" + section_number(++section, lang) + escape(P(Phrase::rules_heading)) +
         "</h2>\n<ul class=\"rules\">\n";
    h += "<li><b>" + escape(P(Phrase::window_prefix)) + "</b>" +
         escape(long_date(p.window().start_date(), lang) + (P(Phrase::date_range_to)) + long_date(p.window().end_date(), lang) +
                (P(Phrase::open_paren)) + zone_words(p, lang) + (P(Phrase::both_days_included))) +
         "</li>\n";
    {
        // Target categories grouped by their minimum, in programme order.
        std::vector<std::pair<int, std::vector<std::string>>> groups;
        std::vector<std::string> recorded_only, trees;
        for (const Category& c : p.categories()) {
            const std::string name = label_text(c.label, lang);
            if (!c.certificate) {
                recorded_only.push_back(name.empty() ? c.id : name);
                continue;
            }
            if (!c.requires.is_lesson_count()) {  // a requirement tree, in words
                trees.push_back(P(Phrase::requirement_rule, {name.empty() ? c.id : name, describe(c.requires, lang, p)}));
                continue;
            }
            auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == c.min_lessons; });
            if (it == groups.end()) groups.push_back({c.min_lessons, {}}), it = groups.end() - 1;
            it->second.push_back(name.empty() ? c.id : name);
        }
        std::vector<std::string> parts;
        for (const auto& [minimum, names] : groups)
            parts.push_back(P(Phrase::minimum_lessons_rule, {join(names, P(Phrase::list_separator)), std::to_string(minimum)}));
        if (!parts.empty())
            h += "<li><b>" + escape(P(Phrase::minimums_prefix)) + "</b>" + escape(join(parts, P(Phrase::clause_separator))) +
                 (P(Phrase::full_stop)) + "</li>\n";
        if (!trees.empty())
            h += "<li><b>" + escape(P(Phrase::requirements_prefix)) + "</b>" +
                 escape(join(trees, P(Phrase::clause_separator))) + (P(Phrase::full_stop)) + "</li>\n";
        if (!recorded_only.empty())
            h += "<li><b>" + escape(P(Phrase::others_prefix)) + "</b>" +
                 escape(P(Phrase::recorded_only_rule, {join(recorded_only, P(Phrase::list_separator))})) +
                 "</li>\n";
    }
    {
        std::string quiz;
        char score[32];
        std::snprintf(score, sizeof score, "%g", p.quiz().pass_score);
        switch (p.quiz().mode) {
            case QuizMode::completed:
                quiz = P(Phrase::quiz_completed_rule);
                break;
            case QuizMode::passed:
                quiz = P(Phrase::quiz_passed_rule, {score});
                break;
            case QuizMode::none: quiz = P(Phrase::quiz_none_rule); break;
        }
        h += "<li><b>" + escape(P(Phrase::quiz_prefix)) + "</b>" + escape(quiz) + "</li>\n";
    }
    {
        const CreditRule& credit = p.credit();
        char step[32];
        std::snprintf(step, sizeof step, "%g", credit.hour_step);
        std::string text = P(Phrase::hours_rule, {std::to_string(credit.minutes_per_hour), step});
        if (credit.max_hours) {
            char cap[32];
            std::snprintf(cap, sizeof cap, "%g", *credit.max_hours);
            text += P(Phrase::max_hours_rule, {cap});
        }
        if (!p.lessons().empty() && credit.cap_at_lesson_length)
            text += P(Phrase::lesson_cap_rule);
        text += P(Phrase::certificates_credited_locally);
        h += "<li><b>" + escape(P(Phrase::hours_prefix)) + "</b>" + escape(text) + "</li>\n";
    }
    if (p.require_verified())
        h += "<li><b>" + escape(P(Phrase::real_name_prefix)) + "</b>" +
             escape(P(Phrase::real_name_rule)) +
             "</li>\n";
    h += "</ul>\n</section>\n";

    // Key figures.
    const Counts& t = r.target;
    h += "<section class=\"summary\">\n<h2>" + section_number(++section, lang) + escape(P(Phrase::overview_heading)) + "</h2>\n";
    h += "<div class=\"cards\">\n";
    auto card = [&](const std::string& value, const std::string& name, bool accent = false) {
        h += "<div class=\"card\"><div class=\"value" + std::string(accent ? " accent" : "") + "\">" + escape(value) +
             "</div><div class=\"name\">" + escape(name) + "</div></div>\n";
    };
    card(t.expected ? std::to_string(*t.expected) : "—", L(ReportLabel::expected));
    card(count_text(t.registered), L(ReportLabel::registered));
    card(count_text(t.started), L(ReportLabel::started));
    card(count_text(t.completed), L(ReportLabel::completed));
    card(percent(t.coverage()), L(ReportLabel::coverage), true);
    h += "</div>\n";
    {
        std::string lead = P(r.as_of || !r.latest_record ? Phrase::lead_as_of : Phrase::lead_up_to,
                             {local_moment(as_of, p, lang)});
        if (t.expected) lead += P(Phrase::lead_census, {std::to_string(*t.expected)});
        lead += P(Phrase::lead_counts, {count_text(t.registered), count_text(t.started), count_text(t.completed),
                                        percent(t.coverage())});
        if (t.coverage_base > 0)
            lead += P(Phrase::lead_base_count, {count_text(t.completed), std::to_string(t.coverage_base)});
        if (t.denominator == Denominator::census) lead += P(Phrase::lead_base_census);
        else if (t.denominator == Denominator::registered) lead += P(Phrase::lead_base_registered);
        else if (t.denominator == Denominator::mixed) lead += P(Phrase::lead_base_mixed);
        lead += P(Phrase::lead_mean_hours, {hours_text(t.mean_hours())});
        if (t.unverified) lead += P(Phrase::lead_unverified, {count_text(t.unverified)});
        if (r.previous) {
            const long long added = static_cast<long long>(t.completed) - static_cast<long long>(r.previous->total.completed);
            const auto then = parse_instant(r.previous->cut_off, p.time_zone());
            lead += P(Phrase::lead_previous, {then ? local_moment(*then, p, lang) : r.previous->cut_off,
                                              (added >= 0 ? "+" : "") + std::to_string(added)});
        }
        if (const auto days = days_remaining(r); days > 0) lead += P(Phrase::lead_days_left, {std::to_string(days)});
        if (r.recorded.registered)
            lead += P(Phrase::lead_recorded, {count_text(r.recorded.registered), count_text(r.recorded.started),
                                              hours_text(r.recorded.mean_hours())});
        h += "<p class=\"lead\">" + escape(lead) + "</p>\n";
    }
    h += "</section>\n";

    // Ranking.
    h += "<section class=\"ranking\">\n<h2>" + section_number(++section, lang) +
         escape(P(r.ranked ? Phrase::ranking_heading : Phrase::units_heading)) + "</h2>\n";
    h += "<table class=\"ranking\">\n<thead><tr>";
    if (r.ranked) h += "<th>" + escape(L(ReportLabel::rank)) + "</th>";
    for (ReportLabel c : {ReportLabel::unit, ReportLabel::expected, ReportLabel::registered, ReportLabel::started,
                          ReportLabel::completed, ReportLabel::coverage, ReportLabel::coverage_base,
                          ReportLabel::denominator, ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    if (r.previous) h += "<th>" + escape(L(ReportLabel::change)) + "</th>";
    if (r.contacts) h += "<th>" + escape(P(Phrase::contact_column)) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    // 较上期: completions added and the coverage's change in percentage points.
    auto change_cell = [&](const Counts& k, const PreviousFigures* before) {
        if (!r.previous) return;
        std::string text = "—";
        if (!before) {
            text = P(Phrase::change_new);
        } else {
            const long long added = static_cast<long long>(k.completed) - static_cast<long long>(before->completed);
            text = (added >= 0 ? "+" : "") + std::to_string(added);
            if (k.coverage() && before->coverage) {
                char points[32];
                std::snprintf(points, sizeof points, "%+.1f", (*k.coverage() - *before->coverage) * 100);
                text += P(Phrase::change_points, {points});
            }
        }
        h += "<td class=\"num\">" + escape(text) + "</td>";
    };
    auto previous_of = [&](const std::string& unit) -> const PreviousFigures* {
        if (!r.previous) return nullptr;
        const auto it = r.previous->units.find(unit);
        return it == r.previous->units.end() ? nullptr : &it->second;
    };
    auto ranking_cells = [&](const Counts& k) {
        h += "<td class=\"num\">" + optional_number(k.expected) + "</td><td class=\"num\">" + count_text(k.registered) +
             "</td><td class=\"num\">" + count_text(k.started) + "</td><td class=\"num\">" + count_text(k.completed) +
             "</td><td class=\"num\">" + percent(k.coverage()) + "</td><td class=\"num\">" +
             (k.coverage_base > 0 ? std::to_string(k.coverage_base) : std::string("—")) + "</td><td class=\"center\">" +
             escape(denominator_label(k.denominator, lang)) + "</td><td class=\"num\">" + hours_text(k.mean_hours()) +
             "</td>";
    };
    // The last two units and the total share a row group kept on one page,
    // so a printed total never stands alone on a page of its own.
    const std::size_t tail = r.units.size() >= 2 ? r.units.size() - 2 : 0;
    for (std::size_t i = 0; i < r.units.size(); ++i) {
        const UnitReport& u = r.units[i];
        if (i == tail && i > 0) h += "</tbody>\n<tbody class=\"keep tail\">\n";
        h += "<tr data-unit=\"" + escape(u.unit) + "\">";
        if (r.ranked) h += "<td class=\"center\">" + std::to_string(u.rank) + "</td>";
        h += "<td>" + escape(unit_label(u.unit, lang)) + "</td>";
        ranking_cells(u.target);
        change_cell(u.target, previous_of(u.unit));
        if (r.contacts) {
            // Whom to call about this unit (only in a report asked for with contacts).
            const Contact* c = r.contacts->find(u.unit);
            h += "<td class=\"contact\">" + (c ? escape(contact_text(*c, lang)) : std::string("—")) + "</td>";
        }
        h += "</tr>\n";
    }
    h += "<tr class=\"total\">" + std::string(r.ranked ? "<td></td>" : "") + "<td>" + escape(L(ReportLabel::total)) +
         "</td>";
    ranking_cells(t);
    change_cell(t, r.previous ? &r.previous->total : nullptr);
    if (r.contacts) h += "<td></td>";
    h += "</tr>\n</tbody>\n</table>\n";
    std::string note = P(r.has_census ? Phrase::coverage_note_census : Phrase::coverage_note_registered);
    if (r.ranked) note += P(Phrase::ranking_ties_note);
    h += "<p class=\"note\">" + escape(note) + "</p>\n</section>\n";

    // Charts.
    h += "<section class=\"charts\">\n<h2 class=\"page-break\">" + section_number(++section, lang) +
         escape(P(Phrase::coverage_by_unit)) + "</h2>\n<figure>\n" + bar_chart(r, lang) +
         "<figcaption>" + escape(P(Phrase::bar_chart_caption)) +
         "</figcaption>\n</figure>\n";
    h += "<h2>" + section_number(++section, lang) + escape(P(Phrase::daily_progress)) + "</h2>\n<figure class=\"keep\">\n" +
         line_chart(r, lang) + "<figcaption>" +
         escape(P(Phrase::line_chart_caption)) +
         "</figcaption>\n</figure>\n</section>\n";

    // By category.
    h += "<section class=\"categories keep\">\n<h2>" + section_number(++section, lang) +
         escape(P(Phrase::by_category_heading)) + "</h2>\n<table class=\"by-category\">\n<thead><tr>";
    for (ReportLabel c : {ReportLabel::category, ReportLabel::expected, ReportLabel::registered, ReportLabel::started,
                          ReportLabel::completed, ReportLabel::unverified, ReportLabel::coverage, ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    for (const CategoryCounts& c : r.categories) {
        const Counts& k = c.counts;
        h += "<tr><td>" + cat_label(c.category) + "</td><td class=\"num\">" + optional_number(k.expected) +
             "</td><td class=\"num\">" + count_text(k.registered) + "</td><td class=\"num\">" + count_text(k.started) +
             "</td><td class=\"num\">" + (c.target ? count_text(k.completed) : "—") + "</td><td class=\"num\">" +
             count_text(k.unverified) + "</td><td class=\"num\">" +
             (c.target ? percent(k.coverage()) : escape(L(ReportLabel::recorded_hours))) + "</td><td class=\"num\">" +
             hours_text(k.mean_hours()) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
    if (r.recorded.registered)
        h += "<p class=\"note\">" +
             escape(P(Phrase::recorded_only_note)) +
             "</p>\n";
    h += "</section>\n";

    // Hours by module, where the programme has groups: per unit in rank order, then the total.
    if (!p.groups().empty()) {
        h += "<section class=\"modules keep\">\n<h2>" + section_number(++section, lang) +
             escape(P(Phrase::modules_heading)) + "</h2>\n<table class=\"by-module\">\n<thead><tr><th>" +
             escape(L(ReportLabel::unit)) + "</th>";
        for (const Group& g : p.groups()) {
            const std::string name = label_text(g.label, lang).empty() ? g.id : label_text(g.label, lang);
            const std::string quota =
                g.max_hours ? P(Phrase::module_quota, {fixed(*g.max_hours, *g.max_hours == std::floor(*g.max_hours) ? 0 : 1)})
                            : "";
            h += "<th>" + escape(P(Phrase::module_mean_hours, {name + quota})) + "</th>";
            if (g.max_hours) h += "<th>" + escape(P(Phrase::module_at_quota, {name})) + "</th>";
        }
        h += "</tr></thead>\n<tbody>\n";
        auto module_row = [&](const std::string& unit, const Counts& k, bool total) {
            h += total ? "<tr class=\"total\"><td>" : "<tr><td>";
            h += escape(unit) + "</td>";
            for (std::size_t g = 0; g < p.groups().size(); ++g) {
                h += "<td class=\"num\">" + hours_text(k.mean_group_hours(g)) + "</td>";
                if (p.groups()[g].max_hours)
                    h += "<td class=\"num\">" + count_text(g < k.group_at_quota.size() ? k.group_at_quota[g] : 0) + "</td>";
            }
            h += "</tr>\n";
        };
        for (const UnitReport& u : r.units) module_row(unit_label(u.unit, lang), u.target, false);
        module_row(L(ReportLabel::total), r.target, true);
        h += "</tbody>\n</table>\n<p class=\"note\">" + escape(P(Phrase::modules_note)) + "</p>\n</section>\n";
    }

    // Census reconciliation.
    h += "<section class=\"census-check\">\n<h2>" + section_number(++section, lang) +
         escape(P(r.contacts ? Phrase::census_contacts_heading : Phrase::census_heading)) + "</h2>\n";
    if (!r.has_census) {
        h += "<p>" + escape(P(Phrase::no_census_note)) +
             "</p>\n";
    } else {
        h += "<div class=\"two-col\">\n<div>\n<h3>" +
             escape(P(Phrase::census_without_participants_heading)) + "</h3>\n";
        if (r.census_without_participants.empty()) {
            h += "<p class=\"muted\">" + escape(P(Phrase::none_listed)) + "</p>\n";
        } else {
            h += "<table class=\"census-without-participants\">\n<thead><tr><th>" + escape(L(ReportLabel::unit)) + "</th><th>" +
                 escape(L(ReportLabel::category)) + "</th><th>" + escape(L(ReportLabel::expected)) + "</th></tr></thead>\n<tbody>\n";
            for (const auto& g : r.census_without_participants)
                h += "<tr><td>" + escape(unit_label(g.unit, lang)) + "</td><td>" + cat_label(g.category) +
                     "</td><td class=\"num\">" + std::to_string(g.expected) + "</td></tr>\n";
            h += "</tbody>\n</table>\n";
        }
        h += "</div>\n<div>\n<h3>" + escape(P(Phrase::participants_without_census_heading)) + "</h3>\n";
        if (r.participants_without_census.empty()) {
            h += "<p class=\"muted\">" + escape(P(Phrase::none_listed)) + "</p>\n";
        } else {
            h += "<table class=\"participants-without-census\">\n<thead><tr><th>" + escape(L(ReportLabel::unit)) + "</th><th>" +
                 escape(L(ReportLabel::category)) + "</th><th>" + escape(L(ReportLabel::registered)) +
                 "</th></tr></thead>\n<tbody>\n";
            for (const auto& g : r.participants_without_census)
                h += "<tr><td>" + escape(unit_label(g.unit, lang)) + "</td><td>" + cat_label(g.category) +
                     "</td><td class=\"num\">" + std::to_string(g.registered) + "</td></tr>\n";
            h += "</tbody>\n</table>\n";
        }
        h += "</div>\n</div>\n<p class=\"note\">" +
             escape(P(Phrase::census_check_request)) +
             "</p>\n";
    }
    if (r.contacts) {
        const ContactCheck& k = *r.contacts;
        auto unit_list = [&](const char* css, const std::string& heading, const std::vector<std::string>& units) {
            h += "<div class=\"" + std::string(css) + "\">\n<h3>" + escape(heading) + "</h3>\n";
            if (units.empty()) {
                h += "<p class=\"muted\">" + escape(P(Phrase::none_listed)) + "</p>\n";
            } else {
                h += "<ul>\n";
                for (const auto& unit : units) {
                    h += "<li>" + escape(unit_label(unit, lang));
                    const Contact* c = k.find(unit);
                    if (c && c->updated_at) h += "（" + escape(long_date(*c->updated_at, lang)) + "）";
                    h += "</li>\n";
                }
                h += "</ul>\n";
            }
            h += "</div>\n";
        };
        h += "<div class=\"three-col contacts-check\">\n";
        unit_list("without-contact", P(Phrase::without_contact_heading), k.without_contact);
        unit_list("updated-late",
                  P(Phrase::updated_late_heading, {k.due ? long_date(*k.due, lang) : std::string("—")}),
                  k.updated_late);
        unit_list("contacts-not-in-report", P(Phrase::contacts_not_in_report_heading), k.not_in_report);
        h += "</div>\n<p class=\"note\">" + escape(P(Phrase::contacts_check_request)) + "</p>\n";
    }
    h += "</section>\n";

    // Milestones and support.
    h += "<section class=\"milestones keep\">\n<h2>" + section_number(++section, lang) +
         escape(P(Phrase::milestones_heading)) + "</h2>\n";
    h += "<table class=\"milestones\">\n<thead><tr><th>" + escape(L(ReportLabel::date)) + "</th><th>" +
         escape(P(Phrase::milestone_column)) + "</th></tr></thead>\n<tbody>\n";
    h += "<tr><td class=\"center\">" + escape(long_date(p.window().start_date(), lang)) + "</td><td>" +
         escape(P(Phrase::training_opens)) + "</td></tr>\n";
    bool has_end_milestone = false;
    for (const Milestone& m : p.milestones()) {
        has_end_milestone = has_end_milestone || m.date == p.window().end_date();
        const std::string& text = label_text(m.label, lang);
        h += "<tr><td class=\"center\">" + escape(long_date(m.date, lang)) + "</td><td>" + escape(text.empty() ? m.id : text) +
             "</td></tr>\n";
    }
    if (!has_end_milestone)
        h += "<tr><td class=\"center\">" + escape(long_date(p.window().end_date(), lang)) + "</td><td>" +
             escape(P(Phrase::training_closes)) + "</td></tr>\n";
    h += "</tbody>\n</table>\n";
    if (!p.support().empty()) {
        h += "<table class=\"support\">\n<thead><tr><th>" + escape(P(Phrase::support_channel_column)) + "</th><th>" +
             escape(P(Phrase::support_number_column)) + "</th><th>" + escape(P(Phrase::support_serves_column)) + "</th></tr></thead>\n<tbody>\n";
        for (const SupportChannel& c : p.support()) {
            std::vector<std::string> sectors;
            for (Sector s : c.sectors) sectors.emplace_back(message(s, lang));
            const std::string& name = label_text(c.label, lang);
            std::string kind = c.kind == "qq_group" ? (P(Phrase::qq_group_prefix)) : "";
            h += "<tr><td>" + escape(name.empty() ? c.id : name) + "</td><td class=\"center\">" + escape(kind + c.value) +
                 "</td><td>" + escape(sectors.empty() ? std::string(P(Phrase::all_sectors)) : join(sectors, P(Phrase::list_separator))) +
                 "</td></tr>\n";
        }
        h += "</tbody>\n</table>\n";
    }
    h += "</section>\n";

    // Appendix: every unit by category.
    h += "<section class=\"detail\">\n<h2 class=\"page-break\">" + escape(P(Phrase::appendix_heading)) +
         "</h2>\n<table class=\"detail\">\n<thead><tr>";
    if (r.ranked) h += "<th>" + escape(L(ReportLabel::rank)) + "</th>";
    for (ReportLabel c : {ReportLabel::unit, ReportLabel::category, ReportLabel::expected, ReportLabel::registered,
                          ReportLabel::started, ReportLabel::completed, ReportLabel::unverified, ReportLabel::coverage,
                          ReportLabel::denominator, ReportLabel::mean_hours})
        h += "<th>" + escape(L(c)) + "</th>";
    h += "</tr></thead>\n";
    for (const UnitReport& u : r.units) {
        // One tbody per unit keeps its rows together on a printed page.
        h += "<tbody class=\"keep\">\n";
        const std::size_t rows = u.categories.size();
        bool first_row = true;
        for (const CategoryCounts& c : u.categories) {
            const Counts& k = c.counts;
            h += "<tr>";
            if (first_row) {
                if (r.ranked)
                    h += "<td class=\"center\" rowspan=\"" + std::to_string(rows) + "\">" + std::to_string(u.rank) + "</td>";
                h += "<td rowspan=\"" + std::to_string(rows) + "\">" + escape(unit_label(u.unit, lang)) + "</td>";
            }
            first_row = false;
            h += "<td class=\"category\">" + cat_label(c.category) + "</td><td class=\"num\">" + optional_number(k.expected) +
                 "</td><td class=\"num\">" + count_text(k.registered) + "</td><td class=\"num\">" + count_text(k.started) +
                 "</td><td class=\"num\">" + (c.target ? count_text(k.completed) : "—") + "</td><td class=\"num\">" +
                 count_text(k.unverified) + "</td><td class=\"num\">" +
                 (c.target ? percent(k.coverage()) : escape(L(ReportLabel::recorded_hours))) + "</td><td class=\"center\">" +
                 escape(c.target ? std::string(denominator_label(k.denominator, lang)) : std::string()) +
                 "</td><td class=\"num\">" + hours_text(k.mean_hours()) + "</td></tr>\n";
        }
        h += "</tbody>\n";
    }
    h += "</table>\n</section>\n";

    // Data counts.
    h += "<footer>\n";
    for (const InputCount& in : r.inputs) {
        const ReadSummary& s = in.summary;
        h += "<p>" +
             escape(P(Phrase::records_read, {input_label(in.name, lang), std::to_string(s.read), std::to_string(s.accepted),
                                             std::to_string(s.rejected), std::to_string(s.duplicates)})) +
             "</p>\n";
    }
    if (!r.generated_at.empty())
        h += "<p>" + escape((P(Phrase::generated_prefix)) + r.generated_at) + "</p>\n";
    if (r.provenance) h += provenance_html(*r.provenance, lang);
    h += "<p>" + escape(P(Phrase::generated_by)) +
         "</p>\n</footer>\n</main>\n</body>\n</html>\n";
    return h;
}

}  // namespace yanxiu

namespace yanxiu {

std::string dispatch_index_html(const std::vector<DispatchLink>& reports, Lang lang) {
    const Words P{lang};
    std::string title = P(Phrase::dispatch_index_title);
    if (!reports.empty() && reports.front().report) {
        const Program& p = reports.front().report->program;
        const std::string name = label_text(p.title(), lang).empty() ? p.title().zh : label_text(p.title(), lang);
        title = name + (lang == Lang::zh ? "" : " — ") + title;
    }
    std::string h = "<!DOCTYPE html>\n<html lang=\"" + P(Phrase::html_lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                    escape(title) + "</title>\n<style>" + std::string(style()) + "</style>\n</head>\n<body>\n<main>\n";
    h += "<header><h1>" + escape(title) + "</h1></header>\n<section class=\"dispatches\">\n<table class=\"dispatches\">\n"
         "<thead><tr><th>" + escape(P(Phrase::dispatch_column)) + "</th><th>" +
         escape(std::string(label(ReportLabel::registered, lang))) + "</th><th>" +
         escape(std::string(label(ReportLabel::completed, lang))) + "</th><th>" +
         escape(std::string(label(ReportLabel::coverage, lang))) + "</th><th>" +
         escape(std::string(label(ReportLabel::change, lang))) + "</th><th>JSON</th></tr></thead>\n<tbody>\n";
    const Report* before = nullptr;
    for (const DispatchLink& link : reports) {
        if (!link.report) continue;
        const Report& r = *link.report;
        const Counts& t = r.target;
        std::string change = "—";
        if (before) {
            const long long added = static_cast<long long>(t.completed) - static_cast<long long>(before->target.completed);
            change = (added >= 0 ? "+" : "") + std::to_string(added);
            if (t.coverage() && before->target.coverage()) {
                char points[32];
                std::snprintf(points, sizeof points, "%+.1f", (*t.coverage() - *before->target.coverage()) * 100);
                change += P(Phrase::change_points, {points});
            }
        }
        h += "<tr><td><a href=\"" + escape(link.html) + "\">" + escape(long_date(link.date, lang)) +
             "</a></td><td class=\"num\">" + std::to_string(t.registered) + "</td><td class=\"num\">" +
             std::to_string(t.completed) + "</td><td class=\"num\">" + percent(t.coverage()) +
             "</td><td class=\"num\">" + escape(change) + "</td><td>" +
             (link.json.empty() ? std::string("—") : "<a href=\"" + escape(link.json) + "\">JSON</a>") + "</td></tr>\n";
        before = &r;
    }
    h += "</tbody>\n</table>\n</section>\n</main>\n</body>\n</html>\n";
    return h;
}

}  // namespace yanxiu
