// Batch evaluation: every participant of a Dataset, spread over threads.
// This file only schedules; every rule is decided by the Evaluator.

#include <yanxiu/evaluate.hpp>

#include <algorithm>
#include <limits>
#include <thread>

namespace yanxiu {

namespace {

/// A hint that `p` will be read soon (no effect where the compiler has none).
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/// Participant indices in id order.  Sorted on each id's first 8 bytes held
/// beside its index (big-endian, so integer order is byte order), the strings
/// themselves compared only on a tie: no cache miss into the participants
/// per comparison.
std::vector<std::uint32_t> participants_by_id(const std::vector<Participant>& participants) {
    const std::size_t n = participants.size();
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
    std::vector<std::uint32_t> by_id(n);
    for (std::size_t k = 0; k < n; ++k) by_id[k] = keys[k].index;
    return by_id;
}

}  // namespace

std::vector<Outcome> evaluate_all(const Dataset& data, const EvaluateOptions& options) {
    const auto& participants = data.participants();
    const EventColumns& events = data.events();
    const std::size_t n = participants.size();
    const std::vector<std::uint32_t> by_id = participants_by_id(participants);
    (void)data.lessons().ranks();  // computed once here, read-only in the threads

    // Event numbers grouped by participant in id order (a stable counting
    // sort, 4 bytes an event); then each thread packs a block of
    // participants' events side by side before evaluating them, so the
    // gathering from the columns is one tight loop whose cache misses
    // overlap, and the evaluator reads its events contiguously.
    std::vector<std::uint32_t> offsets(n + 1, 0);  // participant by_id[k]'s events: order[offsets[k], offsets[k+1])
    std::vector<std::uint32_t> order(events.size());
    {
        std::vector<std::uint32_t> slot(n);  // participant -> its position in by_id, then its next free row
        for (std::uint32_t k = 0; k < n; ++k) slot[by_id[k]] = k;
        for (std::uint32_t p : events.participant) ++offsets[slot[p] + 1];
        for (std::size_t k = 0; k < n; ++k) offsets[k + 1] += offsets[k];
        for (std::uint32_t p = 0; p < n; ++p) slot[p] = offsets[slot[p]];
        for (std::size_t i = 0; i < events.size(); ++i) order[slot[events.participant[i]]++] = static_cast<std::uint32_t>(i);
    }

    std::vector<Outcome> outcomes(n);
    const Instant as_of = options.as_of.value_or(kEndOfTime);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (n < 2048) threads = 1;
    auto work = [&](std::size_t begin, std::size_t end) {
        Evaluator evaluator(data.program(), data.lessons(), &data.notes());
        evaluator.set_detail(options.keep_lessons ? Detail::full : Detail::reasons);
        std::vector<PackedEvent> packed;
        constexpr std::size_t kBlock = 1024;  // participants packed at a time
        for (std::size_t b = begin; b < end; b += kBlock) {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed)) return;
            const std::size_t e = std::min(end, b + kBlock);
            packed.clear();
            packed.reserve(offsets[e] - offsets[b]);
            const std::uint32_t last = offsets[e];
            for (std::uint32_t r = offsets[b]; r < last; ++r) {
                // The rows are scattered over the columns: ask for those a few
                // events ahead now, so that their cache misses overlap.
                constexpr std::uint32_t kAhead = 16;
                if (r + kAhead < last) {
                    const std::uint32_t ahead = order[r + kAhead];
                    prefetch(&events.start[ahead]);
                    prefetch(&events.end[ahead]);
                    prefetch(&events.score[ahead]);
                    prefetch(&events.lesson[ahead]);
                    prefetch(&events.kind[ahead]);
                    prefetch(&events.completed[ahead]);
                }
                packed.push_back(PackedEvent::from(events, order[r]));
            }
            for (std::size_t k = b; k < e; ++k)
                outcomes[k] = evaluator.evaluate(participants[by_id[k]], packed.data() + (offsets[k] - offsets[b]),
                                                 offsets[k + 1] - offsets[k], as_of);
            if (options.evaluated) options.evaluated->fetch_add(e - b, std::memory_order_relaxed);
        }
    };
    if (threads <= 1) {
        work(0, n);
    } else {
        std::vector<std::thread> pool;
        const std::size_t chunk = (n + threads - 1) / threads;
        for (unsigned t = 0; t < threads; ++t) {
            std::size_t begin = t * chunk, end = std::min(n, begin + chunk);
            if (begin >= end) break;
            pool.emplace_back(work, begin, end);
        }
        for (auto& th : pool) th.join();
    }
    if (options.cancel && options.cancel->load()) throw Cancelled();
    return outcomes;
}

Evaluation evaluate(const Dataset& data, const EvaluateOptions& options) {
    Evaluation out;
    out.program = std::make_shared<const Program>(data.program());
    out.as_of = options.as_of;
    out.outcomes = evaluate_all(data, options);
    out.rejections = data.rejections();
    out.inputs = {{"participants", data.participant_summary()}, {"events", data.event_summary()}};
    // The latest instant any accepted record names (a study's end, any other record's time).
    const EventColumns& events = data.events();
    std::int64_t latest = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < events.size(); ++i)
        latest = std::max(latest, events.kind[i] == EventKind::study ? events.end[i] : events.start[i]);
    if (events.size() > 0) out.latest_record = Instant{Seconds{latest}};
    return out;
}

}  // namespace yanxiu
