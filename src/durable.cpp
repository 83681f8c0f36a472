// DurableLedger: a ShardedLedger with a checksummed append-only log and
// snapshots in a state directory (see include/yanxiu/durable.hpp).
//
// Why a plain log and not an embedded store: the ledger's state lives in
// memory (evaluation needs every record there), so the disk only has to
// hold the kept records in order and give them back once, sequentially, at
// start.  An append-only file does that at the disk's bandwidth with one
// fsync per group of adds; SQLite or LMDB would add a second index of data
// that is never looked up on disk.  The lines are the records' own JSON,
// so an operator can read (and grep) a state directory.

#include <yanxiu/durable.hpp>

#include "io/fd.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace yanxiu {

using detail::write_all;

std::string_view to_string(SyncPolicy policy) noexcept {
    switch (policy) {
        case SyncPolicy::always: return "always";
        case SyncPolicy::interval: return "interval";
        case SyncPolicy::never: return "never";
    }
    return "always";
}

std::optional<SyncPolicy> parse_sync_policy(std::string_view name) noexcept {
    if (name == "always") return SyncPolicy::always;
    if (name == "interval") return SyncPolicy::interval;
    if (name == "never") return SyncPolicy::never;
    return std::nullopt;
}

namespace {

constexpr std::string_view kLogFormat = "yanxiu-log/1";
constexpr std::string_view kSnapshotFormat = "yanxiu-snapshot/1";

std::string errno_text(int error) { return std::strerror(error); }

std::uint32_t crc(std::string_view bytes) {
    uLong c = crc32(0L, Z_NULL, 0);
    // zlib takes a uInt length: feed large texts in pieces.
    while (!bytes.empty()) {
        const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
        c = crc32(c, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
        bytes.remove_prefix(n);
    }
    return static_cast<std::uint32_t>(c);
}

/// A CRC as the 8 hex digits the files hold.
std::string hex8(std::uint32_t value) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", value);
    return std::string(hex, 8);
}

/// One framed line: "CRC KIND JSON\n".
void frame(std::string& out, char kind, std::string_view json) {
    const std::size_t at = out.size();
    out.append(9, ' ');
    out += kind;
    out += ' ';
    out.append(json.data(), json.size());
    out.replace(at, 8, hex8(crc(std::string_view(out).substr(at + 9))));
    out += '\n';
}

/// A framed line taken apart; nullopt when its checksum or shape is wrong.
struct Line {
    char kind;
    std::string_view json;
};
std::optional<Line> unframe(std::string_view line) {
    if (line.size() < 12 || line[8] != ' ' || line[10] != ' ') return std::nullopt;
    std::uint32_t want = 0;
    for (int i = 0; i < 8; ++i) {
        const char c = line[static_cast<std::size_t>(i)];
        const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return std::nullopt;
        want = want << 4 | static_cast<std::uint32_t>(v);
    }
    if (crc(line.substr(9)) != want) return std::nullopt;
    return Line{line[9], line.substr(11)};
}

std::string name_for(std::string_view stem, std::uint64_t generation) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*s-%08llu.yxl", static_cast<int>(stem.size()), stem.data(),
                  static_cast<unsigned long long>(generation));
    return buffer;
}

/// Generation of "stem-N.yxl", if `name` is one.
std::optional<std::uint64_t> generation_of(const std::string& name, std::string_view stem) {
    if (name.size() != stem.size() + 13 || name.compare(0, stem.size(), stem) != 0 || name[stem.size()] != '-' ||
        name.compare(name.size() - 4, 4, ".yxl") != 0)
        return std::nullopt;
    std::uint64_t n = 0;
    for (std::size_t i = stem.size() + 1; i < name.size() - 4; ++i) {
        if (name[i] < '0' || name[i] > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    return n;
}

void fsync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw StateError(directory + ": cannot open the state directory: " + errno_text(errno));
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) throw StateError(directory + ": cannot sync the state directory: " + errno_text(error));
}

/// Reads a file line by line (without the newline), with each line's byte
/// offset; `whole` is false for a last line with no newline.
template <class OnLine>
void each_line(const std::string& path, OnLine&& on_line) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw StateError(path + ": cannot open: " + errno_text(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    std::string buffer;
    std::vector<char> chunk(std::size_t{1} << 20);
    std::uint64_t offset = 0;  // of buffer[0]
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw StateError(path + ": cannot read: " + errno_text(errno));
        }
        if (n == 0) break;
        buffer.append(chunk.data(), static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1)
            if (!on_line(std::string_view(buffer).substr(start, nl - start), offset + start, true)) return;
        buffer.erase(0, start);
        offset += start;
    }
    if (!buffer.empty()) on_line(std::string_view(buffer), offset, false);
}

}  // namespace

// ---------------------------------------------------------------------------

struct DurableLedger::Impl final : Journal {
    Impl(const Program& p, std::string dir, DurableOptions o)
        : program(p), directory(std::move(dir)), options(o), ledger(p, o.shards) {}

    const Program program;
    const std::string directory;
    const DurableOptions options;
    ShardedLedger ledger;
    Recovery recovery;
    std::string fingerprint;  // the programme's resolved form, checksummed
    int lock_fd = -1;

    // Adds hold this shared; a checkpoint holds it exclusively.  A
    // checkpoint first takes `gate`, which every add passes before `writers`:
    // new adds wait there while those running finish, so a checkpoint is not
    // starved by a steady stream of adds.
    std::shared_mutex writers;
    std::mutex gate;

    // The log.
    std::mutex log_mutex;
    std::condition_variable log_changed;
    int log_fd = -1;
    std::uint64_t generation = 0;
    std::uint64_t log_bytes = 0;  // written to the file
    std::string pending;          // framed, not written yet
    std::uint64_t appended = 0;   // records framed so far (since open)
    std::uint64_t written = 0;    // of those, written to the file
    std::uint64_t synced = 0;     // of those, fsync'd
    bool busy = false;            // a thread is writing (or syncing) the log
    bool syncing = false;         // the interval thread is syncing it (the log may be written meanwhile)
    std::uint64_t syncs = 0;
    std::uint64_t checkpoints = 0;
    std::optional<std::chrono::system_clock::time_point> last_sync;
    std::string failure;
    bool stopping = false;
    std::atomic<bool> checkpointing{false};
    std::thread syncer;  // SyncPolicy::interval

    void append(char kind, const std::string& json) override {
        std::lock_guard<std::mutex> lock(log_mutex);
        frame(pending, kind, json);
        ++appended;
    }

    [[nodiscard]] std::string header(std::string_view format, std::uint64_t g) const {
        nlohmann::ordered_json h = {{"format", format},
                                    {"program", program.id()},
                                    {"version", program.version()},
                                    {"fingerprint", fingerprint},
                                    {"generation", g}};
        return h.dump();
    }

    [[nodiscard]] std::string path(std::string_view stem, std::uint64_t g) const {
        return directory + "/" + name_for(stem, g);
    }

    // --- opening -----------------------------------------------------------

    void take_lock() {
        struct stat st {};
        if (::stat(directory.c_str(), &st) != 0) {
            if (errno != ENOENT) throw StateError(directory + ": " + errno_text(errno));
            if (::mkdir(directory.c_str(), 0755) != 0)
                throw StateError(directory + ": cannot create the state directory: " + errno_text(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            throw StateError(directory + ": not a directory (the state is a directory of logs and snapshots)");
        }
        const std::string lock_path = directory + "/LOCK";
        lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock_fd < 0) throw StateError(lock_path + ": cannot open: " + errno_text(errno));
        if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            char pid[32] = {};
            (void)!::pread(lock_fd, pid, sizeof pid - 1, 0);
            ::close(lock_fd);
            lock_fd = -1;
            if (error == EWOULDBLOCK) {
                std::string who(pid);
                while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
                throw StateError(directory + ": in use by another process" + (who.empty() ? "" : " (pid " + who + ")"));
            }
            throw StateError(lock_path + ": cannot lock: " + errno_text(error));
        }
        const std::string me = std::to_string(::getpid()) + "\n";
        if (::ftruncate(lock_fd, 0) != 0 || ::pwrite(lock_fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
            throw StateError(lock_path + ": cannot write: " + errno_text(errno));
    }

    /// Files of the directory: generations of snapshots and logs; removes temporaries.
    void list(std::vector<std::uint64_t>& snapshots, std::vector<std::uint64_t>& logs) {
        DIR* d = ::opendir(directory.c_str());
        if (!d) throw StateError(directory + ": cannot list: " + errno_text(errno));
        while (const dirent* entry = ::readdir(d)) {
            const std::string name = entry->d_name;
            if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0)
                ::unlink((directory + "/" + name).c_str());  // a snapshot never finished
            else if (auto g = generation_of(name, "snapshot"))
                snapshots.push_back(*g);
            else if (auto g = generation_of(name, "log"))
                logs.push_back(*g);
        }
        ::closedir(d);
        std::sort(snapshots.begin(), snapshots.end());
        std::sort(logs.begin(), logs.end());
    }

    /// Checks a header line; throws naming `where`.
    void check_header(std::string_view json, std::string_view format, const std::string& where) const {
        const auto h = nlohmann::json::parse(json, nullptr, false);
        if (!h.is_object() || h.value("format", "") != format)
            throw StateError(where + ": not a " + std::string(format) + " header");
        if (h.value("fingerprint", "") != fingerprint)
            throw StateError(where + ": the state was kept for programme " + h.value("program", "?") + " version " +
                             h.value("version", "?") + " (" + h.value("fingerprint", "?") +
                             "), not for this definition of " + program.id() + " version " + program.version() +
                             " (" + fingerprint + "); start with that programme or another state directory");
    }

    /// Adds one replayed record (the journal is off); counts what was not kept.
    void replay(const Line& line, const std::string& where) {
        const auto json = nlohmann::json::parse(line.json, nullptr, false);
        if (!json.is_object()) throw StateError(where + ": a record that is not a JSON object");
        bool kept = false;
        if (line.kind == 'P') kept = !ledger.add_participant(json).rejection;
        else if (line.kind == 'E') kept = !ledger.add(json).rejection;
        else throw StateError(where + ": unknown record kind '" + std::string(1, line.kind) + "'");
        if (!kept) ++recovery.not_kept;
    }

    void read_snapshot(std::uint64_t g) {
        const std::string file = path("snapshot", g);
        const std::string name = name_for("snapshot", g);
        std::size_t number = 0, records = 0;
        bool header_seen = false, trailer_seen = false;
        each_line(file, [&](std::string_view text, std::uint64_t, bool whole) {
            ++number;
            const std::string where = name + ":" + std::to_string(number);
            auto line = unframe(text);
            if (!line || !whole)
                throw StateError(directory + "/" + where + ": checksum mismatch (the snapshot is damaged; move it "
                                 "away to start from the log alone only if the log covers it)");
            if (trailer_seen) throw StateError(directory + "/" + where + ": a line after the trailer");
            if (!header_seen) {
                if (line->kind != 'H') throw StateError(directory + "/" + where + ": no header");
                check_header(line->json, kSnapshotFormat, directory + "/" + where);
                header_seen = true;
                return true;
            }
            if (line->kind == 'T') {
                const auto t = nlohmann::json::parse(line->json, nullptr, false);
                if (!t.is_object() || t.value("records", std::size_t{0}) != records)
                    throw StateError(directory + "/" + where + ": the trailer counts " +
                                     (t.is_object() ? std::to_string(t.value("records", std::size_t{0})) : "?") +
                                     " records, the snapshot holds " + std::to_string(records));
                trailer_seen = true;
                return true;
            }
            replay(*line, directory + "/" + where);
            ++records;
            return true;
        });
        if (!trailer_seen)
            throw StateError(file + ": incomplete (no trailer after " + std::to_string(number) + " lines)");
        recovery.generation = g;
        recovery.snapshot_records = records;
    }

    /// Replays a log; a damaged tail is cut off when `last`.  Leaves log_bytes
    /// at the size kept.
    void read_log(std::uint64_t g, bool last) {
        const std::string file = path("log", g);
        const std::string name = name_for("log", g);
        std::size_t number = 0;
        std::uint64_t good_end = 0;       // bytes up to the end of the last good line
        std::optional<std::uint64_t> bad;  // offset of the first bad line
        std::size_t bad_line = 0;
        bool header_seen = false;
        std::string bad_why;
        each_line(file, [&](std::string_view text, std::uint64_t offset, bool whole) {
            ++number;
            auto line = whole ? unframe(text) : std::nullopt;
            if (bad) {
                // After damage: a good line means the damage is not a cut-short write.
                if (line)
                    throw StateError(directory + "/" + name + ":" + std::to_string(bad_line) + " (byte " +
                                     std::to_string(*bad) + "): " + bad_why + ", and good records follow it at line " +
                                     std::to_string(number) +
                                     ": the log is damaged, not cut short; restore the state directory from a copy");
                return true;
            }
            if (!line) {
                bad = offset;
                bad_line = number;
                bad_why = whole ? "checksum mismatch" : "an unfinished line";
                return true;
            }
            const std::string where = directory + "/" + name + ":" + std::to_string(number);
            if (!header_seen) {
                if (line->kind != 'H') throw StateError(where + ": no header");
                check_header(line->json, kLogFormat, where);
                header_seen = true;
            } else {
                replay(*line, where);
                ++recovery.log_records;
            }
            good_end = offset + text.size() + 1;
            return true;
        });
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) throw StateError(file + ": " + errno_text(errno));
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (bad && !last)
            throw StateError(directory + "/" + name + ":" + std::to_string(bad_line) + ": " + bad_why +
                             " in a log that a later one follows: the state directory is damaged");
        if (good_end < size) {
            // A write cut short: drop it (it was never acknowledged).
            recovery.torn_bytes = size - good_end;
            recovery.torn_at = name + ":" + std::to_string(bad_line ? bad_line : number);
            if (::truncate(file.c_str(), static_cast<off_t>(good_end)) != 0)
                throw StateError(file + ": cannot cut the unfinished write off its end: " + errno_text(errno));
        }
        log_bytes = good_end;
        if (!header_seen) log_bytes = 0;  // nothing whole, not even the header: rewritten below
    }

    /// Opens log generation `g` for appending (with a header when new), synced.
    void open_log(std::uint64_t g, bool fresh) {
        const std::string file = path("log", g);
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0644);
        if (fd < 0) throw StateError(file + ": cannot open for writing: " + errno_text(errno));
        std::uint64_t bytes = fresh ? 0 : log_bytes;
        if (bytes == 0) {
            std::string h;
            frame(h, 'H', header(kLogFormat, g));
            if (::ftruncate(fd, 0) != 0 || !write_all(fd, h)) {
                const int error = errno;
                ::close(fd);
                throw StateError(file + ": cannot write: " + errno_text(error));
            }
            bytes = h.size();
        }
        if (::fsync(fd) != 0) {
            const int error = errno;
            ::close(fd);
            throw StateError(file + ": cannot sync: " + errno_text(error));
        }
        fsync_directory(directory);
        if (log_fd >= 0) ::close(log_fd);
        log_fd = fd;
        generation = g;
        log_bytes = bytes;
    }

    void open() {
        const auto started = std::chrono::steady_clock::now();
        fingerprint = hex8(crc(program.to_json().dump()));
        ledger.set_park_limit(options.park_limit);
        take_lock();
        std::vector<std::uint64_t> snapshots, logs;
        list(snapshots, logs);
        const std::uint64_t base = snapshots.empty() ? 0 : snapshots.back();
        if (base) read_snapshot(base);
        std::vector<std::uint64_t> replayed;
        for (auto g : logs)
            if (g >= base) replayed.push_back(g);
        for (std::size_t i = 0; i < replayed.size(); ++i) read_log(replayed[i], i + 1 == replayed.size());
        const std::uint64_t current = replayed.empty() ? base : replayed.back();
        open_log(current, replayed.empty());
        // What an earlier checkpoint left behind.
        for (auto g : logs)
            if (g < base) ::unlink(path("log", g).c_str());
        for (auto g : snapshots)
            if (g < base) ::unlink(path("snapshot", g).c_str());
        const auto counts = ledger.counts();
        recovery.participants = counts.participants;
        recovery.events = counts.events;
        recovery.parked = ledger.parked_count();
        ledger.set_journal(this);
        if (options.checkpoint_bytes && log_bytes > options.checkpoint_bytes) checkpoint_locked();
        if (options.sync == SyncPolicy::interval) syncer = std::thread([this] { sync_loop(); });
        recovery.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }

    // --- writing -----------------------------------------------------------

    void fail(const std::string& why) {
        if (failure.empty()) failure = why;
        log_changed.notify_all();
    }

    void check_healthy() {
        std::lock_guard<std::mutex> lock(log_mutex);
        if (!failure.empty()) throw StateError(failure);
    }

    /// Writes what is pending (and syncs, when `fsync`); called with the
    /// lock held, which it releases while it works.
    void flush(std::unique_lock<std::mutex>& lock, bool fsync) {
        busy = true;
        std::string bytes;
        bytes.swap(pending);
        const std::uint64_t upto = appended;
        const int fd = log_fd;
        lock.unlock();
        const char* failed = nullptr;
        int error = 0;
        if (!write_all(fd, bytes)) failed = "write", error = errno;
        else if (fsync && ::fdatasync(fd) != 0) failed = "sync", error = errno;
        const bool synced_now = fsync && !failed;
        lock.lock();
        busy = false;
        if (failed) {
            fail(path("log", generation) + ": cannot " + failed + ": " + errno_text(error) +
                 " (records since the last good write are not acknowledged; restart once it can be written)");
            return;
        }
        log_bytes += bytes.size();
        written = upto;
        if (synced_now) {
            synced = upto;
            ++syncs;
            last_sync = std::chrono::system_clock::now();
        }
        log_changed.notify_all();
    }

    /// Waits until record `target` is durable under the policy.
    void wait_durable(std::uint64_t target) {
        std::unique_lock<std::mutex> lock(log_mutex);
        const bool fsync = options.sync == SyncPolicy::always;
        for (;;) {
            if (!failure.empty()) throw StateError(failure);
            if ((fsync ? synced : written) >= target) return;
            if (busy) {
                log_changed.wait(lock);
                continue;
            }
            flush(lock, fsync);  // leads a group commit: everything pending goes in one write
        }
    }

    /// SyncPolicy::interval: writes what waits, then syncs with the log free
    /// (`syncing`, not `busy`), so adds are never held behind an fsync.
    void sync_loop() {
        std::unique_lock<std::mutex> lock(log_mutex);
        while (!stopping) {
            log_changed.wait_for(lock, options.sync_interval);
            if (stopping || !failure.empty()) continue;
            if (!busy && !pending.empty()) flush(lock, false);
            if (written == synced || !failure.empty()) continue;
            const std::uint64_t upto = written;
            const int fd = log_fd;
            syncing = true;
            lock.unlock();
            const bool ok = ::fdatasync(fd) == 0;
            const int error = errno;
            lock.lock();
            syncing = false;
            if (!ok) {
                fail(path("log", generation) + ": cannot sync: " + errno_text(error));
                continue;
            }
            synced = std::max(synced, upto);
            ++syncs;
            last_sync = std::chrono::system_clock::now();
            log_changed.notify_all();
        }
    }

    std::shared_lock<std::shared_mutex> enter() {
        std::lock_guard<std::mutex> pass(gate);
        return std::shared_lock<std::shared_mutex>(writers);
    }

    /// Waits for the adds running to finish and keeps new ones out.
    std::unique_lock<std::shared_mutex> exclusive() {
        std::lock_guard<std::mutex> closed(gate);
        return std::unique_lock<std::shared_mutex>(writers);
    }

    template <class Add>
    auto add_durably(Add&& add) {
        auto adding = enter();
        check_healthy();
        auto result = add();
        const std::uint64_t target = appended_so_far();  // covers a duplicate of a record still on its way, too
        adding.unlock();
        settle(target);
        return result;
    }

    [[nodiscard]] std::uint64_t appended_so_far() {
        std::lock_guard<std::mutex> lock(log_mutex);
        return appended;
    }

    /// Returns once record `target` is durable, checkpointing if the log has grown past its bound.
    void settle(std::uint64_t target) {
        wait_durable(target);
        maybe_checkpoint();
    }

    void maybe_checkpoint() {
        if (!options.checkpoint_bytes) return;
        {
            std::lock_guard<std::mutex> lock(log_mutex);
            if (log_bytes <= options.checkpoint_bytes) return;
        }
        if (checkpointing.exchange(true)) return;  // another thread is at it
        struct Done {
            std::atomic<bool>& flag;
            ~Done() { flag = false; }
        } done{checkpointing};
        auto alone = exclusive();
        {
            std::lock_guard<std::mutex> lock(log_mutex);
            if (log_bytes <= options.checkpoint_bytes) return;
        }
        checkpoint_locked();
    }

    /// With no add running: a snapshot of everything, then a new log.
    void checkpoint_locked() {
        {
            std::unique_lock<std::mutex> lock(log_mutex);
            if (!failure.empty()) throw StateError(failure);
            while (busy || syncing) log_changed.wait(lock);
            if (!pending.empty() || written < appended || synced < written) flush(lock, true);
            if (!failure.empty()) throw StateError(failure);
        }
        const std::uint64_t next = generation + 1;
        const std::string file = path("snapshot", next);
        const std::string tmp = file + ".tmp";
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw StateError(tmp + ": cannot open for writing: " + errno_text(errno));
        bool ok = true;
        int error = 0;
        std::string buffer;
        std::size_t records = 0;
        frame(buffer, 'H', header(kSnapshotFormat, next));
        auto spill = [&] {
            if (ok && !write_all(fd, buffer)) ok = false, error = errno;
            buffer.clear();
        };
        ledger.each_record([&](char kind, const std::string& json) {
            frame(buffer, kind, json);
            ++records;
            if (buffer.size() > (std::size_t{4} << 20)) spill();
        });
        frame(buffer, 'T', nlohmann::json{{"records", records}}.dump());
        spill();
        if (ok && ::fsync(fd) != 0) ok = false, error = errno;
        ::close(fd);
        if (!ok) {
            ::unlink(tmp.c_str());
            throw StateError(tmp + ": cannot write the snapshot: " + errno_text(error) +
                             " (the state is unchanged: the log still holds every record)");
        }
        if (std::rename(tmp.c_str(), file.c_str()) != 0) {
            error = errno;
            ::unlink(tmp.c_str());
            throw StateError(file + ": cannot put the snapshot in place: " + errno_text(error));
        }
        fsync_directory(directory);
        // From here the snapshot holds everything: a new, empty log follows it.
        const std::uint64_t old = generation;
        {
            std::unique_lock<std::mutex> lock(log_mutex);
            while (busy || syncing) log_changed.wait(lock);  // nobody is using the old log's descriptor
            try {
                open_log(next, true);
            } catch (const StateError& e) {
                fail(e.what());
                throw;
            }
            ++checkpoints;
        }
        ::unlink(path("log", old).c_str());
        if (old) ::unlink(path("snapshot", old).c_str());
        fsync_directory(directory);
    }

    void close() {
        {
            std::unique_lock<std::mutex> lock(log_mutex);
            stopping = true;
            log_changed.notify_all();
        }
        if (syncer.joinable()) syncer.join();
        {
            std::unique_lock<std::mutex> lock(log_mutex);
            while (busy || syncing) log_changed.wait(lock);
            if (failure.empty() && log_fd >= 0 && (!pending.empty() || synced < appended))
                flush(lock, options.sync != SyncPolicy::never);
        }
        if (log_fd >= 0) ::close(log_fd);
        log_fd = -1;
        if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
        lock_fd = -1;
    }
};

DurableLedger::DurableLedger(const Program& program, const std::string& directory, DurableOptions options)
    : impl_(std::make_unique<Impl>(program, directory.empty() ? std::string(".") : directory, options)) {
    try {
        impl_->open();
    } catch (...) {
        impl_->ledger.set_journal(nullptr);
        impl_->close();
        throw;
    }
}

DurableLedger::~DurableLedger() {
    impl_->ledger.set_journal(nullptr);
    impl_->close();
}

const Program& DurableLedger::program() const noexcept { return impl_->program; }
const Recovery& DurableLedger::recovery() const noexcept { return impl_->recovery; }

BatchResult DurableLedger::add_participants(std::string_view text, std::string_view where, Format format) {
    return impl_->add_durably([&] { return impl_->ledger.add_participants(text, where, format); });
}

BatchResult DurableLedger::add_events(std::string_view text, std::string_view where, Format format) {
    return impl_->add_durably([&] { return impl_->ledger.add_events(text, where, format); });
}

AddResult DurableLedger::add_participant(const Record& record) {
    return impl_->add_durably([&] { return impl_->ledger.add_participant(record); });
}

Update DurableLedger::add(const Record& event) {
    return impl_->add_durably([&] { return impl_->ledger.add(event); });
}

Update DurableLedger::add_unsynced(const Record& event) {
    auto adding = impl_->enter();
    impl_->check_healthy();
    return impl_->ledger.add(event);
}

AddResult DurableLedger::add_participant_unsynced(const Record& record) {
    auto adding = impl_->enter();
    impl_->check_healthy();
    return impl_->ledger.add_participant(record);
}

void DurableLedger::sync() { impl_->settle(impl_->appended_so_far()); }

std::optional<Outcome> DurableLedger::outcome(std::string_view id, Instant as_of) {
    return impl_->ledger.outcome(id, as_of);
}
std::vector<Outcome> DurableLedger::outcomes(Instant as_of) { return impl_->ledger.outcomes(as_of); }
std::optional<std::string> DurableLedger::unit_of(std::string_view id) { return impl_->ledger.unit_of(id); }
ShardedLedger::Counts DurableLedger::counts() { return impl_->ledger.counts(); }
std::size_t DurableLedger::parked_count() { return impl_->ledger.parked_count(); }

void DurableLedger::checkpoint() {
    auto alone = impl_->exclusive();
    impl_->checkpoint_locked();
}

DurableStatus DurableLedger::status() {
    DurableStatus s;
    s.parked = impl_->ledger.parked_count();
    std::lock_guard<std::mutex> lock(impl_->log_mutex);
    s.directory = impl_->directory;
    s.sync = impl_->options.sync;
    s.generation = impl_->generation;
    s.log_bytes = impl_->log_bytes;
    s.records_appended = impl_->appended;
    s.records_durable = impl_->options.sync == SyncPolicy::always ? impl_->synced : impl_->written;
    s.syncs = impl_->syncs;
    s.last_sync = impl_->last_sync;
    s.checkpoints = impl_->checkpoints;
    s.failure = impl_->failure;
    return s;
}

}  // namespace yanxiu
