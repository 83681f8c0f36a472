#pragma once
// Small builders shared by the C++ tests.

#include <yanxiu/yanxiu.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace test {

using nlohmann::json;

/// The national programme with `changes` merged over it.
inline yanxiu::Program program(json changes = json::object()) {
    json overlay = {{"extends", "moe-2023-mh-winter"}, {"id", "test"}, {"version", "1"}};
    overlay.merge_patch(changes);
    const std::string text = overlay.dump();
    return yanxiu::Program::from_json(std::string_view(text), "<test>");
}

/// JSON Lines text from a list of objects.
inline std::string lines(const std::vector<json>& records) {
    std::string out;
    for (const auto& r : records) out += r.dump() + "\n";
    return out;
}

/// A study event on `lesson` from `start` to `end` (timestamps as written).
inline json study(const std::string& who, const std::string& lesson, const std::string& start, const std::string& end) {
    return {{"kind", "study"}, {"participant", who}, {"lesson", lesson}, {"start", start}, {"end", end}};
}

/// A quiz attempt; `score` < 0 means none.
inline json quiz(const std::string& who, const std::string& lesson, const std::string& at, double score = -1,
                 int completed = -1) {
    json q = {{"kind", "quiz"}, {"participant", who}, {"lesson", lesson}, {"at", at}};
    if (score >= 0) q["score"] = score;
    if (completed >= 0) q["completed"] = completed == 1;
    return q;
}

/// A participant record.
inline json person(const std::string& id, const std::string& category, const std::string& sector = "secondary",
                   bool verified = true, const std::string& unit = "长沙市") {
    return {{"id", id}, {"unit", unit}, {"sector", sector}, {"category", category}, {"verified", verified}};
}

/// Evaluates the given records; the dataset is kept for its rejections.
struct Run {
    yanxiu::Program program;
    yanxiu::Dataset data;
    std::vector<yanxiu::Outcome> outcomes;

    Run(yanxiu::Program p, const std::vector<json>& people, const std::vector<json>& events,
        std::optional<std::string> as_of = std::nullopt)
        : program(std::move(p)), data(program) {
        data.read_participants(lines(people), "participants.jsonl");
        data.read_events(lines(events), "events.jsonl");
        yanxiu::EvaluateOptions options;
        if (as_of) options.as_of = *yanxiu::parse_instant(*as_of, program.time_zone());
        outcomes = yanxiu::evaluate_all(data, options);
    }
    const yanxiu::Outcome& operator[](const std::string& id) const {
        for (const auto& o : outcomes)
            if (o.participant == id) return o;
        throw std::out_of_range("no outcome for " + id);
    }
    json json_of(const std::string& id) const {
        return json::parse(yanxiu::to_json((*this)[id], program.time_zone()).dump());
    }
};

/// Whether an outcome has a reason with this code (and lesson, if given).
inline bool has_reason(const yanxiu::Outcome& o, yanxiu::ReasonCode code, const std::string& lesson = "") {
    for (const auto& r : o.reasons)
        if (r.code == code && (lesson.empty() || r.lesson == lesson)) return true;
    return false;
}

/// `n` lessons L01.. each studied 30 minutes on day `day` of January and quizzed after.
inline std::vector<json> finish_lessons(const std::string& who, int n, int day = 12) {
    std::vector<json> events;
    for (int i = 1; i <= n; ++i) {
        char lesson[16], start[64], end[64], at[64];
        std::snprintf(lesson, sizeof lesson, "L%02d", i);
        std::snprintf(start, sizeof start, "2023-01-%02dT%02d:00:00+08:00", day, i % 24);
        std::snprintf(end, sizeof end, "2023-01-%02dT%02d:30:00+08:00", day, i % 24);
        std::snprintf(at, sizeof at, "2023-01-%02dT%02d:40:00+08:00", day, i % 24);
        events.push_back(study(who, lesson, start, end));
        events.push_back(quiz(who, lesson, at, 80));
    }
    return events;
}

}  // namespace test
