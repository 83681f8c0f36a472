// The wording of every message (include/yanxiu/messages.hpp).

#include <yanxiu/messages.hpp>

#include <date/tz.h>

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


namespace {

/// A number as a sentence writes it: 16, 12.5, 0.25 (no trailing zeros).
std::string amount_words(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6f", x);
    std::string s = buffer;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

/// An instant for a sentence: in the programme's zone when there is one, else in UTC.
std::string moment_of(Instant t, const Program* program, Lang lang);

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
        case ReasonCode::requirement_not_met: return pick(lang, "未达到结业要求", "a requirement is not met");
        case ReasonCode::exam_not_passed: return pick(lang, "考试未通过", "the exam was not passed");
        case ReasonCode::approved: return pick(lang, "已审核确认", "approved");
        case ReasonCode::manual_credit: return pick(lang, "经认定计入学时", "credited by hand");
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
        case RejectCode::unknown_exam: return pick(lang, "考试不在本次培训方案中", "the exam is not one of the programme's");
        case RejectCode::outside_window: return pick(lang, "认定学时的日期不在研修时间内", "a manual credit dated outside the training window");
        case RejectCode::too_long: return pick(lang, "记录或字段过长", "a line or a field is too long");
        case RejectCode::unknown_key: return pick(lang, "含有 xAPI 规范未定义的属性", "a property xAPI does not define");
        case RejectCode::empty_value: return pick(lang, "属性值为空（null 或空对象）", "a property is null or an empty object");
        case RejectCode::bad_iri: return pick(lang, "不是有效的 IRI 标识", "not a valid IRI");
        case RejectCode::bad_uuid: return pick(lang, "不是有效的 UUID", "not a valid UUID");
        case RejectCode::bad_actor: return pick(lang, "学习者（或小组）标识不符合规范", "the agent or group is not identified as xAPI requires");
        case RejectCode::bad_score: return pick(lang, "成绩不在允许范围内", "a score is outside its allowed range");
        case RejectCode::bad_value: return pick(lang, "属性值不在允许的取值或格式内", "a value is not one the specification allows");
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

/// An exam's label in `lang`: from the programme when given and it knows
/// the id, else the id itself.
std::string exam_label(std::string_view id, Lang lang, const Program* program) {
    if (program)
        if (const Exam* e = program->find_exam(id)) {
            const std::string& text = lang == Lang::zh ? e->label.zh : e->label.en;
            if (!text.empty()) return text;
        }
    return std::string(id);
}

namespace {

std::string selection_words(const Selection& sel, Lang lang, const Program& program) {
    switch (sel.kind) {
        case Selection::Kind::all: return "";
        case Selection::Kind::group:
            if (const Group* g = program.find_group(sel.name)) {
                const std::string text = label_text(g->label, lang);
                return text.empty() ? g->id : text;
            }
            return sel.name;
        case Selection::Kind::theme: return sel.name;
        case Selection::Kind::lessons: {
            std::string out;
            for (const std::string& id : sel.lessons) {
                if (!out.empty()) out += phrase(Phrase::describe_all_separator, lang);
                out += id;
            }
            return out;
        }
    }
    return "";
}

std::string describe_node(const Requirement& r, Lang lang, const Program& program, bool nested) {
    auto from = [&](std::string amount) {
        const std::string sel = selection_words(r.from, lang, program);
        return sel.empty() ? amount : phrase(Phrase::describe_from, lang, {amount, sel});
    };
    switch (r.kind) {
        case Requirement::Kind::lessons: return from(phrase(Phrase::describe_lessons, lang, {std::to_string(r.lessons)}));
        case Requirement::Kind::hours: return from(phrase(Phrase::describe_hours, lang, {amount_words(r.hours)}));
        case Requirement::Kind::exam: {
            const Exam* exam = program.find_exam(r.exam);
            return phrase(Phrase::describe_exam, lang,
                          {exam_label(r.exam, lang, &program), amount_words(exam ? exam->pass_score : 60)});
        }
        case Requirement::Kind::approval: return phrase(Phrase::describe_approval, lang);
        case Requirement::Kind::all:
        case Requirement::Kind::any: {
            const Phrase separator =
                r.kind == Requirement::Kind::all ? Phrase::describe_all_separator : Phrase::describe_any_separator;
            std::string out;
            for (const Requirement& child : r.children) {
                if (!out.empty()) out += phrase(separator, lang);
                out += describe_node(child, lang, program, true);
            }
            if (nested && r.children.size() > 1)
                out = phrase(Phrase::describe_open, lang) + out + phrase(Phrase::describe_close, lang);
            return out;
        }
    }
    return "";
}

}  // namespace

std::string describe(const Requirement& requirement, Lang lang, const Program& program) {
    return describe_node(requirement, lang, program, false);
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
        case ReasonCode::requirement_not_met: {
            const std::string where = reason.path.empty() ? std::string() : (zh ? "（" + reason.path + "）" : " (" + reason.path + ")");
            const std::string have = reason.value_have ? amount_words(*reason.value_have)
                                                       : number(reason.count_have.value_or(0));
            const std::string need = reason.value_need ? amount_words(*reason.value_need)
                                                       : number(reason.count_need.value_or(0));
            if (reason.requirement == "lessons")
                return phrase(Phrase::requirement_lessons, lang, {have, need}) + where;
            if (reason.requirement == "hours") return phrase(Phrase::requirement_hours, lang, {have, need}) + where;
            if (reason.requirement == "exam") {
                const std::string exam = exam_label(reason.exam, lang, program);
                return (reason.value_have ? phrase(Phrase::requirement_exam, lang, {have, need, exam})
                                          : phrase(Phrase::requirement_exam_missing, lang, {need, exam})) +
                       where;
            }
            if (reason.requirement == "approval") return phrase(Phrase::requirement_approval, lang) + where;
            if (reason.requirement == "all") return phrase(Phrase::requirement_all, lang, {have, need}) + where;
            if (reason.requirement == "any") return phrase(Phrase::requirement_any, lang) + where;
            return std::string(message(reason.code, lang)) + where;
        }
        case ReasonCode::exam_not_passed:
            return phrase(Phrase::exam_not_passed, lang,
                          {exam_label(reason.exam, lang, program), amount_words(reason.value_have.value_or(0)), amount_words(reason.value_need.value_or(0))});
        case ReasonCode::approved:
            return phrase(Phrase::approved_by, lang, {reason.by, reason.at ? moment_of(*reason.at, program, lang) : ""}) +
                   (reason.note.empty() ? std::string() : phrase(Phrase::manual_credit_reason, lang, {reason.note}));
        case ReasonCode::manual_credit: {
            std::string text = phrase(Phrase::manual_credit_by, lang,
                                      {reason.lesson, reason.by, duration_words(reason.credited ? reason.credited->count() : 0, lang),
                                       reason.at ? moment_of(*reason.at, program, lang) : ""});
            if (!reason.note.empty()) text += phrase(Phrase::manual_credit_reason, lang, {reason.note});
            return text;
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
        case ReportLabel::coverage_base: return pick(lang, "完成率分母（人）", "Divided by");
        case ReportLabel::participant: return pick(lang, "参训人编号", "Participant");
        case ReportLabel::name: return pick(lang, "姓名", "Name");
        case ReportLabel::status: return pick(lang, "状态", "Status");
        case ReportLabel::lessons_credited: return pick(lang, "已认定课程数", "Lessons credited");
        case ReportLabel::lessons_required: return pick(lang, "应完成课程数", "Lessons required");
        case ReportLabel::hours_credited: return pick(lang, "已认定学时", "Hours credited");
        case ReportLabel::hours_required: return pick(lang, "应完成学时", "Hours required");
        case ReportLabel::missing: return pick(lang, "尚缺", "Still missing");
        case ReportLabel::status_code: return pick(lang, "状态代码", "Status code");
        case ReportLabel::seconds_studied: return pick(lang, "学习时长（秒）", "Seconds studied");
        case ReportLabel::seconds_credited: return pick(lang, "计入学时的时长（秒）", "Seconds credited");
        case ReportLabel::certificate: return pick(lang, "获得证书", "Certificate");
        case ReportLabel::completed_at: return pick(lang, "完成时间", "Completed at");
        case ReportLabel::reason_codes: return pick(lang, "原因代码", "Reason codes");
        case ReportLabel::explanation: return pick(lang, "说明", "Explanation");
        case ReportLabel::change: return pick(lang, "较上期", "Since last");
    }
    return "";
}


namespace {

/// Each phrase's wording, in the order of `Phrase`: {Chinese, English}.
constexpr std::string_view kPhrases[][2] = {
    {"北京时间", "China time"},
    {"各单位完成率", "Coverage by unit"},
    {"完成率（%）", "Coverage (%)"},
    {"每日研修进度", "Daily progress"},
    {"日期（每日 24 时）", "Date (end of each day)"},
    {"人数", "Participants"},
    {"研修进度通报", "Progress report"},
    {"（", " ("},
    {"）", ")"},
    {"zh-CN", "en"},
    {"依据：", "Under: "},
    {"数据截至：", "Data as of: "},
    {"培训方案：", "Programme: "},
    {"（版本 ", " (version "},
    {"研修要求", "The rules"},
    {"研修时间：", "Window: "},
    {"至", " to "},
    {"，含首尾两日）", ", both days included)"},
    {"学习要求：", "Minimums: "},
    {"；", "; "},
    {"。", "."},
    {"非培训对象：", "Others: "},
    {"每节课程学习结束后须完成答题，方可获得该节课程学时。", "after each lesson the quiz must be completed to earn its hours."},
    {"不设答题要求。", "no quiz is required."},
    {"答题要求：", "Quiz: "},
    {"；每节课程最多按课程时长计", "; a lesson counts at most its length"},
    {"；学时记录证书由各地各校按规定计入培训学时。", "; certificates are credited by local rules."},
    {"学时计算：", "Hours: "},
    {"实名学习：", "Real name: "},
    {"须实名登录学习，未完成实名认证的学习不计学时。", "study under an unverified account earns nothing."},
    {"总体情况", "Overview"},
    {"各单位完成情况排名", "Units ranked by coverage"},
    {"红色虚线为全部单位合计完成率。", "The dashed red line is the overall coverage."},
    {"培训对象（专兼职心理健康教育教师、中小学班主任、高校辅导员等）截至每日 24 时的累计人数。", "Target participants, cumulative, as of the end of each day."},
    {"分类别情况", "By category"},
    {"非培训对象只记录学习时长（记录学时），不发放证书，不计入完成率；“已参学人数”为已记录学时人数。", "Teachers outside the target groups have their study recorded only: no certificate, not in coverage."},
    {"摸底数据核对", "Census reconciliation"},
    {"未提供摸底数据，完成率按注册人数计算。", "No census was given: coverage is of those registered."},
    {"有摸底数、尚无人注册", "In the census, nobody registered"},
    {"无。", "None."},
    {"已注册、无摸底数据", "Registered, no census row"},
    {"请相关单位核实摸底数据，做到底数清楚、应培尽培。", "Units concerned are asked to check their census."},
    {"时间节点与支持服务", "Milestones and support"},
    {"事项", "Milestone"},
    {"研修开始", "Training opens"},
    {"研修截止", "Training closes"},
    {"支持服务渠道", "Support channel"},
    {"号码", "Number"},
    {"服务对象", "Serves"},
    {"QQ 群 ", "QQ group "},
    {"全部学段", "all sectors"},
    {"、", ", "},
    {"附表：各单位分类别情况", "Appendix: units by category"},
    {"生成时间：", "Generated: "},
    {"本通报由 yanxiu 依据培训方案与平台学习记录自动生成。", "Generated by yanxiu from the programme and the platform's records."},
    {"{0}须完成不少于 {1} 节课程", "{0}: at least {1} lessons"},
    {"{0}只记录学习时长，不发放学时记录证书，不计入完成率。", "{0}: study time is recorded; no certificate; not in coverage."},
    {"每节课程学习结束后须完成答题且成绩不低于 {0} 分，方可获得该节课程学时。", "after each lesson the quiz must be passed (score {0} or more) to earn its hours."},
    {"按实际学习时长记录，每 {0} 分钟计 1 学时（按 {1} 学时向下取整）", "actual study time; {0} minutes make one hour (学时), rounded down to {1}"},
    {"，最多计 {0} 学时", ", at most {0}"},
    {"完成率 = 已完成人数 ÷ 摸底人数；某单位某类别无摸底数据时按注册人数计算，见“完成率口径”栏。人均学时按已实名注册人员计算。排名依完成率，完成率相同时已完成人数多者在前。", "Coverage = completed ÷ census; where a unit has no census row for a category, ÷ registered (see the coverage base). Mean hours over verified participants. Ties: more completed first."},
    {"{0}：读取 {1} 条，其中有效 {2} 条、拒收 {3} 条、重复 {4} 条。", "{0}: read {1} = accepted {2} + rejected {3} + duplicates {4}."},
    {"截至{0}，", "As of {0}, "},
    {"各单位摸底应参训教师 {0} 人，", "the units' census counts {0} target teachers; "},
    {"已注册 {0} 人，已参学 {1} 人，已完成 {2} 人，完成率 {3}", "{0} have registered, {1} have started and {2} have completed: coverage {3}"},
    {"（按摸底人数计算）", " (of the census)"},
    {"（按注册人数计算）", " (of those registered)"},
    {"（按摸底人数计算，无摸底数据的单位类别按注册人数计算）", " (of the census; of those registered where a unit has no census row)"},
    {"，人均 {0} 学时。", ", {0} hours each on average."},
    {"注册人员中有 {0} 人尚未完成实名认证（已计入注册人数，其学习不计学时，不计入人均学时）。", " Of those registered, {0} are not verified yet (counted as registered; their study earns no hours and is not in the mean)."},
    {"非培训对象教师 {0} 人参加学习，其中 {1} 人已记录学时，人均 {2} 学时。", " {0} teachers outside the target groups take part; {1} have recorded study, {2} hours each on average."},
    {"参训人员记录", "participants"},
    {"学习与答题记录", "events"},
    {"摸底记录", "census"},
    {"已完成 {0} 节课程，要求 {1} 节", "{0} lessons credited of the {1} needed"},
    {"已获 {0} 学时，要求 {1} 学时", "{0} hours credited of the {1} needed"},
    {"“{2}”最高 {0} 分，须达到 {1} 分", "best score in '{2}' {0}, {1} needed"},
    {"尚未参加“{1}”（须达到 {0} 分）", "no attempt at '{1}' yet ({0} needed to pass)"},
    {"尚未经审核确认", "not yet approved"},
    {"须全部满足的 {1} 项要求中已满足 {0} 项", "{0} of the {1} requirements met (all are needed)"},
    {"可选的各项要求均未满足", "none of the alternatives is met"},
    {"“{0}”未通过（最高 {1} 分，须达到 {2} 分）", "'{0}' not passed (best score {1}, {2} needed)"},
    {"已由{0}审核确认（{1}）", "approved by {0} ({1})"},
    {"第 {0} 课经{1}认定计入 {2}（{3}）", "Lesson {0}: {2} credited by {1} ({3})"},
    {"：{0}", ": {0}"},
    {"单位 {0} 个；完成率最高：", "{0} units; highest coverage: "},
    {"；最低：", "; lowest: "},
    {"{0} 节课程", "{0} lessons"},
    {"{0} 学时", "{0} hours"},
    {"{0}（{1}）", "{0} of {1}"},
    {"通过“{0}”（{1} 分及格）", "passing '{0}' ({1} to pass)"},
    {"单位审核确认", "a sign-off by the unit"},
    {"、", ", "},
    {"或", " or "},
    {"（", "("},
    {"）", ")"},
    {"完成要求：", "Requirements: "},
    {"{0}须达到 {1}", "{0}: {1}"},
    {"各模块学时", "Hours by module"},
    {"{0} 人均学时", "{0}: mean hours"},
    {"{0} 达到上限", "{0}: at quota"},
    {"（上限 {0} 学时）", " (quota {0} h)"},
    {"每个模块的学时计至其上限为止；“达到上限”为该模块学时已满的人数（不含未实名认证人员）。", "A module's hours count up to its quota; 'at quota' counts the verified participants whose hours in the module reached it."},
    {"数据来源与校验", "Provenance"},
    {"{0}；培训方案 {1} {2}，SHA-256 {3}；时区数据库 {4}；生成于 {5}（UTC）", "{0}; programme {1} {2}, SHA-256 {3}; time zone database {4}; generated {5} (UTC)"},
    {"；数据截至 {0}", "; as of {0}"},
    {"{0}（{1}）：{2} 字节，SHA-256 ", "{0} ({1}): {2} bytes, SHA-256 "},
    {"核对所列文件是否仍为生成本通报时的内容：yanxiu provenance 本文件", "To check that the files listed are still those this report was made from: yanxiu provenance THIS-FILE"},
    {"通报", "By unit"},
    {"按类别", "By category"},
    {"每日进度", "Daily"},
    {"未完成名单", "Not yet finished"},
    {"说明", "About"},
    {"第 {0} 课已学习，未完成测验", "{0}: studied, quiz not taken"},
    {"第 {0} 课测验未通过", "{0}: quiz not passed"},
    {"第 {0} 课测验早于学习，须学习后重新答题", "{0}: quiz taken before studying; take it again after studying"},
    {"第 {0} 课学习时长不足", "{0}: not studied long enough"},
    {"；", "; "},
    {"{0} 未完成名单", "{0}: not yet finished"},
    {"培训方案：{0}（{1} {2}）", "Programme: {0} ({1} {2})"},
    {"数据截至：{0}", "Cut-off: {0}"},
    {"生成时间：{0}", "Generated: {0}"},
    {"完成率 = 已完成人数 ÷ 完成率分母：有摸底数的单位和类别按摸底人数，其余按注册人数。", "Coverage = completed ÷ the base: the census where a unit has a row for the category, else the registered participants."},
    {"未完成名单列出培训对象中尚未取得学时记录证书的人员及其尚缺内容，仅供本单位联系人督促学习，请勿外传。", "The list names the target participants without a certificate yet and what each still lacks; for the unit's contact person only, not for circulation."},
    {"未指定截止时间，按已读取的全部记录统计", "no cut-off given: every record read is counted"},
    {"数据量", "Records"},
    {"研修结果", "Outcomes"},
    {"已读取的全部记录（最新记录时间 {0}）", "every record read (the latest from {0})"},
    {"发布单位：", "Issued by: "},
    {"按已读取的全部记录（最新记录时间{0}），", "Counting every record read (the latest from {0}), "},
    {"（{0} ÷ {1}）", " ({0} ÷ {1})"},
    {"距研修截止还有 {0} 天。", " {0} days of the window remain."},
    {"各单位完成情况", "Units"},
    {"完成率 = 已完成人数 ÷ 完成率分母：某单位某类别有摸底数据的按摸底人数，无摸底数据的按注册人数（见“完成率口径”栏）。人均学时按已实名认证人员计算。", "Coverage = completed ÷ the base: the census where a unit has a row for the category, else those registered (see the coverage base). Mean hours over verified participants."},
    {"未提供摸底数据，完成率 = 已完成人数 ÷ 注册人数。人均学时按已实名认证人员计算。", "No census was given: coverage = completed ÷ registered. Mean hours over verified participants."},
    {"排名依完成率，完成率相同时已完成人数多者在前。", " Units are ranked by coverage; ties: more completed first."},
    {"新增单位", "new"},
    {"（{0} 个百分点）", " ({0} pt)"},
    {"较上期（截至 {0}）完成人数 {1}。", " Since the last report (to {0}): {1} completed."},
    {"底数与联系人核对", "Census and contacts check"},
    {"工作联系人", "Contact"},
    {"未报送工作联系人的单位", "Units that sent no contact"},
    {"联系人变更晚于 {0} 报送的单位", "Contacts changed after {0}"},
    {"联系人所在单位不在摸底数据和注册名单中", "Contacts of units neither in the census nor registered"},
    {"请未报送工作联系人的单位尽快报送，联系人变更请及时报送。", "Units without a contact are asked to send one, and to report changes promptly."},
    {"研修进度调度通报", "Progress dispatches"},
    {"调度日期", "Dispatch date"},
};
static_assert(sizeof kPhrases / sizeof kPhrases[0] == static_cast<std::size_t>(Phrase::count_),
              "every Phrase has its wording");

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

}  // namespace

std::string phrase(Phrase p, Lang lang, std::initializer_list<std::string_view> args) {
    const std::string_view text = kPhrases[static_cast<std::size_t>(p)][lang == Lang::zh ? 0 : 1];
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{' && i + 2 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9' && text[i + 2] == '}') {
            const auto k = static_cast<std::size_t>(text[i + 1] - '0');
            if (k < args.size()) out += *(args.begin() + k);
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

std::string input_label(std::string_view name, Lang lang) {
    if (name == "participants") return phrase(Phrase::input_participants, lang);
    if (name == "events") return phrase(Phrase::input_events, lang);
    if (name == "census") return phrase(Phrase::input_census, lang);
    return std::string(name);
}

std::string long_date(LocalDate d, Lang lang) {
    const int y = static_cast<int>(d.year());
    const unsigned m = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
    char buffer[64];
    if (lang == Lang::zh) std::snprintf(buffer, sizeof buffer, "%d年%u月%u日", y, m, day);
    else std::snprintf(buffer, sizeof buffer, "%u %s %d", day, kMonthNames[m - 1], y);
    return buffer;
}

std::string short_date(LocalDate d, Lang lang) {
    const unsigned m = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
    char buffer[32];
    if (lang == Lang::zh) std::snprintf(buffer, sizeof buffer, "%u/%u", m, day);
    else std::snprintf(buffer, sizeof buffer, "%u %.3s", day, kMonthNames[m - 1]);
    return buffer;
}

std::string zone_words(const Program& program, Lang lang) {
    if (program.time_zone_name() == "Asia/Shanghai") return phrase(Phrase::china_time, lang);
    return program.time_zone_name();
}

std::string local_moment(Instant t, const Program& program, Lang lang) {
    const auto local = program.time_zone().to_local(t);
    auto day = date::floor<date::days>(local);
    auto time = date::make_time(local - day);
    int hours = static_cast<int>(time.hours().count());
    const int minutes = static_cast<int>(time.minutes().count());
    if (hours == 0 && minutes == 0 && time.seconds().count() == 0) day -= date::days{1}, hours = 24;
    char clock[16];
    std::snprintf(clock, sizeof clock, "%02d:%02d", hours, minutes);
    return long_date(LocalDate{day}, lang) + " " + clock;
}

std::string moment_of(Instant t, const Program* program, Lang lang) {
    if (program) return local_moment(t, *program, lang);
    return format_instant_utc(t);
}

std::string section_number(int n, Lang lang) {
    static const char* const zh[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    if (lang == Lang::zh && n >= 1 && n <= 10) return std::string(zh[n - 1]) + "、";
    return std::to_string(n) + ". ";
}

}  // namespace yanxiu
