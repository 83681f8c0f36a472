// A small HTTP service over a yanxiu ledger: participants and events arrive
// as JSON Lines, in any order, and each participant's live outcome is one GET
// away.
//
//   yanxiu_service [--program ID|FILE] [--port N] [--state DIR] [--shards N]
//                  [--fsync always|interval|never] [--park-limit N]
//                  [--shutdown-seconds N] [--xapi-lesson last_segment|whole_iri|query:PARAM]
//                  [--auth FILE] [--bind ADDR] [--cert FILE --key FILE]
//                  [--max-body-bytes N] [--max-records N] [--rate N]
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
//   GET  /audit?participant=ID  who wrote which of a participant's records, when (--auth)
//
// With --auth FILE (yanxiu::Tokens: one writer a line, tokens kept as their
// SHA-256) every request but /healthz and /certificates carries
// `Authorization: Bearer TOKEN`: a reader may GET, a platform may also write
// participants, study, quiz and exam records, a unit may also write
// approvals and manual credits for its units' participants.  A request
// with one record its writer may not write is refused whole (403) and
// nothing of it is kept; every kept record is stamped with its writer
// (recorded_by) and listed in the audit log.  Without --auth it binds to
// loopback only; beyond loopback it needs --auth and HTTPS (--cert, --key).
//
// Binds to 127.0.0.1 by default.  With --state, every accepted record is in the
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
#include <cmath>
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
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>

namespace {

using nlohmann::json;

constexpr std::size_t kDefaultMaxBody = 64u << 20;  // bytes per request body
constexpr std::size_t kDefaultMaxRecords = 1000000;  // records per request (a 64 MiB body holds ~350,000)
constexpr double kDefaultRate = 50;                 // requests per second per token (with --auth)
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
    std::string auth;                       ///< the token file; empty: anyone on loopback may write
    std::string bind = "127.0.0.1";         ///< the address to listen on
    std::string cert, key;                  ///< HTTPS: the certificate chain and its private key (PEM)
    std::size_t max_body = kDefaultMaxBody;
    std::size_t max_records = kDefaultMaxRecords;
    /// Requests per second per token (a burst of one second's worth); 0: no
    /// limit.  Without --auth only when given, for all clients together.
    std::optional<double> rate;
};

/// Whether `address` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& address) {
    if (address == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

[[noreturn]] void usage(const std::string& message) {
    std::fprintf(stderr, "yanxiu_service: %s\n", message.c_str());
    std::fprintf(stderr,
                 "usage: yanxiu_service [--program ID|FILE] [--port N] [--state DIR] [--shards N]\n"
                 "                      [--fsync always|interval|never] [--park-limit N] [--shutdown-seconds N]\n"
                 "                      [--xapi-lesson last_segment|whole_iri|query:PARAM]\n"
                 "                      [--certificates FILE --pub KEY.pub [--revoked FILE]]\n"
                 "                      [--auth FILE] [--bind ADDR] [--cert FILE --key FILE]\n"
                 "                      [--max-body-bytes N] [--max-records N] [--rate N]\n");
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
        if (arg == "--help" || arg == "-h") usage("a yanxiu ledger over HTTP (or HTTPS)");
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
        } else if (arg == "--auth") {
            options.auth = value();
        } else if (arg == "--bind") {
            options.bind = value();
        } else if (arg == "--cert") {
            options.cert = value();
        } else if (arg == "--key") {
            options.key = value();
        } else if (arg == "--max-body-bytes") {
            options.max_body = static_cast<std::size_t>(parse_number(arg, value(), 1, 1L << 32));
        } else if (arg == "--max-records") {
            options.max_records = static_cast<std::size_t>(parse_number(arg, value(), 1, 100000000));
        } else if (arg == "--rate") {
            options.rate = static_cast<double>(parse_number(arg, value(), 0, 1000000));
        } else {
            usage("unknown option " + arg);
        }
    }
    if (options.certificates.empty() != options.pub.empty())
        usage("--certificates and --pub go together (the files are checked with the key)");
    if (!options.revoked.empty() && options.certificates.empty()) usage("--revoked needs --certificates");
    if (options.state.empty() && options.sync != yanxiu::SyncPolicy::always)
        usage("--fsync needs --state (without it nothing is written)");
    if (options.cert.empty() != options.key.empty()) usage("--cert and --key go together (HTTPS needs both)");
    if (!is_loopback(options.bind)) {
        // Beyond this machine, anyone who can reach the port could write.
        if (options.auth.empty()) usage("--bind " + options.bind + ": only a loopback address without --auth");
        if (options.cert.empty())
            usage("--bind " + options.bind + ": beyond loopback only with HTTPS (--cert, --key), or tokens cross in clear");
    }
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
    yanxiu::AddResult add_participant_unsynced(const yanxiu::Record& record) {
        return durable_ ? durable_->add_participant_unsynced(record) : memory_->add_participant(record);
    }
    std::optional<std::string> unit_of(std::string_view id) {
        return durable_ ? durable_->unit_of(id) : memory_->unit_of(id);
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

// ---------------------------------------------------------------------------
// Who may write what (--auth), and how often

/// The writers of --auth and a token bucket per writer (one more for
/// everyone together when there is no --auth).
class Access {
public:
    explicit Access(const Options& options) {
        if (!options.auth.empty()) tokens_ = yanxiu::Tokens::load(options.auth);  // AuthError names the bad line
        rate_ = options.rate.value_or(tokens_ ? kDefaultRate : 0);
        buckets_.resize(tokens_ ? tokens_->size() : 1);
    }
    [[nodiscard]] bool enabled() const noexcept { return tokens_.has_value(); }
    [[nodiscard]] double rate() const noexcept { return rate_; }
    [[nodiscard]] std::size_t writers() const noexcept { return tokens_ ? tokens_->size() : 0; }

    /// Who is asking for `rights` (any one of them will do): the writer
    /// (nullptr without --auth), or nullopt after answering 401, 403 or 429.
    std::optional<const yanxiu::Writer*> admit(const httplib::Request& req, httplib::Response& res,
                                              std::initializer_list<yanxiu::Right> rights) {
        const yanxiu::Writer* writer = nullptr;
        if (tokens_) {
            const std::string header = req.get_header_value("Authorization");
            const std::string_view token = yanxiu::bearer_token(header);
            if (token.empty()) return refuse_unauthorized(res, "no token: send Authorization: Bearer TOKEN");
            writer = tokens_->find(token);  // constant time; the token itself is never written anywhere
            if (!writer) return refuse_unauthorized(res, "unknown token");
        }
        const std::size_t bucket = writer ? static_cast<std::size_t>(writer - tokens_->writers().data()) : 0;
        if (const int wait = take(bucket)) {
            res.set_header("Retry-After", std::to_string(wait));
            send_json(res, 429, json{{"error", "too many requests"},
                                     {"limit_per_second", rate_},
                                     {"retry_after_seconds", wait}});
            return std::nullopt;
        }
        if (writer) {
            bool held = false;
            for (yanxiu::Right r : rights) held = held || writer->holds(r);
            if (!held) {
                json refused = json::array();
                for (yanxiu::Right r : rights) refused.push_back(std::string(yanxiu::describe(r)));
                send_json(res, 403, json{{"error", "forbidden"},
                                         {"writer", writer->name},
                                         {"role", std::string(yanxiu::to_string(writer->role))},
                                         {"refused", refused},
                                         {"why", "a " + std::string(yanxiu::to_string(writer->role)) +
                                                     " token may not do this"}});
                return std::nullopt;
            }
        }
        return writer;
    }

private:
    static std::nullopt_t refuse_unauthorized(httplib::Response& res, const std::string& why) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"yanxiu\"");
        send_json(res, 401, json{{"error", "unauthorized"}, {"why", why}});
        return std::nullopt;
    }
    /// 0 when bucket `i` has a request left, else the whole seconds until it has.
    int take(std::size_t i) {
        if (rate_ <= 0) return 0;
        std::lock_guard<std::mutex> lock(mutex_);
        Bucket& b = buckets_[i];
        const auto now = std::chrono::steady_clock::now();
        const double capacity = std::max(1.0, rate_);
        if (!b.started) b.tokens = capacity, b.started = true;
        else b.tokens = std::min(capacity, b.tokens + rate_ * std::chrono::duration<double>(now - b.last).count());
        b.last = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
    }
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point last{};
        bool started = false;
    };
    std::optional<yanxiu::Tokens> tokens_;
    double rate_ = 0;
    std::mutex mutex_;
    std::vector<Bucket> buckets_;
};

/// Who wrote which record, when: a JSON line per kept record, in the state
/// directory's audit.jsonl (written and, with --fsync always, synced before
/// the answer) or in memory without --state.  What is kept in memory is
/// where each participant's lines are (16 bytes a record), not the lines.
class Audit {
public:
    Audit(const Options& options, bool enabled) : enabled_(enabled) {
        if (!enabled_ || options.state.empty()) return;
        path_ = options.state + "/audit.jsonl";
        sync_ = options.sync == yanxiu::SyncPolicy::always;
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd_ < 0) throw yanxiu::io_error(path_, "cannot open", errno);
        load();
    }
    ~Audit() {
        if (fd_ >= 0) ::close(fd_);
    }
    Audit(const Audit&) = delete;
    Audit& operator=(const Audit&) = delete;

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }
    [[nodiscard]] std::size_t entries() {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_;
    }

    /// Keeps one request's entries (each a participant and its JSON line);
    /// throws io_error when the file cannot be written.
    void add(const std::vector<std::pair<std::string, std::string>>& entries) {
        if (!enabled_ || entries.empty()) return;
        std::string text;
        for (const auto& e : entries) text += e.second, text += '\n';
        std::lock_guard<std::mutex> lock(mutex_);
        if (fd_ >= 0) {
            std::size_t done = 0;
            while (done < text.size()) {
                const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) throw yanxiu::io_error(path_, "cannot write", errno);
                done += static_cast<std::size_t>(n);
            }
            if (sync_ && ::fdatasync(fd_) != 0) throw yanxiu::io_error(path_, "cannot sync", errno);
        } else {
            memory_ += text;
        }
        std::uint64_t at = size_;
        for (const auto& e : entries) {
            by_participant_[e.first].push_back(Span{at, static_cast<std::uint32_t>(e.second.size())});
            at += e.second.size() + 1;
        }
        size_ = at;
        count_ += entries.size();
    }

    /// A participant's entries, oldest first.
    json list(const std::string& participant) {
        std::lock_guard<std::mutex> lock(mutex_);
        json out = json::array();
        const auto it = by_participant_.find(participant);
        if (it == by_participant_.end()) return out;
        std::string line;
        for (const Span& span : it->second) {
            if (fd_ < 0) {
                line.assign(memory_, span.offset, span.length);
            } else {
                line.resize(span.length);
                const ssize_t n = ::pread(fd_, line.data(), span.length, static_cast<off_t>(span.offset));
                if (n != static_cast<ssize_t>(span.length)) throw yanxiu::io_error(path_, "cannot read", errno);
            }
            out.push_back(json::parse(line, nullptr, false));
        }
        return out;
    }

private:
    struct Span {
        std::uint64_t offset;
        std::uint32_t length;
    };

    /// Indexes what earlier runs kept; cuts off a last line a crash left unfinished.
    void load() {
        std::ifstream in(path_, std::ios::binary);
        std::string line;
        std::uint64_t at = 0;
        std::size_t unreadable = 0;
        while (std::getline(in, line)) {
            if (in.eof()) break;  // no newline after it: unfinished
            const auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("participant") && j["participant"].is_string()) {
                by_participant_[j["participant"].get<std::string>()].push_back(
                    Span{at, static_cast<std::uint32_t>(line.size())});
                ++count_;
            } else if (!line.empty()) {
                ++unreadable;
            }
            at += line.size() + 1;
        }
        const off_t end = ::lseek(fd_, 0, SEEK_END);
        if (end > static_cast<off_t>(at)) {
            if (::ftruncate(fd_, static_cast<off_t>(at)) != 0)
                throw yanxiu::io_error(path_, "cannot cut off an unfinished line", errno);
            std::fprintf(stderr, "yanxiu_service: cut %lld bytes of an unfinished audit line off %s\n",
                         static_cast<long long>(end - static_cast<off_t>(at)), path_.c_str());
        }
        size_ = at;
        if (unreadable)
            std::fprintf(stderr, "yanxiu_service: %s: %zu lines are not audit entries (kept, not listed)\n",
                         path_.c_str(), unreadable);
    }

    bool enabled_ = false;
    bool sync_ = false;
    std::string path_;
    int fd_ = -1;
    std::string memory_;     ///< the lines, without --state
    std::uint64_t size_ = 0;  ///< bytes of lines so far (the file's size, or memory_'s)
    std::mutex mutex_;
    std::size_t count_ = 0;
    std::unordered_map<std::string, std::vector<Span>> by_participant_;
};

/// A record's field as text for the audit log ("" when absent or not text).
std::string text_of(const yanxiu::Record& r, yanxiu::Field f) {
    return yanxiu::record_id(r.get(f)).value_or("");
}

/// One kept record's audit line: when it arrived, who wrote it, what it was.
std::pair<std::string, std::string> audit_entry(const std::string& at, const yanxiu::Writer& writer,
                                                const yanxiu::Record& r, bool participant_record) {
    using yanxiu::Field;
    std::string participant = text_of(r, participant_record ? Field::id : Field::participant);
    std::string line = "{\"at\":";
    yanxiu::append_json_string(line, at);
    line += ",\"writer\":";
    yanxiu::append_json_string(line, writer.name);
    line += ",\"role\":\"";
    line += yanxiu::to_string(writer.role);
    line += "\",\"participant\":";
    yanxiu::append_json_string(line, participant);
    line += ",\"kind\":";
    yanxiu::append_json_string(line, participant_record ? std::string("participant") : text_of(r, Field::kind));
    for (Field f : {Field::lesson, Field::exam, Field::by, Field::unit, Field::id}) {
        if (participant_record && f == Field::id) continue;
        const std::string v = text_of(r, f);
        if (v.empty()) continue;
        line += ",\"";
        line += yanxiu::field_name(f);
        line += "\":";
        yanxiu::append_json_string(line, v);
    }
    line += '}';
    return {std::move(participant), std::move(line)};
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

    Access access(options);  // the token file is checked, line by line, before the port opens
    Audit audit(options, access.enabled());
    if (access.enabled())
        std::fprintf(stderr, "yanxiu_service: %zu writers from %s; %zu audit entries\n", access.writers(),
                     options.auth.c_str(), audit.entries());

    // HTTPS with --cert and --key; the handlers are the same.
    std::unique_ptr<httplib::Server> owned;
    if (!options.cert.empty()) {
        auto tls = std::make_unique<httplib::SSLServer>(options.cert.c_str(), options.key.c_str());
        if (!tls->is_valid())
            throw std::runtime_error("--cert " + options.cert + " / --key " + options.key +
                                     ": not a usable certificate and private key (PEM, the key matching)");
        owned = std::move(tls);
    } else {
        owned = std::make_unique<httplib::Server>();
    }
    httplib::Server& server = *owned;
    server.set_payload_max_length(options.max_body);
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
    server.set_error_handler([&options](const httplib::Request& req, httplib::Response& res) {
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
                message = "request body larger than " + std::to_string(options.max_body) + " bytes (--max-body-bytes)";
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
                       {"durability", std::move(durability)},
                       {"auth", {{"enabled", access.enabled()},
                                 {"writers", access.writers()},
                                 {"audit_entries", audit.entries()}}},
                       {"tls", !options.cert.empty()},
                       {"limits", {{"max_body_bytes", options.max_body},
                                   {"max_records", options.max_records},
                                   {"requests_per_second", access.rate()},
                                   {"burst", access.rate() > 0 ? std::max(1.0, access.rate()) : 0.0}}}});
    });

    // Records per request: counted before anything is read (a JSON Lines
    // body's non-blank lines), so a refused body costs no parsing.
    auto too_many = [&](std::size_t records, httplib::Response& res) {
        if (records <= options.max_records) return false;
        send_json(res, 413, json{{"error", "too many records"},
                                 {"records", records},
                                 {"max_records", options.max_records},
                                 {"stored", 0}});
        return true;
    };
    auto count_lines = [](std::string_view body) {
        std::size_t n = 0, start = 0;
        while (start < body.size()) {
            std::size_t end = body.find('\n', start);
            if (end == std::string_view::npos) end = body.size();
            if (body.substr(start, end - start).find_first_not_of(" \t\r") != std::string_view::npos) ++n;
            start = end + 1;
        }
        return n;
    };
    // The record as it is kept: stamped with its authenticated writer, and
    // without a recorded_by of its own (only the service says who wrote it).
    auto as_kept = [](const yanxiu::Record& r, const yanxiu::Writer* writer, yanxiu::Record& copy) -> const yanxiu::Record& {
        if (!writer && r.get(yanxiu::Field::recorded_by).type == yanxiu::ValueType::absent) return r;
        copy = r;
        if (writer) copy.set(yanxiu::Field::recorded_by, writer->name);
        else copy.slot(yanxiu::Field::recorded_by) = yanxiu::Value{};
        return copy;
    };

    server.Post("/participants", [&](const httplib::Request& req, httplib::Response& res) {
        const auto writer = access.admit(req, res, {yanxiu::Right::participants});
        if (!writer) return;
        if (too_many(count_lines(req.body), res)) return;
        const std::string received = iso_utc(std::chrono::system_clock::now());
        Summary summary;
        CodeCounter codes;
        std::vector<std::pair<std::string, std::string>> entries;
        yanxiu::Record copy;
        yanxiu::for_each_record(
            req.body, "<participants>", yanxiu::Format::jsonl,
            [&](const yanxiu::Record& record, std::size_t line) {
                const yanxiu::AddResult r = store.add_participant_unsynced(as_kept(record, *writer, copy));
                if (r.rejection) return summary.reject(*r.rejection, line), codes(*r.rejection);
                ++summary.read;
                if (r.accepted()) ++summary.accepted;
                else ++summary.duplicates;
                if (r.accepted() && *writer) entries.push_back(audit_entry(received, **writer, record, true));
            },
            [&](yanxiu::Rejection r) { summary.reject(r, r.line), codes(r); });
        store.sync();  // one wait for the whole body before it is acknowledged
        tally.add(false, summary, codes.codes);
        audit.add(entries);
        send_json(res, 200, summary.to_json(false));
    });

    server.Post("/events", [&](const httplib::Request& req, httplib::Response& res) {
        const auto writer = access.admit(req, res, {yanxiu::Right::events, yanxiu::Right::sign_off});
        if (!writer) return;
        const std::string type = req.get_header_value("Content-Type");
        const bool xapi = type.rfind("application/xapi+json", 0) == 0 || req.get_param_value("format") == "xapi";
        const std::string received = iso_utc(std::chrono::system_clock::now());
        Summary summary;
        CodeCounter codes;
        std::vector<std::pair<std::string, std::string>> entries;
        yanxiu::Record copy;

        // Every record is checked against the writer's rights before any is
        // kept: one the writer may not write refuses the whole request.
        std::size_t refused_lines = 0;
        json first_refused;
        auto check = [&](const yanxiu::Record& record, std::size_t line) {
            if (!*writer) return;
            const auto refusal = yanxiu::check_event(**writer, record, [&](const std::string& participant) {
                return store.unit_of(participant);
            });
            if (!refusal) return;
            if (refused_lines++ == 0)
                first_refused = json{{"line", line},
                                     {"kind", text_of(record, yanxiu::Field::kind)},
                                     {"participant", text_of(record, yanxiu::Field::participant)},
                                     {"right", std::string(yanxiu::describe(refusal->right))},
                                     {"why", refusal->why}};
        };
        auto refuse = [&] {
            send_json(res, 403, json{{"error", "forbidden"},
                                     {"writer", (*writer)->name},
                                     {"role", std::string(yanxiu::to_string((*writer)->role))},
                                     {"refused", first_refused},
                                     {"refused_lines", refused_lines},
                                     {"stored", 0}});
        };
        auto add = [&](const yanxiu::Record& record, std::size_t line) {
            const yanxiu::Update update = store.add_unsynced(as_kept(record, *writer, copy));
            if (update.rejection) return summary.reject(*update.rejection, line), codes(*update.rejection);
            ++summary.read;
            if (update.accepted()) ++summary.accepted;
            else ++summary.duplicates;
            if (update.completed_now) ++summary.completed;
            if (update.parked && update.accepted()) ++summary.parked;
            if (update.accepted() && *writer) entries.push_back(audit_entry(received, **writer, record, false));
        };

        if (xapi) {
            // Statements (a JSON array or JSON Lines) become event records
            // by the library's one xAPI mapping; the ledger then judges each.
            const yanxiu::XapiEvents mapped = yanxiu::xapi_events(req.body, "<xapi>", *program, options.xapi);
            if (too_many(mapped.events.size() + mapped.rejections.size(), res)) return;
            for (const auto& e : mapped.events) check(e.record, e.line);
            if (refused_lines) return refuse();
            for (const auto& r : mapped.rejections) summary.reject(r, r.line), codes(r);
            for (const auto& e : mapped.events) add(e.record, e.line);
            summary.read += mapped.summary.ignored;
            summary.ignored = mapped.summary.ignored;
            summary.voided = mapped.summary.voided;
            summary.xapi = true;
        } else {
            if (too_many(count_lines(req.body), res)) return;
            if (*writer) {
                yanxiu::for_each_record(req.body, "<events>", yanxiu::Format::jsonl, check, [](yanxiu::Rejection) {});
                if (refused_lines) return refuse();
            }
            yanxiu::for_each_record(req.body, "<events>", yanxiu::Format::jsonl, add,
                                    [&](yanxiu::Rejection r) { summary.reject(r, r.line), codes(r); });
        }
        store.sync();  // one wait for the whole body before it is acknowledged
        tally.add(true, summary, codes.codes);
        audit.add(entries);
        send_json(res, 200, summary.to_json(true));
    });

    server.Get("/audit", [&](const httplib::Request& req, httplib::Response& res) {
        if (!access.admit(req, res, {yanxiu::Right::read})) return;
        if (!audit.enabled()) return send_error(res, 404, "no audit log: the service runs without --auth");
        if (!req.has_param("participant")) return send_error(res, 400, "participant=ID is needed");
        const std::string participant = req.get_param_value("participant");
        send_json(res, 200, json{{"participant", participant}, {"entries", audit.list(participant)}});
    });

    server.Get(R"(/participants/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
        if (!access.admit(req, res, {yanxiu::Right::read})) return;
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
        if (!access.admit(req, res, {yanxiu::Right::read})) return;
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
    const std::string& host = options.bind;
    if (port == 0) {
        port = server.bind_to_any_port(host);
        if (port < 0) throw std::runtime_error("cannot bind to " + host);
    } else if (!server.bind_to_port(host, port)) {
        throw std::runtime_error("cannot bind to " + host + ":" + std::to_string(port) + " (in use?)");
    }
    std::printf("listening on %s:%d%s\n", host.c_str(), port, options.cert.empty() ? "" : " (https)");
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
