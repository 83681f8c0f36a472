// B7: certificates — what issuing, verifying and printing them costs, against
// the floors they cannot go under.
//
//   yanxiu_bench_b7_certify COHORT_DIR [REPEATS] [PAGES]
//
// Reads COHORT_DIR/participants.jsonl and events.jsonl (bench/run_all.sh
// simulates them), evaluates once, then times, best of REPEATS:
//   evaluate:  yanxiu::evaluate of the cohort (what certify must do first);
//   sign floor: one libsodium Ed25519 signature per certificate over its
//              canonical bytes (the cryptography alone);
//   certify:   yanxiu::certify (ids, canonical JSON, signatures) on one
//              thread and on every core (the signing is parallel);
//   verify:    yanxiu::verify of the certificate file (parse, canonical
//              check, signature check, duplicates, supersession), one
//              thread and every core;
//   HTML and PDF pages for the first PAGES certificates, one thread.

#include "bench_util.hpp"

#include <yanxiu/render/certificate_html.hpp>
#include <yanxiu/yanxiu.hpp>
#ifdef YANXIU_HAVE_PDF
#include <yanxiu/render/certificate_pdf.hpp>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: yanxiu_bench_b7_certify COHORT_DIR [REPEATS] [PAGES]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    const std::size_t pages = argc > 3 ? static_cast<std::size_t>(std::max(0, std::atoi(argv[3]))) : 200;
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    yanxiu::Dataset data(program);
    data.read_participants_file(dir + "/participants.jsonl");
    data.read_events_file(dir + "/events.jsonl");
    const auto key = yanxiu::SigningKey::generate();

    double evaluate_best = 1e30, floor_best = 1e30, certify_best = 1e30, verify_best = 1e30;
    double certify_all_best = 1e30, verify_all_best = 1e30;
    yanxiu::CertifyOptions one_thread, every_core;
    one_thread.threads = 1;
    yanxiu::Evaluation evaluation = yanxiu::evaluate(data);
    std::vector<yanxiu::Certificate> certificates;
    std::size_t valid = 0;
    for (int r = 0; r < repeats; ++r) {
        double t0 = bench::now();
        evaluation = yanxiu::evaluate(data);
        evaluate_best = std::min(evaluate_best, bench::now() - t0);

        t0 = bench::now();
        certificates = yanxiu::certify(evaluation, data, key, {}, one_thread);
        certify_best = std::min(certify_best, bench::now() - t0);
        t0 = bench::now();
        const auto again = yanxiu::certify(evaluation, data, key, {}, every_core);
        certify_all_best = std::min(certify_all_best, bench::now() - t0);
        if (again.size() != certificates.size() || (!again.empty() && again.back().line() != certificates.back().line())) {
            std::fprintf(stderr, "b7: certify gave other records on more threads\n");
            return 1;
        }

        // The floor: the same number of Ed25519 signatures over the same bytes.
        std::vector<std::string> messages;
        messages.reserve(certificates.size());
        for (const auto& c : certificates) messages.push_back(c.signed_bytes());
        t0 = bench::now();
        std::size_t signed_bytes = 0;
        for (const auto& m : messages) signed_bytes += key.sign(m).size();
        bench::keep(signed_bytes);
        floor_best = std::min(floor_best, bench::now() - t0);

        std::string file;
        for (const auto& c : certificates) file += c.line() + "\n";
        t0 = bench::now();
        const auto result = yanxiu::verify(key.public_key(), {{"certs.jsonl", file}}, {}, 1);
        verify_best = std::min(verify_best, bench::now() - t0);
        valid = result.valid;
        t0 = bench::now();
        const auto all = yanxiu::verify(key.public_key(), {{"certs.jsonl", file}}, {}, 0);
        verify_all_best = std::min(verify_all_best, bench::now() - t0);
        if (all.valid != valid) {
            std::fprintf(stderr, "b7: verify gave another answer on more threads\n");
            return 1;
        }
    }
    const std::size_t n = certificates.size();
    const double count = static_cast<double>(std::max<std::size_t>(n, 1));
    std::printf("%zu participants evaluated, %zu certified, %zu verified valid\n", evaluation.outcomes.size(), n, valid);
    std::printf("evaluate (the work before certifying):  %.3f s\n", evaluate_best);
    std::printf("floor, Ed25519 signatures alone:        %.3f s = %.1f us a certificate\n", floor_best,
                floor_best / count * 1e6);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("certify, 1 thread (ids, JSON, signing): %.3f s = %.1f us a certificate (%.2fx the floor, %.2fx evaluate)\n",
                certify_best, certify_best / count * 1e6, certify_best / floor_best, certify_best / evaluate_best);
    std::printf("certify, %u threads:                     %.3f s = %.1f us a certificate (%.2fx faster than 1 thread)\n",
                cores, certify_all_best, certify_all_best / count * 1e6, certify_best / certify_all_best);
    std::printf("verify, 1 thread (parse, canonical, sig): %.3f s = %.1f us a record\n", verify_best,
                verify_best / count * 1e6);
    std::printf("verify, %u threads:                      %.3f s = %.1f us a record (%.2fx faster than 1 thread)\n",
                cores, verify_all_best, verify_all_best / count * 1e6, verify_best / verify_all_best);
    const std::size_t shown = std::min(pages, n);
    double html_s = 0, pdf_s = 0;
    std::size_t html_bytes = 0, pdf_bytes = 0;
    if (shown > 0) {
        double t0 = bench::now();
        for (std::size_t i = 0; i < shown; ++i) html_bytes += yanxiu::certificate_html(certificates[i], program).size();
        html_s = bench::now() - t0;
        std::printf("HTML pages (QR as SVG), %zu:            %.2f ms a page, %.1f KB each\n", shown,
                    html_s / static_cast<double>(shown) * 1e3, static_cast<double>(html_bytes) / static_cast<double>(shown) / 1e3);
#ifdef YANXIU_HAVE_PDF
        (void)yanxiu::certificate_pdf(certificates[0], program);  // fontconfig's first look is not a page's cost
        t0 = bench::now();
        for (std::size_t i = 0; i < shown; ++i) pdf_bytes += yanxiu::certificate_pdf(certificates[i], program).size();
        pdf_s = bench::now() - t0;
        std::printf("PDF pages (cairo + pango), %zu:         %.2f ms a page, %.1f KB each (%.0fx an HTML page's time)\n",
                    shown, pdf_s / static_cast<double>(shown) * 1e3,
                    static_cast<double>(pdf_bytes) / static_cast<double>(shown) / 1e3, pdf_s / std::max(html_s, 1e-9));
#endif
    }
    std::printf("national scale (13.72 M teachers, %u cores; about half complete): certify %.0f s, verify %.0f s",
                cores, certify_all_best / count * 13.72e6 / 2, verify_all_best / count * 13.72e6 / 2);
    if (pdf_s > 0)
        std::printf(", PDF pages %.1f h", pdf_s / static_cast<double>(shown) * 13.72e6 / 2 / 3600 / cores);
    std::printf("\n");
    bench::result("certificates", count);
    bench::result("certify_us", certify_best / count * 1e6);
    bench::result("sign_floor_us", floor_best / count * 1e6);
    bench::result("verify_us", verify_best / count * 1e6);
    bench::result("certify_all_us", certify_all_best / count * 1e6);
    bench::result("verify_all_us", verify_all_best / count * 1e6);
    if (shown > 0) bench::result("html_ms", html_s / static_cast<double>(shown) * 1e3);
    if (pdf_s > 0) bench::result("pdf_ms", pdf_s / static_cast<double>(shown) * 1e3);
    return 0;
}
