#pragma once
/// \file messages.hpp
/// Chinese and English wording for everything yanxiu says to people:
/// reasons, statuses, rejection codes, sectors, and every label and
/// sentence of a report.
///
/// Codes stay the machine interface (outcomes and rejections are written as
/// codes); these messages are for people reading a report or a learner's
/// standing.  The Chinese is the register of an education office's notice.
/// The wording itself is compiled (src/messages.cpp), so it lives in one place.

#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace yanxiu {

/// The language of a message or a report.
enum class Lang : std::uint8_t { zh, en };

/// Parses "zh" or "en"; nullopt otherwise.
[[nodiscard]] inline std::optional<Lang> parse_lang(std::string_view s) noexcept {
    if (s == "zh") return Lang::zh;
    if (s == "en") return Lang::en;
    return std::nullopt;
}

/// A short description of a reason code, without its details.
[[nodiscard]] std::string_view message(ReasonCode code, Lang lang) noexcept;
/// The wording of a status.
[[nodiscard]] std::string_view message(Status status, Lang lang) noexcept;
/// The wording of a rejection code.
[[nodiscard]] std::string_view message(RejectCode code, Lang lang) noexcept;
/// The wording of a school sector.
[[nodiscard]] std::string_view message(Sector sector, Lang lang) noexcept;

/// A category's label in `lang`: from the programme when given and it knows
/// the id, else the id itself.
[[nodiscard]] std::string category_label(std::string_view id, Lang lang, const Program* program = nullptr);
/// An exam's label in `lang` (from the programme when given and it declares the id), else the id.
[[nodiscard]] std::string exam_label(std::string_view id, Lang lang, const Program* program = nullptr);

/// One reason as a sentence, e.g. "第 L07 课未完成答题，不计学时" /
/// "Lesson L07: quiz not completed, so its hours are not credited".
/// `program`, when given, names categories by their labels.
[[nodiscard]] std::string explain(const Reason& reason, Lang lang, const Program* program = nullptr);

/// A length of time for a sentence: "12 分钟", "12 分 30 秒" / "12 min", "12 min 30 s".
[[nodiscard]] std::string duration_words(std::int64_t seconds, Lang lang);

/// The columns and headings of a report.
enum class ReportLabel : std::uint8_t {
    rank,
    unit,
    category,
    category_id,
    expected,
    registered,
    started,
    completed,
    unverified,
    coverage,
    denominator,
    mean_hours,
    date,
    cumulative_completed,
    cumulative_started,
    total,
    no_unit,
    denominator_census,
    denominator_registered,
    denominator_mixed,
    recorded_hours,
    coverage_base,
    participant,
    name,
    status,
    lessons_credited,
    lessons_required,
    hours_credited,
    hours_required,
    missing,
    status_code,
    seconds_studied,
    seconds_credited,
    certificate,
    completed_at,
    reason_codes,
    explanation,
    change,
};

/// A report column's or heading's label.
[[nodiscard]] std::string_view label(ReportLabel l, Lang lang) noexcept;

/// The phrases of a report page and of the command line's report summary.
/// `{0}`, `{1}` … in a phrase are filled from the arguments of `phrase`.
enum class Phrase : std::uint8_t {
    china_time,
    coverage_by_unit,
    coverage_axis,
    daily_progress,
    date_axis,
    participants_axis,
    report_title,
    open_paren,
    close_paren,
    html_lang,
    authority_prefix,
    data_as_of_prefix,
    programme_prefix,
    version_open,
    rules_heading,
    window_prefix,
    date_range_to,
    both_days_included,
    minimums_prefix,
    clause_separator,
    full_stop,
    others_prefix,
    quiz_completed_rule,
    quiz_none_rule,
    quiz_prefix,
    lesson_cap_rule,
    certificates_credited_locally,
    hours_prefix,
    real_name_prefix,
    real_name_rule,
    overview_heading,
    ranking_heading,
    bar_chart_caption,
    line_chart_caption,
    by_category_heading,
    recorded_only_note,
    census_heading,
    no_census_note,
    census_without_participants_heading,
    none_listed,
    participants_without_census_heading,
    census_check_request,
    milestones_heading,
    milestone_column,
    training_opens,
    training_closes,
    support_channel_column,
    support_number_column,
    support_serves_column,
    qq_group_prefix,
    all_sectors,
    list_separator,
    appendix_heading,
    generated_prefix,
    generated_by,
    minimum_lessons_rule,
    recorded_only_rule,
    quiz_passed_rule,
    hours_rule,
    max_hours_rule,
    ranking_note,
    records_read,
    lead_as_of,
    lead_census,
    lead_counts,
    lead_base_census,
    lead_base_registered,
    lead_base_mixed,
    lead_mean_hours,
    lead_unverified,
    lead_recorded,
    input_participants,
    input_events,
    input_census,
    requirement_lessons,
    requirement_hours,
    requirement_exam,
    requirement_exam_missing,
    requirement_approval,
    requirement_all,
    requirement_any,
    exam_not_passed,
    approved_by,
    manual_credit_by,
    manual_credit_reason,
    summary_units_top,
    summary_lowest,
    describe_lessons,
    describe_hours,
    describe_from,
    describe_exam,
    describe_approval,
    describe_all_separator,
    describe_any_separator,
    describe_open,
    describe_close,
    requirements_prefix,
    requirement_rule,
    modules_heading,
    module_mean_hours,
    module_at_quota,
    module_quota,
    modules_note,
    provenance_heading,
    provenance_summary,
    provenance_as_of,
    provenance_file,
    provenance_check,
    sheet_units,
    sheet_categories,
    sheet_daily,
    sheet_follow_up,
    sheet_about,
    missing_quiz,
    missing_quiz_not_passed,
    missing_quiz_before_study,
    missing_short_study,
    missing_separator,
    follow_up_title,
    about_programme,
    about_cut_off,
    about_generated,
    about_base,
    about_follow_up,
    about_all_records,
    about_records,
    sheet_outcomes,
    cut_off_latest,
    issuer_prefix,
    lead_up_to,
    lead_base_count,
    lead_days_left,
    units_heading,
    coverage_note_census,
    coverage_note_registered,
    ranking_ties_note,
    change_new,
    change_points,
    lead_previous,
    census_contacts_heading,
    contact_column,
    without_contact_heading,
    updated_late_heading,
    contacts_not_in_report_heading,
    contacts_check_request,
    dispatch_index_title,
    dispatch_column,
    count_
};

/// A requirement tree in words, e.g. "50 学时、通过“结业考试”（60 分及格）、单位审核确认" /
/// "50 hours, passing 'Final exam' (60 to pass), a sign-off by the unit";
/// groups and exams by their labels.
[[nodiscard]] std::string describe(const Requirement& requirement, Lang lang, const Program& program);

/// A phrase in `lang`, its `{0}`, `{1}` … replaced by `args` in order.
[[nodiscard]] std::string phrase(Phrase p, Lang lang, std::initializer_list<std::string_view> args = {});

/// A label's text in `lang` (empty when the label has none in it).
[[nodiscard]] inline const std::string& label_text(const Label& label, Lang lang) noexcept {
    return lang == Lang::zh ? label.zh : label.en;
}

/// The name of a report input ("participants", "events", "census"; others as they are).
[[nodiscard]] std::string input_label(std::string_view name, Lang lang);

/// A date as people write it: 2023年1月9日 / 9 January 2023.
[[nodiscard]] std::string long_date(LocalDate d, Lang lang);
/// A date on a chart axis: 1/9 / 9 Jan.
[[nodiscard]] std::string short_date(LocalDate d, Lang lang);
/// An instant as a local date and time in the programme's zone; midnight is
/// written as 24:00 of the day before, as notices do ("2023年2月10日 24:00").
[[nodiscard]] std::string local_moment(Instant t, const Program& program, Lang lang);
/// The programme's zone as readers know it ("北京时间" / "China time", else its IANA name).
[[nodiscard]] std::string zone_words(const Program& program, Lang lang);
/// A section number: 一、二、… / 1. 2. …
[[nodiscard]] std::string section_number(int n, Lang lang);

}  // namespace yanxiu
