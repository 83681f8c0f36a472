#pragma once
// The simulator's generator (private to tools/simulate and its tests): our
// own random streams, the fast timestamp writer, the Hunan units and the
// behaviours of learners.

#include "simulate.hpp"

#include <yanxiu/io/error.hpp>
#include <yanxiu/rules.hpp>

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace yanxiu {

namespace detail::sim {

// ---------------------------------------------------------------------------
// Random numbers: our own, so that every platform draws the same sequence.
// ---------------------------------------------------------------------------

/// One step of splitmix64 (used to seed and to hash).
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// A well-mixed 64-bit hash of three words.
inline std::uint64_t hash3(std::uint64_t a, std::uint64_t b, std::uint64_t c) noexcept {
    std::uint64_t s = a;
    std::uint64_t h = splitmix64(s);
    s = h ^ b;
    h = splitmix64(s);
    s = h ^ c;
    return splitmix64(s);
}

/// xoshiro256**: small, fast, and the same everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept {
        std::uint64_t s = seed;
        for (auto& word : state_) word = splitmix64(s);
    }
    /// An independent stream per (seed, purpose, index), so that one
    /// participant's draws never shift another's.
    Rng(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index) noexcept : Rng(hash3(seed, purpose, index)) {}

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }
    /// Uniform in [0, n), unbiased (rejection below a threshold); n > 0.
    std::uint64_t below(std::uint64_t n) noexcept {
        const std::uint64_t threshold = (0 - n) % n;
        for (;;) {
            std::uint64_t r = next();
            if (r >= threshold) return r % n;
        }
    }
    /// Uniform integer in [lo, hi] (hi >= lo).
    std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
    }
    /// Uniform in [0, 1) with 53 random bits (exact in IEEE doubles).
    double unit() noexcept { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) noexcept { return unit() < p; }
    /// An index drawn with the given integer weights (total > 0).  Integers,
    /// so that no platform's floating-point contraction can move a choice.
    template <class Weights>
    std::size_t pick(const Weights& weights) noexcept {
        std::uint64_t total = 0;
        for (auto w : weights) total += w;
        std::uint64_t u = below(total);
        for (std::size_t i = 0;; ++i) {
            if (u < weights[i]) return i;
            u -= weights[i];
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4]{};
};

// Purposes of the independent streams.
inline constexpr std::uint64_t kStreamPerson = 0x7065'7273'6f6eULL;
inline constexpr std::uint64_t kStreamEvents = 0x6576'656e'7473ULL;
inline constexpr std::uint64_t kStreamFaults = 0x6661'756c'7473ULL;
inline constexpr std::uint64_t kStreamNames = 0x6e61'6d65'7300ULL;
inline constexpr std::uint64_t kStreamCensus = 0x6365'6e73'7573ULL;

// ---------------------------------------------------------------------------
// Fast timestamp text.
// ---------------------------------------------------------------------------

/// How a timestamp is written.
enum class TimeStyle : std::uint8_t {
    offset,  ///< local time with its offset, as `format_instant` writes it
    utc,     ///< `Z`, as `format_instant_utc` writes it
    local,   ///< local wall-clock time with no offset (read in the programme zone)
};

/// Writes instants as text, byte-identical to `format_instant` /
/// `format_instant_utc`, but without their per-call stream formatting: tens of
/// millions of timestamps would otherwise dominate the run.  The zone's offset
/// is cached for the span it is valid.
class InstantWriter {
public:
    explicit InstantWriter(const TimeZone& zone) : zone_(&zone) {}

    /// Writes `t` into `out` (at least 32 bytes); returns the length.
    std::size_t write(char* out, Instant t, TimeStyle style) {
        std::int64_t offset = 0;
        if (style != TimeStyle::utc) {
            // As format_instant: the offset to the nearest minute; beyond ±14:00, UTC.
            offset = offset_at(t);
            offset = (offset >= 0 ? offset + 30 : offset - 30) / 60 * 60;
            if (offset > 14 * 3600 || offset < -14 * 3600) {
                offset = 0;
                if (style == TimeStyle::offset) style = TimeStyle::utc;
            }
        }
        std::int64_t local = t.time_since_epoch().count() + offset;
        std::int64_t days = floor_div(local, 86400);
        std::int64_t second_of_day = local - days * 86400;
        int y = 0;
        unsigned m = 0, d = 0;
        civil_from_days(days, y, m, d);
        put4(out, y);
        out[4] = '-';
        put2(out + 5, static_cast<int>(m));
        out[7] = '-';
        put2(out + 8, static_cast<int>(d));
        out[10] = 'T';
        put2(out + 11, static_cast<int>(second_of_day / 3600));
        out[13] = ':';
        put2(out + 14, static_cast<int>((second_of_day / 60) % 60));
        out[16] = ':';
        put2(out + 17, static_cast<int>(second_of_day % 60));
        if (style == TimeStyle::local) return 19;
        if (style == TimeStyle::utc) {
            out[19] = 'Z';
            return 20;
        }
        std::int64_t magnitude = offset < 0 ? -offset : offset;
        out[19] = offset < 0 ? '-' : '+';
        put2(out + 20, static_cast<int>(magnitude / 3600));
        out[22] = ':';
        put2(out + 23, static_cast<int>((magnitude / 60) % 60));
        return 25;
    }

    /// `write` as a string (for tests and the rare slow path).
    std::string format(Instant t, TimeStyle style) {
        char buf[32];
        return std::string(buf, write(buf, t, style));
    }

private:
    std::int64_t offset_at(Instant t) {
        if (!cached_ || t < info_.begin || t >= info_.end) {
            info_ = zone_->get_info(t);
            cached_ = true;
        }
        return info_.offset.count();
    }
    static std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
        std::int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }
    // Howard Hinnant's days -> civil date.
    static void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) noexcept {
        z += 719468;
        const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        const auto doe = static_cast<unsigned>(z - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        d = doy - (153 * mp + 2) / 5 + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
    }
    static void put2(char* p, int v) noexcept {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    }
    static void put4(char* p, int v) noexcept {
        p[0] = static_cast<char>('0' + (v / 1000) % 10);
        p[1] = static_cast<char>('0' + (v / 100) % 10);
        p[2] = static_cast<char>('0' + (v / 10) % 10);
        p[3] = static_cast<char>('0' + v % 10);
    }

    const TimeZone* zone_;
    date::sys_info info_{};
    bool cached_ = false;
};

// ---------------------------------------------------------------------------
// Output: large buffers, flushed to a file or kept in memory.
// ---------------------------------------------------------------------------

/// A text sink.  Records are written straight into a staging block through
/// a raw cursor (`claim` room, write, `commit`), and full blocks go to the
/// file or to the in-memory text: no per-record stream formatting, no
/// per-character capacity checks, one `fwrite` per 4 MiB.
class Sink {
public:
    Sink() = default;
    /// Writes to a temporary beside `path`, put in place by `publish()`.
    explicit Sink(const std::string& path) : path_(path) {
        const std::filesystem::path target(path);
        temp_ = (target.parent_path() / ("." + target.filename().string() + ".yanxiu-" +
                                         std::to_string(static_cast<long>(::getpid())) + ".tmp"))
                    .string();
        if (temporary_hook()) temporary_hook()(temp_, true);
        file_ = std::fopen(temp_.c_str(), "wb");
        if (!file_) {
            const int error = errno;
            if (temporary_hook()) temporary_hook()(temp_, false);
            temp_.clear();
            throw io_error(path, "cannot write", error);
        }
    }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    ~Sink() {
        if (file_) std::fclose(file_);
        if (!temp_.empty()) {
            std::remove(temp_.c_str());
            if (temporary_hook()) temporary_hook()(temp_, false);
        }
    }
    /// Renames the finished temporary over the file's path.
    void publish() {
        if (temp_.empty()) return;
        if (std::rename(temp_.c_str(), path_.c_str()) != 0) throw io_error(path_, "cannot replace", errno);
        if (temporary_hook()) temporary_hook()(temp_, false);
        temp_.clear();
    }
    static SimulationTemporaryHook& temporary_hook() noexcept {
        static SimulationTemporaryHook hook = nullptr;
        return hook;
    }

    /// Room for `n` more bytes; write at most that many, then `commit`.
    char* claim(std::size_t n) {
        if (capacity_ - used_ < n) spill(n);
        return block_.get() + used_;
    }
    /// Marks the bytes up to `end` (from the last `claim`) as written.
    void commit(const char* end) noexcept { used_ = static_cast<std::size_t>(end - block_.get()); }
    void append(std::string_view text) {
        char* p = claim(text.size());
        std::memcpy(p, text.data(), text.size());
        commit(p + text.size());
    }
    /// Writes what is left and closes the file (if any).
    void finish() {
        spill(0);
        if (!file_) return;
        std::FILE* f = file_;
        file_ = nullptr;
        if (std::fclose(f) != 0) throw io_error(path_, "cannot write", errno);
    }
    /// The in-memory text (memory sinks only).
    std::string take() {
        spill(0);
        return std::move(memory_);
    }

private:
    static constexpr std::size_t kBlock = std::size_t{4} << 20;
    void spill(std::size_t need) {
        if (used_ > 0) {
            if (file_) {
                if (std::fwrite(block_.get(), 1, used_, file_) != used_)
                    throw io_error(path_, "cannot write", errno);
            } else {
                memory_.append(block_.get(), used_);
            }
            used_ = 0;
        }
        if (need > capacity_) {
            capacity_ = std::max(kBlock, need);
            block_.reset(new char[capacity_]);
        }
    }
    std::string path_;
    std::string temp_;  // where the text goes until publish()
    std::FILE* file_ = nullptr;
    std::unique_ptr<char[]> block_;
    std::size_t capacity_ = 0, used_ = 0;
    std::string memory_;
};

/// Copies `text` to `p`; returns the end.
inline char* put(char* p, std::string_view text) noexcept {
    std::memcpy(p, text.data(), text.size());
    return p + text.size();
}
inline char* put(char* p, char c) noexcept {
    *p = c;
    return p + 1;
}

inline std::size_t write_padded(char* out, std::uint64_t v, int width) {
    char buf[20];
    int i = 20;
    do {
        buf[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    int digits = 20 - i;
    std::size_t n = 0;
    for (int k = digits; k < width; ++k) out[n++] = '0';
    std::memcpy(out + n, buf + i, static_cast<std::size_t>(digits));
    return n + static_cast<std::size_t>(digits);
}

/// The body of a JSON string (without quotes).
inline std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out;
}

/// A CSV cell, quoted when it has to be (RFC 4180).
inline std::string csv_cell(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

// ---------------------------------------------------------------------------
// The Hunan setting.
// ---------------------------------------------------------------------------

enum class UnitKind : std::uint8_t { city, university, institute };

/// A reporting unit.  `weight` is the city's population (千人, 2020 census)
/// for cities, else the unit's share of participants in per mille.
struct UnitInfo {
    std::string_view name;
    UnitKind kind;
    Sector sector;  ///< universities and institutes: their sector; cities: unused
    std::uint32_t weight;
};

/// Cities share 90% of participants by population; universities, 高职 and
/// the units directly under the Department (湖南开放大学, 湖南省教育科学研究院)
/// the rest.  The last four are in the census only (units whose teachers
/// have not registered).
inline constexpr UnitInfo kUnits[] = {
    {"长沙市", UnitKind::city, Sector::primary, 10048},
    {"株洲市", UnitKind::city, Sector::primary, 3903},
    {"湘潭市", UnitKind::city, Sector::primary, 2726},
    {"衡阳市", UnitKind::city, Sector::primary, 6645},
    {"邵阳市", UnitKind::city, Sector::primary, 6564},
    {"岳阳市", UnitKind::city, Sector::primary, 5052},
    {"常德市", UnitKind::city, Sector::primary, 5279},
    {"张家界市", UnitKind::city, Sector::primary, 1517},
    {"益阳市", UnitKind::city, Sector::primary, 3852},
    {"郴州市", UnitKind::city, Sector::primary, 4667},
    {"永州市", UnitKind::city, Sector::primary, 5290},
    {"怀化市", UnitKind::city, Sector::primary, 4588},
    {"娄底市", UnitKind::city, Sector::primary, 3827},
    {"湘西土家族苗族自治州", UnitKind::city, Sector::primary, 2488},
    {"中南大学", UnitKind::university, Sector::undergraduate, 9},
    {"湖南大学", UnitKind::university, Sector::undergraduate, 7},
    {"湖南师范大学", UnitKind::university, Sector::undergraduate, 8},
    {"湘潭大学", UnitKind::university, Sector::undergraduate, 6},
    {"长沙理工大学", UnitKind::university, Sector::undergraduate, 6},
    {"湖南农业大学", UnitKind::university, Sector::undergraduate, 5},
    {"湖南科技大学", UnitKind::university, Sector::undergraduate, 6},
    {"吉首大学", UnitKind::university, Sector::undergraduate, 4},
    {"南华大学", UnitKind::university, Sector::undergraduate, 5},
    {"中南林业科技大学", UnitKind::university, Sector::undergraduate, 5},
    {"湖南工业大学", UnitKind::university, Sector::undergraduate, 4},
    {"湖南中医药大学", UnitKind::university, Sector::undergraduate, 3},
    {"衡阳师范学院", UnitKind::university, Sector::undergraduate, 3},
    {"湖南铁道职业技术学院", UnitKind::university, Sector::higher_vocational, 4},
    {"长沙民政职业技术学院", UnitKind::university, Sector::higher_vocational, 4},
    {"湖南工业职业技术学院", UnitKind::university, Sector::higher_vocational, 3},
    {"湖南交通职业技术学院", UnitKind::university, Sector::higher_vocational, 2},
    {"湖南化工职业技术学院", UnitKind::university, Sector::higher_vocational, 1},
    {"湖南开放大学", UnitKind::university, Sector::higher_vocational, 9},
    {"湖南省教育科学研究院", UnitKind::institute, Sector::other, 6},
    {"湖南理工学院", UnitKind::university, Sector::undergraduate, 0},
    {"湖南文理学院", UnitKind::university, Sector::undergraduate, 0},
    {"怀化学院", UnitKind::university, Sector::undergraduate, 0},
    {"邵阳学院", UnitKind::university, Sector::undergraduate, 0},
};
inline constexpr std::size_t kUnitCount = sizeof(kUnits) / sizeof(kUnits[0]);
inline constexpr std::uint64_t kCityPerMille = 900;

/// Categories, in the programme's order.
enum Cat : std::uint8_t { mh_fulltime, mh_parttime, homeroom, counselor, other_teacher, kCatCount };
inline constexpr std::string_view kCatNames[kCatCount] = {"mh_fulltime", "mh_parttime", "homeroom", "counselor",
                                                          "other"};

/// Category weights in per mille (mh_fulltime, mh_parttime, homeroom, counselor, other) by
/// where a teacher works.  The off-diagonal entries (counsellors in schools,
/// homeroom teachers in universities and kindergartens) are the realistic
/// category/sector mismatches.
inline constexpr std::array<std::uint32_t, kCatCount> kCatsSchool = {20, 70, 820, 10, 80};
inline constexpr std::array<std::uint32_t, kCatCount> kCatsKindergarten = {30, 250, 140, 0, 580};
inline constexpr std::array<std::uint32_t, kCatCount> kCatsUniversity = {50, 100, 10, 720, 120};
inline constexpr std::array<std::uint32_t, kCatCount> kCatsInstitute = {100, 350, 0, 0, 550};
/// City teachers by sector: kindergarten, primary, secondary, secondary_vocational.
inline constexpr std::array<std::uint32_t, 4> kCitySectors = {40, 500, 360, 100};
inline constexpr Sector kCitySectorValues[4] = {Sector::kindergarten, Sector::primary, Sector::secondary,
                                                Sector::secondary_vocational};

/// Each participant behaves one way.
enum class Behaviour : std::uint8_t {
    steady_finisher,
    last_day_crammer,
    quiz_skipper,
    quiz_before_study,
    two_tab_overlap,
    rewatcher,
    late_starter,
    before_window,
    never_started,
    dropout,
    non_target,  ///< category `other`: studies a little, earns no certificate
    unverified,  ///< no real-name verification: earns nothing
    count_
};
inline constexpr std::size_t kBehaviourCount = static_cast<std::size_t>(Behaviour::count_);
inline constexpr std::string_view kBehaviourNames[kBehaviourCount] = {
    "steady_finisher", "last_day_crammer", "quiz_skipper", "quiz_before_study", "two_tab_overlap", "rewatcher",
    "late_starter",    "before_window",    "never_started", "dropout",          "non_target",      "unverified"};
/// Weights of the behaviours a verified target teacher may have (the first ten).
inline constexpr std::array<std::uint32_t, 10> kBehaviourWeights = {40, 7, 6, 4, 4, 5, 8, 3, 10, 11};

inline constexpr std::string_view kSurnames[] = {
    "刘", "李", "王", "陈", "张", "周", "杨", "彭", "谭", "黄", "曾", "罗", "肖", "唐", "邓", "胡",
    "谢", "蒋", "吴", "贺", "廖", "龙", "向", "田", "石", "欧阳", "易", "熊", "邹", "文", "何", "段"};
inline constexpr std::string_view kGivenChars[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "英", "华", "玲", "红", "波", "辉", "鹏", "燕", "琴", "斌", "湘", "慧",
    "婷", "雪", "林", "峰", "晶", "亮", "萍", "欣", "思", "佳", "文", "志", "建", "春", "秀", "梅"};

// ---------------------------------------------------------------------------
// Participants and events in compact form.
// ---------------------------------------------------------------------------

/// Per-participant bits.
enum PersonFlag : std::uint8_t {
    kVerified = 1,
    kOmitVerified = 2,  ///< `verified` left out (defaults to true)
    kOmitName = 4,
    kEventIds = 8,      ///< this teacher's platform exports event ids
};

struct Person {
    std::uint16_t unit = 0;
    Sector sector = Sector::unknown;  ///< as written (unknown: absent)
    Cat category = other_teacher;
    Behaviour behaviour = Behaviour::never_started;
    std::uint8_t flags = 0;
    TimeStyle time_style = TimeStyle::offset;
};

enum class EndStyle : std::uint8_t { end, seconds, iso };

/// Faults of deliberately bad event records.  `duplicate_id` is an extra copy
/// with the same `id` but different content (the later one is rejected).
enum class Fault : std::uint8_t {
    none,
    bad_timestamp,
    end_before_start,
    unknown_participant,
    unknown_kind,
    missing_field,
    not_a_record,  ///< not JSON (JSONL) / a ragged row (CSV)
    too_long,      ///< a session over 24 h
    bad_duration,
    out_of_range,  ///< quiz score outside 0-100
    bad_type,
    duplicate_id,
    unknown_exam,    ///< an exam the programme does not declare (variant 3: no exam at all)
    outside_window,  ///< a manual credit dated before the window
    missing_by,      ///< an approval or credit that does not say who gave it
};

enum EvFlag : std::uint8_t {
    kHasCompleted = 1,
    kCompleted = 2,
    kHasId = 4,
    kExactCopy = 8,  ///< an exact re-sent copy (a duplicate, not bad)
};

/// One event record (24 bytes: a million participants' events fit in memory).
struct Ev {
    std::int32_t key = 0;   ///< sort key: time plus export jitter
    std::uint32_t who = 0;  ///< participant index
    std::int32_t t0 = 0;    ///< study start or quiz instant, seconds from the base
    std::int32_t t1 = 0;    ///< study end
    std::uint16_t seq = 0;  ///< per participant; with `who` it names the event
    std::uint16_t lesson = 0;
    std::uint8_t kind = 0;  ///< kStudy, kQuiz, kExam, kApproval, kCredit
    std::uint8_t score = kNoScore;
    std::uint8_t flags = 0;  ///< EvFlag bits 0-3, EndStyle bits 4-5, TimeStyle bits 6-7
    std::uint8_t fault = 0;  ///< Fault << 4 | variant
    static constexpr std::uint8_t kNoScore = 255;
    // For an exam, `lesson` is the exam's index; for a credit, `t1` holds its seconds.
    static constexpr std::uint8_t kStudy = 0, kQuiz = 1, kExam = 2, kApproval = 3, kCredit = 4;

    Fault fault_kind() const noexcept { return static_cast<Fault>(fault >> 4); }
    unsigned variant() const noexcept { return fault & 15u; }
    EndStyle end_style() const noexcept { return static_cast<EndStyle>((flags >> 4) & 3); }
    TimeStyle time_style() const noexcept { return static_cast<TimeStyle>((flags >> 6) & 3); }
};

/// A bad participant record written after a good one.
enum class PersonFault : std::uint8_t { not_a_record, missing_id, duplicate_id, bad_type };

// ---------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------

class Generator {
public:
    Generator(const Program& program, const SimulationOptions& options) : options_(options) {
        zone_ = &program.time_zone();
        if (!(options.malformed_share >= 0 && options.malformed_share <= 1))
            throw std::invalid_argument("simulate: malformed_share must be between 0 and 1");
        if (options.participants > 50'000'000)
            throw std::invalid_argument("simulate: at most 50,000,000 participants");
        window_ = program.window();
        window_days_ = window_.days();
        if (window_days_ > 3650) throw std::invalid_argument("simulate: the window is longer than ten years");

        // The programme's catalogue, or (without one) lessons L01..L20.
        for (const Lesson& lesson : program.lessons()) lessons_.push_back(lesson.id);
        if (lessons_.empty()) {
            for (int i = 1; i <= 20; ++i) {
                char id[16];
                std::snprintf(id, sizeof id, "L%02d", i);
                lessons_.emplace_back(id);
            }
        }
        if (lessons_.size() > 4096) throw std::invalid_argument("simulate: at most 4096 lessons");
        for (std::size_t i = 0; i < lessons_.size(); ++i) {
            lesson_json_.push_back(json_escape(lessons_[i]));
            lesson_csv_.push_back(csv_cell(lessons_[i]));
            // A lesson's length belongs to the course, not to the seed: the
            // catalogue's, or an invented 20-45 minutes.
            std::uint64_t h = hash3(0x6c6573736f6eULL, i, 0);
            const std::int64_t listed = i < program.lessons().size() ? program.lessons()[i].length.count() : 0;
            lesson_seconds_.push_back(listed > 0 ? static_cast<std::int32_t>(std::min<std::int64_t>(listed, 86400))
                                                 : static_cast<std::int32_t>(20 + h % 26) * 60);
        }
        // Full viewing: where the programme wants most of a lesson watched,
        // sessions run at least that long (a short one is a deliberate partial).
        const double ratio = program.credit().min_study_ratio;
        min_length_per_mille_ = ratio > 0.92 ? static_cast<std::int32_t>(std::ceil(ratio * 1000)) : 920;
        plan_categories(program);
        for (const Exam& exam : program.exams()) {
            exam_json_.push_back(json_escape(exam.id));
            exam_csv_.push_back(csv_cell(exam.id));
            exam_pass_.push_back(exam.pass_score);
        }
        for (const auto& u : kUnits) {
            approver_.push_back(std::string(u.name) + "学校管理员");
            office_.push_back(std::string(u.name) + "教师发展中心");
        }

        // Days from a week before the window to three days after it, as
        // seconds from `base_`, each its local midnight.
        first_day_ = kLeadDays;
        last_day_ = first_day_ + window_days_ - 1;
        base_ = window_.begin() - date::days{kLeadDays + 1};
        for (int k = 0; k <= last_day_ + 3; ++k) {
            LocalDate d{date::sys_days{window_.start_date()} + date::days{k - kLeadDays}};
            day_start_.push_back(rel(start_of_day(d, *zone_)));
            day_weight_.push_back(day_weight(d));
        }

        // Weights in millionths of participants.
        std::uint64_t city_population = 0;
        for (const auto& u : kUnits)
            if (u.kind == UnitKind::city) city_population += u.weight;
        for (const auto& u : kUnits)
            unit_weights_.push_back(u.kind == UnitKind::city ? u.weight * kCityPerMille * 1000 / city_population
                                                             : std::uint64_t{u.weight} * 1000);

        n_ = options.participants;
        char probe[24];
        id_width_ = static_cast<int>(std::max<std::size_t>(7, write_padded(probe, n_, 1)));
    }

    /// What a simulated category (a slot of the Hunan cohort's shape) is in
    /// this programme, and what its teachers set out to do.
    struct SlotPlan {
        std::string name;                   ///< the programme's category id written
        bool target = false;                ///< a certificate category (else: records a little study)
        bool identity = true;               ///< lessons in catalogue order; `required` = min_lessons
        std::vector<std::uint16_t> order;   ///< lessons a plan takes first: the `required` targets, then the rest
        std::size_t required = 0;           ///< lessons the requirement needs
        std::vector<std::uint16_t> exams;   ///< exams the requirement names
        bool approval = false;              ///< the requirement needs a sign-off
    };

    /// The simulated categories, from the programme.  A programme with the
    /// winter ids keeps them (a category it lacks is written anyway, and
    /// rejected); another maps the four target slots onto its certificate
    /// categories and the last onto its first other category.  Each slot's
    /// plan comes from its requirement: a bare lesson count takes the first
    /// N lessons; a tree is walked, taking lessons in catalogue order until
    /// each lessons/hours node holds under the programme's caps (the first
    /// alternative of an `any`), and noting the exams and sign-off it names.
    void plan_categories(const Program& program) {
        bool winter_ids = false;
        for (std::string_view name : kCatNames) winter_ids = winter_ids || program.find_category(name);
        std::vector<const Category*> certificates, others;
        for (const Category& c : program.categories()) (c.certificate ? certificates : others).push_back(&c);
        if (certificates.empty() && !program.categories().empty()) certificates.push_back(&program.categories()[0]);
        for (std::size_t c = 0; c < kCatCount; ++c) {
            SlotPlan& slot = slots_[c];
            const Category* category = nullptr;
            if (winter_ids || certificates.empty()) {
                slot.name = std::string(kCatNames[c]);
                slot.target = c != other_teacher;
                category = program.find_category(kCatNames[c]);
            } else {
                category = c == other_teacher && !others.empty() ? others.front() : certificates[c % certificates.size()];
                slot.name = category->id;
                slot.target = category->certificate;
            }
            if (!category || category->requires.is_lesson_count()) {
                slot.required = category ? static_cast<std::size_t>(std::max(0, category->min_lessons)) : 0;
                continue;
            }
            slot.identity = false;
            std::vector<LessonCredit> credits(lessons_.size());
            for (std::size_t i = 0; i < credits.size(); ++i)
                credits[i].catalogue = i < program.lessons().size() ? &program.lessons()[i] : nullptr;
            plan_requirement(program, category->requires, credits, slot);
            slot.required = slot.order.size();
            std::vector<bool> taken(lessons_.size(), false);
            for (std::uint16_t l : slot.order) taken[l] = true;
            for (std::size_t i = 0; i < lessons_.size(); ++i)
                if (!taken[i]) slot.order.push_back(static_cast<std::uint16_t>(i));
            extended_records_ = true;
        }
        extended_records_ = extended_records_ || !program.exams().empty();
    }

    void plan_requirement(const Program& program, const Requirement& r, std::vector<LessonCredit>& credits,
                          SlotPlan& slot) const {
        RequirementInput in;
        in.lessons = &credits;
        auto take = [&](std::size_t i) {
            credits[i].credited = true;
            credits[i].seconds = lesson_seconds_[i];
            slot.order.push_back(static_cast<std::uint16_t>(i));
        };
        switch (r.kind) {
            case Requirement::Kind::lessons:
                for (std::size_t i = 0; i < credits.size() && !rule_requirement_lessons(r, in).holds; ++i)
                    if (!credits[i].credited && rule_selects(r.from, credits[i].catalogue)) take(i);
                break;
            case Requirement::Kind::hours:
                for (std::size_t i = 0; i < credits.size() && !rule_requirement_hours(r, in, program).holds; ++i) {
                    if (credits[i].credited || !rule_selects(r.from, credits[i].catalogue)) continue;
                    const std::int64_t before = rule_selection_us(program, r.from, credits);
                    take(i);
                    if (rule_selection_us(program, r.from, credits) == before) {  // capped: it adds nothing
                        credits[i].credited = false;
                        slot.order.pop_back();
                    }
                }
                break;
            case Requirement::Kind::exam:
                if (const Exam* exam = program.find_exam(r.exam)) {
                    const auto index = static_cast<std::uint16_t>(exam - program.exams().data());
                    if (std::find(slot.exams.begin(), slot.exams.end(), index) == slot.exams.end())
                        slot.exams.push_back(index);
                }
                break;
            case Requirement::Kind::approval:
                slot.approval = true;
                break;
            case Requirement::Kind::all:
                for (const Requirement& child : r.children) plan_requirement(program, child, credits, slot);
                break;
            case Requirement::Kind::any:
                if (!r.children.empty()) plan_requirement(program, r.children.front(), credits, slot);
                break;
        }
    }

    /// Generates everything and writes it to the five sinks.
    SimulatedCohort run(Sink& people_jsonl, Sink& people_csv, Sink& events_jsonl, Sink& events_csv, Sink& census) {
        SimulatedCohort result;
        make_people();
        for (const auto& p : people_) ++behaviour_counts_[static_cast<std::size_t>(p.behaviour)];
        write_people(people_jsonl, people_csv, result);
        make_events();
        write_events(events_jsonl, events_csv, result);
        write_census(census);
        for (std::size_t b = 0; b < kBehaviourCount; ++b)
            result.behaviours[std::string(kBehaviourNames[b])] = behaviour_counts_[b];
        return result;
    }

private:
    static constexpr int kLeadDays = 7;

    std::int32_t rel(Instant t) const { return static_cast<std::int32_t>((t - base_).count()); }
    Instant abs(std::int32_t r) const { return base_ + Seconds{r}; }

    /// Fewer sessions over the Spring Festival (除夕 2023-01-21 to 初六
    /// 01-27), more at weekends.
    static std::uint32_t day_weight(LocalDate d) {
        const LocalDate festival_begin = date::year{2023} / date::January / 21;
        const LocalDate festival_end = date::year{2023} / date::January / 27;
        if (date::sys_days{d} >= date::sys_days{festival_begin} && date::sys_days{d} <= date::sys_days{festival_end})
            return 45;
        date::weekday wd{date::sys_days{d}};
        if (wd == date::Saturday || wd == date::Sunday) return 125;
        return 100;
    }

    // -- participants -------------------------------------------------------

    void make_people() {
        people_.resize(n_);
        for (std::size_t i = 0; i < n_; ++i) {
            Rng rng(options_.seed, kStreamPerson, i);
            Person& p = people_[i];
            const std::size_t unit = rng.pick(unit_weights_);  // never a census-only unit (weight 0)
            p.unit = static_cast<std::uint16_t>(unit);
            const UnitInfo& info = kUnits[unit];
            Sector sector = info.sector;
            if (info.kind == UnitKind::city) sector = kCitySectorValues[rng.pick(kCitySectors)];
            const auto& weights = info.kind == UnitKind::university ? kCatsUniversity
                                  : info.kind == UnitKind::institute ? kCatsInstitute
                                  : sector == Sector::kindergarten  ? kCatsKindergarten
                                                                    : kCatsSchool;
            p.category = static_cast<Cat>(rng.pick(weights));
            p.sector = rng.chance(0.02) ? Sector::unknown : sector;
            bool verified = !rng.chance(0.01);
            if (verified) p.flags |= kVerified;
            if (verified && rng.chance(0.03)) p.flags |= kOmitVerified;
            if (rng.chance(0.01)) p.flags |= kOmitName;
            if (rng.chance(0.25)) p.flags |= kEventIds;
            double style = rng.unit();
            p.time_style = style < 0.85 ? TimeStyle::offset : style < 0.95 ? TimeStyle::utc : TimeStyle::local;
            if (!verified)
                p.behaviour = Behaviour::unverified;
            else if (!slots_[p.category].target)
                p.behaviour = Behaviour::non_target;
            else
                p.behaviour = static_cast<Behaviour>(rng.pick(kBehaviourWeights));
        }
    }

    char* put_id(char* p, std::uint64_t number) const {
        *p++ = 'T';
        return p + write_padded(p, number, id_width_);
    }

    std::string name_of(std::size_t index) const {
        Rng rng(options_.seed, kStreamNames, index);
        std::string name(kSurnames[rng.below(std::size(kSurnames))]);
        std::size_t given = rng.chance(0.7) ? 2 : 1;
        for (std::size_t k = 0; k < given; ++k) name += kGivenChars[rng.below(std::size(kGivenChars))];
        return name;
    }

    /// The longest participant line we write (units, names and ids are short).
    static constexpr std::size_t kPersonLineMax = 512;

    /// One participant line in each format.  The bad copies override the
    /// id, category or `verified` text (empty: left out).
    void put_person(Sink& js_sink, Sink& csv_sink, const Person& p, std::size_t index, bool with_id,
                    std::uint64_t id_number, Cat category, std::string_view verified_text) const {
        const std::string name = (p.flags & kOmitName) ? std::string() : name_of(index);
        const std::string_view unit = kUnits[p.unit].name;
        const std::string_view sector = to_string(p.sector);
        char* js = js_sink.claim(kPersonLineMax);
        char* csv = csv_sink.claim(kPersonLineMax);
        js = put(js, '{');
        bool first = true;
        auto key = [&](std::string_view k) {
            if (!first) js = put(js, ',');
            first = false;
            js = put(js, '"');
            js = put(js, k);
            js = put(js, "\":");
        };
        auto text = [&](std::string_view v) {
            js = put(js, '"');
            js = put(js, v);
            js = put(js, '"');
        };
        if (with_id) {
            key("id");
            js = put(js, '"');
            js = put_id(js, id_number);
            js = put(js, '"');
            csv = put_id(csv, id_number);
        }
        csv = put(csv, ',');
        key("unit");
        text(unit);
        csv = put(csv, unit);
        csv = put(csv, ',');
        if (!sector.empty()) {
            key("sector");
            text(sector);
            csv = put(csv, sector);
        }
        csv = put(csv, ',');
        key("category");
        text(slots_[category].name);
        csv = put(csv, slots_[category].name);
        csv = put(csv, ',');
        if (!verified_text.empty()) {
            key("verified");
            js = put(js, verified_text);
            csv = put(csv, verified_text.front() == '"' ? verified_text.substr(1, verified_text.size() - 2)
                                                        : verified_text);
        }
        csv = put(csv, ',');
        if (!name.empty()) {
            key("name");
            text(name);
            csv = put(csv, name);
        }
        js = put(js, "}\n");
        csv = put(csv, '\n');
        js_sink.commit(js);
        csv_sink.commit(csv);
    }

    void write_people(Sink& jsonl, Sink& csv_sink, SimulatedCohort& result) {
        csv_sink.append("id,unit,sector,category,verified,name\n");
        const double share = options_.malformed_share;
        std::uint64_t next_stray_id = n_ + 10001;  // ids no good record uses
        for (std::size_t i = 0; i < n_; ++i) {
            const Person& p = people_[i];
            std::string_view verified = (p.flags & kOmitVerified) ? "" : (p.flags & kVerified) ? "true" : "false";
            put_person(jsonl, csv_sink, p, i, true, i + 1, p.category, verified);
            ++result.participants;
            Rng rng(options_.seed, kStreamFaults, ~static_cast<std::uint64_t>(i));
            if (rng.chance(0.0005)) {  // an exact re-sent line
                put_person(jsonl, csv_sink, p, i, true, i + 1, p.category, verified);
                ++result.participants;
                ++result.duplicates;
            }
            if (share > 0 && rng.chance(share / (1 + share))) {
                auto fault = static_cast<PersonFault>(rng.below(4));
                ++result.participants;
                ++result.malformed;
                switch (fault) {
                    case PersonFault::not_a_record: {
                        // A record cut off mid-export: not JSON, and a ragged CSV row.
                        char* js = jsonl.claim(kPersonLineMax);
                        js = put(js, "{\"id\":\"");
                        js = put_id(js, next_stray_id);
                        js = put(js, "\",\"unit\":\"");
                        js = put(js, kUnits[p.unit].name);
                        js = put(js, "\",\"sec\n");
                        jsonl.commit(js);
                        char* csv = csv_sink.claim(kPersonLineMax);
                        csv = put_id(csv, next_stray_id++);
                        csv = put(csv, ',');
                        csv = put(csv, kUnits[p.unit].name);
                        csv = put(csv, '\n');
                        csv_sink.commit(csv);
                        break;
                    }
                    case PersonFault::missing_id:
                        put_person(jsonl, csv_sink, p, i, false, 0, p.category, "true");
                        break;
                    case PersonFault::duplicate_id: {
                        // Same id, another identity: one of the two is rejected.
                        Cat other = p.category == other_teacher ? mh_parttime : other_teacher;
                        if (slots_[other].name != slots_[p.category].name) {
                            put_person(jsonl, csv_sink, p, i, true, i + 1, other, verified);
                        } else {  // one category only: the copy differs in `verified`
                            put_person(jsonl, csv_sink, p, i, true, i + 1, p.category,
                                       verified == "false" ? "true" : "false");
                        }
                        break;
                    }
                    case PersonFault::bad_type:
                        put_person(jsonl, csv_sink, p, i, true, next_stray_id++, p.category, "\"是\"");
                        break;
                }
            }
        }
    }

    // -- events -------------------------------------------------------------

    /// A plan item: a lesson on a day, with a twist.
    enum class Mod : std::uint8_t { normal, skip_quiz, quiz_first, partial, tab_pair, rewatch_overlap };
    struct Item {
        std::uint16_t lesson;
        std::int16_t day;
        Mod mod;
    };

    /// Per-participant state while generating.
    struct Work {
        Rng rng;
        std::uint32_t who;
        const Person* person;
        std::vector<Ev>* out;
        std::uint16_t seq = 0;
        bool ids = false;
    };

    std::int32_t time_of_day(Rng& rng) const {
        double u = rng.unit();
        if (u < 0.52) return 19 * 3600 + static_cast<std::int32_t>(rng.below(12600));       // 19:00-22:30
        if (u < 0.67) return 14 * 3600 + static_cast<std::int32_t>(rng.below(12600));       // 14:00-17:30
        if (u < 0.82) return 8 * 3600 + 1800 + static_cast<std::int32_t>(rng.below(10800)); // 08:30-11:30
        if (u < 0.90) return 12 * 3600 + static_cast<std::int32_t>(rng.below(5400));        // lunch
        return 22 * 3600 + 1800 + static_cast<std::int32_t>(rng.below(5400));               // late night
    }

    int pick_day(Rng& rng, int a, int b) const {
        if (b < a) b = a;
        for (;;) {
            int d = a + static_cast<int>(rng.below(static_cast<std::uint64_t>(b - a + 1)));
            if (rng.below(125) < day_weight_[static_cast<std::size_t>(d)]) return d;
        }
    }

    std::int32_t full_length(Rng& rng, std::uint16_t lesson) const {
        // 92%-115% of the lesson (or from the programme's minimum share), in
        // integers so every platform agrees.  One draw per statement:
        // operand order is unspecified in C++.
        const auto spread = static_cast<std::uint64_t>(std::max(1, 1151 - min_length_per_mille_));
        std::int32_t len = static_cast<std::int32_t>(
            static_cast<std::int64_t>(lesson_seconds_[lesson]) *
            (min_length_per_mille_ + static_cast<std::int32_t>(rng.below(spread))) / 1000);
        len += static_cast<std::int32_t>(rng.below(60));
        return std::clamp<std::int32_t>(len, 300, std::max<std::int32_t>(3600, lesson_seconds_[lesson] + 600));
    }
    static std::int32_t quiz_delay(Rng& rng) { return 60 + static_cast<std::int32_t>(rng.below(541)); }
    static std::int32_t gap(Rng& rng) { return 30 + static_cast<std::int32_t>(rng.below(900)); }

    /// A quiz score: ten questions, most teachers pass.
    static std::uint8_t draw_score(Rng& rng) {
        static constexpr std::array<std::uint32_t, 7> weights = {3, 5, 10, 17, 25, 23, 17};  // 40..100
        return static_cast<std::uint8_t>(40 + 10 * rng.pick(weights));
    }

    void push(Work& w, Ev e) const {
        e.who = w.who;
        e.seq = w.seq++;
        if (w.ids) e.flags |= kHasId;
        e.flags = static_cast<std::uint8_t>(e.flags | (static_cast<unsigned>(w.person->time_style) << 6));
        w.out->push_back(e);
    }

    void study(Work& w, std::uint16_t lesson, std::int32_t start, std::int32_t length) const {
        Ev e;
        e.t0 = start;
        e.t1 = start + length;
        e.lesson = lesson;
        double u = w.rng.unit();
        EndStyle style = u < 0.75 ? EndStyle::end : u < 0.93 ? EndStyle::seconds : EndStyle::iso;
        e.flags = static_cast<std::uint8_t>(static_cast<unsigned>(style) << 4);
        push(w, e);
    }

    /// A quiz attempt; a failed one is often retaken a few minutes later.
    /// Returns the instant of the last attempt.
    std::int32_t quiz(Work& w, std::uint16_t lesson, std::int32_t at) const {
        for (int attempt = 0;; ++attempt) {
            Ev e;
            e.kind = Ev::kQuiz;
            e.t0 = at;
            e.lesson = lesson;
            double u = w.rng.unit();
            if (u < 0.03) {  // abandoned
                e.flags = kHasCompleted;
                if (w.rng.chance(0.5)) e.score = draw_score(w.rng);
            } else {
                e.score = draw_score(w.rng);
                if (u >= 0.13) e.flags = kHasCompleted | kCompleted;  // else `completed` left out
            }
            push(w, e);
            // Most come back to an abandoned quiz; half retake a failed one.
            bool abandoned = (e.flags & kHasCompleted) && !(e.flags & kCompleted);
            bool failed = e.score == Ev::kNoScore || e.score < 60;
            if (attempt >= 2 || !(abandoned ? w.rng.chance(0.85) : failed && w.rng.chance(0.5))) return at;
            at += 60 + static_cast<std::int32_t>(w.rng.below(240));
        }
    }

    /// Lessons to study: mostly in catalogue order, sometimes a random subset.
    /// Under a requirement tree: the lessons the plan targets (a random few
    /// of them when `count` is short of them), then random others.
    std::vector<std::uint16_t> choose_lessons(const SlotPlan& plan, Rng& rng, std::size_t count) const {
        count = std::min(count, lessons_.size());
        if (!plan.identity) {
            std::vector<std::uint16_t> order = plan.order;
            const std::size_t targets = std::min(plan.required, order.size());
            const std::size_t from_targets = std::min(count, targets);
            for (std::size_t i = 0; i < from_targets; ++i) std::swap(order[i], order[i + rng.below(targets - i)]);
            for (std::size_t i = targets; i < count; ++i)
                std::swap(order[i], order[i + rng.below(order.size() - i)]);
            std::vector<std::uint16_t> picked(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(from_targets));
            picked.insert(picked.end(), order.begin() + static_cast<std::ptrdiff_t>(targets),
                          order.begin() + static_cast<std::ptrdiff_t>(std::max(targets, count)));
            std::sort(picked.begin(), picked.end());
            return picked;
        }
        std::vector<std::uint16_t> all(lessons_.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
        if (rng.chance(0.7)) {
            all.resize(count);
            return all;
        }
        for (std::size_t i = 0; i < count; ++i) std::swap(all[i], all[i + rng.below(all.size() - i)]);
        all.resize(count);
        std::sort(all.begin(), all.end());
        return all;
    }

    /// `count` lessons spread over days [a, b], at most four a day when the
    /// days allow it (nobody but a crammer studies all night).
    std::vector<Item> spread(const SlotPlan& plan, Rng& rng, std::size_t count, int a, int b) const {
        std::vector<std::uint16_t> lessons = choose_lessons(plan, rng, count);
        if (b < a) b = a;
        const auto span = static_cast<std::size_t>(b - a + 1);
        const std::size_t per_day = std::max<std::size_t>(4, (lessons.size() + span - 1) / span);
        std::vector<std::size_t> taken(span, 0);
        std::vector<std::int16_t> days;
        for (std::size_t i = 0; i < lessons.size(); ++i) {
            int d = pick_day(rng, a, b);
            while (taken[static_cast<std::size_t>(d - a)] >= per_day) d = pick_day(rng, a, b);
            ++taken[static_cast<std::size_t>(d - a)];
            days.push_back(static_cast<std::int16_t>(d));
        }
        std::sort(days.begin(), days.end());
        std::vector<Item> items;
        for (std::size_t i = 0; i < lessons.size(); ++i) items.push_back({lessons[i], days[i], Mod::normal});
        return items;
    }

    /// Lessons beyond the minimum that keen teachers take.
    static std::size_t extra_lessons(Rng& rng) {
        double u = rng.unit();
        return u < 0.6 ? 0 : u < 0.8 ? 1 : u < 0.9 ? 2 : 3 + static_cast<std::size_t>(rng.below(3));
    }

    /// A steady plan: start early in the window, finish before its end.
    std::vector<Item> steady_plan(const SlotPlan& plan, Rng& rng, std::size_t count) const {
        int a = first_day_ + static_cast<int>(rng.below(static_cast<std::uint64_t>(window_days_ * 3 / 10 + 1)));
        int b = first_day_ + window_days_ * 6 / 10 +
                static_cast<int>(rng.below(static_cast<std::uint64_t>(window_days_ * 37 / 100 + 1)));
        b = std::min(b, last_day_ - 1);
        b = std::max(b, std::min(a + 3, last_day_));
        return spread(plan, rng, count, a, b);
    }

    /// Turns a plan into sessions and quizzes.  Sessions on one day follow
    /// each other; a new day never starts before the previous chain ended.
    void run_plan(Work& w, std::vector<Item>& items) const {
        std::stable_sort(items.begin(), items.end(), [](const Item& x, const Item& y) { return x.day < y.day; });
        int day = -1;
        std::int32_t cursor = 0;
        Rng& rng = w.rng;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const Item& it = items[i];
            if (it.day != day) {
                day = it.day;
                // One draw per statement: argument order is unspecified in C++.
                std::int32_t after_previous = cursor + gap(rng);
                std::int32_t usual_time = day_start_[static_cast<std::size_t>(day)] + time_of_day(rng);
                cursor = std::max(after_previous, usual_time);
            }
            std::int32_t start = cursor;
            switch (it.mod) {
                case Mod::normal:
                case Mod::skip_quiz: {
                    std::int32_t length = full_length(rng, it.lesson);
                    if (length >= 900 && rng.chance(0.2)) {
                        // Paused and resumed later the same day: two sessions, one lesson.
                        auto first = 300 + static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(length - 599)));
                        study(w, it.lesson, start, first);
                        start += first + 300 + static_cast<std::int32_t>(rng.below(3300));
                        length -= first;
                    }
                    std::int32_t end = start + length;
                    study(w, it.lesson, start, length);
                    cursor = end;
                    if (it.mod == Mod::normal) cursor = quiz(w, it.lesson, end + quiz_delay(rng));
                    break;
                }
                case Mod::quiz_first: {
                    // Opens the quiz before watching; half of them answer it again afterwards.
                    std::int32_t at = quiz(w, it.lesson, start);
                    std::int32_t s = at + 60 + static_cast<std::int32_t>(rng.below(540));
                    std::int32_t end = s + full_length(rng, it.lesson);
                    study(w, it.lesson, s, end - s);
                    cursor = end;
                    if (rng.chance(0.5)) cursor = quiz(w, it.lesson, end + quiz_delay(rng));
                    break;
                }
                case Mod::partial: {
                    std::int32_t end = start + 300 + static_cast<std::int32_t>(rng.below(601));
                    study(w, it.lesson, start, end - start);
                    cursor = end;
                    break;
                }
                case Mod::tab_pair: {
                    // Two lessons playing at once in two tabs.
                    const Item& other = items[i + 1];
                    std::int32_t end_a = start + full_length(rng, it.lesson);
                    std::int32_t start_b = start + 30 + static_cast<std::int32_t>(rng.below(871));
                    std::int32_t end_b = start_b + full_length(rng, other.lesson);
                    study(w, it.lesson, start, end_a - start);
                    study(w, other.lesson, start_b, end_b - start_b);
                    std::int32_t qa = quiz(w, it.lesson, end_a + quiz_delay(rng));
                    std::int32_t qb = quiz(w, other.lesson, std::max(qa, end_b) + quiz_delay(rng));
                    cursor = std::max(qa, qb);
                    ++i;
                    break;
                }
                case Mod::rewatch_overlap: {
                    // The same lesson opened twice, the second a few minutes in.
                    std::int32_t end_a = start + full_length(rng, it.lesson);
                    std::int32_t start_b = start + 120 + static_cast<std::int32_t>(rng.below(481));
                    std::int32_t end_b = start_b + full_length(rng, it.lesson);
                    study(w, it.lesson, start, end_a - start);
                    study(w, it.lesson, start_b, end_b - start_b);
                    cursor = quiz(w, it.lesson, std::max(end_a, end_b) + quiz_delay(rng));
                    break;
                }
            }
            cursor += gap(rng);
        }
    }

    /// The crammer's last evening: back-to-back lessons whose last session
    /// straddles the window's end (its quiz falls after the deadline).
    void last_day_chain(Work& w, const std::vector<std::uint16_t>& lessons) const {
        if (lessons.empty()) return;
        Rng& rng = w.rng;
        struct Step {
            std::int32_t offset, length, quiz_offset;
        };
        std::vector<Step> steps;
        std::int32_t t = 0;
        for (std::uint16_t lesson : lessons) {
            std::int32_t len = full_length(rng, lesson);
            std::int32_t q = t + len + quiz_delay(rng);
            steps.push_back({t, len, q});
            t = q + 30 + static_cast<std::int32_t>(rng.below(300));
        }
        const Step& last = steps.back();
        const std::int32_t midnight = day_start_[static_cast<std::size_t>(last_day_ + 1)];
        // Midnight falls 20%-80% of the way into the last session.
        std::int32_t into = last.length * static_cast<std::int32_t>(200 + rng.below(601)) / 1000;
        std::int32_t origin = midnight - last.offset - into;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            study(w, lessons[i], origin + steps[i].offset, steps[i].length);
            quiz(w, lessons[i], origin + steps[i].quiz_offset);
        }
    }

    void make_person_events(Work& w) const {
        const Person& p = *w.person;
        Rng& rng = w.rng;
        const std::size_t lesson_count = lessons_.size();
        const SlotPlan& plan = slots_[p.category];
        const auto required = std::min<std::size_t>(plan.required, lesson_count);
        std::vector<Item> items;
        auto pick_indices = [&](std::size_t how_many) {
            // Distinct positions of `items`, at most how_many.
            std::vector<std::size_t> idx(items.size());
            for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
            how_many = std::min(how_many, idx.size());
            for (std::size_t i = 0; i < how_many; ++i) std::swap(idx[i], idx[i + rng.below(idx.size() - i)]);
            idx.resize(how_many);
            return idx;
        };
        switch (p.behaviour) {
            case Behaviour::steady_finisher:
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                break;
            case Behaviour::quiz_skipper: {
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                bool any = false;
                for (auto& it : items)
                    if (rng.chance(0.35)) it.mod = Mod::skip_quiz, any = true;
                if (!any && !items.empty()) items[rng.below(items.size())].mod = Mod::skip_quiz;
                break;
            }
            case Behaviour::quiz_before_study:
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                for (std::size_t i : pick_indices(1 + rng.below(3))) items[i].mod = Mod::quiz_first;
                break;
            case Behaviour::two_tab_overlap: {
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                std::size_t pairs = 1 + rng.below(3);
                for (std::size_t tries = 0; pairs > 0 && tries < 20 && items.size() >= 2; ++tries) {
                    std::size_t i = rng.below(items.size() - 1);
                    if (items[i].mod != Mod::normal || items[i + 1].mod != Mod::normal) continue;
                    if (i > 0 && items[i - 1].mod == Mod::tab_pair) continue;
                    items[i].mod = Mod::tab_pair;
                    items[i + 1].day = items[i].day;
                    items[i + 1].mod = Mod::skip_quiz;  // handled with its pair
                    --pairs;
                }
                break;
            }
            case Behaviour::rewatcher: {
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                std::vector<Item> again;
                for (std::size_t i : pick_indices(1 + rng.below(3))) {
                    if (rng.chance(0.5)) {
                        items[i].mod = Mod::rewatch_overlap;
                    } else {
                        int day = std::min(last_day_, items[i].day + 1 + static_cast<int>(rng.below(7)));
                        again.push_back({items[i].lesson, static_cast<std::int16_t>(day),
                                         rng.chance(0.5) ? Mod::normal : Mod::skip_quiz});
                    }
                }
                items.insert(items.end(), again.begin(), again.end());
                break;
            }
            case Behaviour::late_starter: {
                int a = first_day_ + (window_days_ - 1) / 2 +
                        static_cast<int>(rng.below(static_cast<std::uint64_t>(window_days_ / 4 + 1)));
                std::size_t count = required + extra_lessons(rng);
                if (rng.chance(0.4)) count = required > 4 ? required - 1 - rng.below(4) : 1;
                items = spread(plan, rng, count, std::min(a, last_day_), last_day_);
                break;
            }
            case Behaviour::dropout: {
                std::size_t count = required > 1 ? 1 + rng.below(required - 1) : 1;
                items = steady_plan(plan, rng, count);
                if (!items.empty() && rng.chance(0.5)) items.back().mod = Mod::partial;
                break;
            }
            case Behaviour::never_started:
                return;
            case Behaviour::non_target: {
                items = spread(plan, rng, rng.below(9), first_day_, last_day_);
                for (auto& it : items)
                    if (rng.chance(0.4)) it.mod = Mod::skip_quiz;
                break;
            }
            case Behaviour::unverified:
                items = rng.chance(0.7) ? steady_plan(plan, rng, std::max<std::size_t>(required, 3) + extra_lessons(rng))
                                        : spread(plan, rng, 1 + rng.below(5), first_day_, last_day_);
                break;
            case Behaviour::before_window: {
                items = steady_plan(plan, rng, required + extra_lessons(rng));
                if (items.empty()) break;
                // Early access: the first lesson starts late on the eve of the
                // window and runs past midnight into its first day.
                std::uint16_t lesson = items.front().lesson;
                items.erase(items.begin());
                std::int32_t len = full_length(rng, lesson);
                std::int32_t before = 60 + static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(len - 120)));
                std::int32_t start = day_start_[static_cast<std::size_t>(first_day_)] - before;
                std::vector<bool> planned(lesson_count, false);
                planned[lesson] = true;
                for (const auto& it : items) planned[it.lesson] = true;
                std::size_t early = lesson_count;
                while (early > 0 && planned[early - 1]) --early;
                if (early > 0 && rng.chance(0.4)) {
                    // ... and sometimes a whole other lesson, quiz included, the evening before.
                    --early;
                    std::int32_t s = start - 7200 - static_cast<std::int32_t>(rng.below(3600));
                    std::int32_t l = full_length(rng, static_cast<std::uint16_t>(early));
                    study(w, static_cast<std::uint16_t>(early), s, l);
                    quiz(w, static_cast<std::uint16_t>(early), s + l + quiz_delay(rng));
                }
                study(w, lesson, start, len);
                quiz(w, lesson, start + len + quiz_delay(rng));
                break;
            }
            case Behaviour::last_day_crammer: {
                std::size_t count = std::max<std::size_t>(required + (rng.chance(0.3) ? 1 : 0), 1);
                std::size_t early = rng.below(count / 2 + 1);
                items = spread(plan, rng, count, first_day_, last_day_ - 1);
                std::vector<std::uint16_t> tonight;
                while (items.size() > early) {
                    tonight.insert(tonight.begin(), items.back().lesson);
                    items.pop_back();
                }
                run_plan(w, items);
                last_day_chain(w, tonight);
                return;
            }
            case Behaviour::count_:
                return;
        }
        run_plan(w, items);
        if (p.behaviour != Behaviour::dropout && p.behaviour != Behaviour::non_target) after_study(w, plan, items);
    }

    /// The day (index into `day_start_`) an instant falls on.
    int day_of(std::int32_t t) const {
        auto it = std::upper_bound(day_start_.begin(), day_start_.end(), t);
        return std::max(0, static_cast<int>(it - day_start_.begin()) - 1);
    }

    /// An exam score: most pass, some need a second sitting.
    static std::uint8_t draw_exam_score(Rng& rng) {
        static constexpr std::array<std::uint32_t, 7> weights = {4, 6, 12, 20, 26, 20, 12};  // 40..100
        const auto score = 40 + 10 * rng.pick(weights) + rng.below(10);
        return static_cast<std::uint8_t>(std::min<std::uint64_t>(score, 100));
    }

    /// What follows the lessons under a requirement tree: the exams it names
    /// (a failed sitting is often retaken the next day), then the school's
    /// sign-off a few days later (sometimes only after the window closed);
    /// and now and then an offline session that the teacher's unit credits
    /// by hand for a lesson not studied online.
    void after_study(Work& w, const SlotPlan& plan, const std::vector<Item>& items) const {
        if (plan.identity || w.out->empty()) return;
        Rng& rng = w.rng;
        std::int32_t last = 0;
        for (const Ev& e : *w.out) last = std::max(last, e.kind == Ev::kStudy ? e.t1 : e.t0);
        const auto at_day = [&](int day, std::int32_t after) {
            day = std::clamp(day, 0, static_cast<int>(day_start_.size()) - 1);
            const std::int32_t t = day_start_[static_cast<std::size_t>(day)] + 9 * 3600 +
                                   static_cast<std::int32_t>(rng.below(10 * 3600));
            return std::max(t, after + 600);
        };
        if (rng.chance(0.06)) {
            // An offline session, credited by the unit.
            std::vector<bool> studied(lessons_.size(), false);
            for (const Item& it : items) studied[it.lesson] = true;
            std::vector<std::uint16_t> candidates;
            for (std::uint16_t l : plan.order)
                if (!studied[l]) candidates.push_back(l);
            if (!candidates.empty()) {
                Ev e;
                e.kind = Ev::kCredit;
                e.lesson = candidates[rng.below(std::min<std::size_t>(candidates.size(), 3))];
                e.t0 = at_day(day_of(last) - static_cast<int>(rng.below(5)), day_start_[static_cast<std::size_t>(first_day_)]);
                e.t0 = std::min(e.t0, day_start_[static_cast<std::size_t>(last_day_)] + 20 * 3600);
                e.t1 = lesson_seconds_[e.lesson] + 60 * static_cast<std::int32_t>(rng.below(30));
                push(w, e);
            }
        }
        bool passed = true;
        for (std::uint16_t exam : plan.exams) {
            std::int32_t at = at_day(day_of(last) + 1 + static_cast<int>(rng.below(3)), last);
            passed = false;
            for (int sitting = 0; sitting < 3; ++sitting) {
                Ev e;
                e.kind = Ev::kExam;
                e.lesson = exam;
                e.t0 = at;
                e.score = draw_exam_score(rng);
                push(w, e);
                last = at;
                if (e.score >= exam_pass_[exam]) {
                    passed = true;
                    break;
                }
                if (!rng.chance(0.7)) break;
                at = at_day(day_of(at) + 1, at);
            }
            if (!passed) break;
        }
        if (plan.approval && passed && rng.chance(0.9)) {
            Ev e;
            e.kind = Ev::kApproval;
            e.t0 = at_day(day_of(last) + 1 + static_cast<int>(rng.below(4)), last);
            push(w, e);
        }
    }

    /// Spoils event `e` (in place) with a fault that suits its kind.
    void spoil(Ev& e, Rng& rng) const {
        static constexpr Fault study_faults[] = {Fault::bad_timestamp, Fault::end_before_start,
                                                 Fault::unknown_participant, Fault::unknown_kind,
                                                 Fault::missing_field, Fault::not_a_record,
                                                 Fault::too_long, Fault::bad_duration, Fault::bad_type};
        static constexpr Fault quiz_faults[] = {Fault::bad_timestamp, Fault::unknown_participant,
                                                Fault::unknown_kind,  Fault::missing_field,
                                                Fault::not_a_record,  Fault::out_of_range,
                                                Fault::bad_type};
        static constexpr Fault exam_faults[] = {Fault::unknown_exam, Fault::out_of_range, Fault::bad_timestamp,
                                                Fault::unknown_participant};
        static constexpr Fault approval_faults[] = {Fault::missing_by, Fault::bad_timestamp,
                                                    Fault::unknown_participant};
        static constexpr Fault credit_faults[] = {Fault::missing_by, Fault::outside_window, Fault::out_of_range,
                                                  Fault::bad_timestamp};
        Fault f = Fault::none;
        switch (e.kind) {
            case Ev::kStudy: f = study_faults[rng.below(std::size(study_faults))]; break;
            case Ev::kQuiz: f = quiz_faults[rng.below(std::size(quiz_faults))]; break;
            case Ev::kExam: f = exam_faults[rng.below(std::size(exam_faults))]; break;
            case Ev::kApproval: f = approval_faults[rng.below(std::size(approval_faults))]; break;
            default: f = credit_faults[rng.below(std::size(credit_faults))]; break;
        }
        auto variant = static_cast<unsigned>(rng.below(4));
        if (f == Fault::outside_window)  // a day or three before the window opens
            e.t0 = day_start_[static_cast<std::size_t>(first_day_ - 1 - static_cast<int>(variant % 3))] + 15 * 3600;
        if (f == Fault::end_before_start || f == Fault::too_long) {
            // Written with `end` so the fault is in the times, not the duration.
            e.flags = static_cast<std::uint8_t>(e.flags & ~0x30u);
            if (f == Fault::end_before_start) e.t1 = e.t0 - 300 - static_cast<std::int32_t>(rng.below(3300));
            else e.t1 = e.t0 + 25 * 3600 + static_cast<std::int32_t>(rng.below(72 * 3600));
            if (f == Fault::too_long && variant >= 2) e.flags |= static_cast<std::uint8_t>(1u << 4);  // as seconds
        }
        if (f == Fault::bad_duration) e.flags = static_cast<std::uint8_t>((e.flags & ~0x30u) | (2u << 4));
        e.fault = static_cast<std::uint8_t>((static_cast<unsigned>(f) << 4) | variant);
    }

    void make_events() {
        events_.reserve(n_ * 24 + 16);
        std::vector<Ev> mine;
        const double share = options_.malformed_share;
        for (std::size_t i = 0; i < n_; ++i) {
            const Person& p = people_[i];
            mine.clear();
            Work w{Rng(options_.seed, kStreamEvents, i), static_cast<std::uint32_t>(i), &p, &mine};
            w.ids = (p.flags & kEventIds) != 0;
            make_person_events(w);
            // Export order, re-sends and faults come from their own stream, so
            // the malformed share does not move anyone's good records.
            Rng rng(options_.seed, kStreamFaults, i);
            const std::size_t own = mine.size();
            for (std::size_t k = 0; k < own; ++k) {
                Ev& e = mine[k];
                double u = rng.unit();
                // Most records reach the export within a minute, a few late.
                std::int32_t jitter = u < 0.97    ? static_cast<std::int32_t>(rng.below(60))
                                      : u < 0.995 ? static_cast<std::int32_t>(rng.below(1800))
                                                 : static_cast<std::int32_t>(rng.below(6 * 3600));
                e.key = e.t0 + jitter;
                if (share > 0 && rng.chance(share)) {
                    if ((e.flags & kHasId) && rng.chance(0.1)) {
                        // A corrected re-send under the same id: a conflict.
                        Ev copy = e;
                        if (copy.kind == Ev::kQuiz || copy.kind == Ev::kExam)
                            copy.score = copy.score == Ev::kNoScore ? 60
                                         : copy.score <= 90        ? static_cast<std::uint8_t>(copy.score + 10)
                                                                   : static_cast<std::uint8_t>(copy.score - 10);
                        else if (copy.kind == Ev::kStudy)
                            copy.t1 += 60 + static_cast<std::int32_t>(rng.below(540));
                        else if (copy.kind == Ev::kCredit)
                            copy.t1 += 60;  // other seconds
                        else
                            copy.t0 -= 60 + static_cast<std::int32_t>(rng.below(540));
                        copy.key = e.key + 1 + static_cast<std::int32_t>(rng.below(3600));
                        copy.fault = static_cast<std::uint8_t>(static_cast<unsigned>(Fault::duplicate_id) << 4);
                        mine.push_back(copy);
                    } else {
                        spoil(e, rng);
                    }
                } else if (rng.chance(0.0005)) {
                    Ev copy = e;  // the platform sent it twice
                    copy.key = e.key + 1 + static_cast<std::int32_t>(rng.below(3600));
                    copy.flags |= kExactCopy;
                    mine.push_back(copy);
                }
            }
            events_.insert(events_.end(), mine.begin(), mine.end());
        }
        // A total order, so every correct sort gives the same bytes.
        std::sort(events_.begin(), events_.end(), [](const Ev& a, const Ev& b) {
            if (a.key != b.key) return a.key < b.key;
            if (a.who != b.who) return a.who < b.who;
            if (a.seq != b.seq) return a.seq < b.seq;
            return (a.fault | (a.flags & kExactCopy)) < (b.fault | (b.flags & kExactCopy));
        });
    }

    // -- rendering events ---------------------------------------------------

    /// One field as written: absent, a JSON string, or a bare JSON value.
    struct Field {
        enum Kind : std::uint8_t { absent, text, bare } kind = absent;
        std::string_view json;  ///< escaped body (text) or literal (bare)
        std::string_view csv;   ///< the CSV cell
        void set_text(std::string_view both) { kind = text, json = both, csv = both; }
        void set_bare(std::string_view both) { kind = bare, json = both, csv = both; }
    };
    enum {
        f_id, f_kind, f_participant, f_lesson, f_start, f_end, f_duration, f_at, f_score, f_completed,
        f_exam, f_seconds, f_by, f_reason, f_count
    };
    /// The columns of the winter programme's files, and those the other record kinds add.
    static constexpr int kBasicFields = f_exam;

    /// The text of one event's fields, faults applied.  Views point into
    /// `arena` (fixed size: no allocation per record).
    struct View {
        Field fields[f_count];
        char arena[256];
        std::size_t used = 0;
        std::string_view keep(const char* s, std::size_t n) {
            std::memcpy(arena + used, s, n);
            std::string_view v(arena + used, n);
            used += n;
            return v;
        }
    };

    std::string_view time_text(View& v, Instant t, TimeStyle style) {
        char buf[32];
        return v.keep(buf, writer_->write(buf, t, style));
    }

    static std::string_view iso_duration(View& v, std::int64_t s) {
        char buf[40];
        std::size_t n = 0;
        buf[n++] = 'P';
        buf[n++] = 'T';
        auto part = [&](std::int64_t value, char unit) {
            n += write_padded(buf + n, static_cast<std::uint64_t>(value), 1);
            buf[n++] = unit;
        };
        if (s >= 3600) part(s / 3600, 'H');
        if ((s / 60) % 60) part((s / 60) % 60, 'M');
        if (s % 60 || s == 0) part(s % 60, 'S');
        return v.keep(buf, n);
    }

    void build_view(View& v, const Ev& e) {
        static constexpr std::string_view kBadKinds[] = {"video", "exam", "note", "watch"};
        static constexpr std::string_view kBadDurations[] = {"PT1W", "forty minutes", "-1800", "P1M"};
        const Fault fault = e.fault_kind();
        const unsigned variant = e.variant();
        const TimeStyle style = e.time_style();
        char buf[64];
        if (e.flags & kHasId) {
            std::size_t n = 0;
            buf[n++] = 'E';
            n += write_padded(buf + n, e.who + 1ull, id_width_);
            buf[n++] = '-';
            n += write_padded(buf + n, e.seq, 3);
            v.fields[f_id].set_text(v.keep(buf, n));
        }
        static constexpr std::string_view kKinds[] = {"study", "quiz", "exam", "approval", "credit"};
        v.fields[f_kind].set_text(kKinds[std::min<std::size_t>(e.kind, 4)]);
        if (fault == Fault::unknown_kind) v.fields[f_kind].set_text(kBadKinds[variant]);
        {
            std::uint64_t number = e.who + 1ull;
            if (fault == Fault::unknown_participant) number = n_ + 1 + hash3(e.who, e.seq, 0x756e6b) % 10000;
            buf[0] = 'T';
            v.fields[f_participant].set_text(v.keep(buf, 1 + write_padded(buf + 1, number, id_width_)));
        }
        if (e.kind == Ev::kStudy || e.kind == Ev::kQuiz || e.kind == Ev::kCredit)
            v.fields[f_lesson] = Field{Field::text, lesson_json_[e.lesson], lesson_csv_[e.lesson]};
        const Instant t0 = abs(e.t0);
        const std::size_t unit = people_[e.who].unit;
        if (e.kind == Ev::kExam) {
            v.fields[f_at].set_text(time_text(v, t0, style));
            v.fields[f_score].set_bare(v.keep(buf, write_padded(buf, e.score, 1)));
            v.fields[f_exam] = Field{Field::text, exam_json_[e.lesson], exam_csv_[e.lesson]};
        } else if (e.kind == Ev::kApproval) {
            v.fields[f_at].set_text(time_text(v, t0, style));
            v.fields[f_by].set_text(approver_[unit]);
        } else if (e.kind == Ev::kCredit) {
            v.fields[f_at].set_text(time_text(v, t0, style));
            v.fields[f_seconds].set_bare(v.keep(buf, write_padded(buf, static_cast<std::uint64_t>(e.t1), 1)));
            v.fields[f_by].set_text(office_[unit]);
            v.fields[f_reason].set_text("线下集中学习");
        } else if (e.kind == Ev::kStudy) {
            v.fields[f_start].set_text(time_text(v, t0, style));
            switch (e.end_style()) {
                case EndStyle::end:
                    v.fields[f_end].set_text(time_text(v, abs(e.t1), style));
                    break;
                case EndStyle::seconds:
                    v.fields[f_duration].set_bare(v.keep(buf, write_padded(buf, static_cast<std::uint64_t>(e.t1 - e.t0), 1)));
                    break;
                case EndStyle::iso:
                    v.fields[f_duration].set_text(iso_duration(v, e.t1 - e.t0));
                    break;
            }
        } else {
            v.fields[f_at].set_text(time_text(v, t0, style));
            if (e.score != Ev::kNoScore)
                v.fields[f_score].set_bare(v.keep(buf, write_padded(buf, e.score, 1)));
            if (e.flags & kHasCompleted) v.fields[f_completed].set_bare((e.flags & kCompleted) ? "true" : "false");
        }
        const int time_field = e.kind == Ev::kStudy ? f_start : f_at;
        switch (fault) {
            case Fault::bad_timestamp: {
                // Impossible or misshapen times, from the real local time.
                std::string_view good = time_text(v, t0, TimeStyle::local);  // YYYY-MM-DDThh:mm:ss
                std::size_t n = 0;
                switch (variant) {
                    case 0:  // no such day
                        std::memcpy(buf, good.data(), 19);
                        std::memcpy(buf + 5, "02-31", 5);
                        n = 19;
                        break;
                    case 1:  // hour 24
                        std::memcpy(buf, good.data(), 19);
                        std::memcpy(buf + 11, "24", 2);
                        std::memcpy(buf + 19, "+08:00", 6);
                        n = 25;
                        break;
                    case 2:  // slashes, no seconds
                        std::memcpy(buf, good.data(), 16);
                        buf[4] = buf[7] = '/';
                        buf[10] = ' ';
                        n = 16;
                        break;
                    default:  // a date with no time of day
                        std::memcpy(buf, good.data(), 10);
                        n = 10;
                        break;
                }
                v.fields[time_field].set_text(v.keep(buf, n));
                break;
            }
            case Fault::missing_field:
                switch (variant) {
                    case 0: v.fields[f_participant].kind = Field::absent; break;
                    case 1: v.fields[f_lesson].kind = Field::absent; break;
                    case 2: v.fields[time_field].kind = Field::absent; break;
                    default:
                        if (e.kind != Ev::kStudy) v.fields[f_kind].kind = Field::absent;
                        else v.fields[f_end].kind = v.fields[f_duration].kind = Field::absent;
                        break;
                }
                break;
            case Fault::bad_duration:
                v.fields[f_duration].set_text(kBadDurations[variant]);
                break;
            case Fault::out_of_range:
                if (e.kind == Ev::kCredit)
                    v.fields[f_seconds].set_bare(variant % 2 ? "-1800" : "0");
                else
                    v.fields[f_score].set_bare(variant == 0 ? "120" : variant == 1 ? "-10" : variant == 2 ? "101" : "1000");
                break;
            case Fault::unknown_exam: {
                static constexpr std::string_view kBadExams[] = {"x-midterm", "x-结业考核", "x-exam2"};
                if (variant < 3) v.fields[f_exam].set_text(kBadExams[variant]);
                else v.fields[f_exam].kind = Field::absent;
                break;
            }
            case Fault::missing_by:
                v.fields[f_by].kind = Field::absent;
                break;
            case Fault::bad_type:
                if (e.kind != Ev::kStudy) {
                    v.fields[f_score].set_text("优秀");
                } else {
                    // An epoch number where a timestamp belongs.
                    auto epoch = static_cast<std::uint64_t>(t0.time_since_epoch().count());
                    v.fields[f_start].set_bare(v.keep(buf, write_padded(buf, epoch, 1)));
                }
                break;
            default:
                break;
        }
    }

    /// Writes the view as one JSON line at `p` (without the newline).
    static char* put_json(char* p, const View& v) {
        static constexpr std::string_view names[f_count] = {"id",    "kind",      "participant", "lesson", "start",
                                                             "end",   "duration",  "at",          "score",  "completed",
                                                             "exam",  "seconds",   "by",          "reason"};
        p = put(p, '{');
        bool first = true;
        for (int i = 0; i < f_count; ++i) {
            const Field& f = v.fields[i];
            if (f.kind == Field::absent) continue;
            if (!first) p = put(p, ',');
            first = false;
            p = put(p, '"');
            p = put(p, names[i]);
            p = put(p, "\":");
            if (f.kind == Field::text) {
                p = put(p, '"');
                p = put(p, f.json);
                p = put(p, '"');
            } else {
                p = put(p, f.json);
            }
        }
        return put(p, '}');
    }

    /// Writes the view as one CSV row at `p` (without the newline).
    char* put_csv(char* p, const View& v) const {
        static constexpr int order[f_count] = {f_kind, f_participant, f_lesson, f_start,   f_end,  f_duration, f_at,
                                               f_score, f_completed,  f_id,     f_exam,    f_seconds, f_by, f_reason};
        const int columns = extended_records_ ? f_count : kBasicFields;
        for (int k = 0; k < columns; ++k) {
            if (k) p = put(p, ',');
            const Field& f = v.fields[order[k]];
            if (f.kind != Field::absent) p = put(p, f.csv);
        }
        return p;
    }

    void write_events(Sink& jsonl, Sink& csv_sink, SimulatedCohort& result) {
        InstantWriter writer(*zone_);
        writer_ = &writer;
        csv_sink.append(extended_records_ ? "kind,participant,lesson,start,end,duration,at,score,completed,id,"
                                            "exam,seconds,by,reason\n"
                                          : "kind,participant,lesson,start,end,duration,at,score,completed,id\n");
        // Field names, punctuation and generated values stay well under 512
        // bytes; a lesson id is the only text of unbounded length.
        std::size_t longest_lesson = 0;
        for (std::size_t i = 0; i < lessons_.size(); ++i)
            longest_lesson = std::max({longest_lesson, lesson_json_[i].size(), lesson_csv_[i].size()});
        for (std::size_t i = 0; i < exam_json_.size(); ++i)
            longest_lesson = std::max({longest_lesson, exam_json_[i].size(), exam_csv_[i].size()});
        const std::size_t line_max = 768 + 2 * longest_lesson;  // room for `by` and `reason` too
        std::unique_ptr<char[]> scratch(new char[line_max]);
        for (const Ev& e : events_) {
            View v;
            build_view(v, e);
            ++result.events;
            if (e.fault) ++result.malformed;
            if (e.flags & kExactCopy) ++result.duplicates;
            char* js = jsonl.claim(line_max);
            char* csv = csv_sink.claim(line_max);
            if (e.fault_kind() != Fault::not_a_record) {
                js = put_json(js, v);
                csv = put_csv(csv, v);
            } else {
                // Not a record: a cut-off line, an HTML error page, or Python's repr.
                char* whole = scratch.get();
                auto length = static_cast<std::size_t>(put_json(whole, v) - whole);
                switch (e.variant()) {
                    case 0:
                    case 3:
                        js = put(js, std::string_view(whole, length / 2));
                        break;
                    case 1:
                        js = put(js, "<html><body><h1>502 Bad Gateway</h1></body></html>");
                        break;
                    default:
                        for (std::size_t k = 0; k < length; ++k) *js++ = whole[k] == '"' ? '\'' : whole[k];
                        break;
                }
                // A ragged row: the first three cells only.
                length = static_cast<std::size_t>(put_csv(whole, v) - whole);
                std::size_t cut = 0;
                for (int commas = 0; cut < length; ++cut)
                    if (whole[cut] == ',' && ++commas == 3) break;
                csv = put(csv, std::string_view(whole, cut));
            }
            jsonl.commit(put(js, '\n'));
            csv_sink.commit(put(csv, '\n'));
        }
        writer_ = nullptr;
        std::vector<Ev>().swap(events_);
    }

    // -- census -------------------------------------------------------------

    void write_census(Sink& sink) {
        std::vector<std::array<std::size_t, kCatCount>> registered(kUnitCount);
        for (auto& row : registered) row.fill(0);
        for (const auto& p : people_)
            if ((p.flags & kVerified) && slots_[p.category].target) ++registered[p.unit][p.category];
        Rng rng(options_.seed, kStreamCensus, 0);
        sink.append("unit,category,expected\n");
        for (std::size_t u = 0; u < kUnitCount; ++u) {
            const UnitInfo& info = kUnits[u];
            std::vector<Cat> cats = {mh_fulltime, mh_parttime};
            if (info.kind == UnitKind::city || !slots_[homeroom].identity) cats.push_back(homeroom);
            if (info.kind == UnitKind::university || !slots_[counselor].identity) cats.push_back(counselor);
            if (slots_[other_teacher].target) cats.push_back(other_teacher);
            // Slots that are one category of this programme make one row.
            std::vector<std::pair<std::string_view, std::size_t>> rows;
            for (Cat c : cats) {
                std::size_t have = registered[u][c];
                std::size_t expected = 0;
                if (info.weight == 0) {
                    expected = 5 + rng.below(56);  // a unit that has not registered anyone
                } else {
                    if (have > 0 && rng.chance(0.03)) continue;  // left out of the census
                    double u01 = rng.unit();
                    if (have > 0 && u01 < 0.05) {
                        // A stale census: fewer than registered.
                        std::size_t less = 1 + rng.below(std::max<std::size_t>(1, have / 20));
                        expected = have > less ? have - less : 0;
                    } else {
                        // Not everyone registers.
                        expected = have + have * rng.below(201) / 1000;
                        expected += rng.below(3);
                    }
                }
                auto same = std::find_if(rows.begin(), rows.end(),
                                         [&](const auto& row) { return row.first == slots_[c].name; });
                if (same != rows.end()) same->second += expected;
                else rows.emplace_back(slots_[c].name, expected);
            }
            for (const auto& [category, expected] : rows) {
                char* p = sink.claim(128 + category.size());
                p = put(p, info.name);
                p = put(p, ',');
                p = put(p, category);
                p = put(p, ',');
                p += write_padded(p, expected, 1);
                sink.commit(put(p, '\n'));
            }
        }
    }

    const SimulationOptions& options_;
    const TimeZone* zone_ = nullptr;
    Window window_;
    int window_days_ = 0;
    std::vector<std::string> lessons_, lesson_json_, lesson_csv_;
    std::array<SlotPlan, kCatCount> slots_{};
    bool extended_records_ = false;  ///< exams, approvals or credits: their columns are written
    std::int32_t min_length_per_mille_ = 920;
    std::vector<std::string> exam_json_, exam_csv_, approver_, office_;
    std::vector<double> exam_pass_;
    std::vector<std::int32_t> lesson_seconds_;
    Instant base_{};
    int first_day_ = 0, last_day_ = 0;
    std::vector<std::int32_t> day_start_;
    std::vector<std::uint32_t> day_weight_;
    std::vector<std::uint64_t> unit_weights_;
    std::size_t n_ = 0;
    int id_width_ = 7;
    std::vector<Person> people_;
    std::vector<Ev> events_;
    std::array<std::size_t, kBehaviourCount> behaviour_counts_{};
    InstantWriter* writer_ = nullptr;
};

}  // namespace detail::sim

}  // namespace yanxiu
