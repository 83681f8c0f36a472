#pragma once
/// \file rejection.hpp
/// Rejected records: where (file, line, field) and why (a stable code).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace yanxiu {

/// Why a record was rejected: a stable code (SPEC §4).
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
};

/// The stable spelling of a rejection code.
[[nodiscard]] inline std::string_view to_string(RejectCode code) noexcept {
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
};

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
    /// Whether nothing was lost.
    [[nodiscard]] bool reconciles() const noexcept { return read == accepted + rejected + duplicates; }
};

}  // namespace yanxiu
