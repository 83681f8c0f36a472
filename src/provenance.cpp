// Provenance of outputs (include/yanxiu/provenance.hpp).  The SHA-256 of
// files by OpenSSL's libcrypto, which uses the processor's SHA instructions
// where it has them (about 5x libsodium's portable code, which mattered: an
// input is hashed whole after it was read, 0.7 GB for a 300,000-teacher cohort).

#include <yanxiu/provenance.hpp>
#include <yanxiu/certificate.hpp>
#include <yanxiu/io/error.hpp>
#include <yanxiu/version.hpp>

#include <date/tz.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>
#include <sys/stat.h>

namespace yanxiu {

namespace {

nlohmann::ordered_json file_json(const ProvenanceFile& f) {
    nlohmann::ordered_json j = {{"role", f.role}, {"path", f.path}, {"bytes", f.bytes}, {"sha256", f.sha256}};
    if (f.counts)
        j["records"] = {{"read", f.counts->read},
                        {"accepted", f.counts->accepted},
                        {"rejected", f.counts->rejected},
                        {"duplicates", f.counts->duplicates}};
    return j;
}

ProvenanceFile file_from(const nlohmann::json& j) {
    if (!j.is_object()) throw std::runtime_error("a file entry is not an object");
    ProvenanceFile f;
    f.role = j.at("role").get<std::string>();
    f.path = j.at("path").get<std::string>();
    f.bytes = j.at("bytes").get<std::uint64_t>();
    f.sha256 = j.at("sha256").get<std::string>();
    if (auto r = j.find("records"); r != j.end()) {
        ReadSummary s;
        s.read = r->at("read").get<std::size_t>();
        s.accepted = r->at("accepted").get<std::size_t>();
        s.rejected = r->at("rejected").get<std::size_t>();
        s.duplicates = r->at("duplicates").get<std::size_t>();
        f.counts = s;
    }
    return f;
}

/// The time zone database's version: date's, else the "# version 2025b"
/// line Debian's tzdata.zi starts with (date reads the system zoneinfo and
/// leaves its version empty there).
std::string tzdb_version() {
    try {
        const std::string v = date::get_tzdb().version;
        if (!v.empty() && v != "unknown") return v;
    } catch (const std::exception&) {
    }
    std::ifstream zi("/usr/share/zoneinfo/tzdata.zi");
    std::string first;
    if (std::getline(zi, first) && first.rfind("# version ", 0) == 0) return first.substr(10);
    return "unknown";
}

}  // namespace

nlohmann::ordered_json Provenance::to_json() const {
    nlohmann::ordered_json j = {{"library", library},
                                {"programme", {{"id", programme_id}, {"version", programme_version}, {"sha256", programme_sha256}}},
                                {"tzdb", tzdb},
                                {"as_of", as_of.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(as_of)},
                                {"generated_at", generated_at}};
    auto files = nlohmann::ordered_json::array();
    for (const auto& f : inputs) files.push_back(file_json(f));
    j["inputs"] = std::move(files);
    if (output) j["output"] = file_json(*output);
    return j;
}

Provenance Provenance::from_json(const nlohmann::json& j) {
    try {
        Provenance p;
        p.library = j.at("library").get<std::string>();
        const auto& programme = j.at("programme");
        p.programme_id = programme.at("id").get<std::string>();
        p.programme_version = programme.at("version").get<std::string>();
        p.programme_sha256 = programme.at("sha256").get<std::string>();
        p.tzdb = j.at("tzdb").get<std::string>();
        if (!j.at("as_of").is_null()) p.as_of = j.at("as_of").get<std::string>();
        p.generated_at = j.at("generated_at").get<std::string>();
        for (const auto& f : j.at("inputs")) p.inputs.push_back(file_from(f));
        if (auto o = j.find("output"); o != j.end()) p.output = file_from(*o);
        return p;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("not a provenance record: ") + e.what());
    }
}

std::string programme_sha256(const Program& program) { return sha256_hex(program.to_json().dump()); }

Provenance provenance_of(const Program& program, std::optional<Instant> as_of, Instant generated_at) {
    Provenance p;
    p.library = std::string("yanxiu ") + kVersion;
    p.programme_id = program.id();
    p.programme_version = program.version();
    p.programme_sha256 = programme_sha256(program);
    p.tzdb = tzdb_version();
    if (as_of) p.as_of = format_instant(*as_of, program.time_zone());
    p.generated_at = format_instant_utc(generated_at);
    return p;
}

ProvenanceFile hash_file(const std::string& role, const std::string& path, std::optional<ReadSummary> counts) {
    // A pipe or a device (--events /dev/stdin, <(zcat …)) was consumed by the
    // reading: named, with its counts, but no hash (reading again would hash
    // something else).
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        ProvenanceFile unhashed;
        unhashed.role = role;
        unhashed.path = path;
        unhashed.counts = counts;
        return unhashed;
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw io_error(path, "cannot open", errno);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 (OpenSSL) could not be initialised");
    std::vector<unsigned char> buffer(1 << 20);
    ProvenanceFile out;
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f.get())) > 0) {
        if (EVP_DigestUpdate(context.get(), buffer.data(), n) != 1) throw std::runtime_error("SHA-256 (OpenSSL) failed");
        out.bytes += n;
    }
    if (std::ferror(f.get())) throw io_error(path, "cannot read", errno);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1 || length != 32)
        throw std::runtime_error("SHA-256 (OpenSSL) failed");
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < length; ++i) out.sha256 += hex[digest[i] >> 4], out.sha256 += hex[digest[i] & 15];
    out.role = role;
    out.path = path;
    out.counts = counts;
    return out;
}

namespace {

std::string whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "cannot open", errno);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Undoes render::escape (the five entities it writes).
std::string unescape_html(std::string_view s) {
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        bool replaced = false;
        if (s[i] == '&')
            for (const auto& [entity, c] : kEntities)
                if (s.compare(i, entity.size(), entity) == 0) {
                    out += c, i += entity.size(), replaced = true;
                    break;
                }
        if (!replaced) out += s[i++];
    }
    return out;
}

/// The provenance a file carries inside: a JSON document's "provenance"
/// object, or an HTML report's hidden <pre id="yanxiu-provenance"> element.
std::optional<nlohmann::json> embedded_provenance(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
        if (j.is_object() && j.contains("provenance") && j["provenance"].is_object()) return j["provenance"];
        return std::nullopt;
    }
    static constexpr std::string_view open = "<pre hidden id=\"yanxiu-provenance\">";
    const std::size_t at = text.find(open);
    if (at == std::string::npos) return std::nullopt;
    const std::size_t from = at + open.size(), to = text.find("</pre>", from);
    if (to == std::string::npos) return std::nullopt;
    auto inner = nlohmann::json::parse(unescape_html(std::string_view(text).substr(from, to - from)), nullptr, false);
    if (inner.is_discarded() || !inner.is_object()) return std::nullopt;
    return inner;
}

}  // namespace

ProvenanceCheck check_provenance(const std::string& path) {
    // A sidecar named, or the output's sidecar, or what the output carries inside.
    std::string source = ends_with(path, ".provenance.json") ? path : sidecar_path(path);
    struct stat st {};
    nlohmann::json j;
    bool embedded = false;
    if (source != path && ::stat(source.c_str(), &st) != 0) {
        source = path;
        auto inside = embedded_provenance(whole_file(path));
        if (!inside)
            throw std::runtime_error(path + ": no " + sidecar_path(path) +
                                     " beside it and no provenance inside (a report's JSON or HTML carries one)");
        j = std::move(*inside);
        embedded = true;
    } else {
        j = nlohmann::json::parse(whole_file(source), nullptr, false);
        if (j.is_discarded()) throw std::runtime_error(source + ": not JSON");
    }
    const Provenance p = Provenance::from_json(j);
    ProvenanceCheck check;
    check.embedded = embedded;
    std::vector<ProvenanceFile> files = p.inputs;
    if (p.output) files.push_back(*p.output);
    for (const auto& f : files) {
        if (f.sha256.empty()) continue;  // not a regular file when read: nothing to compare
        ++check.files;
        struct stat st {};
        if (::stat(f.path.c_str(), &st) != 0) {
            check.problems.push_back(f.path + " (" + f.role + "): missing");
            continue;
        }
        const ProvenanceFile now = hash_file(f.role, f.path);
        if (now.sha256 != f.sha256)
            check.problems.push_back(f.path + " (" + f.role + "): changed (" + std::to_string(now.bytes) +
                                     " bytes, SHA-256 " + now.sha256.substr(0, 12) + "…, was " +
                                     std::to_string(f.bytes) + " bytes, " + f.sha256.substr(0, 12) + "…)");
    }
    return check;
}

}  // namespace yanxiu
