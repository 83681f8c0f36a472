#pragma once
/// \file large_alloc.hpp
/// An allocator for the big arrays of a province (event columns, hash
/// indexes): a buffer of several megabytes is mapped on its own and marked
/// for transparent huge pages, so that reading it at random (gathering a
/// participant's events, probing an index) misses the TLB far less often.
/// Small buffers, and systems without `madvise`, use plain `new`.

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace yanxiu::detail {

/// Buffers at least this large are mapped and marked for huge pages.
inline constexpr std::size_t kLargeBufferBytes = std::size_t{4} << 20;

template <class T>
struct LargeAllocator {
    using value_type = T;

    LargeAllocator() noexcept = default;
    template <class U>
    LargeAllocator(const LargeAllocator<U>&) noexcept {}

    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (mapped(bytes)) {
            // Map 2 MiB more than needed, then unmap the slack on both sides so
            // that the buffer starts on a huge-page boundary.
            const std::size_t size = rounded(bytes);
            void* raw = ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (raw == MAP_FAILED) throw std::bad_alloc();
            const auto start = reinterpret_cast<std::uintptr_t>(raw);
            const std::uintptr_t aligned = (start + kHuge - 1) / kHuge * kHuge;
            if (aligned > start) ::munmap(raw, aligned - start);
            if (const std::size_t tail = (start + size + kHuge) - (aligned + size); tail > 0)
                ::munmap(reinterpret_cast<void*>(aligned + size), tail);
            void* p = reinterpret_cast<void*>(aligned);
            (void)::madvise(p, size, MADV_HUGEPAGE);  // a hint: refused is fine
            return static_cast<T*>(p);
        }
#endif
        return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    }

    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (mapped(bytes)) {
            ::munmap(p, rounded(bytes));
            return;
        }
#endif
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

private:
    static constexpr std::size_t kHuge = std::size_t{2} << 20;
    /// Whether a buffer of `bytes` is mapped (allocate and deallocate must agree).
    static constexpr bool mapped(std::size_t bytes) noexcept { return bytes >= kLargeBufferBytes; }
    /// Whole 2 MiB pages, so the mapping can be backed by huge pages end to end.
    static std::size_t rounded(std::size_t bytes) noexcept {
        return (bytes + kHuge - 1) / kHuge * kHuge;
    }
};

/// A vector whose buffer, once large, lives on huge pages.
template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace yanxiu::detail
