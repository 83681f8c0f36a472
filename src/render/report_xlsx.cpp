// A report as an Excel workbook, written by libxlsxwriter.

#include <yanxiu/render/report_xlsx.hpp>

#include "render/common.hpp"

#include <xlsxwriter.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace yanxiu {

namespace {

using render::denominator_label;
using render::unit_label;

/// A cell holds at most 32,767 characters; longer text (a field may be
/// 64 KiB) is cut at a UTF-8 character boundary below that many bytes.
std::string cell_text(std::string_view s) {
    constexpr std::size_t kMax = 32767;
    if (s.size() <= kMax) return std::string(s);
    std::size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n));
}

/// A temporary file that libxlsxwriter writes the workbook to, read back
/// and removed.
class TempPath {
public:
    TempPath() {
        std::error_code ec;
        std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
        if (ec) dir = "/tmp";
        std::string pattern = (dir / "yanxiu-xlsx-XXXXXX").string();
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw std::runtime_error("xlsx: cannot create a temporary file in " + dir.string());
        ::close(fd);
        path_ = pattern;
    }
    ~TempPath() { std::remove(path_.c_str()); }
    TempPath(const TempPath&) = delete;
    TempPath& operator=(const TempPath&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// One workbook being written, with the formats every sheet shares.
class Book {
public:
    Book(const Program& program, const XlsxOptions& options) : program_(program), lang_(options.lang) {
        lxw_workbook_options o{};
        o.constant_memory = 0;
        o.tmpdir = nullptr;
        o.use_zip64 = 0;
        book_ = workbook_new_opt(temp_.path().c_str(), &o);
        if (!book_) throw std::runtime_error("xlsx: cannot start a workbook");
        const Instant created = options.created.value_or(generation_instant());
        title_ = label_text(program.title(), lang_).empty() ? program.title().zh : label_text(program.title(), lang_);
        subject_ = phrase(Phrase::report_title, lang_);
        lxw_doc_properties properties{};
        // The struct's fields are char* (libxlsxwriter copies them, never writes through them).
        properties.title = title_.data();
        properties.subject = subject_.data();
        properties.author = author_.data();
        properties.created = static_cast<time_t>(created.time_since_epoch().count());
        workbook_set_properties(book_, &properties);

        header_ = workbook_add_format(book_);
        format_set_bold(header_);
        format_set_bg_color(header_, 0xDDEBF7);
        format_set_bottom(header_, LXW_BORDER_THIN);
        format_set_text_wrap(header_);
        format_set_align(header_, LXW_ALIGN_VERTICAL_CENTER);
        percent_ = number_format("0.0%", false);
        hours_ = number_format("0.00", false);
        hour1_ = number_format("0.0", false);
        integer_ = number_format("0", false);
        date_ = number_format("yyyy-mm-dd", false);
        text_ = workbook_add_format(book_);
        format_set_num_format(text_, "@");
        wrap_ = workbook_add_format(book_);
        format_set_text_wrap(wrap_);
        total_text_ = number_format("@", true);
        total_percent_ = number_format("0.0%", true);
        total_hours_ = number_format("0.00", true);
        total_integer_ = number_format("0", true);
    }
    ~Book() {
        if (book_) workbook_close(book_);  // only on an exception: close() sets book_ to null
    }
    Book(const Book&) = delete;
    Book& operator=(const Book&) = delete;

    [[nodiscard]] Lang lang() const noexcept { return lang_; }
    [[nodiscard]] const Program& program() const noexcept { return program_; }

    /// A new sheet, set up for A4 printing with its header row(s) repeated
    /// on every page and page numbers in the footer.
    lxw_worksheet* sheet(Phrase name, bool landscape) {
        const std::string n = phrase(name, lang_);
        lxw_worksheet* ws = workbook_add_worksheet(book_, n.c_str());
        if (!ws) throw std::runtime_error("xlsx: cannot add the sheet " + n);
        worksheet_set_paper(ws, 9);  // A4
        if (landscape) worksheet_set_landscape(ws);
        worksheet_fit_to_pages(ws, 1, 0);  // as wide as one page, as long as it takes
        worksheet_set_footer(ws, "&C&P / &N");
        return ws;
    }

    /// The header row: labels, frozen, repeated on each printed page.
    void header(lxw_worksheet* ws, lxw_row_t row, const std::vector<std::string>& labels) {
        for (std::size_t c = 0; c < labels.size(); ++c) string(ws, row, static_cast<lxw_col_t>(c), labels[c], header_);
        worksheet_set_row(ws, row, 32, nullptr);
        worksheet_freeze_panes(ws, row + 1, 0);
        worksheet_repeat_rows(ws, row, row);
    }

    void string(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, std::string_view s, lxw_format* f = nullptr) {
        check(worksheet_write_string(ws, row, col, cell_text(s).c_str(), f ? f : text_));
    }
    void number(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, double x, lxw_format* f) {
        check(worksheet_write_number(ws, row, col, x, f));
    }
    /// A number, or an empty cell for nullopt (nothing known, not zero).
    void maybe(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, std::optional<double> x, lxw_format* f) {
        if (x) number(ws, row, col, *x, f);
        else check(worksheet_write_blank(ws, row, col, f));
    }
    void date(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, LocalDate d) {
        lxw_datetime dt{};
        dt.year = static_cast<int>(d.year());
        dt.month = static_cast<int>(static_cast<unsigned>(d.month()));
        dt.day = static_cast<int>(static_cast<unsigned>(d.day()));
        check(worksheet_write_datetime(ws, row, col, &dt, date_));
    }

    lxw_format *header_, *percent_, *hours_, *hour1_, *integer_, *date_, *text_, *wrap_;
    lxw_format *total_text_, *total_percent_, *total_hours_, *total_integer_;

    /// Closes the workbook and returns its bytes.
    std::string close() {
        lxw_workbook* b = book_;
        book_ = nullptr;
        const lxw_error e = workbook_close(b);
        if (e != LXW_NO_ERROR) throw std::runtime_error(std::string("xlsx: ") + lxw_strerror(e));
        std::ifstream in(temp_.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        if (!in && !in.eof()) throw std::runtime_error("xlsx: cannot read the workbook back");
        return bytes.str();
    }

private:
    lxw_format* number_format(const char* format, bool bold) {
        lxw_format* f = workbook_add_format(book_);
        format_set_num_format(f, format);
        if (bold) {
            format_set_bold(f);
            format_set_top(f, LXW_BORDER_THIN);
        }
        return f;
    }
    static void check(lxw_error e) {
        if (e != LXW_NO_ERROR) throw std::runtime_error(std::string("xlsx: ") + lxw_strerror(e));
    }

    TempPath temp_;
    const Program& program_;
    Lang lang_;
    std::string title_, subject_, author_ = "yanxiu";
    lxw_workbook* book_ = nullptr;
};

/// The figures columns of a unit or category row, from `first` on:
/// census, registered, started, completed, unverified, coverage, its base
/// (people), what the base is, mean hours.
std::vector<ReportLabel> figure_labels() {
    return {ReportLabel::expected,   ReportLabel::registered,    ReportLabel::started,
            ReportLabel::completed,  ReportLabel::unverified,    ReportLabel::coverage,
            ReportLabel::coverage_base, ReportLabel::denominator, ReportLabel::mean_hours};
}

void figures(Book& b, lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const Counts& k, bool target, bool total) {
    lxw_format* integer = total ? b.total_integer_ : b.integer_;
    b.maybe(ws, row, col++, k.expected ? std::optional<double>(static_cast<double>(*k.expected)) : std::nullopt, integer);
    b.number(ws, row, col++, static_cast<double>(k.registered), integer);
    b.number(ws, row, col++, static_cast<double>(k.started), integer);
    b.number(ws, row, col++, static_cast<double>(k.completed), integer);
    b.number(ws, row, col++, static_cast<double>(k.unverified), integer);
    b.maybe(ws, row, col++, target ? k.coverage() : std::nullopt, total ? b.total_percent_ : b.percent_);
    b.maybe(ws, row, col++, target && k.coverage_base > 0 ? std::optional<double>(static_cast<double>(k.coverage_base)) : std::nullopt,
            integer);
    b.string(ws, row, col++, target ? denominator_label(k.denominator, b.lang()) : label(ReportLabel::recorded_hours, b.lang()),
             total ? b.total_text_ : nullptr);
    b.maybe(ws, row, col++, k.mean_hours(), total ? b.total_hours_ : b.hours_);
}

std::vector<std::string> texts(const std::vector<ReportLabel>& labels, Lang lang) {
    std::vector<std::string> out;
    for (ReportLabel l : labels) out.emplace_back(label(l, lang));
    return out;
}

void units_sheet(Book& b, const Report& r) {
    const Lang lang = b.lang();
    lxw_worksheet* ws = b.sheet(Phrase::sheet_units, true);
    std::vector<ReportLabel> columns;
    if (r.ranked) columns.push_back(ReportLabel::rank);  // 不排名: no rank column
    columns.push_back(ReportLabel::unit);
    for (ReportLabel l : figure_labels()) columns.push_back(l);
    b.header(ws, 0, texts(columns, lang));
    const lxw_col_t unit_col = r.ranked ? 1 : 0;
    if (r.ranked) worksheet_set_column(ws, 0, 0, 6, nullptr);
    worksheet_set_column(ws, unit_col, unit_col, 24, nullptr);
    worksheet_set_column(ws, unit_col + 1, static_cast<lxw_col_t>(columns.size() - 1), 12, nullptr);
    lxw_row_t row = 1;
    for (const UnitReport& u : r.units) {
        if (r.ranked) b.number(ws, row, 0, static_cast<double>(u.rank), b.integer_);
        b.string(ws, row, unit_col, unit_label(u.unit, lang));
        figures(b, ws, row, unit_col + 1, u.target, true, false);
        ++row;
    }
    // The filter covers the unit rows only, so sorting never moves the total in among them.
    if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, static_cast<lxw_col_t>(columns.size() - 1));
    if (r.ranked) b.string(ws, row, 0, "", b.total_text_);
    b.string(ws, row, unit_col, label(ReportLabel::total, lang), b.total_text_);
    figures(b, ws, row, unit_col + 1, r.target, true, true);
}

void categories_sheet(Book& b, const Report& r) {
    const Lang lang = b.lang();
    lxw_worksheet* ws = b.sheet(Phrase::sheet_categories, true);
    std::vector<ReportLabel> columns = {ReportLabel::unit, ReportLabel::category, ReportLabel::category_id};
    for (ReportLabel l : figure_labels()) columns.push_back(l);
    b.header(ws, 0, texts(columns, lang));
    worksheet_set_column(ws, 0, 0, 24, nullptr);
    worksheet_set_column(ws, 1, 1, 20, nullptr);
    worksheet_set_column(ws, 2, 2, 14, nullptr);
    worksheet_set_column(ws, 3, static_cast<lxw_col_t>(columns.size() - 1), 12, nullptr);
    lxw_row_t row = 1;
    for (const UnitReport& u : r.units)
        for (const CategoryCounts& c : u.categories) {
            b.string(ws, row, 0, unit_label(u.unit, lang));
            b.string(ws, row, 1, category_label(c.category, lang, &r.program));
            b.string(ws, row, 2, c.category);
            figures(b, ws, row, 3, c.counts, c.target, false);
            ++row;
        }
    if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, static_cast<lxw_col_t>(columns.size() - 1));
    // Totals by category, below the rows they add up.
    for (const CategoryCounts& c : r.categories) {
        b.string(ws, row, 0, label(ReportLabel::total, lang), b.total_text_);
        b.string(ws, row, 1, category_label(c.category, lang, &r.program), b.total_text_);
        b.string(ws, row, 2, c.category, b.total_text_);
        figures(b, ws, row, 3, c.counts, c.target, true);
        ++row;
    }
}

void daily_sheet(Book& b, const Report& r) {
    const Lang lang = b.lang();
    lxw_worksheet* ws = b.sheet(Phrase::sheet_daily, false);
    b.header(ws, 0, texts({ReportLabel::date, ReportLabel::cumulative_started, ReportLabel::cumulative_completed,
                           ReportLabel::coverage},
                          lang));
    worksheet_set_column(ws, 0, 0, 12, nullptr);
    worksheet_set_column(ws, 1, 3, 14, nullptr);
    lxw_row_t row = 1;
    const std::int64_t base = r.target.coverage_base;
    for (const DayPoint& d : r.daily) {
        b.date(ws, row, 0, d.date);
        b.number(ws, row, 1, static_cast<double>(d.started), b.integer_);
        b.number(ws, row, 2, static_cast<double>(d.completed), b.integer_);
        b.maybe(ws, row, 3, base > 0 ? std::optional<double>(static_cast<double>(d.completed) / static_cast<double>(base)) : std::nullopt,
                b.percent_);
        ++row;
    }
}

void follow_up_sheet(Book& b, const std::vector<FollowUpRow>& rows) {
    const Lang lang = b.lang();
    lxw_worksheet* ws = b.sheet(Phrase::sheet_follow_up, true);
    std::vector<ReportLabel> columns(std::begin(render::kFollowUpColumns), std::end(render::kFollowUpColumns));
    b.header(ws, 0, texts(columns, lang));
    // Widths, column by column: id, name, unit, category, status, four counts, what is missing.
    const double widths[] = {16, 10, 22, 18, 10, 10, 10, 10, 10};
    for (lxw_col_t c = 0; c < 9; ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
    worksheet_set_column(ws, 9, 9, 60, b.wrap_);
    lxw_row_t row = 1;
    for (const FollowUpRow& f : rows) {
        b.string(ws, row, 0, f.participant);
        b.string(ws, row, 1, f.name);
        b.string(ws, row, 2, unit_label(f.unit, lang));
        b.string(ws, row, 3, category_label(f.category, lang, &b.program()));
        b.string(ws, row, 4, message(f.status, lang));
        b.number(ws, row, 5, f.lessons_credited, b.integer_);
        b.maybe(ws, row, 6, f.lessons_required > 0 ? std::optional<double>(f.lessons_required) : std::nullopt, b.integer_);
        b.number(ws, row, 7, f.hours_credited, b.hour1_);
        b.maybe(ws, row, 8, f.hours_required, b.hour1_);
        b.string(ws, row, 9, f.missing, b.wrap_);
        ++row;
    }
    if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, static_cast<lxw_col_t>(columns.size() - 1));
}

void about_sheet(Book& b, const Report& r, bool with_follow_up) {
    const Lang lang = b.lang();
    const Program& p = r.program;
    lxw_worksheet* ws = b.sheet(Phrase::sheet_about, false);
    worksheet_set_column(ws, 0, 0, 100, b.wrap_);
    const std::string title = label_text(p.title(), lang).empty() ? p.title().zh : label_text(p.title(), lang);
    lxw_row_t row = 0;
    auto line = [&](const std::string& text) { b.string(ws, row++, 0, text, b.wrap_); };
    line(title + " " + phrase(Phrase::report_title, lang));
    line(phrase(Phrase::about_programme, lang, {title, p.id(), p.version()}));
    const std::string moment = local_moment(report_cut_off(r), p, lang) + phrase(Phrase::open_paren, lang) +
                               zone_words(p, lang) + phrase(Phrase::close_paren, lang);
    line(phrase(Phrase::about_cut_off, lang,
                {r.as_of || !r.latest_record ? moment : phrase(Phrase::cut_off_latest, lang, {moment})}));
    if (!r.issuer.empty()) line(phrase(Phrase::issuer_prefix, lang) + r.issuer);
    if (!r.generated_at.empty()) line(phrase(Phrase::about_generated, lang, {r.generated_at}));
    line(phrase(Phrase::about_base, lang));
    if (with_follow_up) line(phrase(Phrase::about_follow_up, lang));
    if (!r.inputs.empty()) {
        line(phrase(Phrase::about_records, lang));
        for (const InputCount& in : r.inputs) {
            const ReadSummary& s = in.summary;
            line(phrase(Phrase::records_read, lang, {input_label(in.name, lang), std::to_string(s.read), std::to_string(s.accepted),
                                                     std::to_string(s.rejected), std::to_string(s.duplicates)}));
        }
    }
}

void outcomes_sheet(Book& b, const Evaluation& evaluation, bool explanations) {
    const Lang lang = b.lang();
    const Program& program = *evaluation.program;
    lxw_worksheet* ws = b.sheet(Phrase::sheet_outcomes, true);
    std::vector<ReportLabel> columns(std::begin(render::kOutcomeColumns), std::end(render::kOutcomeColumns));
    if (explanations) columns.push_back(ReportLabel::explanation);
    b.header(ws, 0, texts(columns, lang));
    // Widths: id; unit and category; ids, statuses and figures; completed at; reason codes.
    const double widths[] = {14, 20, 20, 11, 11, 11, 11, 11, 11, 11, 11, 11, 24, 30};
    for (lxw_col_t c = 0; c < 14; ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
    if (explanations) worksheet_set_column(ws, 14, 14, 60, b.wrap_);
    lxw_row_t row = 1;
    for (const Outcome& o : evaluation.outcomes) {
        b.string(ws, row, 0, o.participant);
        b.string(ws, row, 1, o.unit);
        b.string(ws, row, 2, category_label(o.category, lang, &program));
        b.string(ws, row, 3, o.category);
        b.string(ws, row, 4, message(o.status, lang));
        b.string(ws, row, 5, to_string(o.status));
        b.number(ws, row, 6, o.lessons_credited, b.integer_);
        b.number(ws, row, 7, o.lessons_required, b.integer_);
        b.number(ws, row, 8, static_cast<double>(o.seconds_studied.count()), b.integer_);
        b.number(ws, row, 9, static_cast<double>(o.seconds_credited.count()), b.integer_);
        b.number(ws, row, 10, o.hours_credited, b.hour1_);
        b.string(ws, row, 11, render::yes_no(o.certificate, lang));
        b.string(ws, row, 12, o.completed_at ? format_instant(*o.completed_at, program.time_zone()) : std::string());
        b.string(ws, row, 13, render::reason_codes(o));
        if (explanations) b.string(ws, row, 14, render::explanation_text(o, program, lang), b.wrap_);
        ++row;
    }
    if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, static_cast<lxw_col_t>(columns.size() - 1));
}

}  // namespace

std::string outcomes_xlsx(const Evaluation& evaluation, const XlsxOptions& options, bool explanations) {
    Book b(*evaluation.program, options);
    outcomes_sheet(b, evaluation, explanations);
    return b.close();
}

std::string to_xlsx(const Report& r, const XlsxOptions& options) {
    Book b(r.program, options);
    units_sheet(b, r);
    categories_sheet(b, r);
    daily_sheet(b, r);
    if (options.follow_up) follow_up_sheet(b, *options.follow_up);
    about_sheet(b, r, options.follow_up != nullptr);
    return b.close();
}

std::string follow_up_xlsx(const std::vector<FollowUpRow>& rows, const Program& program, const XlsxOptions& options) {
    Book b(program, options);
    follow_up_sheet(b, rows);
    return b.close();
}

}  // namespace yanxiu
