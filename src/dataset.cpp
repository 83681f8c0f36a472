// The acceptance of records into a Dataset: what a participant and an event
// are, every rejection, and duplicate detection.  Every reader (JSON Lines,
// CSV, xAPI, JSON values, data-frame rows) ends here.

#include <yanxiu/dataset.hpp>
#include <yanxiu/messages.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <unordered_map>

#include "io/fields.hpp"
#include "io/prepared.hpp"
#include "io/read.hpp"
#include "io/record_json.hpp"
#include "io/scan.hpp"
#include "order.hpp"
#include "parallel.hpp"
#include "text.hpp"


namespace yanxiu {

using detail::as_id;
using detail::field_as_bool;
using detail::field_as_number;
using detail::first_invalid_utf8_field;

namespace {
/// A sector by its record name ("primary"), its Chinese or English label
/// (小学, "primary school") or a common Chinese name (初中, 高中, 高职, 本科, 中等职业学校).
std::optional<Sector> parse_sector_alias(std::string_view given) {
    const std::string_view s = detail::trim_space(given);
    if (auto exact = parse_sector(s)) return exact;
    for (Sector candidate : kSectors)
        if (message(candidate, Lang::zh) == s || message(candidate, Lang::en) == s) return candidate;
    static constexpr std::pair<std::string_view, Sector> more[] = {
        {"\xE5\x88\x9D\xE4\xB8\xAD", Sector::secondary},                                  // 初中
        {"\xE9\xAB\x98\xE4\xB8\xAD", Sector::secondary},                                  // 高中
        {"\xE4\xB8\xAD\xE7\xAD\x89\xE8\x81\x8C\xE4\xB8\x9A\xE5\xAD\xA6\xE6\xA0\xA1", Sector::secondary_vocational},  // 中等职业学校
        {"\xE9\xAB\x98\xE8\x81\x8C", Sector::higher_vocational},                          // 高职
        {"\xE6\x9C\xAC\xE7\xA7\x91", Sector::undergraduate},                              // 本科
    };
    for (const auto& [name, sector] : more)
        if (name == s) return sector;
    return std::nullopt;
}

/// A value from a record quoted for a rejection message.
std::string quote(std::string_view s) { return detail::quote_value(s); }

/// The first field whose value is longer than `limit` bytes.
std::optional<Field> first_too_long_field(const Record& record, std::size_t limit) {
    for (std::size_t i = 0; i < kFieldCount; ++i) {
        const Value& v = record.get(static_cast<Field>(i));
        if (v.type == ValueType::string && v.text.size() > limit) return static_cast<Field>(i);
    }
    return std::nullopt;
}
}  // namespace

bool Dataset::reject_unreadable(const Record& record, std::string_view where, std::size_t line) {
    if (auto bad = first_invalid_utf8_field(record)) {
        reject(where, line, field_name(*bad), RejectCode::bad_utf8, "invalid UTF-8 in a value");
        return true;
    }
    return reject_too_long(record, where, line);
}

bool Dataset::reject_too_long(const Record& record, std::string_view where, std::size_t line) {
    auto rejection = too_long(record);
    if (!rejection) return false;
    reject(where, line, rejection->field, rejection->code, std::move(rejection->message));
    return true;
}

std::optional<Rejection> Dataset::too_long(const Record& record) const {
    auto lengthy = first_too_long_field(record, max_field_bytes);
    if (!lengthy) return std::nullopt;
    return Rejection{"", 0, std::string(field_name(*lengthy)), RejectCode::too_long,
                     std::string(field_name(*lengthy)) + " is " + std::to_string(record.get(*lengthy).text.size()) +
                         " bytes, longer than the limit of " + std::to_string(max_field_bytes) + " (max_field_bytes)"};
}

void Interner::compute_ranks() const {
    std::vector<std::uint32_t> order(strings_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return strings_[a] < strings_[b]; });
    ranks_.assign(order.size(), 0);
    for (std::uint32_t r = 0; r < order.size(); ++r) ranks_[order[r]] = r;
    ranks_valid_ = true;
}

/// For each id, the canonical forms of the records with that id that were
/// rejected, so that a copy of one is a duplicate rather than a new conflict.
struct Dataset::Conflicts {
    std::unordered_map<std::string, std::vector<std::string>> participants, events;
};

Dataset::Dataset(const Program& program)
    : program_(&program),
      events_(std::make_unique<EventColumns>()),
      json_fields_(std::make_unique<Record>()),
      prepared_(std::make_unique<detail::PreparedEvent>()),
      prepared_participant_(std::make_unique<detail::PreparedParticipant>()),
      conflicts_(std::make_unique<Conflicts>()) {}
Dataset::~Dataset() = default;
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;

void Dataset::reject(std::string_view file, std::size_t line, std::string_view field, RejectCode code,
                     std::string message) {
    last_rejection_ = Rejection{std::string(file), line, std::string(field), code, std::move(message)};
    if (checking_) return;
    ++rejection_counts_[static_cast<std::size_t>(code)];
    if (on_rejection) on_rejection(*last_rejection_);
    if (rejections_.size() < rejections_kept) rejections_.push_back(*last_rejection_);
}

std::optional<Rejection> Dataset::check_event(const Record& record, std::string_view where, std::size_t line,
                                              std::string* json) {
    checking_ = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{checking_};
    const std::optional<Replacement> replacement = last_replacement_;  // a check is not an add
    AddStatus status = AddStatus::rejected;
    if (!reject_unreadable(record, where, line)) {
        std::string scratch;
        status = accept_event(record, where, line, json ? json : &scratch);
    }
    last_replacement_ = replacement;
    if (status == AddStatus::rejected) return last_rejection_;
    return std::nullopt;
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
    if (!reject_unreadable(record, where, line))
        status = event ? accept_event(record, where, line) : accept_participant(record, where, line);
    tally(event ? event_summary_ : participant_summary_, status, event);
    return status;
}

void Dataset::tally(ReadSummary& summary, AddStatus status, bool event) const noexcept {
    detail::count(summary, status);
    // A record accepted in the place of one read before: that one moves from
    // accepted to rejected, so the counts still add up to what was read.
    const bool replaced = event ? last_replacement_.has_value() : last_participant_replaced_.has_value();
    if (status == AddStatus::accepted && replaced) --summary.accepted, ++summary.rejected;
}

AddStatus Dataset::accept_participant(const Record& f, std::string_view file, std::size_t line) {
    detail::PreparedParticipant& prepared = *prepared_participant_;
    auto rejection = prepare_participant(f, prepared);
    return keep_participant(prepared, std::move(rejection), file, line);
}

AddStatus Dataset::keep_participant(detail::PreparedParticipant& prepared, std::optional<Rejection> rejection,
                                    std::string_view file, std::size_t line) {
    last_participant_replaced_.reset();
    if (!prepared.spelling.empty()) note_spelling(prepared.participant.unit, prepared.spelling);
    if (rejection) {
        reject(file, line, rejection->field, rejection->code, std::move(rejection->message));
        return AddStatus::rejected;
    }
    return store_participant(prepared.participant, file, line);
}

void Dataset::note_spelling(const std::string& unit, const std::string& spelling) {
    auto& spellings = unit_spellings_[unit];
    if (spellings.size() < 8 && std::find(spellings.begin(), spellings.end(), spelling) == spellings.end())
        spellings.push_back(spelling);
}

std::optional<Rejection> Dataset::prepare_participant(const Record& f, detail::PreparedParticipant& out) const {
    auto fail = [](std::string_view field, RejectCode code, std::string message) {
        return std::optional<Rejection>(Rejection{"", 0, std::string(field), code, std::move(message)});
    };
    Participant& p = out.participant;
    p = Participant{};
    out.spelling.clear();
    const auto& id = f.get(Field::id);
    if (id.empty()) {
        return fail("id", RejectCode::missing_field, "a participant needs an id");
    }
    if (!as_id(id, p.id)) {
        return fail("id", RejectCode::bad_type, "id must be a string or an integer");
    }
    const auto& unit = f.get(Field::unit);
    if (!unit.empty() && !as_id(unit, p.unit)) {
        return fail("unit", RejectCode::bad_type, "unit must be a string");
    }
    // "长沙市 " and "长沙市" are one unit: space around a name (full-width too) is
    // dropped, and the spelling read kept for the caller to note (rejected or not).
    if (const std::string_view trimmed = detail::trim_space(p.unit); trimmed.size() != p.unit.size()) {
        std::string kept(trimmed);
        out.spelling = std::move(p.unit);
        p.unit = std::move(kept);
    }
    const auto& sector = f.get(Field::sector);
    if (!sector.empty()) {
        if (sector.type != ValueType::string) {
            return fail("sector", RejectCode::bad_type, "sector must be a string");
        }
        auto parsed = parse_sector_alias(sector.text);
        if (!parsed) {
            return fail("sector", RejectCode::unknown_sector,
                   "unknown sector " + quote(sector.text) +
                       "; expected kindergarten, primary, secondary, secondary_vocational, "
                       "higher_vocational, undergraduate or other");
        }
        p.sector = *parsed;
    }
    const auto& category = f.get(Field::category);
    std::string category_id = "other";
    if (!category.empty()) {
        if (category.type != ValueType::string) {
            return fail("category", RejectCode::bad_type, "category must be a string");
        }
        category_id = std::string(detail::trim_space(category.text));
    }
    const auto& categories = program_->categories();
    auto found = std::find_if(categories.begin(), categories.end(),
                              [&](const Category& c) { return c.id == category_id; });
    // A category may also be given by its label (中小学班主任 for homeroom).
    if (found == categories.end())
        found = std::find_if(categories.begin(), categories.end(), [&](const Category& c) {
            return (!c.label.zh.empty() && c.label.zh == category_id) ||
                   (!c.label.en.empty() && c.label.en == category_id);
        });
    if (found == categories.end()) {
        if (category.empty())
            return fail("category", RejectCode::missing_field,
                        "no category given and the programme has no 'other' category");
        return fail("category", RejectCode::unknown_category,
                    "unknown category " + quote(category_id) + " for programme " + program_->id());
    }
    p.category = static_cast<std::uint16_t>(found - categories.begin());
    const auto& verified = f.get(Field::verified);
    if (!verified.empty()) {
        auto value = field_as_bool(verified);
        if (!value) {
            return fail("verified", RejectCode::bad_type, "verified must be true or false");
        }
        p.verified = *value;
    }
    const auto& name = f.get(Field::name);
    if (!name.empty() && !as_id(name, p.name)) {
        return fail("name", RejectCode::bad_type, "name must be a string");
    }
    if (!found->allows(p.sector) && program_->on_sector_mismatch() == SectorMismatchPolicy::reject) {
        return fail("category", RejectCode::category_sector_mismatch,
               "category " + found->id + " is not open to sector " + std::string(to_string(p.sector)));
    }
    return std::nullopt;
}

AddStatus Dataset::store_participant(Participant& p, std::string_view file, std::size_t line) {
    auto existing = find_participant(p.id);
    if (existing) {
        Participant& kept = participants_[*existing];
        if (kept == p) return AddStatus::duplicate;
        // Records that share an id but differ: the smallest canonical form is
        // kept, whatever the order they arrive in; every other is rejected.
        const std::string candidate = canonical_participant(p), incumbent = canonical_participant(kept);
        auto& losers = conflicts_->participants[p.id];
        if (std::find(losers.begin(), losers.end(), candidate) != losers.end())
            return AddStatus::duplicate;  // a copy of a record already rejected
        const Origin there = participant_origins_[*existing];
        if (incumbent < candidate) {
            losers.push_back(candidate);
            reject(file, line, "id", RejectCode::duplicate_id,
                   "participant " + quote(p.id) + " was also read at " + where(there) +
                       " with different fields, and that record is kept (the smaller canonical form)");
            return AddStatus::rejected;
        }
        losers.push_back(incumbent);
        reject(there, "id", RejectCode::duplicate_id,
               "participant " + quote(p.id) + " was also read at " + where(origin(file, line)) +
                   " with different fields, and that record is kept (the smaller canonical form)");
        kept = std::move(p);
        participant_origins_[*existing] = origin(file, line);
        last_participant_replaced_ = *existing;
        return AddStatus::accepted;
    }
    groups_.reset();  // a new participant has no place in the grouping
    auto index = static_cast<std::uint32_t>(participants_.size());
    participant_index_.insert(detail::hash_bytes(p.id), index, [](std::uint32_t) { return false; });
    participants_.push_back(std::move(p));
    participant_origins_.push_back(origin(file, line));
    return AddStatus::accepted;
}

Dataset::Origin Dataset::origin(std::string_view file, std::size_t line) {
    // Records come file by file: the last file's id is kept, not looked up per record.
    if (files_.size() == 0 || files_.str(last_file_) != file) last_file_ = files_.intern(file);
    return Origin{last_file_, static_cast<std::uint32_t>(std::min<std::size_t>(line, UINT32_MAX))};
}

std::string Dataset::where(Origin o) const { return files_.str(o.file) + ":" + std::to_string(o.line); }

void Dataset::reject(Origin o, std::string_view field, RejectCode code, std::string message) {
    reject(files_.str(o.file), o.line, field, code, std::move(message));
}

std::string Dataset::canonical_participant(const Participant& p) const {
    return detail::canonical_dump(detail::participant_json(*program_, p));
}

std::string Dataset::canonical_event(std::uint32_t i, const std::string& id) const {
    return detail::canonical_dump(detail::event_json(*this, i, id));
}

void Dataset::group_events() {
    if (groups_) return;  // grouped already, and nothing kept since
    auto groups = std::make_unique<EventGroups>();
    groups->by_id = detail::participants_by_id(participants_);
    std::vector<std::uint32_t> order;  // new event number -> old
    detail::group_by_participant(groups->by_id, *events_, groups->offsets, order);
    bool moved = false;
    for (std::size_t i = 0; i < order.size() && !moved; ++i) moved = order[i] != i;
    if (moved) {
        // Each column gathered into a scratch buffer and copied back; beside
        // them, whatever holds an event number (the duplicate checks) follows
        // it, through a map of old numbers to new whose memory then serves as
        // the scratch of the 4-byte and 1-byte columns.  Two shares of about
        // equal time (on two threads where there are), with 12 bytes an event
        // of memory besides `order`, all of it taken before anything moves,
        // so a failed allocation leaves the store as it was.  Plain pages,
        // not zeroed here: written front to back, a huge-page hint would only
        // add the kernel's compaction to the faults.
        EventColumns& e = *events_;
        const std::size_t n = order.size();
        const std::unique_ptr<std::uint64_t[]> wide(new std::uint64_t[n]);    // scratch of 8-byte columns
        const std::unique_ptr<std::uint32_t[]> where(new std::uint32_t[n]);   // old event number -> new
        auto permute = [&](auto& column, void* scratch) noexcept {
            using T = typename std::remove_reference_t<decltype(column)>::value_type;
            static_assert(std::is_trivially_copyable_v<T>);
            auto* bytes = static_cast<unsigned char*>(scratch);
            for (std::size_t i = 0; i < n; ++i) std::memcpy(bytes + i * sizeof(T), &column[order[i]], sizeof(T));
            std::memcpy(column.data(), bytes, n * sizeof(T));
        };
        auto first_share = [&]() noexcept {
            permute(e.start, wide.get());
            permute(e.end, wide.get());
            permute(e.score, wide.get());
        };
        auto second_share = [&]() noexcept {
            for (std::size_t i = 0; i < n; ++i) where[order[i]] = static_cast<std::uint32_t>(i);
            for (std::uint32_t& kept : event_by_record_id_)
                if (kept != detail::IdIndex::kEmpty) kept = where[kept];
            events_without_id_.renumber([&](std::uint32_t old) { return where[old]; });
            static_assert(sizeof(e.lesson[0]) <= sizeof(std::uint32_t) && sizeof(e.participant[0]) <= sizeof(std::uint32_t));
            permute(e.lesson, where.get());  // the map is done with
            permute(e.participant, where.get());
            permute(e.kind, where.get());
            permute(e.completed, where.get());
        };
        detail::parallel_for(
            2, n >= 65536 ? read_threads : 1, [&](std::size_t share) { share == 0 ? first_share() : second_share(); },
            /*serial_below=*/2, /*block=*/1);
    }
    last_replacement_.reset();
    groups_ = std::move(groups);
}

void Dataset::replace_event(std::uint32_t kept, std::uint32_t with) {
    auto& e = *events_;
    e.kind[kept] = e.kind[with];
    e.participant[kept] = e.participant[with];
    e.lesson[kept] = e.lesson[with];
    e.start[kept] = e.start[with];
    e.end[kept] = e.end[with];
    e.score[kept] = e.score[with];
    e.completed[kept] = e.completed[with];
}

bool Dataset::same_event(std::uint32_t a, std::uint32_t b) const noexcept {
    const auto& e = *events_;
    if (e.kind[a] != e.kind[b] || e.participant[a] != e.participant[b] || e.lesson[a] != e.lesson[b] ||
        e.start[a] != e.start[b] || e.completed[a] != e.completed[b])
        return false;
    if (e.kind[a] == EventKind::approval || e.kind[a] == EventKind::credit) {
        if (!(notes_[static_cast<std::size_t>(e.end[a])] == notes_[static_cast<std::size_t>(e.end[b])])) return false;
    } else if (e.end[a] != e.end[b]) {
        return false;
    }
    bool nan_a = std::isnan(e.score[a]), nan_b = std::isnan(e.score[b]);
    return nan_a == nan_b && (nan_a || e.score[a] == e.score[b]);
}

namespace {

/// A record's instant field, strictly parsed in the programme's zone.
struct InstantReader {
    const Record& f;
    const TimeZone& zone;
    std::optional<Rejection>& rejection;

    std::optional<Instant> operator()(Field field) const {
        const std::string_view name = field_name(field);
        const auto& v = f.get(field);
        if (v.empty()) return fail(name, RejectCode::missing_field, "missing " + std::string(name));
        if (v.type != ValueType::string) return fail(name, RejectCode::bad_type, std::string(name) + " must be a timestamp string");
        std::string error;
        auto t = parse_instant(v.text, zone, &error);
        if (!t) return fail(name, RejectCode::bad_timestamp, quote(v.text) + ": " + error);
        return t;
    }
    std::nullopt_t fail(std::string_view field, RejectCode code, std::string message) const {
        rejection = Rejection{"", 0, std::string(field), code, std::move(message)};
        return std::nullopt;
    }
};

/// A score of 0-100 in `field` (absent: NaN, or a rejection when `required`).
std::optional<double> read_score(const Record& f, std::optional<Rejection>& rejection, bool required,
                                 const char* what) {
    const auto& score = f.get(Field::score);
    auto fail = [&](RejectCode code, std::string message) -> std::optional<double> {
        rejection = Rejection{"", 0, "score", code, std::move(message)};
        return std::nullopt;
    };
    if (score.empty()) {
        if (required) return fail(RejectCode::missing_field, std::string(what) + " needs a score");
        return std::numeric_limits<double>::quiet_NaN();
    }
    auto n = field_as_number(score);
    if (n.out_of_range) return fail(RejectCode::number_out_of_range, "score must lie between 0 and 100");
    if (!n.value) return fail(RejectCode::bad_type, "score must be a number");
    if (*n.value < 0 || *n.value > 100) return fail(RejectCode::number_out_of_range, "score must lie between 0 and 100");
    return *n.value;
}

/// A required text field (`by`), or an optional one (`reason`).
std::optional<std::string> read_text(const Record& f, Field field, std::optional<Rejection>& rejection, bool required,
                                     const char* missing) {
    const auto& v = f.get(field);
    if (v.empty()) {
        if (required) rejection = Rejection{"", 0, std::string(field_name(field)), RejectCode::missing_field, missing};
        return required ? std::nullopt : std::optional<std::string>(std::string());
    }
    std::string out;
    if (!as_id(v, out)) {
        rejection = Rejection{"", 0, std::string(field_name(field)), RejectCode::bad_type,
                              std::string(field_name(field)) + " must be a string"};
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::optional<Rejection> Dataset::prepare_event(const Record& f, detail::PreparedEvent& out,
                                                detail::ParticipantLookup lookup) const {
    using detail::ParticipantLookup;
    auto unknown_participant = [&] {
        return Rejection{"", 0, "participant", RejectCode::unknown_participant,
                         "participant " + quote(out.participant) + " is not among the participants read"};
    };
    // With the lookup left for later, a record that fails a check made after
    // the participant's is still rejected for the participant when unknown:
    // the first check that fails names the rejection, whenever it is made.
    bool past_participant = false;
    auto failed = [&](std::optional<Rejection>& rejection) -> std::optional<Rejection> {
        if (past_participant && lookup == ParticipantLookup::later && !find_participant(out.participant))
            return unknown_participant();
        return std::move(rejection);
    };
    auto fail = [&](std::string_view field, RejectCode code, std::string message) {
        std::optional<Rejection> rejection(Rejection{"", 0, std::string(field), code, std::move(message)});
        return failed(rejection);
    };
    // Each check below either passes or leaves its rejection here.
    std::optional<Rejection> rejection;
    Event& event = out.event;
    event = Event{};
    out.record_id.clear();
    out.lesson.clear();
    out.note.by.clear();
    out.note.reason.clear();
    out.note.recorded_by.clear();
    const auto& kind = f.get(Field::kind);
    if (kind.empty()) {
        return fail("kind", RejectCode::missing_field,
               "an event needs a kind (study, quiz, exam, approval or credit)");
    }
    if (kind.type != ValueType::string) {
        return fail("kind", RejectCode::bad_type, "kind must be a string");
    }
    if (kind.text == "study") event.kind = EventKind::study;
    else if (kind.text == "quiz") event.kind = EventKind::quiz;
    else if (kind.text == "exam") event.kind = EventKind::exam;
    else if (kind.text == "approval") event.kind = EventKind::approval;
    else if (kind.text == "credit") event.kind = EventKind::credit;
    else {
        return fail("kind", RejectCode::unknown_kind,
               "unknown kind " + quote(kind.text) + "; expected study, quiz, exam, approval or credit");
    }
    const auto& record_id = f.get(Field::id);
    if (!record_id.empty() && !as_id(record_id, out.record_id))
        return fail("id", RejectCode::bad_type, "id must be a string or an integer");
    const auto& participant = f.get(Field::participant);
    if (participant.empty()) {
        return fail("participant", RejectCode::missing_field, "an event needs a participant");
    }
    if (!as_id(participant, out.participant))
        return fail("participant", RejectCode::bad_type, "participant must be a string or an integer");
    if (lookup != ParticipantLookup::later) {
        auto who = find_participant(out.participant);
        if (!who && lookup == ParticipantLookup::now) return unknown_participant();
        event.participant = who.value_or(0);
    }
    past_participant = true;
    if (detail::has_lesson(event.kind)) {
        const auto& lesson = f.get(Field::lesson);
        if (lesson.empty()) {
            return fail("lesson", RejectCode::missing_field, "an event needs a lesson");
        }
        if (!as_id(lesson, out.lesson))
            return fail("lesson", RejectCode::bad_type, "lesson must be a string or an integer");
        if (!program_->lessons().empty() && !program_->find_lesson(out.lesson))
            return fail("lesson", RejectCode::unknown_lesson,
                        "lesson " + quote(out.lesson) + " is not in the programme's catalogue");
    }
    const InstantReader read_instant{f, program_->time_zone(), rejection};
    if (event.kind == EventKind::study) {
        auto start = read_instant(Field::start);
        if (!start) return failed(rejection);
        event.start = *start;
        const auto& end = f.get(Field::end);
        if (!end.empty()) {
            auto t = read_instant(Field::end);
            if (!t) return failed(rejection);
            event.end = *t;
        } else {
            const auto& duration = f.get(Field::duration);
            if (duration.empty()) {
                return fail("end", RejectCode::missing_field, "a study event needs end or duration");
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
                return fail("duration", RejectCode::bad_type,
                       "duration must be seconds or an ISO 8601 string");
            }
            if (!length) {
                return fail("duration", RejectCode::bad_duration, error);
            }
            event.end = event.start + *length;
        }
        if (event.end < event.start) {
            return fail("end", RejectCode::end_before_start, "the session ends before it starts");
        }
        if (event.end - event.start > kMaxSession) {
            return fail("end", RejectCode::session_too_long, "a study session may last at most 24 hours");
        }
    } else if (event.kind == EventKind::quiz) {
        auto at = read_instant(Field::at);
        if (!at) return failed(rejection);
        event.start = event.end = *at;
        auto score = read_score(f, rejection, false, "a quiz attempt");
        if (!score) return failed(rejection);
        event.score = *score;
        const auto& completed = f.get(Field::completed);
        if (!completed.empty()) {
            auto value = field_as_bool(completed);
            if (!value) {
                return fail("completed", RejectCode::bad_type, "completed must be true or false");
            }
            event.completed = *value;
        }
    } else if (event.kind == EventKind::exam) {
        const auto& exam = f.get(Field::exam);
        if (exam.empty()) {
            return fail("exam", RejectCode::missing_field, "an exam record needs an exam");
        }
        std::string text;
        if (!as_id(exam, text)) return fail("exam", RejectCode::bad_type, "exam must be a string");
        const Exam* declared = program_->find_exam(text);
        if (!declared) {
            return fail("exam", RejectCode::unknown_exam,
                   "exam " + quote(text) + " is not one of the programme's exams");
        }
        event.lesson = static_cast<std::uint32_t>(declared - program_->exams().data());
        auto at = read_instant(Field::at);
        if (!at) return failed(rejection);
        event.start = event.end = *at;
        // A sitting without a score is kept, and did not pass.
        auto score = read_score(f, rejection, false, "an exam attempt");
        if (!score) return failed(rejection);
        event.score = *score;
    } else {
        // An approval or a manual credit: who gave it, when, and for a credit which lesson and how long.
        auto at = read_instant(Field::at);
        if (!at) return failed(rejection);
        event.start = *at;
        if (event.kind == EventKind::credit) {
            if (!program_->window().contains(*at)) {
                return fail("at", RejectCode::outside_window,
                       "a manual credit must be dated inside the training window (" +
                           format_local_date(program_->window().start_date()) + " to " +
                           format_local_date(program_->window().end_date()) + ")");
            }
            const auto& seconds = f.get(Field::seconds);
            if (seconds.empty()) {
                return fail("seconds", RejectCode::missing_field, "a manual credit needs seconds");
            }
            // A whole number of seconds, or an ISO 8601 duration ("PT30M").
            double amount = 0;
            const auto as_number = field_as_number(seconds);
            if (seconds.type == ValueType::string && !as_number.value && !as_number.out_of_range) {
                std::string error;
                auto length = parse_duration(seconds.text, &error);
                if (!length) {
                    return fail("seconds", RejectCode::bad_duration, "seconds: " + error);
                }
                amount = static_cast<double>(length->count());
            } else {
                if (!as_number.value && !as_number.out_of_range) {
                    return fail("seconds", RejectCode::bad_type,
                           "seconds must be a number or an ISO 8601 duration");
                }
                amount = as_number.out_of_range ? std::numeric_limits<double>::infinity() : *as_number.value;
            }
            if (!(amount >= 1)) {
                return fail("seconds", RejectCode::number_out_of_range,
                       "seconds must be at least 1 (whole seconds are credited)");
            }
            if (amount > static_cast<double>(kMaxDurationSeconds)) {
                return fail("seconds", RejectCode::number_out_of_range,
                       "seconds must be at most " + std::to_string(kMaxDurationSeconds) + " (ten years)");
            }
            event.score = std::floor(amount);
        }
        auto by = read_text(f, Field::by, rejection, true,
                            event.kind == EventKind::approval ? "an approval needs by (who gave it)"
                                                              : "a manual credit needs by (who gave it)");
        if (!by) return failed(rejection);
        out.note.by = std::move(*by);
        auto why = read_text(f, Field::reason, rejection, false, "");
        if (!why) return failed(rejection);
        out.note.reason = std::move(*why);
        auto sender = read_text(f, Field::recorded_by, rejection, false, "");
        if (!sender) return failed(rejection);
        out.note.recorded_by = std::move(*sender);
    }
    return std::nullopt;
}

namespace {

/// A score written as plain digits with an optional fraction, as most are
/// ("80", "92.5"): its value, or nullopt for any other spelling (which the
/// general reading decides).
std::optional<double> plain_score(std::string_view s) {
    std::size_t i = 0, digits = 0;
    while (i < s.size() && detail::is_digit(s[i])) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && detail::is_digit(s[i])) ++i, ++digits;
    }
    if (digits == 0 || i != s.size() || s.size() > 32) return std::nullopt;
    char buffer[40];
    std::memcpy(buffer, s.data(), s.size());
    buffer[s.size()] = '\0';
    return std::strtod(buffer, nullptr);  // as field_as_number reads it
}

}  // namespace

bool Dataset::prepare_event_fast(const detail::RecordView& f, detail::FastEvent& out) const {
    using detail::ValueView;
    // Every field within the length limit (the general path rejects a longer one first).
    for (const ValueView& v : f.values)
        if (v.type == ValueType::string && v.text.size() > max_field_bytes) return false;
    const ValueView& kind = f.get(Field::kind);
    if (kind.type != ValueType::string) return false;
    Event& event = out.event;
    event = Event{};
    if (kind.text == "study") event.kind = EventKind::study;
    else if (kind.text == "quiz") event.kind = EventKind::quiz;
    else return false;
    const ValueView& id = f.get(Field::id);
    if (id.empty()) out.record_id = {};
    else if (id.type == ValueType::string) out.record_id = id.text;
    else return false;
    const ValueView& participant = f.get(Field::participant);
    if (participant.type != ValueType::string || participant.text.empty()) return false;
    out.participant = participant.text;
    const ValueView& lesson = f.get(Field::lesson);
    if (lesson.type != ValueType::string || lesson.text.empty()) return false;
    if (!program_->lessons().empty() && !program_->find_lesson(lesson.text)) return false;
    out.lesson = lesson.text;
    const TimeZone& zone = program_->time_zone();
    auto instant = [&](Field field) -> std::optional<Instant> {
        const ValueView& v = f.get(field);
        if (v.type != ValueType::string || v.text.empty()) return std::nullopt;
        return parse_instant(v.text, zone);
    };
    if (event.kind == EventKind::study) {
        auto start = instant(Field::start);
        if (!start) return false;
        auto end = instant(Field::end);  // without an end, duration decides: the general path
        if (!end || *end < *start || *end - *start > kMaxSession) return false;
        event.start = *start;
        event.end = *end;
        return true;
    }
    auto at = instant(Field::at);
    if (!at) return false;
    event.start = event.end = *at;
    const ValueView& score = f.get(Field::score);
    if (!score.empty()) {
        std::optional<double> value;
        if (score.type == ValueType::string) value = plain_score(score.text);
        else if (score.type == ValueType::integer) value = static_cast<double>(score.integer);
        else if (score.type == ValueType::number && std::isfinite(score.number)) value = score.number;
        if (!value || *value < 0 || *value > 100) return false;
        event.score = *value;
    }
    const ValueView& completed = f.get(Field::completed);
    if (!completed.empty()) {
        if (completed.type == ValueType::boolean) event.completed = completed.boolean;
        else if (completed.type == ValueType::string && completed.text == "true") event.completed = true;
        else if (completed.type == ValueType::string && completed.text == "false") event.completed = false;
        else return false;
    }
    return true;
}

AddStatus Dataset::accept_event(const Record& f, std::string_view file, std::size_t line, std::string* check_only) {
    last_replacement_.reset();
    detail::PreparedEvent& p = *prepared_;
    if (auto rejection = prepare_event(f, p, check_only ? detail::ParticipantLookup::any
                                                        : detail::ParticipantLookup::now)) {
        reject(file, line, rejection->field, rejection->code, std::move(rejection->message));
        return AddStatus::rejected;
    }
    if (check_only) {
        *check_only =
            detail::dump_line(detail::event_json(*program_, p.event, p.participant, p.lesson, p.record_id, &p.note));
        return AddStatus::accepted;
    }
    const std::uint64_t hash = detail::content_hash(p.event, p.lesson, p.note);
    if (detail::has_lesson(p.event.kind)) p.event.lesson = lessons_.intern(p.lesson);
    return store_event(p.event, p.record_id, p.note, hash, file, line);
}

AddStatus Dataset::store_event(Event event, std::string_view record_id, Note& note, std::uint64_t hash,
                               std::string_view file, std::size_t line) {
    if (!event_ids_seeded_) {
        event_id_strings_.intern("");  // id 0 means "no record id"
        event_ids_seeded_ = true;
    }
    last_replacement_.reset();
    groups_.reset();  // whatever is kept (or replaced) below is outside the grouping
    const std::uint32_t record_id_index = record_id.empty() ? 0 : event_id_strings_.intern(record_id);
    const bool noted = event.kind == EventKind::approval || event.kind == EventKind::credit;
    if (noted) {
        event.end = Instant{Seconds{static_cast<std::int64_t>(notes_.size())}};
        notes_.push_back(std::move(note));
    }
    auto drop_note = [&] {
        if (noted) notes_.pop_back();
    };

    // Duplicates: compared on parsed content, so equal instants written
    // differently are still the same record.
    auto index = static_cast<std::uint32_t>(events_->size());
    events_->push_back(event);
    if (record_id_index != 0) {
        if (event_by_record_id_.size() <= record_id_index) {
            event_by_record_id_.resize(record_id_index + 1, detail::IdIndex::kEmpty);
            event_origins_.resize(record_id_index + 1);
        }
        std::uint32_t& kept = event_by_record_id_[record_id_index];
        if (kept == detail::IdIndex::kEmpty) {
            kept = index;
            event_origins_[record_id_index] = origin(file, line);
            return AddStatus::accepted;
        }
        const bool same = same_event(kept, index);
        if (same) {
            events_->pop_back();
            drop_note();
            return AddStatus::duplicate;
        }
        // Records that share an id but differ: the smallest canonical form is
        // kept, whatever the order they arrive in; every other is rejected.
        const std::string id = event_id_strings_.str(record_id_index);
        const std::string candidate = canonical_event(index, id), incumbent = canonical_event(kept, id);
        auto& losers = conflicts_->events[id];
        const bool lost_before = std::find(losers.begin(), losers.end(), candidate) != losers.end();
        const Origin there = event_origins_[record_id_index];
        if (lost_before || incumbent < candidate) {
            events_->pop_back();
            if (lost_before) {
                drop_note();
                return AddStatus::duplicate;  // a copy of a record already rejected
            }
            losers.push_back(candidate);
            reject(file, line, "id", RejectCode::duplicate_id,
                   "event id " + quote(id) + " was also read at " + where(there) +
                       " with different content, and that record is kept (the smaller canonical form)");
            return AddStatus::rejected;
        }
        // The new record comes first: it replaces the one kept until now.
        losers.push_back(incumbent);
        last_replacement_ = Replacement{kept, events_->row(kept)};
        replace_event(kept, index);
        events_->pop_back();
        event_origins_[record_id_index] = origin(file, line);
        reject(there, "id", RejectCode::duplicate_id,
               "event id " + quote(id) + " was also read at " + where(origin(file, line)) +
                   " with different content, and that record is kept (the smaller canonical form)");
        return AddStatus::accepted;
    }
    if (!events_without_id_
             .insert(hash, index, [&](std::uint32_t k) { return same_event(k, index); })
             .second) {
        events_->pop_back();
        drop_note();
        return AddStatus::duplicate;
    }
    return AddStatus::accepted;
}

}  // namespace yanxiu
