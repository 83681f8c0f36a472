// A small HTTP service over a yanxiu ledger: participants and events arrive
// as JSON Lines, each participant's live outcome is one GET away.
//
//   yanxiu_service [--program ID|FILE] [--port N] [--state FILE] [--shards N]
//                  [--xapi-lesson last_segment|whole_iri|query:PARAM]
//
//   POST /participants        JSON Lines of participant records  -> summary
//   POST /events              JSON Lines of events (xAPI with Content-Type
//                             application/xapi+json or ?format=xapi)  -> summary
//   GET  /participants/{id}   the live outcome [?as_of=INSTANT|DATE] [?lang=en]
//   GET  /report              the unit report as JSON
//   GET  /healthz
//
// Binds to 127.0.0.1 only.  On SIGINT/SIGTERM it stops and writes every
// accepted record to --state as one yanxiu-ledger/1 snapshot
// (yanxiu::ShardedLedger::save); on start it restores from that file.  The
// records, their checks and the snapshots are the library's; this file is
// HTTP and command-line options only.

#include <yanxiu/yanxiu.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <time.h>

namespace {

using nlohmann::json;

constexpr std::size_t kMaxBody = 64u << 20;      // bytes per request body
constexpr std::size_t kMaxListedRejections = 1000;  // per answer; the count is always complete

// ---------------------------------------------------------------------------
// HTTP helpers

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}});
}

/// A rejection as the library writes one, without the file (a request body has none).
json rejection_json(const yanxiu::Rejection& r, std::size_t line) {
    json j = yanxiu::to_json(r);
    j.erase("file");
    j["line"] = line;
    return j;
}

/// What one POST did: the reconciliation (read = accepted + rejected + duplicates).
struct Summary {
    std::size_t read = 0, accepted = 0, rejected = 0, duplicates = 0, completed = 0;
    std::size_t ignored = 0, voided = 0;  // xAPI: statements that map to no event (voided ones among them)
    bool xapi = false;
    json rejections = json::array();

    void reject(const yanxiu::Rejection& r, std::size_t line) {
        ++read;
        ++rejected;
        if (rejections.size() < kMaxListedRejections) rejections.push_back(rejection_json(r, line));
    }
    json to_json(bool events) const {
        json j;
        j["read"] = read;
        j["accepted"] = accepted;
        j["rejected"] = rejected;
        j["duplicates"] = duplicates;
        if (xapi) j["ignored"] = ignored, j["voided"] = voided;  // read = accepted + rejected + duplicates + ignored
        if (events) j["completed"] = completed;  // participants whose certificate these events earned
        j["rejections"] = rejections;
        if (rejected > rejections.size()) j["rejections_truncated"] = true;
        return j;
    }
};

/// Adds what a batch of records did to the answer.
void add_batch(Summary& summary, const yanxiu::BatchResult& batch) {
    summary.read += batch.summary.read - batch.summary.rejected;  // rejected ones are counted by reject()
    summary.accepted += batch.summary.accepted;
    summary.duplicates += batch.summary.duplicates;
    summary.completed += batch.completed;
    for (const auto& r : batch.rejections) summary.reject(r, r.line);
}

/// `?as_of=` (a timestamp, or a date meaning the end of that day); nullopt when absent.
std::optional<yanxiu::Instant> as_of_param(const httplib::Request& req, const yanxiu::Program& program,
                                           std::string& error) {
    if (!req.has_param("as_of")) return std::nullopt;
    auto t = yanxiu::parse_as_of(req.get_param_value("as_of"), program.time_zone(), &error);
    if (!t) error = "as_of: " + error;
    return t;
}

// ---------------------------------------------------------------------------
// Command line

struct Options {
    std::string program = "hunan-2023-mh-winter";
    int port = 8080;
    std::string state;
    std::size_t shards = 16;
    yanxiu::XapiOptions xapi;  ///< how an xAPI object id names a lesson
};

[[noreturn]] void usage(const std::string& message) {
    std::fprintf(stderr, "yanxiu_service: %s\n", message.c_str());
    std::fprintf(stderr,
                 "usage: yanxiu_service [--program ID|FILE] [--port N] [--state FILE] [--shards N]\n"
                 "                      [--xapi-lesson last_segment|whole_iri|query:PARAM]\n");
    std::exit(2);
}

long parse_number(const std::string& option, const std::string& text, long low, long high) {
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || value < low || value > high)
        usage(option + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
    return value;
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") usage("a yanxiu ledger over HTTP on 127.0.0.1");
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--program") options.program = value();
        else if (arg == "--port") options.port = static_cast<int>(parse_number(arg, value(), 0, 65535));
        else if (arg == "--state") options.state = value();
        else if (arg == "--shards") options.shards = static_cast<std::size_t>(parse_number(arg, value(), 1, 1024));
        else if (arg == "--xapi-lesson") {
            auto mapping = yanxiu::XapiOptions::parse(value());
            if (!mapping) usage("--xapi-lesson: expected last_segment, whole_iri or query:PARAM");
            options.xapi = *mapping;
        } else {
            usage("unknown option " + arg);
        }
    }
    return options;
}

bool file_exists(const std::string& path) {
    std::ifstream in(path);
    return static_cast<bool>(in);
}

int run(int argc, char** argv) {
    const Options options = parse_options(argc, argv);

    // Signals go to one thread that waits for them; every other thread
    // (httplib's pool included) inherits the blocked mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const yanxiu::Program program = yanxiu::Program::load(options.program);
    const yanxiu::TimeZone& zone = program.time_zone();
    yanxiu::ShardedLedger ledger(program, options.shards);

    if (!options.state.empty() && file_exists(options.state)) {
        const auto restored = ledger.restore(options.state);
        std::fprintf(stderr, "yanxiu_service: restored %zu participants and %zu events from %s\n",
                     restored.participants, restored.events, options.state.c_str());
    }

    httplib::Server server;
    server.set_payload_max_length(kMaxBody);
    server.set_read_timeout(30, 0);
    server.set_write_timeout(30, 0);
    server.set_keep_alive_max_count(1000);  // httplib's default of 5 makes clients reconnect constantly
    server.set_tcp_nodelay(true);           // else Nagle + delayed ACK add ~40 ms to every small answer

    // Any error httplib answers itself (404 for an unknown path, 413 for a
    // body over the cap, 400 for a bad request) gets a JSON body too.
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        std::string message = "HTTP status " + std::to_string(res.status);
        if (res.status == 400) message = "bad request";
        if (res.status == 404) message = "no such resource";
        if (res.status == 405) message = "method not allowed";
        if (res.status == 413) {
            // httplib caps form-encoded bodies (curl's default type) at 8 KiB.
            if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0)
                message = "a form-encoded body is limited to 8 KiB; send JSON Lines as application/x-ndjson";
            else
                message = "request body larger than " + std::to_string(kMaxBody >> 20) + " MiB";
        }
        if (res.status == 414) message = "request URI too long";
        send_error(res, res.status, message);
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "internal error";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            message = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        send_error(res, 500, message);
    });

    server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
        const auto counts = ledger.counts();
        send_json(res, 200,
                  json{{"status", "ok"},
                       {"program", program.id()},
                       {"version", program.version()},
                       {"participants", counts.participants},
                       {"events", counts.events}});
    });

    server.Post("/participants", [&](const httplib::Request& req, httplib::Response& res) {
        Summary summary;
        add_batch(summary, ledger.add_participants(req.body, "<participants>"));
        send_json(res, 200, summary.to_json(false));
    });

    server.Post("/events", [&](const httplib::Request& req, httplib::Response& res) {
        const std::string type = req.get_header_value("Content-Type");
        const bool xapi = type.rfind("application/xapi+json", 0) == 0 || req.get_param_value("format") == "xapi";
        Summary summary;
        if (xapi) {
            // Statements (a JSON array or JSON Lines) become event records
            // by the library's one xAPI mapping; the ledger then judges each.
            const yanxiu::XapiEvents mapped = yanxiu::xapi_events(req.body, "<xapi>", program, options.xapi);
            for (const auto& r : mapped.rejections) summary.reject(r, r.line);
            for (const auto& e : mapped.events) {
                const yanxiu::Update update = ledger.add(e.record);
                if (update.rejection) {
                    summary.reject(*update.rejection, e.line);
                    continue;
                }
                ++summary.read;
                if (update.accepted()) ++summary.accepted;
                else ++summary.duplicates;
                if (update.completed_now) ++summary.completed;
            }
            summary.read += mapped.summary.ignored;
            summary.ignored = mapped.summary.ignored;
            summary.voided = mapped.summary.voided;
            summary.xapi = true;
        } else {
            add_batch(summary, ledger.add_events(req.body, "<events>"));
        }
        send_json(res, 200, summary.to_json(true));
    });

    server.Get(R"(/participants/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
        std::string error;
        const auto as_of = as_of_param(req, program, error);
        if (!error.empty()) return send_error(res, 400, error);
        const auto lang = yanxiu::parse_lang(req.has_param("lang") ? req.get_param_value("lang") : "zh");
        if (!lang) return send_error(res, 400, "lang must be zh or en");
        auto outcome = ledger.outcome(req.matches[1].str(), as_of.value_or(yanxiu::kEndOfTime));
        if (!outcome) return send_error(res, 404, "unknown participant");
        yanxiu::OutcomeJson format;
        format.explanations = *lang;  // each reason as a sentence
        std::string body;
        body.reserve(512);
        yanxiu::append_json_line(body, *outcome, zone, format);
        res.status = 200;
        res.set_content(body, "application/json; charset=utf-8");
    });

    server.Get("/report", [&](const httplib::Request& req, httplib::Response& res) {
        std::string error;
        const auto as_of = as_of_param(req, program, error);
        if (!error.empty()) return send_error(res, 400, error);
        const auto outcomes = ledger.outcomes(as_of.value_or(yanxiu::kEndOfTime));
        const auto report = yanxiu::report(program, outcomes, nullptr, as_of);
        res.status = 200;
        res.set_content(yanxiu::to_json(report).dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json; charset=utf-8");
    });

    int port = options.port;
    if (port == 0) {
        port = server.bind_to_any_port("127.0.0.1");
        if (port < 0) throw std::runtime_error("cannot bind to 127.0.0.1");
    } else if (!server.bind_to_port("127.0.0.1", port)) {
        throw std::runtime_error("cannot bind to 127.0.0.1:" + std::to_string(port));
    }
    std::printf("listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);

    std::atomic<bool> done{false};
    std::thread signal_waiter([&] {
        const timespec tick{0, 200 * 1000 * 1000};
        while (!done) {
            if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
                // stop() only acts once the server runs: repeat until listen returns.
                while (!done) {
                    server.stop();
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
            }
        }
    });
    const bool listened = server.listen_after_bind();
    done = true;
    signal_waiter.join();
    if (!listened) std::fprintf(stderr, "yanxiu_service: the server stopped on an error\n");

    if (!options.state.empty()) {
        ledger.save(options.state);
        const auto counts = ledger.counts();
        std::fprintf(stderr, "yanxiu_service: wrote %zu participants and %zu events to %s\n", counts.participants,
                     counts.events, options.state.c_str());
    }
    return listened ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "yanxiu_service: %s\n", e.what());
        return 1;
    }
}
