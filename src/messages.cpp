// The wording of every message (include/yanxiu/messages.hpp).

#include <yanxiu/messages.hpp>

#include <cstdio>

namespace yanxiu {

namespace detail {

/// Picks the text for `lang`.
[[nodiscard]] constexpr std::string_view pick(Lang lang, std::string_view zh, std::string_view en) noexcept {
    return lang == Lang::zh ? zh : en;
}

}  // namespace detail

/// A length of time for a sentence: "12 分钟", "12 分 30 秒" / "12 min", "12 min 30 s".
std::string duration_words(std::int64_t seconds, Lang lang) {
    if (seconds < 0) seconds = 0;
    const std::int64_t minutes = seconds / 60, rest = seconds % 60;
    char buffer[64];
    if (lang == Lang::zh) {
        if (minutes == 0) std::snprintf(buffer, sizeof buffer, "%lld 秒", static_cast<long long>(rest));
        else if (rest == 0) std::snprintf(buffer, sizeof buffer, "%lld 分钟", static_cast<long long>(minutes));
        else std::snprintf(buffer, sizeof buffer, "%lld 分 %lld 秒", static_cast<long long>(minutes),
                           static_cast<long long>(rest));
    } else {
        if (minutes == 0) std::snprintf(buffer, sizeof buffer, "%lld s", static_cast<long long>(rest));
        else if (rest == 0) std::snprintf(buffer, sizeof buffer, "%lld min", static_cast<long long>(minutes));
        else std::snprintf(buffer, sizeof buffer, "%lld min %lld s", static_cast<long long>(minutes),
                           static_cast<long long>(rest));
    }
    return buffer;
}


/// A short description of a reason code, without its details.
std::string_view message(ReasonCode code, Lang lang) noexcept {
    using detail::pick;
    switch (code) {
        case ReasonCode::quiz_missing: return pick(lang, "未完成答题，不计学时", "quiz not completed, so its hours are not credited");
        case ReasonCode::quiz_not_passed: return pick(lang, "答题未达到合格分数，不计学时", "quiz not passed, so its hours are not credited");
        case ReasonCode::quiz_before_study: return pick(lang, "答题早于学习，不计学时", "quiz taken before the lesson was studied, so its hours are not credited");
        case ReasonCode::outside_window: return pick(lang, "不在研修时间内，不计学时", "outside the training window, so not credited");
        case ReasonCode::below_minimum: return pick(lang, "未达到最低要求", "below the minimum");
        case ReasonCode::capped_at_lesson_length: return pick(lang, "学习时长超过课程时长，按课程时长计", "study time beyond the lesson's length is not counted");
        case ReasonCode::overlap: return pick(lang, "学习时段重叠，重叠部分只计一次", "overlapping study sessions are counted once");
        case ReasonCode::not_verified: return pick(lang, "未完成实名认证，学习不计学时", "not verified under a real name, so nothing is credited");
        case ReasonCode::category_sector_mismatch: return pick(lang, "所选身份与所在学段不符", "the chosen identity does not match the school sector");
        case ReasonCode::no_certificate_for_category: return pick(lang, "非培训对象，只记录学习时长，不发放学时记录证书", "not in a target group: study time is recorded, no certificate is issued");
    }
    return "";
}

/// The wording of a status.
std::string_view message(Status status, Lang lang) noexcept {
    using detail::pick;
    switch (status) {
        case Status::unverified: return pick(lang, "未实名认证", "not verified");
        case Status::not_started: return pick(lang, "未开始学习", "not started");
        case Status::completed: return pick(lang, "已完成", "completed");
        case Status::recorded: return pick(lang, "已记录学时", "study recorded");
        case Status::in_progress: return pick(lang, "学习中", "in progress");
    }
    return "";
}

/// The wording of a rejection code.
std::string_view message(RejectCode code, Lang lang) noexcept {
    using detail::pick;
    switch (code) {
        case RejectCode::malformed: return pick(lang, "记录格式错误，无法读取", "the record cannot be read");
        case RejectCode::missing_field: return pick(lang, "缺少必填项", "a required field is missing");
        case RejectCode::bad_type: return pick(lang, "字段类型不正确", "a field has the wrong type");
        case RejectCode::bad_timestamp: return pick(lang, "时间格式不正确", "a timestamp is not valid");
        case RejectCode::bad_duration: return pick(lang, "学习时长格式不正确", "a duration is not valid");
        case RejectCode::end_before_start: return pick(lang, "结束时间早于开始时间", "the session ends before it starts");
        case RejectCode::session_too_long: return pick(lang, "单次学习超过 24 小时", "a study session longer than 24 hours");
        case RejectCode::unknown_participant: return pick(lang, "参训人员名单中无此人", "the participant is not in the participant list");
        case RejectCode::unknown_lesson: return pick(lang, "课程不在本次培训课程目录中", "the lesson is not in the programme's catalogue");
        case RejectCode::unknown_kind: return pick(lang, "记录类型未知", "unknown kind of record");
        case RejectCode::duplicate_key: return pick(lang, "同一字段出现两次", "a field appears twice");
        case RejectCode::duplicate_id: return pick(lang, "编号重复且内容不一致", "the same id was read with different content");
        case RejectCode::too_deep: return pick(lang, "记录嵌套层级过深", "the record is nested too deeply");
        case RejectCode::bad_utf8: return pick(lang, "文字编码不是 UTF-8", "the text is not valid UTF-8");
        case RejectCode::number_out_of_range: return pick(lang, "数值超出允许范围", "a number is out of range");
        case RejectCode::unknown_category: return pick(lang, "身份类别不在本次培训范围内", "the category is not defined by the programme");
        case RejectCode::unknown_sector: return pick(lang, "学段未知", "unknown school sector");
        case RejectCode::category_sector_mismatch: return pick(lang, "所选身份与所在学段不符", "the category is not open to the sector");
    }
    return "";
}

/// The wording of a school sector.
std::string_view message(Sector sector, Lang lang) noexcept {
    using detail::pick;
    switch (sector) {
        case Sector::kindergarten: return pick(lang, "幼儿园", "kindergarten");
        case Sector::primary: return pick(lang, "小学", "primary school");
        case Sector::secondary: return pick(lang, "中学", "secondary school");
        case Sector::secondary_vocational: return pick(lang, "中职", "secondary vocational school");
        case Sector::higher_vocational: return pick(lang, "高职高专", "higher vocational college");
        case Sector::undergraduate: return pick(lang, "本科院校", "undergraduate university");
        case Sector::other: return pick(lang, "其他", "other");
        case Sector::unknown: return pick(lang, "未填学段", "sector not given");
    }
    return "";
}

/// A category's label in `lang`: from the programme when given and it knows
/// the id, else the id itself.
std::string category_label(std::string_view id, Lang lang, const Program* program) {
    if (program)
        if (const Category* c = program->find_category(id)) {
            const std::string& text = lang == Lang::zh ? c->label.zh : c->label.en;
            if (!text.empty()) return text;
        }
    return std::string(id);
}

/// One reason as a sentence, e.g. "第 L07 课未完成答题，不计学时" /
/// "Lesson L07: quiz not completed, so its hours are not credited".
/// `program`, when given, names categories by their labels.
std::string explain(const Reason& reason, Lang lang, const Program* program) {
    const bool zh = lang == Lang::zh;
    const std::string lesson = zh ? "第 " + reason.lesson + " 课" : "Lesson " + reason.lesson + ": ";
    const long long have = reason.have().value_or(0), need = reason.need().value_or(0);
    auto number = [](long long n) { return std::to_string(n); };
    switch (reason.code) {
        case ReasonCode::quiz_missing:
        case ReasonCode::quiz_not_passed:
        case ReasonCode::quiz_before_study:
            return lesson + std::string(message(reason.code, lang));
        case ReasonCode::outside_window:
            if (reason.lesson.empty()) return std::string(message(reason.code, lang));
            return zh ? lesson + "的学习或答题不在研修时间内，不计学时"
                      : lesson + "studied or quizzed outside the training window, so not credited";
        case ReasonCode::below_minimum:
            if (reason.lesson.empty()) {
                // The participant's standing in lessons.
                const long long missing = need > have ? need - have : 0;
                return zh ? "已完成 " + number(have) + " 节，还需 " + number(missing) + " 节（共需 " + number(need) + " 节）"
                          : number(have) + " lessons completed, " + number(missing) + " more needed (" + number(need) +
                                " in all)";
            }
            return zh ? lesson + "学习时长不足（已学 " + duration_words(have, lang) + "，需 " +
                            duration_words(need, lang) + "），不计学时"
                      : lesson + "not studied long enough (" + duration_words(have, lang) + " of " +
                            duration_words(need, lang) + "), so not credited";
        case ReasonCode::capped_at_lesson_length:
            return zh ? lesson + "学习时长超过课程时长，按 " + duration_words(need, lang) + " 计（实际 " +
                            duration_words(have, lang) + "）"
                      : lesson + "counted as its length, " + duration_words(need, lang) + " (studied " +
                            duration_words(have, lang) + ")";
        case ReasonCode::overlap:
            return zh ? lesson + "有 " + duration_words((reason.overlapped ? reason.overlapped->count() : 0), lang) +
                            "与其他学习时段重叠，重叠部分只计一次"
                      : lesson + duration_words((reason.overlapped ? reason.overlapped->count() : 0), lang) +
                            " overlapped other study sessions and is counted once";
        case ReasonCode::not_verified:
            return std::string(message(reason.code, lang));
        case ReasonCode::category_sector_mismatch: {
            const std::string category = category_label(reason.category, lang, program);
            const auto sector = parse_sector(reason.sector);
            const std::string sector_text = sector ? std::string(message(*sector, lang)) : reason.sector;
            return zh ? "所选身份“" + category + "”与所在学段“" + sector_text + "”不符，请核实"
                      : "the identity '" + category + "' does not match the sector '" + sector_text +
                            "'; please check";
        }
        case ReasonCode::no_certificate_for_category: {
            const std::string category = category_label(reason.category, lang, program);
            return zh ? "“" + category + "”不在培训对象范围内，只记录学习时长，不发放学时记录证书"
                      : "'" + category + "' is not a target group: study time is recorded, no certificate is issued";
        }
    }
    return std::string(message(reason.code, lang));
}

/// A report column's or heading's label.
std::string_view label(ReportLabel l, Lang lang) noexcept {
    using detail::pick;
    switch (l) {
        case ReportLabel::rank: return pick(lang, "排名", "Rank");
        case ReportLabel::unit: return pick(lang, "单位", "Unit");
        case ReportLabel::category: return pick(lang, "类别", "Category");
        case ReportLabel::category_id: return pick(lang, "类别代码", "Category id");
        case ReportLabel::expected: return pick(lang, "摸底人数", "Census");
        case ReportLabel::registered: return pick(lang, "注册人数", "Registered");
        case ReportLabel::started: return pick(lang, "已参学人数", "Started");
        case ReportLabel::completed: return pick(lang, "已完成人数", "Completed");
        case ReportLabel::unverified: return pick(lang, "未实名人数", "Not verified");
        case ReportLabel::coverage: return pick(lang, "完成率", "Coverage");
        case ReportLabel::denominator: return pick(lang, "完成率口径", "Coverage base");
        case ReportLabel::mean_hours: return pick(lang, "人均学时", "Mean hours");
        case ReportLabel::date: return pick(lang, "日期", "Date");
        case ReportLabel::cumulative_completed: return pick(lang, "累计完成人数", "Completed (cumulative)");
        case ReportLabel::cumulative_started: return pick(lang, "累计参学人数", "Started (cumulative)");
        case ReportLabel::total: return pick(lang, "合计", "Total");
        case ReportLabel::no_unit: return pick(lang, "（未填单位）", "(no unit)");
        case ReportLabel::denominator_census: return pick(lang, "按摸底人数", "census");
        case ReportLabel::denominator_registered: return pick(lang, "按注册人数", "registered");
        case ReportLabel::denominator_mixed: return pick(lang, "部分按注册人数", "partly registered");
        case ReportLabel::recorded_hours: return pick(lang, "记录学时", "Recorded hours");
    }
    return "";
}

}  // namespace yanxiu
