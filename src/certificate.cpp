// Certificates, keys, revocations and their verification (include/yanxiu/certificate.hpp).
// Every cryptographic step is libsodium's: Ed25519 (crypto_sign_*), SHA-256
// (crypto_hash_sha256), base64 and the random seed.

#include <yanxiu/certificate.hpp>
#include <yanxiu/dataset.hpp>
#include <yanxiu/provenance.hpp>

#include "parallel.hpp"

#include <sodium.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace yanxiu {

namespace {

constexpr std::string_view kSecretHeader = "yanxiu-ed25519-secret 1";
constexpr std::string_view kPublicHeader = "yanxiu-ed25519-public 1";

void init_sodium() {
    static const int ready = sodium_init();
    if (ready < 0) throw KeyError("libsodium could not be initialised");
}

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

/// Decodes base64 of exactly `size` bytes into `out`; false otherwise.
bool unbase64(std::string_view text, unsigned char* out, std::size_t size) {
    std::size_t written = 0;
    if (sodium_base642bin(out, size, text.data(), text.size(), nullptr, &written, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return written == size;
}

/// The base64 body of a key file with `header`, or a KeyError naming `source`.
std::string key_body(std::string_view text, std::string_view header, std::string_view source) {
    std::istringstream in{std::string(text)};
    std::string first, body;
    std::getline(in, first);
    std::getline(in, body);
    while (!body.empty() && (body.back() == '\r' || body.back() == ' ')) body.pop_back();
    if (!first.empty() && first.back() == '\r') first.pop_back();
    if (first != header)
        throw KeyError(std::string(source) + ": not a yanxiu key file (expected a first line '" + std::string(header) + "')");
    return body;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw KeyError(path + ": cannot read: " + std::strerror(errno));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_new(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
    const int flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0)
        throw KeyError(path + (errno == EEXIST ? ": exists (not overwritten)" : ": cannot write: " + std::string(std::strerror(errno))));
    const bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) throw KeyError(path + ": cannot write: " + std::strerror(saved));
}

/// Crockford base32 of the first bytes of `digest`, `digits` long.
std::string base32(const unsigned char* digest, std::size_t digits) {
    static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; out.size() < digits; ++i) {
        buffer = (buffer << 8) | digest[i];
        bits += 8;
        while (bits >= 5 && out.size() < digits) {
            out += alphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    return out;
}

std::array<unsigned char, crypto_hash_sha256_BYTES> sha256(std::string_view data) {
    init_sodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return digest;
}

/// Credited hours as a decimal: two places, trailing zeros dropped down to one.
std::string hours_text(double hours) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.2f", hours);
    std::string s = buffer;
    while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
    return s;
}

std::string string_field(const nlohmann::json& j, const char* key, bool required, std::string* why, bool& ok) {
    auto it = j.find(key);
    if (it == j.end()) {
        if (required) {
            ok = false;
            if (why) *why = std::string("no ") + key;
        }
        return {};
    }
    if (!it->is_string()) {
        ok = false;
        if (why) *why = std::string(key) + " is not a string";
        return {};
    }
    return it->get<std::string>();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    const auto digest = sha256(data);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) out += hex[b >> 4], out += hex[b & 15];
    return out;
}

std::string canonical(const nlohmann::json& value) {
    // nlohmann::json keeps object keys in a std::map: sorted by bytes.
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

// --- keys ---------------------------------------------------------------------

PublicKey PublicKey::parse(std::string_view text, std::string_view source) {
    PublicKey key;
    if (!unbase64(key_body(text, kPublicHeader, source), key.bytes_.data(), key.bytes_.size()))
        throw KeyError(std::string(source) + ": the key is not 32 bytes of base64");
    return key;
}

PublicKey PublicKey::load(const std::string& path) { return parse(slurp(path), path); }

std::string PublicKey::text() const {
    return std::string(kPublicHeader) + "\n" + base64(bytes_.data(), bytes_.size()) + "\n";
}

std::string PublicKey::id() const {
    return sha256_hex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size())).substr(0, 16);
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
    init_sodium();
    unsigned char sig[crypto_sign_BYTES];
    if (!unbase64(signature, sig, sizeof sig)) return false;
    return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                       bytes_.data()) == 0;
}

SigningKey::~SigningKey() {
    sodium_memzero(seed_.data(), seed_.size());
    sodium_memzero(secret_.data(), secret_.size());
}

void SigningKey::derive() {
    init_sodium();
    crypto_sign_seed_keypair(public_.bytes_.data(), secret_.data(), seed_.data());
}

SigningKey SigningKey::generate() {
    init_sodium();
    SigningKey key;
    randombytes_buf(key.seed_.data(), key.seed_.size());
    key.derive();
    return key;
}

SigningKey SigningKey::parse(std::string_view text, std::string_view source) {
    SigningKey key;
    if (!unbase64(key_body(text, kSecretHeader, source), key.seed_.data(), key.seed_.size()))
        throw KeyError(std::string(source) + ": the secret is not a 32-byte seed in base64");
    key.derive();
    return key;
}

SigningKey SigningKey::load(const std::string& path) { return parse(slurp(path), path); }

std::string SigningKey::secret_text() const {
    return std::string(kSecretHeader) + "\n" + base64(seed_.data(), seed_.size()) + "\n";
}

void SigningKey::save(const std::string& path, bool overwrite) const {
    if (!overwrite) {
        struct stat st {};
        if (::stat((path + ".pub").c_str(), &st) == 0) throw KeyError(path + ".pub: exists (not overwritten)");
    }
    write_new(path, secret_text(), 0600, overwrite);
    write_new(path + ".pub", public_.text(), 0644, overwrite);
}

namespace {

/// What a signature covers: a record's canonical form without its "sig".
std::string unsigned_canonical(nlohmann::json record) {
    record.erase("sig");
    return canonical(record);
}
}  // namespace

std::string SigningKey::sign(std::string_view message) const {
    init_sodium();
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         secret_.data());
    return base64(sig, sizeof sig);
}

// --- certificates ---------------------------------------------------------------

nlohmann::json Certificate::to_json() const {
    nlohmann::json j = {{"type", "certificate"},
                        {"v", 1},
                        {"id", id},
                        {"code", code},
                        {"programme", {{"id", programme_id}, {"version", programme_version}, {"sha256", programme_sha256}}},
                        {"participant", participant},
                        {"unit", unit},
                        {"category", category},
                        {"hours", hours},
                        {"seconds", seconds},
                        {"lessons", lessons},
                        {"completed_at", completed_at},
                        {"issued_at", issued_at},
                        {"key", key}};
    if (!name.empty()) j["name"] = name;
    if (!supersedes.empty()) j["supersedes"] = supersedes;
    if (!prev.empty()) j["prev"] = prev;
    if (!sig.empty()) j["sig"] = sig;
    return j;
}

std::string Certificate::signed_bytes() const { return unsigned_canonical(to_json()); }

namespace {
/// `j`'s "type" is exactly `type` (a string; anything else is another record).
bool has_type(const nlohmann::json& j, const char* type) {
    if (!j.is_object()) return false;
    const auto it = j.find("type");
    return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}
}  // namespace

std::optional<Certificate> Certificate::from_json(const nlohmann::json& j, std::string* why) {
    if (!has_type(j, "certificate")) {
        if (why) *why = "not a certificate record";
        return std::nullopt;
    }
    static const std::set<std::string> keys = {"type",     "v",        "id",     "code", "programme", "participant",
                                               "unit",     "category", "hours",  "seconds", "lessons", "completed_at",
                                               "issued_at", "key",     "name",   "supersedes", "prev", "sig"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!keys.count(it.key())) {
            if (why) *why = "unknown key " + it.key();
            return std::nullopt;
        }
    if (!j.contains("v") || j["v"] != 1) {
        if (why) *why = "not version 1";
        return std::nullopt;
    }
    bool ok = true;
    Certificate c;
    c.id = string_field(j, "id", true, why, ok);
    c.code = string_field(j, "code", true, why, ok);
    c.participant = string_field(j, "participant", true, why, ok);
    c.unit = string_field(j, "unit", true, why, ok);
    c.category = string_field(j, "category", true, why, ok);
    c.hours = string_field(j, "hours", true, why, ok);
    c.completed_at = string_field(j, "completed_at", true, why, ok);
    c.issued_at = string_field(j, "issued_at", true, why, ok);
    c.key = string_field(j, "key", true, why, ok);
    c.name = string_field(j, "name", false, why, ok);
    c.supersedes = string_field(j, "supersedes", false, why, ok);
    c.prev = string_field(j, "prev", false, why, ok);
    c.sig = string_field(j, "sig", false, why, ok);
    const auto programme = j.find("programme");
    if (programme == j.end() || !programme->is_object()) {
        if (why) *why = "no programme";
        return std::nullopt;
    }
    c.programme_id = string_field(*programme, "id", true, why, ok);
    c.programme_version = string_field(*programme, "version", true, why, ok);
    c.programme_sha256 = string_field(*programme, "sha256", true, why, ok);
    const auto seconds = j.find("seconds");
    const auto lessons = j.find("lessons");
    if (seconds == j.end() || !seconds->is_number_integer() || lessons == j.end() || !lessons->is_number_integer()) {
        if (why) *why = "seconds and lessons must be whole numbers";
        return std::nullopt;
    }
    c.seconds = seconds->get<std::int64_t>();
    c.lessons = lessons->get<int>();
    if (!ok) return std::nullopt;
    // Exactly the record as issued: nothing the struct would drop or change
    // ("v":1.0, an empty "name", a number out of range) can ride along.
    if (c.to_json() != j) {
        if (why) *why = "not a certificate as issued (a field has another form or an empty value)";
        return std::nullopt;
    }
    return c;
}

std::vector<Certificate> certify(const Evaluation& evaluation, const Dataset& data, const SigningKey& key,
                                 const std::vector<Certificate>& previous, const CertifyOptions& options) {
    const Program& program = *evaluation.program;
    const std::string programme_sha = programme_sha256(program);
    // The latest previous certificate of each participant in this programme
    // (a later one supersedes an earlier; another programme's stand apart).
    std::map<std::pair<std::string, std::string>, const Certificate*> latest;
    for (const auto& c : previous) latest[{c.programme_id, c.participant}] = &c;
    std::vector<Certificate> out = previous;
    const std::string key_id = key.public_key().id();
    for (const Outcome& o : evaluation.outcomes) {
        if (!o.certificate || !o.completed_at) continue;
        Certificate c;
        c.programme_id = program.id();
        c.programme_version = program.version();
        c.programme_sha256 = programme_sha;
        c.participant = o.participant;
        if (auto row = data.find_participant(o.participant)) c.name = data.participants()[*row].name;
        c.unit = o.unit;
        c.category = o.category;
        c.hours = hours_text(o.hours_credited);
        c.seconds = o.seconds_credited.count();
        c.lessons = o.lessons_credited;
        c.completed_at = format_instant(*o.completed_at, program.time_zone());
        c.issued_at = format_instant(options.issued_at.value_or(*o.completed_at), program.time_zone());
        // The id names the programme, the participant and the figures: the
        // same figures give the same id, changed ones a new id.  A reissue's
        // id also names the record it replaces, so figures that change back
        // (A, B, A again) never repeat an id.
        std::string basis = c.programme_id + '\n' + c.programme_version + '\n' + c.participant + '\n' + c.unit +
                            '\n' + c.category + '\n' + c.hours + '\n' + std::to_string(c.seconds) + '\n' +
                            std::to_string(c.lessons) + '\n' + c.completed_at;
        if (auto before = latest.find({c.programme_id, c.participant}); before != latest.end()) {
            const Certificate& b = *before->second;
            if (b.programme_version == c.programme_version && b.unit == c.unit && b.category == c.category &&
                b.hours == c.hours && b.seconds == c.seconds && b.lessons == c.lessons &&
                b.completed_at == c.completed_at)
                continue;  // unchanged: the issued record stands
            c.supersedes = b.id;
            basis += "\nsupersedes " + b.id;
        }
        c.id = "YX" + base32(sha256(basis).data(), 16);
        const std::string code = base32(sha256("code\n" + c.id).data(), 12);
        c.code = code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8, 4);
        c.key = key_id;
        out.push_back(std::move(c));
    }
    // Each new record links to the one before it in the file (over the
    // signed bytes, so the links need no signature), then is signed: most of
    // the work, and each signature stands alone (Ed25519 is deterministic:
    // the same bytes on any number of threads).
    const std::size_t first_new = previous.size();
    std::vector<std::string> bytes(out.size() - first_new);  // each new record's signed bytes, made once
    for (std::size_t i = first_new; i < out.size(); ++i) {
        if (i > 0) out[i].prev = chain_link(i > first_new ? bytes[i - 1 - first_new] : out[i - 1].signed_bytes());
        bytes[i - first_new] = out[i].signed_bytes();
    }
    detail::parallel_for(bytes.size(), options.threads,
                         [&](std::size_t i) { out[first_new + i].sig = key.sign(bytes[i]); });
    return out;
}

// --- revocations ---------------------------------------------------------------

nlohmann::json Revocation::to_json() const {
    nlohmann::json j = {{"type", "revocation"}, {"v", 1}, {"id", id}, {"reason", reason}, {"revoked_at", revoked_at},
                        {"key", key}};
    if (!prev.empty()) j["prev"] = prev;
    if (!sig.empty()) j["sig"] = sig;
    return j;
}

std::string Revocation::signed_bytes() const { return unsigned_canonical(to_json()); }

std::optional<Revocation> Revocation::from_json(const nlohmann::json& j, std::string* why) {
    if (!has_type(j, "revocation") || !j.contains("v") || j["v"] != 1) {
        if (why) *why = "not a revocation record";
        return std::nullopt;
    }
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!std::set<std::string>{"type", "v", "id", "reason", "revoked_at", "prev", "key", "sig"}.count(it.key())) {
            if (why) *why = "unknown key " + it.key();
            return std::nullopt;
        }
    bool ok = true;
    Revocation r;
    r.id = string_field(j, "id", true, why, ok);
    r.reason = string_field(j, "reason", true, why, ok);
    r.revoked_at = string_field(j, "revoked_at", true, why, ok);
    r.key = string_field(j, "key", true, why, ok);
    r.prev = string_field(j, "prev", false, why, ok);
    r.sig = string_field(j, "sig", true, why, ok);
    if (!ok) return std::nullopt;
    if (r.to_json() != j) {
        if (why) *why = "not a revocation as issued (a field has another form or an empty value)";
        return std::nullopt;
    }
    return r;
}

Revocation revoke(const std::string& id, const std::string& reason, Instant at, const SigningKey& key,
                  const Revocation* after) {
    Revocation r;
    if (after) r.prev = chain_link(after->signed_bytes());
    r.id = id;
    r.reason = reason;
    r.revoked_at = format_instant_utc(at);
    r.key = key.public_key().id();
    r.sig = key.sign(r.signed_bytes());
    return r;
}

// --- verification -----------------------------------------------------------------

namespace {

/// Where a line sits in its file's chain: the link the next record must
/// carry as its prev (empty when this line could not be read, so that the
/// next is not blamed for it), and its line number.
struct Link {
    bool known = true;  // a default Link is "before the first record": prev must be empty
    std::string value;
    std::size_t line = 0;

    static Link unknown(std::size_t line) {
        Link l;
        l.known = false;
        l.line = line;
        return l;
    }
    /// The link of a genuine record whose signed bytes are `signed_bytes`.
    static Link of(std::string_view signed_bytes, std::size_t line) {
        Link l;
        l.line = line;
        l.value = chain_link(signed_bytes);
        return l;
    }
    /// Why a record with `prev` cannot follow this line, or nullopt.
    [[nodiscard]] std::optional<std::string> broken_by(const std::string& prev) const {
        if (!known || prev == value) return std::nullopt;
        if (line == 0)
            return std::string("out of place: it links to a record before it, but it is the file's first "
                               "(records before it were removed)");
        if (prev.empty())
            return "out of place: it starts a file, but follows line " + std::to_string(line) +
                   " (records moved or inserted)";
        return "out of place: it does not follow line " + std::to_string(line) +
               " (a record before it was removed, moved or changed)";
    }
};

/// Each non-empty line of `text` with its number.
template <class F>
void each_line(std::string_view text, F&& f) {
    std::size_t line = 0;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        ++line;
        std::string_view l = text.substr(at, end - at);
        if (!l.empty()) f(line, l);
        at = end + 1;
    }
}

/// A parsed record and whether its line is its canonical form.
std::optional<nlohmann::json> parse_line(std::string_view line, std::string& why) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
        why = "not JSON";
        return std::nullopt;
    }
    std::string again;
    try {
        again = canonical(j);
    } catch (const nlohmann::json::exception&) {
        why = "not UTF-8";
        return std::nullopt;
    }
    if (again != line) {
        why = "not in canonical form (keys sorted, no spaces): the line was changed";
        return std::nullopt;
    }
    return j;
}

}  // namespace

std::string_view to_string(CertificateStatus::State state) noexcept {
    switch (state) {
        case CertificateStatus::State::valid: return "valid";
        case CertificateStatus::State::revoked: return "revoked";
        case CertificateStatus::State::superseded: return "superseded";
    }
    return "valid";
}

std::vector<CertificateStatus> certificate_statuses(const PublicKey& key,
                                                    const std::vector<std::pair<std::string, std::string>>& files,
                                                    const std::vector<std::pair<std::string, std::string>>& revocations,
                                                    VerifyResult& result, unsigned threads) {
    const std::string key_id = key.id();
    // Valid revocations first.
    std::map<std::string, std::pair<std::string, std::string>> revoked;  // id -> (reason, when)
    for (const auto& file : revocations) {
        const std::string& name = file.first;  // not a structured binding: lambdas cannot capture those (C++17)
        const std::string& text = file.second;
        Link before;
        each_line(text, [&](std::size_t line, std::string_view l) {
            std::string why;
            auto j = parse_line(l, why);
            std::optional<Revocation> r;
            if (j) r = Revocation::from_json(*j, &why);
            // The signature is checked over the line's own bytes (without sig), never a re-rendering.
            const std::string bytes = r ? unsigned_canonical(*j) : std::string();
            if (r && (r->key != key_id || !key.verify(bytes, r->sig)))
                r.reset(), why = "revocation not signed by this key";
            const Link here = r ? Link::of(bytes, line) : Link::unknown(line);  // a forged line is no link
            if (!r) {
                result.issues.push_back({name, line, "", why});
                before = here;
                return;
            }
            // Out of its place, a signed revocation still revokes; the break is reported.
            if (auto broken = before.broken_by(r->prev)) result.issues.push_back({name, line, r->id, *broken});
            before = here;
            revoked.emplace(r->id, std::make_pair(r->reason, r->revoked_at));
        });
    }
    struct Seen {
        std::string file;
        std::size_t line;
    };
    std::vector<Seen> where;
    std::vector<CertificateStatus> statuses;
    std::map<std::string, std::size_t> by_id;  // id -> index
    // Each line read and its signature checked on its own (in parallel), then
    // taken in file order for what depends on the others (duplicates).
    struct Checked {
        std::string_view file;
        std::size_t line = 0;
        std::string_view text;
        std::optional<Certificate> certificate;
        std::string why, id;
        Link link;  // this line's, for the next one's prev
        static std::string key_of(const nlohmann::json& j) {
            const auto it = j.find("key");
            return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("?");
        }
    };
    std::vector<Checked> lines;
    for (const auto& file : files) {
        const std::string& name = file.first;  // not a structured binding: lambdas cannot capture those (C++17)
        each_line(file.second, [&](std::size_t line, std::string_view l) {
            Checked c;
            c.file = name;
            c.line = line;
            c.text = l;
            lines.push_back(std::move(c));
        });
    }
    detail::parallel_for(lines.size(), threads, [&](std::size_t i) {
        Checked& k = lines[i];
        try {
            auto j = parse_line(k.text, k.why);
            if (j) k.certificate = Certificate::from_json(*j, &k.why);
            if (k.certificate && k.certificate->key != key_id)
                k.certificate.reset(), k.why = "signed by another key (" + Checked::key_of(*j) + ")";
            // The signature is checked over the line's own bytes (without sig), never a re-rendering.
            const std::string bytes = k.certificate ? unsigned_canonical(*j) : std::string();
            if (k.certificate && (k.certificate->sig.empty() || !key.verify(bytes, k.certificate->sig)))
                k.certificate.reset(), k.why = "bad signature";
            if (!k.certificate && j && j->is_object()) {
                const auto id = j->find("id");
                if (id != j->end() && id->is_string()) k.id = id->get<std::string>();
            }
            // Only a genuine record is a link: the record after a forged one is not blamed for it.
            k.link = k.certificate ? Link::of(bytes, k.line) : Link::unknown(k.line);
        } catch (const std::exception& e) {  // whatever a hostile line does, it is that line's failure
            k.certificate.reset();
            k.why = std::string("unreadable: ") + e.what();
            k.link = Link::unknown(k.line);
        }
    });
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Checked& k = lines[i];
        ++result.records;
        const std::string name(k.file);
        const bool first_of_file = i == 0 || lines[i - 1].file.data() != k.file.data();
        const Link before = first_of_file ? Link{} : lines[i - 1].link;
        if (!k.certificate) {
            result.issues.push_back({name, k.line, k.id, k.why});
            continue;
        }
        Certificate& c = *k.certificate;
        if (auto it = by_id.find(c.id); it != by_id.end()) {
            result.issues.push_back({name, k.line, c.id,
                                     "the same certificate again (first at " + where[it->second].file + ":" +
                                         std::to_string(where[it->second].line) + ")"});
            continue;
        }
        const auto broken = before.broken_by(c.prev);
        if (broken) result.issues.push_back({name, k.line, c.id, *broken});
        by_id.emplace(c.id, statuses.size());
        where.push_back({name, k.line});
        statuses.push_back({std::move(c), CertificateStatus::State::valid, "", "", broken.has_value()});
    }
    std::map<std::string, std::string> superseded;  // old id -> new id
    for (const auto& s : statuses)
        if (!s.certificate.supersedes.empty()) superseded.emplace(s.certificate.supersedes, s.certificate.id);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        auto& s = statuses[i];
        if (auto r = revoked.find(s.certificate.id); r != revoked.end()) {
            s.state = CertificateStatus::State::revoked;
            s.detail = r->second.first;
            s.revoked_at = r->second.second;
            result.issues.push_back({where[i].file, where[i].line, s.certificate.id, "revoked: " + s.detail});
        } else if (auto n = superseded.find(s.certificate.id); n != superseded.end()) {
            s.state = CertificateStatus::State::superseded;
            s.detail = n->second;
            result.issues.push_back({where[i].file, where[i].line, s.certificate.id, "superseded by " + s.detail});
        } else if (!s.out_of_place) {
            ++result.valid;
        }
    }
    std::sort(result.issues.begin(), result.issues.end(), [](const VerifyIssue& a, const VerifyIssue& b) {
        return std::tie(a.file, a.line) < std::tie(b.file, b.line);
    });
    return statuses;
}

VerifyResult verify(const PublicKey& key, const std::vector<std::pair<std::string, std::string>>& files,
                    const std::vector<std::pair<std::string, std::string>>& revocations, unsigned threads) {
    VerifyResult result;
    (void)certificate_statuses(key, files, revocations, result, threads);
    return result;
}

std::vector<Certificate> read_certificates(std::string_view text, std::string_view file, const PublicKey* issuer) {
    if (issuer) {
        const auto result = verify(*issuer, {{std::string(file), std::string(text)}});
        for (const auto& issue : result.issues)
            if (issue.why.rfind("superseded by", 0) != 0)
                throw std::runtime_error(std::string(file) + ":" + std::to_string(issue.line) + ": " + issue.why +
                                         " (a previous file must be as this key issued it)");
    }
    std::vector<Certificate> out;
    each_line(text, [&](std::size_t line, std::string_view l) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        std::string why = "not JSON";
        std::optional<Certificate> c;
        if (!j.is_discarded()) c = Certificate::from_json(j, &why);
        if (!c) throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + why);
        out.push_back(std::move(*c));
    });
    return out;
}

}  // namespace yanxiu
