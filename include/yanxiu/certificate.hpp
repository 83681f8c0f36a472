#pragma once
/// \file certificate.hpp
/// Hour-record certificates (学时记录证书) anyone can verify: Ed25519 keys
/// (libsodium), signed certificate records in a canonical JSON form, stable
/// ids and verification codes, reissue with `supersedes`, and revocations.
///
/// A certificate is one JSON line.  Its canonical form is the record's JSON
/// with keys sorted, no spaces and UTF-8 as it is; only strings and whole
/// numbers appear (hours are a decimal string), so the form is the same on
/// every machine.  The signature (`sig`) is over the canonical form of the
/// record without `sig`, and a line is valid only if it *is* its canonical
/// form: a changed byte, a reordered key or an added space fails.

#include <yanxiu/evaluate.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

class Dataset;

/// A key file that cannot be read, written or understood.
class KeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An Ed25519 public key: verifies signatures.
class PublicKey {
public:
    /// From the text of a `.pub` file (`yanxiu-ed25519-public 1` then base64).
    [[nodiscard]] static PublicKey parse(std::string_view text, std::string_view source = "<key>");
    [[nodiscard]] static PublicKey load(const std::string& path);
    /// The text of a `.pub` file.
    [[nodiscard]] std::string text() const;
    /// The key's id: the first 16 hex digits of the SHA-256 of its 32 bytes.
    [[nodiscard]] std::string id() const;
    /// Whether `signature` (base64) signs `message` under this key.
    [[nodiscard]] bool verify(std::string_view message, std::string_view signature) const;

private:
    friend class SigningKey;
    std::array<unsigned char, 32> bytes_{};
};

/// An Ed25519 key pair: signs.  The secret is kept as its 32-byte seed.
class SigningKey {
public:
    /// A new key from the system's random source.
    [[nodiscard]] static SigningKey generate();
    /// From the text of a secret key file (`yanxiu-ed25519-secret 1` then base64).
    [[nodiscard]] static SigningKey parse(std::string_view text, std::string_view source = "<key>");
    [[nodiscard]] static SigningKey load(const std::string& path);
    /// Writes `path` (the secret, mode 0600) and `path.pub`; refuses to
    /// overwrite either unless `overwrite`.
    void save(const std::string& path, bool overwrite = false) const;
    /// The text of the secret key file.
    [[nodiscard]] std::string secret_text() const;
    [[nodiscard]] const PublicKey& public_key() const noexcept { return public_; }
    /// The detached signature of `message`, in base64.
    [[nodiscard]] std::string sign(std::string_view message) const;

    SigningKey(const SigningKey&) = default;
    SigningKey& operator=(const SigningKey&) = default;
    ~SigningKey();

private:
    SigningKey() = default;
    void derive();
    std::array<unsigned char, 32> seed_{};
    std::array<unsigned char, 64> secret_{};
    PublicKey public_;
};

/// The SHA-256 of `data` in lower-case hex (libsodium).
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// The canonical form of a JSON value: keys sorted, no spaces, UTF-8 kept.
[[nodiscard]] std::string canonical(const nlohmann::json& value);

/// One signed certificate.
struct Certificate {
    std::string id;                  ///< "YX" and 16 base32 digits, from the programme, participant and figures
    std::string code;                ///< the verification code, XXXX-XXXX-XXXX, from the id
    std::string programme_id, programme_version, programme_sha256;
    std::string participant, name, unit, category;  ///< `name` empty when not given
    std::string hours;               ///< credited hours as a decimal ("11.0")
    std::int64_t seconds = 0;        ///< credited seconds
    int lessons = 0;                 ///< credited lessons
    std::string completed_at, issued_at;  ///< in the programme's zone
    std::string supersedes;          ///< the id this one replaces, or empty
    /// The link to the record before it in its file: the SHA-256 (hex) of
    /// that record's signed bytes; empty for a file's first record.  A line
    /// moved, removed or inserted breaks the chain, and verify says where.
    std::string prev;
    std::string key;                 ///< the signing key's id
    std::string sig;                 ///< Ed25519 over the canonical form without `sig`, base64

    /// The record as JSON (with `sig` when it has one).
    [[nodiscard]] nlohmann::json to_json() const;
    /// The canonical line (no newline).
    [[nodiscard]] std::string line() const { return canonical(to_json()); }
    /// The bytes the signature covers.
    [[nodiscard]] std::string signed_bytes() const;
    /// From a parsed record; nullopt (and `why`) if it is not a certificate.
    [[nodiscard]] static std::optional<Certificate> from_json(const nlohmann::json& j, std::string* why = nullptr);

    friend bool operator==(const Certificate& a, const Certificate& b) { return a.line() == b.line(); }
};

/// How `certify` issues.
struct CertifyOptions {
    std::optional<Instant> issued_at;  ///< the issue instant; default: each certificate's completed_at
    unsigned threads = 0;              ///< threads that sign (0: every core); the bytes are the same for any number
};

/// The certificates of an evaluation: one per participant whose outcome has
/// a certificate, in participant order.  `previous` are certificates issued
/// before (e.g. the last run's file): a participant whose figures are
/// unchanged keeps the previous record as it is; one whose figures changed
/// gets a new record that `supersedes` the previous one.  The result is the
/// previous records, unchanged and in their order, then the new ones, so a
/// file is only ever appended to.  `data` gives participants' names.
[[nodiscard]] std::vector<Certificate> certify(const Evaluation& evaluation, const Dataset& data, const SigningKey& key,
                                               const std::vector<Certificate>& previous = {},
                                               const CertifyOptions& options = {});

/// A signed revocation of a certificate id.
struct Revocation {
    std::string id;          ///< the certificate revoked
    std::string reason;
    std::string revoked_at;  ///< UTC
    std::string prev;        ///< the link to the revocation before it in its file (as Certificate::prev)
    std::string key, sig;

    [[nodiscard]] nlohmann::json to_json() const;
    [[nodiscard]] std::string line() const { return canonical(to_json()); }
    [[nodiscard]] std::string signed_bytes() const;
    [[nodiscard]] static std::optional<Revocation> from_json(const nlohmann::json& j, std::string* why = nullptr);
};

/// A revocation of `id`, signed by `key`, dated `at`, to be appended after
/// the revocation `after` (nullptr: the first of its file).
[[nodiscard]] Revocation revoke(const std::string& id, const std::string& reason, Instant at, const SigningKey& key,
                                const Revocation* after = nullptr);

/// The link a record after `signed_bytes`' record carries as its `prev`.
[[nodiscard]] inline std::string chain_link(std::string_view signed_bytes) { return sha256_hex(signed_bytes); }

/// What verifying one line found.
struct VerifyIssue {
    std::string file;
    std::size_t line = 0;
    std::string id;   ///< the certificate's id, when it has one
    std::string why;  ///< e.g. "bad signature", "revoked: <reason>", "superseded by YX…"
};

/// What verifying files found: the certificates read, the valid ones, and
/// every line that failed.
struct VerifyResult {
    std::size_t records = 0, valid = 0;
    std::vector<VerifyIssue> issues;
    [[nodiscard]] bool ok() const noexcept { return issues.empty(); }
};

/// Where a certificate that verified stands.
struct CertificateStatus {
    enum class State : std::uint8_t { valid, revoked, superseded };
    Certificate certificate;
    State state = State::valid;
    std::string detail;      ///< revoked: the reason; superseded: the id that replaces it
    std::string revoked_at;  ///< revoked: when
    /// Its file's chain breaks at it (a line before it moved, removed or
    /// inserted): genuine, but the file around it was changed.
    bool out_of_place = false;
};

/// The spelling of a state: "valid", "revoked", "superseded".
[[nodiscard]] std::string_view to_string(CertificateStatus::State state) noexcept;

/// Verifies certificate files (each line: canonical, signed by `key`, not
/// twice, not revoked by a valid revocation in `revocations`, not
/// superseded by another valid certificate read).  `files` are (name,
/// text) pairs.
/// Signatures are checked on `threads` threads (0: every core); the result
/// is the same for any number.
[[nodiscard]] VerifyResult verify(const PublicKey& key, const std::vector<std::pair<std::string, std::string>>& files,
                                  const std::vector<std::pair<std::string, std::string>>& revocations = {},
                                  unsigned threads = 0);

/// The same reading, as every signed certificate's standing (for a service
/// that answers "is this certificate valid?"); the lines that failed are in
/// `result`.  Certificates are in the order read.
[[nodiscard]] std::vector<CertificateStatus> certificate_statuses(
    const PublicKey& key, const std::vector<std::pair<std::string, std::string>>& files,
    const std::vector<std::pair<std::string, std::string>>& revocations, VerifyResult& result, unsigned threads = 0);

/// Reads certificate lines from text, for `previous`; throws
/// std::runtime_error naming `file:line` for a line that is not one.  With
/// `issuer`, the file must also verify as that key issued it (canonical,
/// signed, in its chain, not twice; superseded records are expected), so
/// nothing tampered is carried forward or chained to.
[[nodiscard]] std::vector<Certificate> read_certificates(std::string_view text, std::string_view file,
                                                         const PublicKey* issuer = nullptr);

}  // namespace yanxiu
