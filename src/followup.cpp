// The follow-up list (未完成名单): who of the target participants has not
// finished, and what each still lacks.

#include <yanxiu/followup.hpp>

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace yanxiu {

namespace {

/// "第 3、5 课…" / "lessons 3, 5: …" for the lessons of one kind of reason.
std::string lessons_phrase(Phrase p, const std::vector<std::string>& lessons, Lang lang) {
    const std::string separator = phrase(Phrase::list_separator, lang);
    std::string list;
    for (std::size_t i = 0; i < lessons.size(); ++i) list += (i ? separator : std::string()) + lessons[i];
    if (lang == Lang::en) list = (lessons.size() == 1 ? "lesson " : "lessons ") + list;
    return phrase(p, lang, {list});
}

}  // namespace

std::string missing_text(const Outcome& outcome, const Program& program, Lang lang) {
    if (outcome.certificate) return {};
    std::vector<std::string> parts;
    // Lesson-level reasons that the teacher can act on, collected by kind.
    std::vector<std::string> quiz_missing, quiz_failed, quiz_early, too_short;
    auto add_once = [](std::vector<std::string>& v, const std::string& lesson) {
        if (std::find(v.begin(), v.end(), lesson) == v.end()) v.push_back(lesson);
    };
    for (const Reason& r : outcome.reasons) {
        if (!r.lesson.empty()) {
            switch (r.code) {
                case ReasonCode::quiz_missing: add_once(quiz_missing, r.lesson); break;
                case ReasonCode::quiz_not_passed: add_once(quiz_failed, r.lesson); break;
                case ReasonCode::quiz_before_study: add_once(quiz_early, r.lesson); break;
                case ReasonCode::below_minimum: add_once(too_short, r.lesson); break;
                default: break;  // outside the window, capped, overlap: nothing left to do for them
            }
            continue;
        }
        switch (r.code) {
            case ReasonCode::not_verified:
            case ReasonCode::below_minimum:
            case ReasonCode::category_sector_mismatch:
            case ReasonCode::exam_not_passed:
            case ReasonCode::no_certificate_for_category:
                parts.push_back(explain(r, lang, &program));
                break;
            case ReasonCode::requirement_not_met:
                // The leaves say what is missing; an all/any node only counts them.
                if (r.requirement != "all" && r.requirement != "any") parts.push_back(explain(r, lang, &program));
                break;
            default: break;  // approvals and manual credits are what was given, not what is missing
        }
    }
    if (!quiz_missing.empty()) parts.push_back(lessons_phrase(Phrase::missing_quiz, quiz_missing, lang));
    if (!quiz_failed.empty()) parts.push_back(lessons_phrase(Phrase::missing_quiz_not_passed, quiz_failed, lang));
    if (!quiz_early.empty()) parts.push_back(lessons_phrase(Phrase::missing_quiz_before_study, quiz_early, lang));
    if (!too_short.empty()) parts.push_back(lessons_phrase(Phrase::missing_short_study, too_short, lang));
    const std::string separator = phrase(Phrase::missing_separator, lang);
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? separator : std::string()) + parts[i];
    return text;
}

std::vector<FollowUpRow> follow_up(const Evaluation& evaluation, const Dataset& data, Lang lang) {
    const Program& program = *evaluation.program;
    std::unordered_map<std::string_view, const Participant*> by_id;
    by_id.reserve(data.participants().size());
    for (const Participant& p : data.participants()) by_id.emplace(p.id, &p);
    std::vector<FollowUpRow> rows;
    for (const Outcome& o : evaluation.outcomes) {
        if (o.certificate) continue;
        const Category* category = program.find_category(o.category);
        if (!category || !category->certificate) continue;  // only recorded: nobody to chase
        FollowUpRow row;
        row.participant = o.participant;
        if (auto it = by_id.find(o.participant); it != by_id.end()) row.name = it->second->name;
        row.unit = o.unit;
        row.category = o.category;
        row.status = o.status;
        row.lessons_credited = o.lessons_credited;
        row.lessons_required = o.lessons_required;
        row.hours_credited = o.hours_credited;
        // The hours the requirement asks for: its first hours node (the root, or a leaf of an all/any tree).
        for (const RequirementResult& r : o.requirements)
            if (r.kind == Requirement::Kind::hours) {
                row.hours_required = r.need;
                break;
            }
        row.missing = missing_text(o, program, lang);
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const FollowUpRow& a, const FollowUpRow& b) {
        return a.unit != b.unit ? a.unit < b.unit : a.participant < b.participant;
    });
    return rows;
}

}  // namespace yanxiu
