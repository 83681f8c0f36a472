// A small HTTP service over a yanxiu ledger: participants and events arrive
// as JSON Lines, in any order, and each participant's live outcome is one GET
// away.
//
//   yanxiu_service [--program ID|FILE] [--port N] [--state DIR] [--shards N]
//                  [--fsync always|interval|never] [--park-limit N]
//                  [--shutdown-seconds N] [--xapi-lesson last_segment|whole_iri|query:PARAM]
//
//   POST /participants        JSON Lines of participant records  -> summary
//   POST /events              JSON Lines of events (xAPI with Content-Type
//                             application/xapi+json or ?format=xapi)  -> summary
//   GET  /participants/{id}   the live outcome [?as_of=INSTANT|DATE] [?lang=en]
//   GET  /report              the unit report as JSON [?as_of=...] (default: now)
//   GET  /healthz             counts, parked events, rejections by code, durability
//   GET  /certificates/{id}   a certificate's standing (valid, revoked, superseded) with
//                             its issue date; {id} may also be its verification code
//                             (with --certificates FILE --pub KEY.pub [--revoked FILE])
//
// Binds to 127.0.0.1 only.  With --state, every accepted record is in the
// state directory's log (yanxiu::DurableLedger) before the answer is sent:
// a 2xx means the records survive kill -9.  The directory is locked, replayed
// and checked writable at start.  An event whose participant has not arrived
// waits (parked) and applies when they do.  On SIGINT/SIGTERM it stops
// taking connections, gives requests in flight --shutdown-seconds, then exits
// with the log intact.  The records, their checks and the log are the
// library's; this file is HTTP and command-line options only.

#include <yanxiu/yanxiu.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <fstream>
#include <map>
#include <sstream>
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
    std::size_t read = 0, accepted = 0, rejected = 0, duplicates = 0, completed = 0, parked = 0;
    std::size_t ignored = 0, voided = 0;  // xAPI: statements that map to no event (voided ones among them)
    bool xapi = false;
    json rejections = json::array();

    void reject(const yanxiu::Rejection& r, std::size_t line) {
        ++read;
        ++rejected;
        list(r, line);
    }
    /// Lists a rejection already counted.
    void list(const yanxiu::Rejection& r, std::size_t line) {
        if (rejections.size() < kMaxListedRejections) rejections.push_back(rejection_json(r, line));
    }
    json to_json(bool events) const {
        json j;
        j["read"] = read;
        j["accepted"] = accepted;
        j["rejected"] = rejected;
        j["duplicates"] = duplicates;
        if (xapi) j["ignored"] = ignored, j["voided"] = voided;  // read = accepted + rejected + duplicates + ignored
        if (events) {
            j["completed"] = completed;  // participants whose certificate these events earned
            j["parked"] = parked;        // accepted, waiting for their participant
        }
        j["rejections"] = rejections;
        if (rejected > rejections.size()) j["rejections_truncated"] = true;
        return j;
    }
};

/// Adds what a batch of records did to the answer.
void add_batch(Summary& summary, const yanxiu::BatchResult& batch) {
    summary.read += batch.summary.read;
    summary.accepted += batch.summary.accepted;
    summary.rejected += batch.summary.rejected;
    summary.duplicates += batch.summary.duplicates;
    summary.completed += batch.completed;
    summary.parked += batch.parked;
    for (const auto& r : batch.rejections) summary.list(r, r.line);  // the first ones; all are counted
}

/// Everything the service has read since it started: for /report's inputs
/// and /healthz's rejections by code (counted, never kept).
class Tally {
public:
    void add(bool events, const Summary& s, const json& codes) {
        std::lock_guard<std::mutex> lock(mutex_);
        yanxiu::ReadSummary& t = events ? events_ : participants_;
        t.read += s.read - s.ignored;
        t.accepted += s.accepted;
        t.rejected += s.rejected;
        t.duplicates += s.duplicates;
        for (auto it = codes.begin(); it != codes.end(); ++it) codes_[it.key()] += it.value().get<std::size_t>();
    }
    void set_restored(std::size_t participants, std::size_t events) {
        std::lock_guard<std::mutex> lock(mutex_);
        participants_.read = participants_.accepted = participants;
        events_.read = events_.accepted = events;
    }
    std::vector<yanxiu::InputCount> inputs() {
        std::lock_guard<std::mutex> lock(mutex_);
        return {{"participants", participants_}, {"events", events_}};
    }
    json rejections() {
        std::lock_guard<std::mutex> lock(mutex_);
        return json(codes_);
    }

private:
    std::mutex mutex_;
    yanxiu::ReadSummary participants_, events_;
    std::map<std::string, std::size_t> codes_;  // rejection code -> how many
};

/// The codes of an answer's rejections, counted (all of them, not just the listed ones).
struct CodeCounter {
    json codes = json::object();
    void add(yanxiu::RejectCode code, std::size_t n = 1) {
        if (n == 0) return;
        auto& count = codes[std::string(yanxiu::to_string(code))];
        count = count.is_null() ? n : count.get<std::size_t>() + n;
    }
    void operator()(const yanxiu::Rejection& r) { add(r.code); }
    void operator()(const yanxiu::BatchResult& batch) {
        for (yanxiu::RejectCode code : yanxiu::kRejectCodes) add(code, batch.rejected_by_code[static_cast<std::size_t>(code)]);
    }
};

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
    std::string state;  ///< a state directory; empty: records in memory only
    std::size_t shards = 16;
    yanxiu::SyncPolicy sync = yanxiu::SyncPolicy::always;
    std::size_t park_limit = yanxiu::kDefaultParkLimit;
    int shutdown_seconds = 10;
    yanxiu::XapiOptions xapi;  ///< how an xAPI object id names a lesson
    std::vector<std::string> certificates;  ///< certificate files to answer /certificates from
    std::string pub, revoked;               ///< the key they are checked with, revocations
};

[[noreturn]] void usage(const std::string& message) {
    std::fprintf(stderr, "yanxiu_service: %s\n", message.c_str());
    std::fprintf(stderr,
                 "usage: yanxiu_service [--program ID|FILE] [--port N] [--state DIR] [--shards N]\n"
                 "                      [--fsync always|interval|never] [--park-limit N] [--shutdown-seconds N]\n"
                 "                      [--xapi-lesson last_segment|whole_iri|query:PARAM]\n"
                 "                      [--certificates FILE --pub KEY.pub [--revoked FILE]]\n");
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
        else if (arg == "--park-limit")
            options.park_limit = static_cast<std::size_t>(parse_number(arg, value(), 0, 1000000000));
        else if (arg == "--shutdown-seconds")
            options.shutdown_seconds = static_cast<int>(parse_number(arg, value(), 0, 3600));
        else if (arg == "--fsync") {
            auto policy = yanxiu::parse_sync_policy(value());
            if (!policy) usage("--fsync: expected always, interval or never");
            options.sync = *policy;
        } else if (arg == "--xapi-lesson") {
            auto mapping = yanxiu::XapiOptions::parse(value());
            if (!mapping) usage("--xapi-lesson: expected last_segment, whole_iri or query:PARAM");
            options.xapi = *mapping;
        } else if (arg == "--certificates") {
            options.certificates.push_back(value());
        } else if (arg == "--pub") {
            options.pub = value();
        } else if (arg == "--revoked") {
            options.revoked = value();
        } else {
            usage("unknown option " + arg);
        }
    }
    if (options.certificates.empty() != options.pub.empty())
        usage("--certificates and --pub go together (the files are checked with the key)");
    if (!options.revoked.empty() && options.certificates.empty()) usage("--revoked needs --certificates");
    if (options.state.empty() && options.sync != yanxiu::SyncPolicy::always)
        usage("--fsync needs --state (without it nothing is written)");
    return options;
}

/// The ledger the handlers use: durable with --state, in memory without.
class Store {
public:
    Store(const yanxiu::Program& program, const Options& options) {
        if (options.state.empty()) {
            memory_ = std::make_unique<yanxiu::ShardedLedger>(program, options.shards);
            memory_->set_park_limit(options.park_limit);
            return;
        }
        yanxiu::DurableOptions durable;
        durable.sync = options.sync;
        durable.shards = options.shards;
        durable.park_limit = options.park_limit;
        durable_ = std::make_unique<yanxiu::DurableLedger>(program, options.state, durable);
    }
    [[nodiscard]] yanxiu::DurableLedger* durable() noexcept { return durable_.get(); }

    yanxiu::BatchResult add_participants(std::string_view body) {
        return durable_ ? durable_->add_participants(body, "<participants>")
                        : memory_->add_participants(body, "<participants>");
    }
    yanxiu::BatchResult add_events(std::string_view body) {
        return durable_ ? durable_->add_events(body, "<events>") : memory_->add_events(body, "<events>");
    }
    yanxiu::Update add_unsynced(const yanxiu::Record& event) {
        return durable_ ? durable_->add_unsynced(event) : memory_->add(event);
    }
    void sync() {
        if (durable_) durable_->sync();
    }
    std::optional<yanxiu::Outcome> outcome(std::string_view id, yanxiu::Instant as_of) {
        return durable_ ? durable_->outcome(id, as_of) : memory_->outcome(id, as_of);
    }
    std::vector<yanxiu::Outcome> outcomes(yanxiu::Instant as_of) {
        return durable_ ? durable_->outcomes(as_of) : memory_->outcomes(as_of);
    }
    yanxiu::ShardedLedger::Counts counts() { return durable_ ? durable_->counts() : memory_->counts(); }
    std::size_t parked() { return durable_ ? durable_->parked_count() : memory_->parked_count(); }

private:
    std::unique_ptr<yanxiu::ShardedLedger> memory_;
    std::unique_ptr<yanxiu::DurableLedger> durable_;
};

std::string iso_utc(std::chrono::system_clock::time_point t) {
    return yanxiu::format_instant_utc(std::chrono::time_point_cast<yanxiu::Seconds>(t));
}

json durability_json(Store& store, const Options& options) {
    yanxiu::DurableLedger* d = store.durable();
    if (!d) return json{{"state", nullptr}, {"durable", false}};
    const yanxiu::DurableStatus s = d->status();
    return json{{"state", s.directory},
                {"durable", s.failure.empty()},
                {"fsync", std::string(yanxiu::to_string(s.sync))},
                {"generation", s.generation},
                {"log_bytes", s.log_bytes},
                {"records_logged", s.records_appended},
                {"records_durable", s.records_durable},
                {"fsyncs", s.syncs},
                {"last_fsync", s.last_sync ? json(iso_utc(*s.last_sync)) : json(nullptr)},
                {"checkpoints", s.checkpoints},
                {"failure", s.failure.empty() ? json(nullptr) : json(s.failure)},
                {"park_limit", options.park_limit}};
}

/// The certificates the service answers for, checked once at start: by id
/// and by verification code.
class Certificates {
public:
    explicit Certificates(const Options& options) {
        if (options.certificates.empty()) return;
        const auto key = yanxiu::PublicKey::load(options.pub);
        auto slurp = [](const std::string& path) {
            std::ifstream in(path, std::ios::binary);
            if (!in) throw std::runtime_error(path + ": cannot read");
            std::stringstream s;
            s << in.rdbuf();
            return s.str();
        };
        std::vector<std::pair<std::string, std::string>> files, revoked;
        for (const auto& path : options.certificates) files.emplace_back(path, slurp(path));
        if (!options.revoked.empty()) revoked.emplace_back(options.revoked, slurp(options.revoked));
        yanxiu::VerifyResult result;
        statuses_ = yanxiu::certificate_statuses(key, files, revoked, result);
        for (std::size_t i = 0; i < statuses_.size(); ++i) {
            by_id_.emplace(statuses_[i].certificate.id, i);
            by_code_.emplace(statuses_[i].certificate.code, i);
        }
        std::fprintf(stderr, "yanxiu_service: %zu certificates (%zu valid; %zu lines that did not verify are not served)\n",
                     statuses_.size(), result.valid, result.records - statuses_.size());
    }
    [[nodiscard]] bool enabled() const noexcept { return !statuses_.empty() || !by_id_.empty(); }
    /// The standing of a certificate by id or code, or nullptr.
    [[nodiscard]] const yanxiu::CertificateStatus* find(const std::string& key) const {
        if (auto it = by_id_.find(key); it != by_id_.end()) return &statuses_[it->second];
        if (auto it = by_code_.find(key); it != by_code_.end()) return &statuses_[it->second];
        return nullptr;
    }

private:
    std::vector<yanxiu::CertificateStatus> statuses_;
    std::map<std::string, std::size_t> by_id_, by_code_;
};

/// What anyone may see of a certificate: its standing and its figures (not the name).
json certificate_json(const yanxiu::CertificateStatus& s) {
    const auto& c = s.certificate;
    json j = {{"id", c.id},
              {"code", c.code},
              {"status", std::string(yanxiu::to_string(s.state))},
              {"issued_at", c.issued_at},
              {"completed_at", c.completed_at},
              {"programme", {{"id", c.programme_id}, {"version", c.programme_version}}},
              {"unit", c.unit},
              {"category", c.category},
              {"hours", c.hours},
              {"lessons", c.lessons}};
    if (!c.supersedes.empty()) j["supersedes"] = c.supersedes;
    if (s.state == yanxiu::CertificateStatus::State::superseded) j["superseded_by"] = s.detail;
    if (s.state == yanxiu::CertificateStatus::State::revoked)
        j["revoked"] = {{"reason", s.detail}, {"revoked_at", s.revoked_at}};
    // Genuine, but its file was changed around it: not vouched for as valid.
    if (s.out_of_place) {
        if (s.state == yanxiu::CertificateStatus::State::valid) j["status"] = "unconfirmed";
        j["out_of_place"] = true;
    }
    return j;
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

    const auto program = std::make_shared<const yanxiu::Program>(yanxiu::Program::load(options.program));
    const yanxiu::TimeZone& zone = program->time_zone();
    const Certificates certificates(options);  // read and checked before the port opens
    Store store(*program, options);  // takes the state directory's lock, replays it, checks it is writable
    Tally tally;
    if (auto* d = store.durable()) {
        const yanxiu::Recovery& r = d->recovery();
        std::fprintf(stderr,
                     "yanxiu_service: %s: %zu participants, %zu events, %zu parked (snapshot %llu: %zu records; "
                     "log: %zu records) in %.2f s\n",
                     options.state.c_str(), r.participants, r.events, r.parked,
                     static_cast<unsigned long long>(r.generation), r.snapshot_records, r.log_records, r.seconds);
        if (r.torn_bytes)
            std::fprintf(stderr, "yanxiu_service: cut %llu bytes of an unfinished write off %s\n",
                         static_cast<unsigned long long>(r.torn_bytes), r.torn_at.c_str());
        if (r.not_kept)
            std::fprintf(stderr, "yanxiu_service: %zu logged records were not kept again (another --shards?)\n",
                         r.not_kept);
        tally.set_restored(r.participants, r.events + r.parked);
    }

    httplib::Server server;
    server.set_payload_max_length(kMaxBody);
    server.set_read_timeout(30, 0);
    server.set_write_timeout(30, 0);
    server.set_keep_alive_max_count(1000);  // httplib's default of 5 makes clients reconnect constantly
    server.set_tcp_nodelay(true);           // else Nagle + delayed ACK add ~40 ms to every small answer
    // httplib's default sets SO_REUSEPORT, which lets a second service bind
    // the same port; SO_REUSEADDR alone still allows a quick restart.
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });

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
        int status = 500;
        std::string message = "internal error";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const yanxiu::StateError& e) {
            // The log cannot be written: nothing in this request is acknowledged.
            status = 503;
            message = std::string("not stored: ") + e.what();
        } catch (const std::exception& e) {
            message = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        send_error(res, status, message);
    });

    server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
        const auto counts = store.counts();
        json durability = durability_json(store, options);
        const bool failed = durability.contains("failure") && !durability["failure"].is_null();
        send_json(res, failed ? 503 : 200,
                  json{{"status", failed ? "failed" : "ok"},
                       {"program", program->id()},
                       {"version", program->version()},
                       {"participants", counts.participants},
                       {"events", counts.events},
                       {"parked", store.parked()},
                       {"rejected", tally.rejections()},
                       {"durability", std::move(durability)}});
    });

    server.Post("/participants", [&](const httplib::Request& req, httplib::Response& res) {
        Summary summary;
        CodeCounter codes;
        const auto batch = store.add_participants(req.body);
        codes(batch);
        add_batch(summary, batch);
        tally.add(false, summary, codes.codes);
        send_json(res, 200, summary.to_json(false));
    });

    server.Post("/events", [&](const httplib::Request& req, httplib::Response& res) {
        const std::string type = req.get_header_value("Content-Type");
        const bool xapi = type.rfind("application/xapi+json", 0) == 0 || req.get_param_value("format") == "xapi";
        Summary summary;
        CodeCounter codes;
        if (xapi) {
            // Statements (a JSON array or JSON Lines) become event records
            // by the library's one xAPI mapping; the ledger then judges each.
            const yanxiu::XapiEvents mapped = yanxiu::xapi_events(req.body, "<xapi>", *program, options.xapi);
            for (const auto& r : mapped.rejections) summary.reject(r, r.line), codes(r);
            for (const auto& e : mapped.events) {
                const yanxiu::Update update = store.add_unsynced(e.record);
                if (update.rejection) {
                    summary.reject(*update.rejection, e.line);
                    codes(*update.rejection);
                    continue;
                }
                ++summary.read;
                if (update.accepted()) ++summary.accepted;
                else ++summary.duplicates;
                if (update.completed_now) ++summary.completed;
                if (update.parked && update.accepted()) ++summary.parked;
            }
            store.sync();  // one wait for the whole body before it is acknowledged
            summary.read += mapped.summary.ignored;
            summary.ignored = mapped.summary.ignored;
            summary.voided = mapped.summary.voided;
            summary.xapi = true;
        } else {
            const auto batch = store.add_events(req.body);
            codes(batch);
            add_batch(summary, batch);
        }
        tally.add(true, summary, codes.codes);
        send_json(res, 200, summary.to_json(true));
    });

    server.Get(R"(/participants/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
        std::string error;
        const auto as_of = as_of_param(req, *program, error);
        if (!error.empty()) return send_error(res, 400, error);
        const auto lang = yanxiu::parse_lang(req.has_param("lang") ? req.get_param_value("lang") : "zh");
        if (!lang) return send_error(res, 400, "lang must be zh or en");
        auto outcome = store.outcome(req.matches[1].str(), as_of.value_or(yanxiu::kEndOfTime));
        if (!outcome) return send_error(res, 404, "unknown participant");
        yanxiu::OutcomeJson format;
        format.explanations = *lang;  // each reason as a sentence
        std::string body;
        body.reserve(512);
        yanxiu::append_json_line(body, *outcome, zone, format);
        res.status = 200;
        res.set_content(body, "application/json; charset=utf-8");
    });

    server.Get(R"(/certificates/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        if (options.certificates.empty()) return send_error(res, 404, "no certificates are served (--certificates)");
        const auto* s = certificates.find(req.matches[1].str());
        if (!s) return send_error(res, 404, "unknown certificate");
        send_json(res, 200, certificate_json(*s));
    });

    server.Get("/report", [&](const httplib::Request& req, httplib::Response& res) {
        std::string error;
        const auto given = as_of_param(req, *program, error);
        if (!error.empty()) return send_error(res, 400, error);
        // A live report is as of now unless asked otherwise.
        const yanxiu::Instant as_of =
            given.value_or(std::chrono::time_point_cast<yanxiu::Seconds>(std::chrono::system_clock::now()));
        yanxiu::Evaluation evaluation;
        evaluation.program = program;
        evaluation.as_of = as_of;
        evaluation.outcomes = store.outcomes(as_of);
        evaluation.inputs = tally.inputs();
        auto report = yanxiu::report(evaluation);
        report.generated_at = iso_utc(std::chrono::system_clock::now());
        res.status = 200;
        res.set_content(yanxiu::to_json(report).dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json; charset=utf-8");
    });

    int port = options.port;
    if (port == 0) {
        port = server.bind_to_any_port("127.0.0.1");
        if (port < 0) throw std::runtime_error("cannot bind to 127.0.0.1");
    } else if (!server.bind_to_port("127.0.0.1", port)) {
        throw std::runtime_error("cannot bind to 127.0.0.1:" + std::to_string(port) + " (in use?)");
    }
    std::printf("listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);

    std::atomic<bool> done{false};
    auto finished = std::make_shared<std::atomic<bool>>(false);  // outlives run() for the deadline thread
    std::thread signal_waiter([&] {
        const timespec tick{0, 200 * 1000 * 1000};
        while (!done) {
            if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
                // Requests in flight get a deadline: past it, the service
                // exits as it is.  Every acknowledged record is in the log
                // already, and an unfinished write is cut off on restart.
                std::thread([finished, seconds = options.shutdown_seconds] {
                    std::this_thread::sleep_for(std::chrono::seconds(seconds));
                    if (*finished) return;
                    std::fprintf(stderr, "yanxiu_service: requests still running after %d s; stopping without them\n",
                                 seconds);
                    std::_Exit(0);
                }).detach();
                // stop() only acts once the server runs: repeat until listen returns.
                while (!done) {
                    server.stop();
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
            }
        }
    });
    const bool listened = server.listen_after_bind();
    *finished = true;
    done = true;
    signal_waiter.join();
    if (!listened) std::fprintf(stderr, "yanxiu_service: the server stopped on an error\n");
    const auto counts = store.counts();
    std::fprintf(stderr, "yanxiu_service: stopped with %zu participants and %zu events%s\n", counts.participants,
                 counts.events, options.state.empty() ? " (not kept: no --state)" : "");
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
