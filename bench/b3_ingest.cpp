// B3 (the C++ half; bench/b3_ingest.py runs it): ingestion of an events file
// by the library, and the raw scan of the same file (read the bytes, count
// newlines: the I/O floor).
//
//   yanxiu_bench_b3_ingest PARTICIPANTS_FILE EVENTS_FILE [REPEATS]
//
// The participants are read first (not timed: events name them); timed is
// Dataset::read_events_file, which reads the file and parses every record:
// on one thread (read_threads = 1), then with its pieces parsed on every
// core (read_threads = 0), whose store must equal the one thread's.

#include "bench_util.hpp"

#include <yanxiu/yanxiu.hpp>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// Reads the file in 1 MiB blocks and counts newlines.
std::size_t raw_scan(const std::string& path, std::size_t& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    std::vector<char> buffer(1 << 20);
    std::size_t lines = 0, n = 0;
    bytes = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
        bytes += n;
        const char* p = buffer.data();
        const char* end = p + n;
        while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) {
            ++lines;
            ++p;
        }
    }
    std::fclose(f);
    return lines;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s PARTICIPANTS_FILE EVENTS_FILE [REPEATS]\n", argv[0]);
        return 2;
    }
    const std::string participants = argv[1], events = argv[2];
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");

    double scan_best = 1e30, one_best = 1e30, all_best = 1e30;
    std::size_t bytes = 0, lines = 0, accepted = 0;
    std::size_t sum_one = 0, sum_all = 0;  // a checksum of each store: the two must agree
    auto checksum = [](const yanxiu::Dataset& data) {
        std::size_t h = data.events().size();
        const auto& e = data.events();
        for (std::size_t i = 0; i < e.size(); ++i)
            h = h * 1000003u ^ (static_cast<std::size_t>(e.start[i]) + e.participant[i] * 31u + e.lesson[i]);
        return h ^ data.rejections().size();
    };
    auto read = [&](unsigned threads, double& best, std::size_t& sum) {
        yanxiu::Dataset data(program);
        data.read_threads = threads;
        data.read_participants_file(participants);
        const double t0 = bench::now();
        const yanxiu::ReadSummary s = data.read_events_file(events);
        best = std::min(best, bench::now() - t0);
        accepted = s.accepted;
        sum = checksum(data);
    };
    for (int r = 0; r < repeats; ++r) {
        double t0 = bench::now();
        lines = raw_scan(events, bytes);
        scan_best = std::min(scan_best, bench::now() - t0);
        read(1, one_best, sum_one);
        read(0, all_best, sum_all);
    }
    if (sum_one != sum_all) {
        std::fprintf(stderr, "the store read on every core differs from the one read on one thread\n");
        return 1;
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf("%s: %.1f MB, %zu lines, %zu events accepted\n", events.c_str(), mb, lines, accepted);
    std::printf("raw scan (read + count newlines): %.3f s = %.0f MB/s\n", scan_best, mb / scan_best);
    std::printf("Dataset::read_events_file, 1 thread:   %.3f s = %.0f MB/s (%.2fx the raw scan's time)\n",
                one_best, mb / one_best, one_best / scan_best);
    std::printf("Dataset::read_events_file, %u threads: %.3f s = %.0f MB/s (%.2fx one thread's speed)\n", cores,
                all_best, mb / all_best, one_best / all_best);
    bench::result("mb", mb);
    bench::result("lines", static_cast<double>(lines));
    bench::result("scan_s", scan_best);
    bench::result("yanxiu_s", one_best);
    bench::result("yanxiu_all_s", all_best);
    bench::result("cores", cores);
    return 0;
}
