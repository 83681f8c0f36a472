#pragma once
// An accepted record as the JSON object it stands for: how the Ledger's
// snapshot writes it and, with sorted keys, the canonical form that decides
// between records sharing an id (Dataset).  One writer, so the two agree.

#include <yanxiu/dataset.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <string_view>

namespace yanxiu::detail {

/// A participant's fields, in the programme format's order.
inline nlohmann::ordered_json participant_json(const Program& program, const Participant& p) {
    nlohmann::ordered_json r = {{"id", p.id},
                                {"unit", p.unit},
                                {"category", program.categories()[p.category].id},
                                {"verified", p.verified}};
    if (p.sector != Sector::unknown) r["sector"] = std::string(to_string(p.sector));
    if (!p.name.empty()) r["name"] = p.name;
    return r;
}

/// An event from its parts: participant, lesson, id (when `id` is not
/// empty), kind, then the kind's own fields; instants in UTC.  `note` is the
/// approval's or credit's who and why.
inline nlohmann::ordered_json event_json(const Program& program, const Event& e, std::string_view participant,
                                         std::string_view lesson, std::string_view id, const Note* note) {
    nlohmann::ordered_json r = {{"participant", std::string(participant)}};
    if (e.kind == EventKind::study || e.kind == EventKind::quiz || e.kind == EventKind::credit)
        r["lesson"] = std::string(lesson);
    if (!id.empty()) r["id"] = std::string(id);
    r["kind"] = std::string(to_string(e.kind));
    switch (e.kind) {
        case EventKind::study:
            r["start"] = format_instant_utc(e.start);
            r["end"] = format_instant_utc(e.end);
            break;
        case EventKind::quiz:
            r["at"] = format_instant_utc(e.start);
            if (!std::isnan(e.score)) r["score"] = e.score;
            r["completed"] = e.completed;
            break;
        case EventKind::exam:
            r["exam"] = program.exams()[e.lesson].id;
            r["at"] = format_instant_utc(e.start);
            if (!std::isnan(e.score)) r["score"] = e.score;
            break;
        case EventKind::approval:
        case EventKind::credit:
            r["at"] = format_instant_utc(e.start);
            if (e.kind == EventKind::credit) r["seconds"] = static_cast<std::int64_t>(e.score);
            r["by"] = note->by;
            if (!note->reason.empty()) r["reason"] = note->reason;
            if (!note->recorded_by.empty()) r["recorded_by"] = note->recorded_by;
            break;
    }
    return r;
}

/// Event `i` of `data`, as above.
inline nlohmann::ordered_json event_json(const Dataset& data, std::size_t i, std::string_view id) {
    const Event e = data.events().row(i);
    const bool has_lesson = e.kind == EventKind::study || e.kind == EventKind::quiz || e.kind == EventKind::credit;
    const bool noted = e.kind == EventKind::approval || e.kind == EventKind::credit;
    return event_json(data.program(), e, data.participants()[e.participant].id,
                      has_lesson ? std::string_view(data.lessons().str(e.lesson)) : std::string_view(), id,
                      noted ? &data.notes()[static_cast<std::size_t>(e.end.time_since_epoch().count())] : nullptr);
}

/// Compact JSON on one line, in the record's own key order: how a ledger's
/// journal, snapshot file and parked events write a record.
inline std::string dump_line(const nlohmann::ordered_json& record) {
    return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Compact JSON with sorted keys (nlohmann::json orders members by key).
inline std::string canonical_dump(const nlohmann::ordered_json& record) {
    return nlohmann::json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace yanxiu::detail
