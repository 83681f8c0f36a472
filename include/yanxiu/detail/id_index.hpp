#pragma once
/// \file id_index.hpp
/// An open-addressing hash index from keys to dense 32-bit ids.  The keys
/// themselves live elsewhere (a column, a vector of strings); the index keeps
/// only (hash, id) pairs and asks the caller to compare, so it needs no node
/// allocations and holds no pointers into its owner.

#include <yanxiu/detail/large_alloc.hpp>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace yanxiu::detail {

/// A 64-bit hash of bytes (multiply–xorshift over 8-byte words).
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    std::uint64_t v = 0;
    if (n) std::memcpy(&v, p, n);
    h = (h ^ v) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

/// Mixes an integer into a running hash.
[[nodiscard]] inline std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) noexcept {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

/// Maps keys (compared by the caller) to ids.
class IdIndex {
public:
    static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

    /// The id whose key equals the probe (`equal(id)` is true), or kEmpty.
    template <class Equal>
    [[nodiscard]] std::uint32_t find(std::uint64_t hash, Equal&& equal) const {
        if (slots_.empty()) return kEmpty;
        const std::uint32_t tag = tag_of(hash);
        for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id == kEmpty) return kEmpty;
            if (s.tag == tag && equal(s.id)) return s.id;
        }
    }

    /// Inserts `id` unless an equal key is present; returns the id now
    /// holding the key and whether `id` was inserted.
    template <class Equal>
    std::pair<std::uint32_t, bool> insert(std::uint64_t hash, std::uint32_t id, Equal&& equal) {
        if ((count_ + 1) * 4 > slots_.size() * 3) grow();
        const std::uint32_t tag = tag_of(hash);
        for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.id == kEmpty) {
                s = Slot{id, tag};
                ++count_;
                return {id, true};
            }
            if (s.tag == tag && equal(s.id)) return {s.id, false};
        }
    }

    /// Brings the home slot of `hash` towards the cache (before an insert or
    /// a find some records later).
    void prefetch(std::uint64_t hash) const noexcept {
        if (!slots_.empty()) __builtin_prefetch(&slots_[tag_of(hash) & mask_]);
    }
    /// The id in the first slot of `hash`'s probe sequence whose tag matches
    /// (to fetch its key ahead of a `find`), or kEmpty.
    [[nodiscard]] std::uint32_t first_candidate(std::uint64_t hash) const noexcept {
        if (slots_.empty()) return kEmpty;
        const std::uint32_t tag = tag_of(hash);
        for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id == kEmpty || s.tag == tag) return s.id;
        }
    }
    /// Replaces every id held by `to(id)` (the keys stay where they are:
    /// a slot's place depends on its hash alone).
    template <class To>
    void renumber(To&& to) {
        for (Slot& s : slots_)
            if (s.id != kEmpty) s.id = to(s.id);
    }
    /// Room for `n` keys without growing.
    void reserve(std::size_t n) {
        while (n * 4 > slots_.size() * 3) grow();
    }

    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    void clear() noexcept {
        slots_.clear();
        count_ = 0;
        mask_ = 0;
    }
    /// Bytes held (for memory accounting).
    [[nodiscard]] std::size_t bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }

private:
    // 8 bytes a slot: the tag is both the home position (its low bits) and a
    // filter before `equal` (its other bits), so growing needs no key.
    struct Slot {
        std::uint32_t id = kEmpty;
        std::uint32_t tag = 0;
    };
    static std::uint32_t tag_of(std::uint64_t hash) noexcept {
        return static_cast<std::uint32_t>(hash ^ (hash >> 32));
    }

    void grow() {
        LargeVector<Slot> old;
        old.swap(slots_);
        const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        for (const Slot& s : old) {
            if (s.id == kEmpty) continue;
            for (std::size_t i = s.tag & mask_;; i = (i + 1) & mask_) {
                if (slots_[i].id == kEmpty) {
                    slots_[i] = s;
                    break;
                }
            }
        }
    }

    LargeVector<Slot> slots_;  // probed at random: huge pages once large
    std::size_t count_ = 0;
    std::size_t mask_ = 0;
};

}  // namespace yanxiu::detail
