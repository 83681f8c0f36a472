// Large buffers on huge pages (include/yanxiu/detail/large_alloc.hpp).

#include <yanxiu/detail/large_alloc.hpp>

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace yanxiu::detail {

namespace {

constexpr std::size_t kHuge = std::size_t{2} << 20;

/// Whole 2 MiB pages, so the mapping can be backed by huge pages end to end.
std::size_t rounded(std::size_t bytes) noexcept { return (bytes + kHuge - 1) / kHuge * kHuge; }

}  // namespace

#if defined(__linux__) && defined(MADV_HUGEPAGE)

void* map_large(std::size_t bytes) {
    // Map 2 MiB more than needed, then unmap the slack on both sides so that
    // the buffer starts on a huge-page boundary.
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
    return p;
}

void unmap_large(void* p, std::size_t bytes) noexcept { ::munmap(p, rounded(bytes)); }

#else

void* map_large(std::size_t bytes) { return ::operator new(bytes, std::align_val_t{kHuge}); }
void unmap_large(void* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{kHuge}); }

#endif

}  // namespace yanxiu::detail
