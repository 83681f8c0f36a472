#pragma once
/// \file record.hpp
/// A record as every reader and front end hands it to the library: named
/// fields holding typed values (`Record`); a record that could not be used
/// (`Rejection`, with a stable `RejectCode`); and the counts of one read
/// (`ReadSummary`: read = accepted + rejected + duplicates).
///
/// JSON Lines, CSV, xAPI, Python dicts and data-frame rows all become a
/// `Record`, so one function decides what a participant or an event is.

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yanxiu {

/// The fields a record may carry; any other key or column is ignored.
enum class Field : std::uint8_t {
    id, unit, sector, category, verified, name,
    kind, participant, lesson, start, end, duration, at, score, completed,
    expected,  ///< census rows
    exam,      ///< exam records: which declared exam
    by,        ///< approvals and manual credits: who gave them
    reason,    ///< manual credits: why
    seconds,   ///< manual credits: the offline time credited
    recorded_by,  ///< approvals and manual credits: who sent the record (an authenticated writer; not what it says)
    title,        ///< contacts: the contact person's post (职务)
    phone,        ///< contacts: landline (座机)
    mobile,       ///< contacts: mobile (手机)
    wechat,       ///< contacts: WeChat id (微信)
    updated_at,   ///< contacts: when the row was last changed
    count_     ///< the number of fields (not a field)
};

/// The number of fields a record may carry.
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::count_);

/// Each field's name, by its value (a table at namespace scope: one local to
/// field_name was built on the stack at every call, and every key of every
/// record is looked up through it).
inline constexpr std::string_view kFieldNames[kFieldCount] = {
    "id", "unit", "sector", "category", "verified", "name", "kind", "participant",
    "lesson", "start", "end", "duration", "at", "score", "completed", "expected", "exam", "by", "reason",
    "seconds", "recorded_by", "title", "phone", "mobile", "wechat", "updated_at"};

/// The name of a field as records spell it ("participant", "start", …).
[[nodiscard]] constexpr std::string_view field_name(Field f) noexcept {
    return static_cast<std::size_t>(f) < kFieldCount ? kFieldNames[static_cast<std::size_t>(f)] : std::string_view();
}

/// The field named `name`, if it is one a record may carry.
[[nodiscard]] constexpr std::optional<Field> field_from_name(std::string_view name) noexcept {
    // Every key of every record goes through here: only the names of the
    // key's length are compared (a test checks this agrees with field_name).
    auto is = [&](Field f) { return field_name(f) == name; };
    switch (name.size()) {
        case 2:
            for (Field f : {Field::id, Field::at, Field::by})
                if (is(f)) return f;
            break;
        case 3: if (is(Field::end)) return Field::end; break;
        case 4:
            for (Field f : {Field::unit, Field::name, Field::kind, Field::exam})
                if (is(f)) return f;
            break;
        case 5:
            for (Field f : {Field::start, Field::score, Field::title, Field::phone})
                if (is(f)) return f;
            break;
        case 6:
            for (Field f : {Field::sector, Field::lesson, Field::reason, Field::mobile, Field::wechat})
                if (is(f)) return f;
            break;
        case 7: if (is(Field::seconds)) return Field::seconds; break;
        case 8:
            for (Field f : {Field::category, Field::verified, Field::duration, Field::expected})
                if (is(f)) return f;
            break;
        case 9: if (is(Field::completed)) return Field::completed; break;
        case 10: if (is(Field::updated_at)) return Field::updated_at; break;
        case 11:
            for (Field f : {Field::participant, Field::recorded_by})
                if (is(f)) return f;
            break;
        default: break;
    }
    return std::nullopt;
}

/// The field a column header names: a field name (any case, space around it
/// ignored) or one of the Chinese headers platform exports use — 工号/编号
/// (id), 单位/学校 (unit), 学段 (sector), 类别/参训类别 (category), 是否实名
/// (verified), 姓名 (name), 类型 (kind), 参训人/学员/教师 (participant),
/// 课程/课程编号 (lesson), 开始时间 (start), 结束时间 (end), 时长/学习时长
/// (duration), 时间/完成时间 (at), 成绩/得分 (score), 是否完成 (completed),
/// 应参训人数 (expected), 考试 (exam), 审核人/认定人 (by), 原因 (reason),
/// 认定时长 (seconds); docs/records.md lists them all.  CSV headers and
/// data-frame columns are read through this; JSON keys are names exactly.
[[nodiscard]] std::optional<Field> field_from_header(std::string_view header);

/// What a field holds.
enum class ValueType : std::uint8_t { absent, null, boolean, integer, unsigned_integer, number, string, nested };

/// One field's value as read.  JSON values keep their type; a CSV cell is a
/// string with `from_text` set, so that "true" or "80" may be read from it
/// as a boolean or a number (a JSON string "80" is not a number).
struct Value {
    ValueType type = ValueType::absent;
    bool boolean = false;
    std::int64_t integer = 0;
    std::uint64_t unsigned_integer = 0;
    double number = 0;
    std::string text;
    bool from_text = false;

    /// Whether the value is absent, null, or an empty string (an empty CSV cell).
    [[nodiscard]] bool empty() const noexcept {
        return type == ValueType::absent || type == ValueType::null || (type == ValueType::string && text.empty());
    }
    void set_null() noexcept { type = ValueType::null; }
    void set_boolean(bool b) noexcept { type = ValueType::boolean, boolean = b; }
    void set_integer(std::int64_t i) noexcept { type = ValueType::integer, integer = i; }
    void set_unsigned(std::uint64_t u) noexcept { type = ValueType::unsigned_integer, unsigned_integer = u; }
    void set_number(double x) noexcept { type = ValueType::number, number = x; }
    /// A string; `cell`: it is the text of a CSV cell (see `from_text`).
    void set_string(std::string_view s, bool cell = false) {
        type = ValueType::string, text.assign(s.data(), s.size()), from_text = cell;
    }
    /// An object or array (never usable as a field of a record).
    void set_nested() noexcept { type = ValueType::nested; }
};

/// One record's fields.  Buffers are kept by `clear()`, so a reader can
/// reuse one Record for every line without allocating.
class Record {
public:
    [[nodiscard]] const Value& get(Field f) const noexcept { return values_[static_cast<std::size_t>(f)]; }
    [[nodiscard]] Value& slot(Field f) noexcept { return values_[static_cast<std::size_t>(f)]; }
    /// Sets a field to a string and returns the record, for building one in code:
    /// `Record().set(Field::kind, "study").set(Field::participant, "T1")`.
    Record& set(Field f, std::string_view s) {
        slot(f).set_string(s);
        return *this;
    }
    /// Every field absent again.
    void clear() noexcept {
        for (Value& v : values_) v.type = ValueType::absent, v.text.clear(), v.from_text = false;
    }
    [[nodiscard]] const std::array<Value, kFieldCount>& values() const noexcept { return values_; }

private:
    std::array<Value, kFieldCount> values_;
};

/// A record's id-like field (a participant's `id`, an event's `participant`)
/// as text: a string as it is, an integer in decimal; nullopt for any other
/// type or when absent.  The one reading of an id that every front end uses.
[[nodiscard]] inline std::optional<std::string> record_id(const Value& v) {
    if (v.type == ValueType::string) return v.text;
    if (v.type == ValueType::integer) return std::to_string(v.integer);
    if (v.type == ValueType::unsigned_integer) return std::to_string(v.unsigned_integer);
    return std::nullopt;
}

/// A value from the input quoted for a message, as every rejection quotes one:
/// 'like this', Chinese and other UTF-8 kept readable, control characters
/// and bytes that are not UTF-8 escaped (\u001b, \xff), at most `max_bytes`
/// bytes before a "…".
[[nodiscard]] std::string quoted(std::string_view s, std::size_t max_bytes = 40);

/// Why a record was rejected: a stable code.
enum class RejectCode : std::uint8_t {
    malformed,
    missing_field,
    bad_type,
    bad_timestamp,
    bad_duration,
    end_before_start,
    session_too_long,
    unknown_participant,
    unknown_lesson,
    unknown_kind,
    duplicate_key,
    duplicate_id,
    too_deep,
    bad_utf8,
    number_out_of_range,
    unknown_category,          ///< a category the programme does not define
    unknown_sector,            ///< a sector that is not one of the seven
    category_sector_mismatch,  ///< only with `on_sector_mismatch: reject`
    unknown_exam,              ///< an exam record naming an exam the programme does not declare
    outside_window,            ///< a manual credit dated outside the training window
    too_long,                  ///< a line or a field longer than the reader's limit
    unknown_key,               ///< xAPI: a property the specification does not define there
    empty_value,               ///< xAPI: null or an empty object outside extensions
    bad_iri,                   ///< xAPI: not an IRI (or an mbox that is not mailto:)
    bad_uuid,                  ///< xAPI: not a UUID in standard form
    bad_actor,                 ///< xAPI: an agent or group without exactly one identifier, a bad member list
    bad_score,                 ///< xAPI: scaled outside [-1, 1], raw outside [min, max], min not below max
    bad_value,                 ///< xAPI: a value outside its enumeration or format (version, language tag, ...)
};

/// Every rejection code, in a fixed order.
inline constexpr RejectCode kRejectCodes[] = {
    RejectCode::malformed,           RejectCode::missing_field,    RejectCode::bad_type,
    RejectCode::bad_timestamp,       RejectCode::bad_duration,     RejectCode::end_before_start,
    RejectCode::session_too_long,    RejectCode::unknown_participant, RejectCode::unknown_lesson,
    RejectCode::unknown_kind,        RejectCode::duplicate_key,    RejectCode::duplicate_id,
    RejectCode::too_deep,            RejectCode::bad_utf8,         RejectCode::number_out_of_range,
    RejectCode::unknown_category,    RejectCode::unknown_sector,   RejectCode::category_sector_mismatch,
    RejectCode::unknown_exam,        RejectCode::outside_window,   RejectCode::too_long,
    RejectCode::unknown_key,         RejectCode::empty_value,      RejectCode::bad_iri,
    RejectCode::bad_uuid,            RejectCode::bad_actor,        RejectCode::bad_score,
    RejectCode::bad_value};

/// The stable spelling of a rejection code.
[[nodiscard]] constexpr std::string_view to_string(RejectCode code) noexcept {
    switch (code) {
        case RejectCode::malformed: return "malformed";
        case RejectCode::missing_field: return "missing_field";
        case RejectCode::bad_type: return "bad_type";
        case RejectCode::bad_timestamp: return "bad_timestamp";
        case RejectCode::bad_duration: return "bad_duration";
        case RejectCode::end_before_start: return "end_before_start";
        case RejectCode::session_too_long: return "session_too_long";
        case RejectCode::unknown_participant: return "unknown_participant";
        case RejectCode::unknown_lesson: return "unknown_lesson";
        case RejectCode::unknown_kind: return "unknown_kind";
        case RejectCode::duplicate_key: return "duplicate_key";
        case RejectCode::duplicate_id: return "duplicate_id";
        case RejectCode::too_deep: return "too_deep";
        case RejectCode::bad_utf8: return "bad_utf8";
        case RejectCode::number_out_of_range: return "number_out_of_range";
        case RejectCode::unknown_category: return "unknown_category";
        case RejectCode::unknown_sector: return "unknown_sector";
        case RejectCode::category_sector_mismatch: return "category_sector_mismatch";
        case RejectCode::unknown_exam: return "unknown_exam";
        case RejectCode::outside_window: return "outside_window";
        case RejectCode::too_long: return "too_long";
        case RejectCode::unknown_key: return "unknown_key";
        case RejectCode::empty_value: return "empty_value";
        case RejectCode::bad_iri: return "bad_iri";
        case RejectCode::bad_uuid: return "bad_uuid";
        case RejectCode::bad_actor: return "bad_actor";
        case RejectCode::bad_score: return "bad_score";
        case RejectCode::bad_value: return "bad_value";
    }
    return "malformed";
}

/// One record that could not be used, and where it was.
struct Rejection {
    std::string file;     ///< the file name (or "<participants>", "<events>" for in-memory input)
    std::size_t line = 0; ///< counts from 1; for CSV, the line the record starts on
    std::string field;    ///< empty when the whole record is unusable
    RejectCode code = RejectCode::malformed;
    std::string message;  ///< never contains a participant's name

    friend bool operator==(const Rejection& a, const Rejection& b) {
        return a.file == b.file && a.line == b.line && a.field == b.field && a.code == b.code &&
               a.message == b.message;
    }
};

/// A rejection as the JSON object `--rejects` writes a line of:
/// `{"file","line","field","code","message"}` (`field` only when there is one).
[[nodiscard]] nlohmann::ordered_json to_json(const Rejection& r);
/// The same object as one line of JSON Lines (ending in '\n').  Bytes that
/// are not UTF-8 (a file name, say) are written as U+FFFD.
void append_json_line(std::string& out, const Rejection& r);

/// Counts for one read: read = accepted + rejected + duplicates.
struct ReadSummary {
    std::size_t read = 0;
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    std::size_t duplicates = 0;

    ReadSummary& operator+=(const ReadSummary& other) noexcept {
        read += other.read, accepted += other.accepted, rejected += other.rejected, duplicates += other.duplicates;
        return *this;
    }
    /// What was read after `before` (counts of one read within a running total).
    [[nodiscard]] ReadSummary since(const ReadSummary& before) const noexcept {
        ReadSummary d;
        d.read = read - before.read, d.accepted = accepted - before.accepted;
        d.rejected = rejected - before.rejected, d.duplicates = duplicates - before.duplicates;
        return d;
    }
    /// Whether nothing was lost.
    [[nodiscard]] bool reconciles() const noexcept { return read == accepted + rejected + duplicates; }
};

}  // namespace yanxiu
