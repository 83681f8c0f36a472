#pragma once
// Participants in id order, shared by the grouping of a Dataset's events
// (src/dataset.cpp) and batch evaluation of an ungrouped one (src/batch.cpp).

#include <yanxiu/dataset.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace yanxiu::detail {

/// Participant indices in id order.  Sorted on each id's first 8 bytes held
/// beside its index (big-endian, so integer order is byte order), the strings
/// themselves compared only on a tie: no cache miss into the participants
/// per comparison.
inline std::vector<std::uint32_t> participants_by_id(const std::vector<Participant>& participants) {
    const std::size_t n = participants.size();
    std::vector<std::uint32_t> by_id(n);
    // Participants are often read in id order already (an export sorted by id).
    bool sorted = true;
    for (std::size_t i = 1; i < n && sorted; ++i) sorted = participants[i - 1].id < participants[i].id;
    if (sorted) {
        for (std::uint32_t i = 0; i < n; ++i) by_id[i] = i;
        return by_id;
    }
    struct Key {
        std::uint64_t prefix;
        std::uint32_t index;
    };
    std::vector<Key> keys(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::string& id = participants[i].id;
        std::uint64_t prefix = 0;
        for (std::size_t b = 0; b < 8; ++b)
            prefix = (prefix << 8) | (b < id.size() ? static_cast<unsigned char>(id[b]) : 0u);
        keys[i] = Key{prefix, i};
    }
    std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
        if (a.prefix != b.prefix) return a.prefix < b.prefix;
        return participants[a.index].id < participants[b.index].id;
    });
    for (std::size_t k = 0; k < n; ++k) by_id[k] = keys[k].index;
    return by_id;
}

/// Event numbers grouped by participant in the order of `by_id` (a stable
/// counting sort): participant by_id[k]'s events are
/// order[offsets[k], offsets[k+1]), each one's in event order.
inline void group_by_participant(const std::vector<std::uint32_t>& by_id, const EventColumns& events,
                                 std::vector<std::uint32_t>& offsets, std::vector<std::uint32_t>& order) {
    const std::size_t n = by_id.size();
    offsets.assign(n + 1, 0);
    order.resize(events.size());
    std::vector<std::uint32_t> slot(n);  // participant -> its position in by_id, then its next free row
    for (std::uint32_t k = 0; k < n; ++k) slot[by_id[k]] = k;
    for (std::uint32_t p : events.participant) ++offsets[slot[p] + 1];
    for (std::size_t k = 0; k < n; ++k) offsets[k + 1] += offsets[k];
    for (std::uint32_t p = 0; p < n; ++p) slot[p] = offsets[slot[p]];
    for (std::size_t i = 0; i < events.size(); ++i) order[slot[events.participant[i]]++] = static_cast<std::uint32_t>(i);
}

}  // namespace yanxiu::detail
