#pragma once
// An event record checked and converted but not yet stored: what
// Dataset::prepare_event makes of a record (on any reading thread) and
// Dataset::store_event keeps (in input order).  Private to the library.

#include <yanxiu/dataset.hpp>
#include <yanxiu/detail/id_index.hpp>

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

/// The hash of an event's content, for the index of events without a record
/// id: kind, participant, lesson (by the hash of its text, so that a reading
/// thread computes it before the lesson is interned; an exam by its index),
/// instants, and an approval's or credit's note (whose index differs between
/// equal records).  Equal records (Dataset::same_event) hash equal.  `lesson`
/// is the hash of the lesson's text, or the exam's index.
[[nodiscard]] inline std::uint64_t content_hash_of_lesson(const Event& e, std::uint64_t lesson, const Note& note) noexcept {
    std::uint64_t h = static_cast<std::uint64_t>(e.kind);
    h = hash_mix(h, e.participant);
    h = hash_mix(h, lesson);
    h = hash_mix(h, static_cast<std::uint64_t>(e.start.time_since_epoch().count()));
    if (has_note(e.kind)) return hash_mix(hash_mix(h, hash_bytes(note.by)), hash_bytes(note.reason));
    return hash_mix(h, static_cast<std::uint64_t>(e.end.time_since_epoch().count()));
}

/// The same from the lesson's text.
[[nodiscard]] inline std::uint64_t content_hash(const Event& e, std::string_view lesson, const Note& note) noexcept {
    return content_hash_of_lesson(e, has_lesson(e.kind) ? hash_bytes(lesson) : e.lesson, note);
}

/// When Dataset::prepare_event finds an event's participant.
enum class ParticipantLookup : std::uint8_t {
    now,    ///< while checking: an unknown one is rejected unknown_participant
    any,    ///< not needed: an unknown one passes, as participant 0 (a ledger's check)
    later,  ///< by the caller, from `participant` (a reader looking up many at once):
            ///< the event passes as participant 0 when every other check does
};

/// What Dataset::prepare_event_fast makes of a common record: views into
/// the text it was read from.
struct FastEvent {
    Event event;  ///< participant 0: looked up by the caller
    std::string_view participant, lesson, record_id;
};

struct PreparedEvent {
    /// Everything but the lesson (interned when stored) and, for an approval
    /// or a credit, `end` (the note's index, given when stored).
    Event event;
    std::string lesson;       ///< the lesson id as text (study, quiz, credit)
    std::string record_id;    ///< the record's `id` ("": none)
    std::string participant;  ///< the participant id as text
    Note note;                ///< who and why (approval, credit)
};

/// A participant record checked, not yet stored (Dataset::prepare_participant).
struct PreparedParticipant {
    Participant participant;
    /// The unit as written, when space around it was dropped (noted even
    /// when a later check rejects the record).
    std::string spelling;
};

}  // namespace yanxiu::detail
