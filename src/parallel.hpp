#pragma once
// A loop over independent items on several threads, for the library's
// embarrassingly parallel work (signing, verifying, printing pages).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace yanxiu::detail {

/// A thread count as options give it: 0 means every core.
[[nodiscard]] inline unsigned resolve_threads(unsigned threads) noexcept {
    return threads ? threads : std::max(1u, std::thread::hardware_concurrency());
}

/// f(i) for every i in [0, n), on `threads` threads (0: every core) taking
/// `block` items at a time in turn, on this thread alone below
/// `serial_below` items; the first exception is rethrown after all stop.
/// Where the system gives fewer threads than asked, fewer do the work.
template <class F>
void parallel_for(std::size_t n, unsigned threads, F&& f, std::size_t serial_below = 256, std::size_t block = 64) {
    unsigned t = resolve_threads(threads);
    if (n < serial_below) t = 1;  // not worth a thread
    t = static_cast<unsigned>(std::min<std::size_t>(t, std::max<std::size_t>(n, 1)));
    if (block == 0) block = 1;
    if (t <= 1) {
        for (std::size_t i = 0; i < n; ++i) f(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto work = [&] {
        try {
            for (std::size_t b; !failed && (b = next.fetch_add(block)) < n;)
                for (std::size_t i = b, e = std::min(n, b + block); i < e; ++i) f(i);
        } catch (...) {
            const std::lock_guard<std::mutex> lock(error_mutex);
            if (!failed.exchange(true)) error = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(t - 1);
    for (unsigned k = 1; k < t; ++k) {
        try {
            pool.emplace_back(work);
        } catch (const std::system_error&) {
            break;  // no more threads to be had: those running (this one at least) share the rest
        }
    }
    work();
    for (auto& thread : pool) thread.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace yanxiu::detail
