// B3 (the C++ half; bench/b3_ingest.py runs it): ingestion of an events file
// by the library, and the raw scan of the same file (read the bytes, count
// newlines: the I/O floor).
//
//   yanxiu_bench_b3_ingest PARTICIPANTS_FILE EVENTS_FILE [REPEATS]
//
// The participants are read first (not timed: events name them); timed is
// Dataset::read_events_file, which reads the file and parses every record.

#include "bench_util.hpp"

#include <yanxiu/yanxiu.hpp>

#include <algorithm>
#include <cstdio>
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

    double scan_best = 1e30, read_best = 1e30;
    std::size_t bytes = 0, lines = 0, accepted = 0;
    for (int r = 0; r < repeats; ++r) {
        double t0 = bench::now();
        lines = raw_scan(events, bytes);
        scan_best = std::min(scan_best, bench::now() - t0);

        yanxiu::Dataset data(program);
        data.read_participants_file(participants);
        t0 = bench::now();
        const yanxiu::ReadSummary s = data.read_events_file(events);
        read_best = std::min(read_best, bench::now() - t0);
        accepted = s.accepted;
    }
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf("%s: %.1f MB, %zu lines, %zu events accepted\n", events.c_str(), mb, lines, accepted);
    std::printf("raw scan (read + count newlines): %.3f s = %.0f MB/s\n", scan_best, mb / scan_best);
    std::printf("Dataset::read_events_file:        %.3f s = %.0f MB/s (%.2fx the raw scan's time)\n", read_best,
                mb / read_best, read_best / scan_best);
    bench::result("mb", mb);
    bench::result("lines", static_cast<double>(lines));
    bench::result("scan_s", scan_best);
    bench::result("yanxiu_s", read_best);
    return 0;
}
