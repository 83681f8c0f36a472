// Outcomes and rejections written as JSON.

#include <yanxiu/io/jsonl.hpp>
#include <yanxiu/record.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace yanxiu {

namespace {

/// Whether a requirement's have/need are hours or a score (written as
/// numbers with a fraction), not counts.
bool in_hours_or_score(const RequirementResult& q) noexcept {
    return q.kind == Requirement::Kind::hours || q.kind == Requirement::Kind::exam;
}

}  // namespace

nlohmann::ordered_json to_json(const Outcome& o, const TimeZone& zone, const OutcomeJson& options) {
    nlohmann::ordered_json j;
    j["participant"] = o.participant;
    j["unit"] = o.unit;
    j["category"] = o.category;
    j["status"] = to_string(o.status);
    j["lessons_credited"] = o.lessons_credited;
    j["lessons_required"] = o.lessons_required;
    j["seconds_studied"] = o.seconds_studied.count();
    j["seconds_credited"] = o.seconds_credited.count();
    j["hours_credited"] = o.hours_credited;
    j["certificate"] = o.certificate;
    j["completed_at"] = o.completed_at ? nlohmann::ordered_json(format_instant(*o.completed_at, zone)) : nullptr;
    auto reasons = nlohmann::ordered_json::array();
    for (const Reason& r : o.reasons) {
        nlohmann::ordered_json x;
        x["code"] = to_string(r.code);
        if (!r.lesson.empty()) x["lesson"] = r.lesson;
        if (!r.path.empty()) x["path"] = r.path;
        if (!r.requirement.empty()) x["requirement"] = r.requirement;
        if (!r.exam.empty()) x["exam"] = r.exam;
        if (auto have = r.have()) x["have"] = *have;
        else if (r.value_need) x["have"] = r.value_have ? nlohmann::ordered_json(*r.value_have) : nullptr;
        if (auto need = r.need()) x["need"] = *need;
        else if (r.value_need) x["need"] = *r.value_need;
        if (r.overlapped) x["seconds"] = r.overlapped->count();
        else if (r.credited) x["seconds"] = r.credited->count();
        if (!r.by.empty()) x["by"] = r.by;
        if (!r.recorded_by.empty()) x["recorded_by"] = r.recorded_by;
        if (r.at) x["at"] = format_instant(*r.at, zone);
        if (!r.note.empty()) x["reason"] = r.note;
        if (!r.sector.empty()) x["sector"] = r.sector;
        if (!r.category.empty()) x["category"] = r.category;
        reasons.push_back(std::move(x));
    }
    j["reasons"] = std::move(reasons);
    if (!o.requirements.empty()) {
        auto requirements = nlohmann::ordered_json::array();
        for (const RequirementResult& q : o.requirements) {
            nlohmann::ordered_json x;
            x["path"] = q.path;
            x["kind"] = to_string(q.kind);
            x["holds"] = q.holds;
            if (in_hours_or_score(q)) {
                x["have"] = q.have ? nlohmann::ordered_json(*q.have) : nullptr;
                x["need"] = q.need;
            } else {
                x["have"] = static_cast<std::int64_t>(q.have.value_or(0));
                x["need"] = static_cast<std::int64_t>(q.need);
            }
            requirements.push_back(std::move(x));
        }
        j["requirements"] = std::move(requirements);
    }
    if (!o.group_hours.empty()) {
        nlohmann::ordered_json groups = nlohmann::ordered_json::object();
        for (const GroupHours& g : o.group_hours) groups[g.group] = g.hours;
        j["hours_by_group"] = std::move(groups);
    }
    if (options.explanations) {
        auto sentences = nlohmann::ordered_json::array();
        for (const Reason& r : o.reasons) sentences.push_back(explain(r, *options.explanations, options.program));
        j["explanations"] = std::move(sentences);
    }
    if (options.include_lessons) {
        auto lessons = nlohmann::ordered_json::array();
        for (const LessonResult& l : o.lessons) {
            nlohmann::ordered_json x;
            x["lesson"] = l.lesson;
            x["seconds_counted"] = l.seconds_counted.count();
            x["credited"] = l.credited;
            x["first_instant"] = l.first_instant ? nlohmann::ordered_json(format_instant(*l.first_instant, zone)) : nullptr;
            x["credited_at"] = l.credited_at ? nlohmann::ordered_json(format_instant(*l.credited_at, zone)) : nullptr;
            lessons.push_back(std::move(x));
        }
        j["lessons"] = std::move(lessons);
    }
    return j;
}

void append_json_string(std::string& out, std::string_view s) {
    static const char* const hex = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

namespace {

void append_json_int(std::string& out, std::int64_t v) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
}

/// Appends a double as nlohmann::json::dump writes it (shortest form, ".0" when integral).
void append_json_double(std::string& out, double v) {
    char buffer[40];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    out += text;
    if (text.find_first_of(".eE") == std::string_view::npos && std::isfinite(v)) out += ".0";
}

}  // namespace


void append_json_line(std::string& out, const Outcome& o, const TimeZone& zone, const OutcomeJson& options) {
    out += "{\"participant\":";
    append_json_string(out, o.participant);
    out += ",\"unit\":";
    append_json_string(out, o.unit);
    out += ",\"category\":";
    append_json_string(out, o.category);
    out += ",\"status\":\"";
    out += to_string(o.status);
    out += "\",\"lessons_credited\":";
    append_json_int(out, o.lessons_credited);
    out += ",\"lessons_required\":";
    append_json_int(out, o.lessons_required);
    out += ",\"seconds_studied\":";
    append_json_int(out, o.seconds_studied.count());
    out += ",\"seconds_credited\":";
    append_json_int(out, o.seconds_credited.count());
    out += ",\"hours_credited\":";
    append_json_double(out, o.hours_credited);
    out += o.certificate ? ",\"certificate\":true" : ",\"certificate\":false";
    out += ",\"completed_at\":";
    if (o.completed_at) append_json_string(out, format_instant(*o.completed_at, zone));
    else out += "null";
    out += ",\"reasons\":[";
    bool first = true;
    for (const Reason& r : o.reasons) {
        if (!first) out += ',';
        first = false;
        out += "{\"code\":\"";
        out += to_string(r.code);
        out += '"';
        if (!r.lesson.empty()) out += ",\"lesson\":", append_json_string(out, r.lesson);
        if (!r.path.empty()) out += ",\"path\":", append_json_string(out, r.path);
        if (!r.requirement.empty()) out += ",\"requirement\":", append_json_string(out, r.requirement);
        if (!r.exam.empty()) out += ",\"exam\":", append_json_string(out, r.exam);
        if (auto have = r.have()) {
            out += ",\"have\":", append_json_int(out, *have);
        } else if (r.value_need) {
            out += ",\"have\":";
            if (r.value_have) append_json_double(out, *r.value_have);
            else out += "null";
        }
        if (auto need = r.need()) out += ",\"need\":", append_json_int(out, *need);
        else if (r.value_need) out += ",\"need\":", append_json_double(out, *r.value_need);
        if (r.overlapped) out += ",\"seconds\":", append_json_int(out, r.overlapped->count());
        else if (r.credited) out += ",\"seconds\":", append_json_int(out, r.credited->count());
        if (!r.by.empty()) out += ",\"by\":", append_json_string(out, r.by);
        if (!r.recorded_by.empty()) out += ",\"recorded_by\":", append_json_string(out, r.recorded_by);
        if (r.at) out += ",\"at\":", append_json_string(out, format_instant(*r.at, zone));
        if (!r.note.empty()) out += ",\"reason\":", append_json_string(out, r.note);
        if (!r.sector.empty()) out += ",\"sector\":", append_json_string(out, r.sector);
        if (!r.category.empty()) out += ",\"category\":", append_json_string(out, r.category);
        out += '}';
    }
    out += ']';
    if (!o.requirements.empty()) {
        out += ",\"requirements\":[";
        first = true;
        for (const RequirementResult& q : o.requirements) {
            if (!first) out += ',';
            first = false;
            out += "{\"path\":";
            append_json_string(out, q.path);
            out += ",\"kind\":\"";
            out += to_string(q.kind);
            out += q.holds ? "\",\"holds\":true" : "\",\"holds\":false";
            out += ",\"have\":";
            if (in_hours_or_score(q)) {
                if (q.have) append_json_double(out, *q.have);
                else out += "null";
                out += ",\"need\":";
                append_json_double(out, q.need);
            } else {
                append_json_int(out, static_cast<std::int64_t>(q.have.value_or(0)));
                out += ",\"need\":";
                append_json_int(out, static_cast<std::int64_t>(q.need));
            }
            out += '}';
        }
        out += ']';
    }
    if (!o.group_hours.empty()) {
        out += ",\"hours_by_group\":{";
        first = true;
        for (const GroupHours& g : o.group_hours) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, g.group);
            out += ':';
            append_json_double(out, g.hours);
        }
        out += '}';
    }
    if (options.explanations) {
        out += ",\"explanations\":[";
        first = true;
        for (const Reason& r : o.reasons) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, explain(r, *options.explanations, options.program));
        }
        out += ']';
    }
    if (options.include_lessons) {
        out += ",\"lessons\":[";
        first = true;
        for (const LessonResult& l : o.lessons) {
            if (!first) out += ',';
            first = false;
            out += "{\"lesson\":";
            append_json_string(out, l.lesson);
            out += ",\"seconds_counted\":";
            append_json_int(out, l.seconds_counted.count());
            out += l.credited ? ",\"credited\":true" : ",\"credited\":false";
            out += ",\"first_instant\":";
            if (l.first_instant) append_json_string(out, format_instant(*l.first_instant, zone));
            else out += "null";
            out += ",\"credited_at\":";
            if (l.credited_at) append_json_string(out, format_instant(*l.credited_at, zone));
            else out += "null";
            out += '}';
        }
        out += ']';
    }
    out += "}\n";
}


nlohmann::ordered_json to_json(const Rejection& r) {
    nlohmann::ordered_json j;
    j["file"] = r.file;
    j["line"] = r.line;
    if (!r.field.empty()) j["field"] = r.field;
    j["code"] = to_string(r.code);
    j["message"] = r.message;
    return j;
}

void append_json_line(std::string& out, const Rejection& r) {
    out += to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
}

}  // namespace yanxiu
