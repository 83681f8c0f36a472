// A small HTTP service over a yanxiu ledger: participants and events arrive
// as JSON Lines, each participant's live outcome is one GET away.
//
//   yanxiu_service [--program ID|FILE] [--port N] [--state FILE] [--shards N]
//                  [--xapi-lesson last_segment|whole_iri|query:PARAM]
//
//   POST /participants        JSON Lines of participant records  -> summary
//   POST /events              JSON Lines of events (xAPI with Content-Type
//                             application/xapi+json or ?format=xapi)  -> summary
//   GET  /participants/{id}   the live outcome (SPEC §5) [?as_of=INSTANT|DATE] [?lang=en]
//   GET  /report              the unit report as JSON
//   GET  /healthz
//
// Binds to 127.0.0.1 only.  On SIGINT/SIGTERM it stops and writes every
// accepted record to --state as one yanxiu-ledger/1 snapshot (what
// yanxiu::Ledger::restore reads); on start it restores from that file.

#include <yanxiu/xapi.hpp>
#include <yanxiu/yanxiu.hpp>

// Built in when CMake's check finds the calls below (see CMakeLists.txt).
#ifdef YANXIU_SERVICE_HAS_REPORT
#include <yanxiu/report.hpp>
#endif
#ifdef YANXIU_SERVICE_HAS_MESSAGES
#include <yanxiu/messages.hpp>
#endif

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

/// Participants and events split into shards by participant id, each shard a
/// `yanxiu::Ledger` behind its own lock.  This is `yanxiu::ShardedLedger`'s
/// layout (same hash, same routing), kept here because the service needs
/// what ShardedLedger does not expose: each shard's `snapshot()` for the
/// state file, and whether a participant record was new or a duplicate.
class ServiceLedger {
public:
    ServiceLedger(const yanxiu::Program& program, std::size_t shards) : program_(program) {
        if (shards == 0) shards = 1;
        for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(program));
    }

    enum class Added { accepted, duplicate, rejected };

    Added add_participant(const json& record, std::optional<yanxiu::Rejection>& rejection) {
        Shard& s = shard_for(id_of(record, "id"));
        std::lock_guard<std::mutex> lock(s.mutex);
        const std::size_t before = s.ledger.participant_count();
        rejection = s.ledger.add_participant(record);
        if (rejection) return Added::rejected;
        return s.ledger.participant_count() > before ? Added::accepted : Added::duplicate;
    }

    yanxiu::Update add_event(const json& event) {
        Shard& s = shard_for(id_of(event, "participant"));
        std::lock_guard<std::mutex> lock(s.mutex);
        return s.ledger.add(event);
    }

    std::optional<yanxiu::Outcome> outcome(std::string_view id, yanxiu::Instant as_of) {
        Shard& s = shard_for(id);
        std::lock_guard<std::mutex> lock(s.mutex);
        return s.ledger.outcome(id, as_of);
    }

    /// Every participant's outcome, sorted by id.
    std::vector<yanxiu::Outcome> outcomes(yanxiu::Instant as_of) {
        std::vector<yanxiu::Outcome> all;
        for (auto& s : shards_) {
            std::lock_guard<std::mutex> lock(s->mutex);
            auto part = s->ledger.outcomes(as_of);
            all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        }
        std::sort(all.begin(), all.end(),
                  [](const yanxiu::Outcome& a, const yanxiu::Outcome& b) { return a.participant < b.participant; });
        return all;
    }

    std::pair<std::size_t, std::size_t> counts() {
        std::size_t participants = 0, events = 0;
        for (auto& s : shards_) {
            std::lock_guard<std::mutex> lock(s->mutex);
            participants += s->ledger.participant_count();
            events += s->ledger.event_count();
        }
        return {participants, events};
    }

    /// Writes one yanxiu-ledger/1 snapshot holding every shard's records
    /// (shards hold disjoint participants, so their union replays exactly).
    /// Written to FILE.tmp and renamed, so a crash never leaves half a file.
    void write_state(const std::string& path) {
        std::string participants, events;
        for (auto& s : shards_) {
            json snapshot;
            {
                std::lock_guard<std::mutex> lock(s->mutex);
                snapshot = s->ledger.snapshot();
            }
            for (const auto& p : snapshot["participants"]) append_element(participants, p);
            for (const auto& e : snapshot["events"]) append_element(events, e);
        }
        const std::string tmp = path + ".tmp";
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error("cannot write " + tmp);
            out << "{\"format\":\"yanxiu-ledger/1\",\"program\":" << dump(program_.to_json())
                << ",\n\"participants\":[" << participants << "\n],\n\"events\":[" << events << "\n]}\n";
            out.flush();
            if (!out) throw std::runtime_error("cannot write " + tmp);
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + path);
    }

    /// Replays a snapshot written by write_state (or by Ledger::snapshot).
    /// Throws std::runtime_error when it is unreadable or for another programme.
    std::pair<std::size_t, std::size_t> restore(const std::string& path) {
        std::string text = yanxiu::detail::read_file(path);
        json snapshot = json::parse(text, nullptr, false);
        text.clear();
        text.shrink_to_fit();
        if (snapshot.is_discarded() || !snapshot.is_object() || snapshot.value("format", "") != "yanxiu-ledger/1")
            throw std::runtime_error(path + ": not a yanxiu-ledger/1 snapshot");
        if (snapshot.value("program", json()) != program_.to_json())
            throw std::runtime_error(path + ": the state was kept for another programme (or another version of it)");
        const auto& people = snapshot.value("participants", json::array());
        const auto& happenings = snapshot.value("events", json::array());
        if (!people.is_array() || !happenings.is_array())
            throw std::runtime_error(path + ": participants and events must be arrays");
        std::size_t participants = 0, events = 0;
        std::optional<yanxiu::Rejection> rejection;
        for (const auto& p : people)
            if (add_participant(p, rejection) == Added::accepted) ++participants;
        for (const auto& e : happenings)
            if (add_event(e).accepted) ++events;
        return {participants, events};
    }

    const yanxiu::Program& program() const noexcept { return program_; }

private:
    struct Shard {
        explicit Shard(const yanxiu::Program& program) : ledger(program) {}
        std::mutex mutex;
        yanxiu::Ledger ledger;
    };

    static std::string id_of(const json& record, const char* key) {
        if (record.is_object()) {
            auto it = record.find(key);
            if (it != record.end()) {
                if (it->is_string()) return it->get<std::string>();
                if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
            }
        }
        return {};
    }
    Shard& shard_for(std::string_view id) { return *shards_[yanxiu::detail::hash_bytes(id) % shards_.size()]; }

    static std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
    static void append_element(std::string& out, const json& j) {
        out += out.empty() ? "\n" : ",\n";
        out += dump(j);
    }

    const yanxiu::Program& program_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

// ---------------------------------------------------------------------------
// HTTP helpers

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}});
}

json rejection_json(const yanxiu::Rejection& r, std::size_t line) {
    json j;
    j["line"] = line;
    if (!r.field.empty()) j["field"] = r.field;
    j["code"] = std::string(yanxiu::to_string(r.code));
    j["message"] = r.message;
    return j;
}

/// What one POST did: SPEC §4's reconciliation (read = accepted + rejected + duplicates).
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

/// Splits a JSON Lines body exactly as the file readers do (same line
/// numbers, same rejections for bad JSON, bad UTF-8, duplicate keys, nesting)
/// and calls `on_record(json, line)` for each usable line.
template <class OnRecord>
void for_each_json_line(std::string_view body, Summary& summary, OnRecord&& on_record) {
    std::size_t pos = yanxiu::detail::skip_bom(body), line = 0;
    while (pos < body.size()) {
        ++line;
        std::size_t eol = body.find('\n', pos);
        if (eol == std::string_view::npos) eol = body.size();
        std::string_view text = body.substr(pos, eol - pos);
        pos = eol + 1;
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (yanxiu::detail::is_blank(text)) continue;
        bool usable = false;
        yanxiu::detail::scan_jsonl(
            text, [&](const yanxiu::detail::RecordFields&, std::size_t) { usable = true; },
            [&](std::size_t, std::string_view field, yanxiu::RejectCode code, std::string message) {
                summary.reject(yanxiu::Rejection{"", line, std::string(field), code, std::move(message)}, line);
            });
        if (!usable) continue;
        json record = json::parse(text, nullptr, false);
        if (record.is_discarded()) {  // the scanner accepted it, so this should not happen
            summary.reject(yanxiu::Rejection{"", line, "", yanxiu::RejectCode::malformed, "not valid JSON"}, line);
            continue;
        }
        on_record(record, line);
    }
}

void add_events(ServiceLedger& ledger, const json& event, std::size_t line, Summary& summary) {
    yanxiu::Update update = ledger.add_event(event);
    if (update.rejection) {
        summary.reject(*update.rejection, line);
        return;
    }
    ++summary.read;
    if (update.accepted) ++summary.accepted;
    else ++summary.duplicates;
    if (update.completed_now) ++summary.completed;
}

std::optional<yanxiu::Instant> parse_as_of(const std::string& text, const yanxiu::Program& program, std::string& error) {
    if (auto date = yanxiu::parse_local_date(text))
        return yanxiu::start_of_day(yanxiu::LocalDate{date::sys_days{*date} + date::days{1}}, program.time_zone());
    return yanxiu::parse_instant(text, program.time_zone(), &error);
}

#ifdef YANXIU_SERVICE_HAS_MESSAGES
/// Appends `"explanations":[…]` (one message per reason) to an outcome line.
void append_explanations(std::string& out, const yanxiu::Outcome& o, yanxiu::Lang lang) {
    out += ",\"explanations\":[";
    bool first = true;
    for (const yanxiu::Reason& r : o.reasons) {
        if (!first) out += ',';
        first = false;
        yanxiu::detail::append_json_string(out, std::string(yanxiu::explain(r, lang)));
    }
    out += ']';
}
#endif

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
    ServiceLedger ledger(program, options.shards);

    if (!options.state.empty() && file_exists(options.state)) {
        auto [participants, events] = ledger.restore(options.state);
        std::fprintf(stderr, "yanxiu_service: restored %zu participants and %zu events from %s\n", participants, events,
                     options.state.c_str());
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
        auto [participants, events] = ledger.counts();
        send_json(res, 200,
                  json{{"status", "ok"},
                       {"program", program.id()},
                       {"version", program.version()},
                       {"participants", participants},
                       {"events", events}});
    });

    server.Post("/participants", [&](const httplib::Request& req, httplib::Response& res) {
        Summary summary;
        for_each_json_line(req.body, summary, [&](const json& record, std::size_t line) {
            std::optional<yanxiu::Rejection> rejection;
            switch (ledger.add_participant(record, rejection)) {
                case ServiceLedger::Added::accepted: ++summary.read, ++summary.accepted; break;
                case ServiceLedger::Added::duplicate: ++summary.read, ++summary.duplicates; break;
                case ServiceLedger::Added::rejected: summary.reject(*rejection, line); break;
            }
        });
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
            for (const auto& e : mapped.events) add_events(ledger, e.record, e.line, summary);
            summary.read += mapped.summary.ignored;
            summary.ignored = mapped.summary.ignored;
            summary.voided = mapped.summary.voided;
            summary.xapi = true;
        } else {
            for_each_json_line(req.body, summary,
                               [&](const json& event, std::size_t line) { add_events(ledger, event, line, summary); });
        }
        send_json(res, 200, summary.to_json(true));
    });

    server.Get(R"(/participants/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
        yanxiu::Instant as_of = yanxiu::kEndOfTime;
        if (req.has_param("as_of")) {
            std::string error;
            auto t = parse_as_of(req.get_param_value("as_of"), program, error);
            if (!t) return send_error(res, 400, "as_of: " + error);
            as_of = *t;
        }
        const std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "zh";
        if (lang != "zh" && lang != "en") return send_error(res, 400, "lang must be zh or en");
        auto outcome = ledger.outcome(req.matches[1].str(), as_of);
        if (!outcome) return send_error(res, 404, "unknown participant");
        std::string body;
        body.reserve(512);
        yanxiu::append_json_line(body, *outcome, zone);
        body.resize(body.size() - 2);  // drop "}\n"
#ifdef YANXIU_SERVICE_HAS_MESSAGES
        append_explanations(body, *outcome, lang == "en" ? yanxiu::Lang::en : yanxiu::Lang::zh);
#endif
        body += "}\n";
        res.status = 200;
        res.set_content(body, "application/json; charset=utf-8");
    });

    server.Get("/report", [&](const httplib::Request& req, httplib::Response& res) {
#ifdef YANXIU_SERVICE_HAS_REPORT
        yanxiu::Instant as_of = yanxiu::kEndOfTime;
        if (req.has_param("as_of")) {
            std::string error;
            auto t = parse_as_of(req.get_param_value("as_of"), program, error);
            if (!t) return send_error(res, 400, "as_of: " + error);
            as_of = *t;
        }
        const auto outcomes = ledger.outcomes(as_of);
        const auto report = yanxiu::report(program, outcomes, nullptr, as_of);
        send_json(res, 200, yanxiu::to_json(report));
#else
        (void)req;
        send_error(res, 503, "reports are not built in (include/yanxiu/report.hpp is missing)");
#endif
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
        ledger.write_state(options.state);
        auto [participants, events] = ledger.counts();
        std::fprintf(stderr, "yanxiu_service: wrote %zu participants and %zu events to %s\n", participants, events,
                     options.state.c_str());
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
