#pragma once
/// \file large_alloc.hpp
/// An allocator for the big arrays of a province (event columns, hash
/// indexes): a buffer of several megabytes is mapped on its own and marked
/// for transparent huge pages, so that reading it at random (gathering a
/// participant's events, probing an index) misses the TLB far less often.
/// Small buffers use plain `new`.  The mapping is compiled (src/large_alloc.cpp).

#include <cstddef>
#include <new>
#include <vector>

namespace yanxiu::detail {

/// Buffers at least this large are mapped and marked for huge pages.
inline constexpr std::size_t kLargeBufferBytes = std::size_t{4} << 20;

/// Maps `bytes` (>= kLargeBufferBytes) on a huge-page boundary; throws std::bad_alloc.
[[nodiscard]] void* map_large(std::size_t bytes);
/// Unmaps what `map_large(bytes)` returned.
void unmap_large(void* p, std::size_t bytes) noexcept;

template <class T>
struct LargeAllocator {
    using value_type = T;

    LargeAllocator() noexcept = default;
    template <class U>
    LargeAllocator(const LargeAllocator<U>&) noexcept {}

    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= kLargeBufferBytes) return static_cast<T*>(map_large(bytes));
        return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    }

    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= kLargeBufferBytes) return unmap_large(p, bytes);
        ::operator delete(p, std::align_val_t{alignof(T)});
    }

    template <class U>
    friend bool operator==(const LargeAllocator&, const LargeAllocator<U>&) noexcept {
        return true;
    }
    template <class U>
    friend bool operator!=(const LargeAllocator&, const LargeAllocator<U>&) noexcept {
        return false;
    }
};

/// A vector whose buffer, once large, lives on huge pages.
template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace yanxiu::detail
