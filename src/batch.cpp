// Batch evaluation: every participant of a Dataset, spread over threads.
// This file only schedules; every rule is decided by the Evaluator.

#include <yanxiu/evaluate.hpp>

#include <algorithm>
#include <limits>
#include <thread>

#include "order.hpp"
#include "parallel.hpp"

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

}  // namespace

std::vector<Outcome> evaluate_all(const Dataset& data, const EvaluateOptions& options) {
    const auto& participants = data.participants();
    const EventColumns& events = data.events();
    const std::size_t n = participants.size();
    (void)data.lessons().ranks();  // computed once here, read-only in the threads

    // Each participant's events: in a grouped store they sit side by side,
    // participants in id order, and are read front to back.  Otherwise their
    // numbers are grouped here (a stable counting sort, 4 bytes an event) and
    // each thread packs a block of participants' events side by side before
    // evaluating them, so the gathering from the columns is one tight loop
    // whose cache misses overlap.
    const Dataset::EventGroups* grouped = data.event_groups();
    std::vector<std::uint32_t> own_by_id, own_offsets, order;
    if (!grouped) {
        own_by_id = detail::participants_by_id(participants);
        detail::group_by_participant(own_by_id, events, own_offsets, order);
    }
    const std::vector<std::uint32_t>& by_id = grouped ? grouped->by_id : own_by_id;
    const std::vector<std::uint32_t>& offsets = grouped ? grouped->offsets : own_offsets;

    std::vector<Outcome> outcomes(n);
    const Instant as_of = options.as_of.value_or(kEndOfTime);
    unsigned threads = detail::resolve_threads(options.threads);
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
            if (grouped) {
                for (std::uint32_t r = offsets[b]; r < last; ++r) packed.push_back(PackedEvent::from(events, r));
            } else {
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
