#pragma once
// An event record checked and converted but not yet stored: what
// Dataset::prepare_event makes of a record (on any reading thread) and
// Dataset::store_event keeps (in input order).  Private to the library.

#include <yanxiu/dataset.hpp>

#include <string>

namespace yanxiu::detail {

/// Whether events of this kind name a lesson (study, quiz, manual credit).
[[nodiscard]] constexpr bool has_lesson(EventKind k) noexcept {
    return k == EventKind::study || k == EventKind::quiz || k == EventKind::credit;
}

/// Whether events of this kind carry a Note (approval, manual credit).
[[nodiscard]] constexpr bool has_note(EventKind k) noexcept {
    return k == EventKind::approval || k == EventKind::credit;
}

struct PreparedEvent {
    /// Everything but the lesson (interned when stored) and, for an approval
    /// or a credit, `end` (the note's index, given when stored).
    Event event;
    std::string lesson;       ///< the lesson id as text (study, quiz, credit)
    std::string record_id;    ///< the record's `id` ("": none)
    std::string participant;  ///< the participant id as text
    Note note;                ///< who and why (approval, credit)
};

}  // namespace yanxiu::detail
