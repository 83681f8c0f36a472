// B6: reading xAPI statements — what checking each statement against the
// xAPI rules and mapping it costs over parsing it.
//
//   yanxiu_bench_b6_xapi [STATEMENTS] [REPEATS]
//
// Generates STATEMENTS valid statements as JSON Lines in memory (an LRS
// export of a platform: two thirds `terminated` with a duration inside a cmi5
// session, one third `passed` with a scaled score; about 700 bytes each),
// then times, best of REPEATS:
//   baseline: nlohmann::json::parse of each line (the DOM every statement is
//             read into; the floor of any reading that looks at the fields);
//   xapi_events: split, parse, check (xapi_check.cpp) and map, no Dataset;
//   read_xapi: the same into a Dataset (what `yanxiu evaluate --xapi` does).

#include "bench_util.hpp"

#include <nlohmann/json.hpp>
#include <yanxiu/io/xapi.hpp>
#include <yanxiu/yanxiu.hpp>

#include <algorithm>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

std::string uuid(std::mt19937_64& rng) {
    static const char* hex = "0123456789abcdef";
    std::string s(36, '-');
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != 8 && i != 13 && i != 18 && i != 23) s[i] = hex[rng() % 16];
    s[14] = '4';
    s[19] = hex[8 + rng() % 4];
    return s;
}

std::string statements(std::size_t n, std::size_t participants) {
    std::mt19937_64 rng(1);
    std::string out;
    out.reserve(n * 760);
    char line[2048];
    for (std::size_t i = 0; i < n; ++i) {
        const bool quiz = i % 3 == 0;
        const std::size_t who = rng() % participants;
        const int lesson = 1 + static_cast<int>(rng() % 15);
        const std::string id = uuid(rng), registration = uuid(rng), session = uuid(rng);
        std::snprintf(
            line, sizeof line,
            R"({"id":"%s","actor":{"objectType":"Agent","account":{"homePage":"https://platform.example.cn","name":"T%zu"}},)"
            R"("verb":{"id":"http://adlnet.gov/expapi/verbs/%s","display":{"en-US":"%s"}},)"
            R"("object":{"objectType":"Activity","id":"https://platform.example.cn/au/L%02d","definition":{"name":{"zh-CN":"第%d课"},"type":"http://adlnet.gov/expapi/activities/lesson"}},)"
            R"("result":%s,)"
            R"("context":{"registration":"%s","contextActivities":{"category":[{"id":"https://w3id.org/xapi/cmi5/context/categories/cmi5"}]},"extensions":{"https://w3id.org/xapi/cmi5/context/extensions/sessionid":"%s"}},)"
            R"("timestamp":"2023-01-%02dT%02d:%02d:00.000+08:00","version":"1.0.3"})"
            "\n",
            id.c_str(), who, quiz ? "passed" : "terminated", quiz ? "passed" : "terminated", lesson, lesson,
            quiz ? R"({"score":{"scaled":0.8,"raw":80,"min":0,"max":100},"success":true,"completion":true})"
                 : R"({"duration":"PT32M15.5S"})",
            registration.c_str(), session.c_str(), 10 + static_cast<int>(i % 21), 8 + static_cast<int>(i % 12),
            static_cast<int>(i % 60));
        out += line;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t n = argc > 1 ? static_cast<std::size_t>(std::max(1L, std::atol(argv[1]))) : 200000;
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    const std::size_t participants = std::max<std::size_t>(1, n / 50);
    const auto program = yanxiu::Program::load("moe-2023-mh-winter");
    const std::string text = statements(n, participants);
    std::string people;
    for (std::size_t i = 0; i < participants; ++i) people += "{\"id\":\"T" + std::to_string(i) + "\",\"category\":\"homeroom\"}\n";

    double parse_best = 1e30, map_best = 1e30, read_best = 1e30;
    std::size_t mapped = 0, accepted = 0;
    for (int r = 0; r < repeats; ++r) {
        double t0 = bench::now();
        std::size_t objects = 0;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = text.find('\n', at);
            auto j = nlohmann::json::parse(text.begin() + static_cast<long>(at), text.begin() + static_cast<long>(end));
            objects += j.is_object();
            at = end + 1;
        }
        bench::keep(objects);
        parse_best = std::min(parse_best, bench::now() - t0);

        t0 = bench::now();
        const auto events = yanxiu::xapi_events(text, "bench.jsonl", program);
        map_best = std::min(map_best, bench::now() - t0);
        mapped = events.summary.mapped;

        yanxiu::Dataset data(program);
        data.read_participants(people, "people.jsonl");
        t0 = bench::now();
        const auto summary = yanxiu::read_xapi(data, text, "bench.jsonl");
        read_best = std::min(read_best, bench::now() - t0);
        accepted = summary.mapped;
    }
    const double mb = static_cast<double>(text.size()) / 1e6, count = static_cast<double>(n);
    std::printf("%zu statements, %.1f MB (%.0f bytes each), %zu participants; %zu mapped, %zu into the Dataset\n", n, mb,
                static_cast<double>(text.size()) / count, participants, mapped, accepted);
    std::printf("baseline, nlohmann::json::parse per line: %.3f s = %.0f statements/s\n", parse_best, count / parse_best);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("xapi_events, one thread (split, parse, check, map): %.3f s = %.0f statements/s (%.2fx the baseline's time)\n",
                map_best, count / map_best, map_best / parse_best);
    std::printf("read_xapi into a Dataset, %u threads:               %.3f s = %.0f statements/s (%.2fx the baseline's time)\n",
                cores, read_best, count / read_best, read_best / parse_best);
    std::printf("national scale: 13.72 M teachers x 30 statements = %.0f min on one core, %.0f min on %u\n",
                13.72e6 * 30 / (count / map_best) / 60, 13.72e6 * 30 / (count / read_best) / 60, cores);
    bench::result("statements", count);
    bench::result("parse_s", parse_best);
    bench::result("xapi_events_s", map_best);
    bench::result("read_xapi_s", read_best);
    return 0;
}
