// The acceptance of records into a Dataset: what a participant and an event
// are, every rejection, and duplicate detection.  Every reader (JSON Lines,
// CSV, xAPI, JSON values, data-frame rows) ends here.

#include <yanxiu/dataset.hpp>

#include <algorithm>

#include "io/fields.hpp"
#include "io/read.hpp"
#include "text.hpp"


namespace yanxiu {

using detail::as_id;
using detail::field_as_bool;
using detail::field_as_number;
using detail::first_invalid_utf8_field;

namespace {
/// A value from a record quoted for a rejection message.
std::string quote(std::string_view s) { return detail::quote_value(s); }
}  // namespace

void Interner::compute_ranks() const {
    std::vector<std::uint32_t> order(strings_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return strings_[a] < strings_[b]; });
    ranks_.assign(order.size(), 0);
    for (std::uint32_t r = 0; r < order.size(); ++r) ranks_[order[r]] = r;
    ranks_valid_ = true;
}

Dataset::Dataset(const Program& program)
    : program_(&program), events_(std::make_unique<EventColumns>()), json_fields_(std::make_unique<Record>()) {}
Dataset::~Dataset() = default;
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;

void Dataset::reject(std::string_view file, std::size_t line, std::string_view field, RejectCode code,
                     std::string message) {
    rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
}

void Dataset::reject_event(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                           std::string message) {
    count_rejected(event_summary_, where, line, field, code, std::move(message));
}

void Dataset::reject_participant(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                                 std::string message) {
    count_rejected(participant_summary_, where, line, field, code, std::move(message));
}

void Dataset::count_rejected(ReadSummary& summary, std::string_view where, std::size_t line, std::string_view field,
                             RejectCode code, std::string message) {
    ++summary.read;
    ++summary.rejected;
    reject(where, line, field, code, std::move(message));
}

std::vector<std::string> Dataset::event_record_ids() const {
    std::vector<std::string> ids(events_->size());
    for (std::uint32_t r = 0; r < event_by_record_id_.size(); ++r)
        if (event_by_record_id_[r] != detail::IdIndex::kEmpty) ids[event_by_record_id_[r]] = event_id_strings_.str(r);
    return ids;
}

AddStatus Dataset::add_participant(const Record& record, std::string_view where, std::size_t line) {
    return add_checked(record, where, line, false);
}

AddStatus Dataset::add_event(const Record& record, std::string_view where, std::size_t line) {
    return add_checked(record, where, line, true);
}

AddStatus Dataset::add_checked(const Record& record, std::string_view where, std::size_t line, bool event) {
    AddStatus status = AddStatus::rejected;
    if (auto bad = first_invalid_utf8_field(record))
        reject(where, line, field_name(*bad), RejectCode::bad_utf8, "invalid UTF-8 in a value");
    else
        status = event ? accept_event(record, where, line) : accept_participant(record, where, line);
    detail::count(event ? event_summary_ : participant_summary_, status);
    return status;
}

AddStatus Dataset::accept_participant(const Record& f, std::string_view file, std::size_t line) {
    Participant p;
    const auto& id = f.get(Field::id);
    if (id.empty()) {
        reject(file, line, "id", RejectCode::missing_field, "a participant needs an id");
        return AddStatus::rejected;
    }
    if (!as_id(id, p.id)) {
        reject(file, line, "id", RejectCode::bad_type, "id must be a string or an integer");
        return AddStatus::rejected;
    }
    const auto& unit = f.get(Field::unit);
    if (!unit.empty() && !as_id(unit, p.unit)) {
        reject(file, line, "unit", RejectCode::bad_type, "unit must be a string");
        return AddStatus::rejected;
    }
    const auto& sector = f.get(Field::sector);
    if (!sector.empty()) {
        if (sector.type != ValueType::string) {
            reject(file, line, "sector", RejectCode::bad_type, "sector must be a string");
            return AddStatus::rejected;
        }
        auto parsed = parse_sector(sector.text);
        if (!parsed) {
            reject(file, line, "sector", RejectCode::unknown_sector,
                   "unknown sector " + quote(sector.text) +
                       "; expected kindergarten, primary, secondary, secondary_vocational, "
                       "higher_vocational, undergraduate or other");
            return AddStatus::rejected;
        }
        p.sector = *parsed;
    }
    const auto& category = f.get(Field::category);
    std::string category_id = "other";
    if (!category.empty()) {
        if (category.type != ValueType::string) {
            reject(file, line, "category", RejectCode::bad_type, "category must be a string");
            return AddStatus::rejected;
        }
        category_id = category.text;
    }
    const auto& categories = program_->categories();
    auto found = std::find_if(categories.begin(), categories.end(),
                              [&](const Category& c) { return c.id == category_id; });
    if (found == categories.end()) {
        if (category.empty())
            reject(file, line, "category", RejectCode::missing_field,
                   "no category given and the programme has no 'other' category");
        else
            reject(file, line, "category", RejectCode::unknown_category,
                   "unknown category " + quote(category_id) + " for programme " +
                       program_->id());
        return AddStatus::rejected;
    }
    p.category = static_cast<std::uint16_t>(found - categories.begin());
    const auto& verified = f.get(Field::verified);
    if (!verified.empty()) {
        auto value = field_as_bool(verified);
        if (!value) {
            reject(file, line, "verified", RejectCode::bad_type, "verified must be true or false");
            return AddStatus::rejected;
        }
        p.verified = *value;
    }
    const auto& name = f.get(Field::name);
    if (!name.empty() && !as_id(name, p.name)) {
        reject(file, line, "name", RejectCode::bad_type, "name must be a string");
        return AddStatus::rejected;
    }
    if (!found->allows(p.sector) && program_->on_sector_mismatch() == SectorMismatchPolicy::reject) {
        reject(file, line, "category", RejectCode::category_sector_mismatch,
               "category " + found->id + " is not open to sector " + std::string(to_string(p.sector)));
        return AddStatus::rejected;
    }
    auto existing = find_participant(p.id);
    if (existing) {
        if (participants_[*existing] == p) return AddStatus::duplicate;
        reject(file, line, "id", RejectCode::duplicate_id,
               "participant " + quote(p.id) + " was already read with different fields");
        return AddStatus::rejected;
    }
    auto index = static_cast<std::uint32_t>(participants_.size());
    participant_index_.insert(detail::hash_bytes(p.id), index, [](std::uint32_t) { return false; });
    participants_.push_back(std::move(p));
    return AddStatus::accepted;
}

std::uint64_t Dataset::event_hash(std::uint32_t i) const noexcept {
    const auto& e = *events_;
    std::uint64_t h = static_cast<std::uint64_t>(e.kind[i]);
    h = detail::hash_mix(h, e.participant[i]);
    h = detail::hash_mix(h, e.lesson[i]);
    h = detail::hash_mix(h, static_cast<std::uint64_t>(e.start[i]));
    h = detail::hash_mix(h, static_cast<std::uint64_t>(e.end[i]));
    return h;
}

bool Dataset::same_event(std::uint32_t a, std::uint32_t b) const noexcept {
    const auto& e = *events_;
    if (e.kind[a] != e.kind[b] || e.participant[a] != e.participant[b] || e.lesson[a] != e.lesson[b] ||
        e.start[a] != e.start[b] || e.end[a] != e.end[b] || e.completed[a] != e.completed[b])
        return false;
    bool nan_a = std::isnan(e.score[a]), nan_b = std::isnan(e.score[b]);
    return nan_a == nan_b && (nan_a || e.score[a] == e.score[b]);
}

AddStatus Dataset::accept_event(const Record& f, std::string_view file, std::size_t line) {
            if (!event_ids_seeded_) {
        event_id_strings_.intern("");  // id 0 means "no record id"
        event_ids_seeded_ = true;
    }
    Event event;
    const auto& kind = f.get(Field::kind);
    if (kind.empty()) {
        reject(file, line, "kind", RejectCode::missing_field, "an event needs a kind (study or quiz)");
        return AddStatus::rejected;
    }
    if (kind.type != ValueType::string) {
        reject(file, line, "kind", RejectCode::bad_type, "kind must be a string");
        return AddStatus::rejected;
    }
    if (kind.text == "study")
        event.kind = EventKind::study;
    else if (kind.text == "quiz")
        event.kind = EventKind::quiz;
    else {
        reject(file, line, "kind", RejectCode::unknown_kind,
               "unknown kind " + quote(kind.text) + "; expected study or quiz");
        return AddStatus::rejected;
    }
    std::string text;
    const auto& record_id = f.get(Field::id);
    std::uint32_t record_id_index = 0;
    if (!record_id.empty()) {
        if (!as_id(record_id, text)) {
            reject(file, line, "id", RejectCode::bad_type, "id must be a string or an integer");
            return AddStatus::rejected;
        }
        record_id_index = event_id_strings_.intern(text);
    }
    const auto& participant = f.get(Field::participant);
    if (participant.empty()) {
        reject(file, line, "participant", RejectCode::missing_field, "an event needs a participant");
        return AddStatus::rejected;
    }
    if (!as_id(participant, text)) {
        reject(file, line, "participant", RejectCode::bad_type, "participant must be a string or an integer");
        return AddStatus::rejected;
    }
    auto who = find_participant(text);
    if (!who) {
        reject(file, line, "participant", RejectCode::unknown_participant,
               "participant " + quote(text) + " is not among the participants read");
        return AddStatus::rejected;
    }
    event.participant = *who;
    const auto& lesson = f.get(Field::lesson);
    if (lesson.empty()) {
        reject(file, line, "lesson", RejectCode::missing_field, "an event needs a lesson");
        return AddStatus::rejected;
    }
    if (!as_id(lesson, text)) {
        reject(file, line, "lesson", RejectCode::bad_type, "lesson must be a string or an integer");
        return AddStatus::rejected;
    }
    if (!program_->lessons().empty() && !program_->find_lesson(text)) {
        reject(file, line, "lesson", RejectCode::unknown_lesson,
               "lesson " + quote(text) + " is not in the programme's catalogue");
        return AddStatus::rejected;
    }
    auto read_instant = [&](Field field, std::string_view name) -> std::optional<Instant> {
        const auto& v = f.get(field);
        if (v.empty()) {
            reject(file, line, name, RejectCode::missing_field, std::string("missing ") + std::string(name));
            return std::nullopt;
        }
        if (v.type != ValueType::string) {
            reject(file, line, name, RejectCode::bad_type, std::string(name) + " must be a timestamp string");
            return std::nullopt;
        }
        std::string error;
        auto t = parse_instant(v.text, program_->time_zone(), &error);
        if (!t) reject(file, line, name, RejectCode::bad_timestamp, quote(v.text) + ": " + error);
        return t;
    };
    if (event.kind == EventKind::study) {
        auto start = read_instant(Field::start, "start");
        if (!start) return AddStatus::rejected;
        event.start = *start;
        const auto& end = f.get(Field::end);
        if (!end.empty()) {
            auto t = read_instant(Field::end, "end");
            if (!t) return AddStatus::rejected;
            event.end = *t;
        } else {
            const auto& duration = f.get(Field::duration);
            if (duration.empty()) {
                reject(file, line, "end", RejectCode::missing_field, "a study event needs end or duration");
                return AddStatus::rejected;
            }
            std::optional<Seconds> length;
            std::string error = "expected seconds or an ISO 8601 duration";
            if (duration.type == ValueType::string) {
                length = parse_duration(duration.text, &error);
            } else if (duration.type == ValueType::integer || duration.type == ValueType::unsigned_integer ||
                       duration.type == ValueType::number) {
                auto n = field_as_number(duration);
                if (n.value && *n.value >= 0 && *n.value <= static_cast<double>(kMaxDurationSeconds))
                    length = Seconds{static_cast<std::int64_t>(std::floor(*n.value))};
                else
                    error = "duration must be a non-negative number of seconds";
            } else {
                reject(file, line, "duration", RejectCode::bad_type,
                       "duration must be seconds or an ISO 8601 string");
                return AddStatus::rejected;
            }
            if (!length) {
                reject(file, line, "duration", RejectCode::bad_duration, error);
                return AddStatus::rejected;
            }
            event.end = event.start + *length;
        }
        if (event.end < event.start) {
            reject(file, line, "end", RejectCode::end_before_start, "the session ends before it starts");
            return AddStatus::rejected;
        }
        if (event.end - event.start > kMaxSession) {
            reject(file, line, "end", RejectCode::session_too_long, "a study session may last at most 24 hours");
            return AddStatus::rejected;
        }
    } else {
        auto at = read_instant(Field::at, "at");
        if (!at) return AddStatus::rejected;
        event.start = event.end = *at;
        const auto& score = f.get(Field::score);
        if (!score.empty()) {
            auto n = field_as_number(score);
            if (n.out_of_range) {
                reject(file, line, "score", RejectCode::number_out_of_range, "score must lie between 0 and 100");
                return AddStatus::rejected;
            }
            if (!n.value) {
                reject(file, line, "score", RejectCode::bad_type, "score must be a number");
                return AddStatus::rejected;
            }
            if (*n.value < 0 || *n.value > 100) {
                reject(file, line, "score", RejectCode::number_out_of_range, "score must lie between 0 and 100");
                return AddStatus::rejected;
            }
            event.score = *n.value;
        }
        const auto& completed = f.get(Field::completed);
        if (!completed.empty()) {
            auto value = field_as_bool(completed);
            if (!value) {
                reject(file, line, "completed", RejectCode::bad_type, "completed must be true or false");
                return AddStatus::rejected;
            }
            event.completed = *value;
        }
    }
    event.lesson = lessons_.intern(text);

    // Duplicates: compared on parsed content, so equal instants written
    // differently are still the same record.
    auto index = static_cast<std::uint32_t>(events_->size());
    events_->push_back(event);
    if (record_id_index != 0) {
        if (event_by_record_id_.size() <= record_id_index)
            event_by_record_id_.resize(record_id_index + 1, detail::IdIndex::kEmpty);
        std::uint32_t& first = event_by_record_id_[record_id_index];
        if (first == detail::IdIndex::kEmpty) {
            first = index;
        } else {
            bool same = same_event(first, index);
            events_->pop_back();
            if (same) return AddStatus::duplicate;
            reject(file, line, "id", RejectCode::duplicate_id,
                   "event id " + quote(event_id_strings_.str(record_id_index)) +
                       " was already read with different content");
            return AddStatus::rejected;
        }
    } else if (!events_without_id_
                    .insert(event_hash(index), index, [&](std::uint32_t k) { return same_event(k, index); })
                    .second) {
        events_->pop_back();
        return AddStatus::duplicate;
    }
    return AddStatus::accepted;
}


}  // namespace yanxiu
