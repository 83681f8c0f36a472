// Certificates (certificate.hpp): keys, canonical signed records, stable
// ids, reissue with supersedes, revocation, and every way verification fails.

#include <doctest/doctest.h>
#include <yanxiu/certificate.hpp>
#include <yanxiu/yanxiu.hpp>
#ifdef YANXIU_HAVE_PDF
#include <yanxiu/render/certificate_pdf.hpp>
#endif

#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace {

const yanxiu::Program& program() {
    static const auto p = yanxiu::Program::from_json(
        R"({"extends": "moe-2023-mh-winter", "id": "cert-test", "version": "1",
            "categories": {"homeroom": {"min_lessons": 2}}})");
    return p;
}

std::string events(int lessons) {
    std::string out;
    for (int l = 1; l <= lessons; ++l) {
        const std::string id = "L0" + std::to_string(l);
        out += R"({"kind":"study","participant":"T1","lesson":")" + id +
               R"(","start":"2023-01-1)" + std::to_string(l) + R"(T19:00:00+08:00","duration":"PT45M"})" "\n";
        out += R"({"kind":"quiz","participant":"T1","lesson":")" + id + R"(","at":"2023-01-1)" + std::to_string(l) +
               R"(T20:00:00+08:00","score":90})" "\n";
    }
    return out;
}

std::vector<yanxiu::Certificate> certify(int lessons, const yanxiu::SigningKey& key,
                                         const std::vector<yanxiu::Certificate>& previous = {}) {
    yanxiu::Dataset data(program());
    data.read_participants(
        "{\"id\":\"T1\",\"unit\":\"长沙市\",\"category\":\"homeroom\",\"name\":\"张三\"}\n"
        "{\"id\":\"T2\",\"unit\":\"长沙市\",\"category\":\"homeroom\"}\n",
        "p.jsonl");
    data.read_events(events(lessons), "e.jsonl");
    return yanxiu::certify(yanxiu::evaluate(data), data, key, previous);
}

std::string file_of(const std::vector<yanxiu::Certificate>& certificates) {
    std::string out;
    for (const auto& c : certificates) out += c.line() + "\n";
    return out;
}

}  // namespace

TEST_CASE("certificate: keys round-trip through their files and sign what the public key verifies") {
    const auto key = yanxiu::SigningKey::generate();
    const auto again = yanxiu::SigningKey::parse(key.secret_text());
    CHECK(again.public_key().id() == key.public_key().id());
    const auto pub = yanxiu::PublicKey::parse(key.public_key().text());
    const auto sig = key.sign("message");
    CHECK(pub.verify("message", sig));
    CHECK(!pub.verify("messagE", sig));
    CHECK(!yanxiu::PublicKey::parse(yanxiu::SigningKey::generate().public_key().text()).verify("message", sig));
    CHECK_THROWS_AS((void)yanxiu::PublicKey::parse("not a key\n"), yanxiu::KeyError);
    CHECK_THROWS_AS((void)yanxiu::SigningKey::parse(key.public_key().text()), yanxiu::KeyError);
    CHECK(yanxiu::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    const fs::path dir = fs::temp_directory_path() / "yanxiu-cert-keys";
    fs::remove_all(dir);
    fs::create_directories(dir);
    key.save((dir / "key").string());
    CHECK((fs::status(dir / "key").permissions() & fs::perms::group_read) == fs::perms::none);
    CHECK(yanxiu::SigningKey::load((dir / "key").string()).public_key().id() == key.public_key().id());
    CHECK_THROWS_AS(key.save((dir / "key").string()), yanxiu::KeyError);  // never overwritten silently
    fs::remove_all(dir);
}

TEST_CASE("certificate: one signed canonical record per certified teacher, the same bytes every run") {
    const auto key = yanxiu::SigningKey::generate();
    const auto certificates = certify(2, key);
    REQUIRE(certificates.size() == 1);  // T2 studied nothing
    const auto& c = certificates[0];
    CHECK(c.participant == "T1");
    CHECK(c.name == "张三");
    CHECK(c.lessons == 2);
    CHECK(c.seconds == 5400);
    CHECK(c.hours == "2.0");
    CHECK(c.id.size() == 18);
    CHECK(c.code.size() == 14);
    CHECK(c.issued_at == c.completed_at);
    CHECK(c.line() == yanxiu::canonical(nlohmann::json::parse(c.line())));
    CHECK(file_of(certify(2, key)) == file_of(certificates));  // deterministic
    const auto result = yanxiu::verify(key.public_key(), {{"certs.jsonl", file_of(certificates)}});
    CHECK(result.ok());
    CHECK(result.valid == 1);
}

TEST_CASE("certificate: new records reissue only changed figures, superseding the old id, never rewriting it") {
    const auto key = yanxiu::SigningKey::generate();
    const auto first = certify(2, key);
    const auto same = certify(2, key, first);
    CHECK(file_of(same) == file_of(first));  // nothing changed: nothing added
    const auto more = certify(3, key, first);
    REQUIRE(more.size() == 2);
    CHECK(more[0].line() == first[0].line());
    CHECK(more[1].supersedes == first[0].id);
    CHECK(more[1].id != first[0].id);
    const auto result = yanxiu::verify(key.public_key(), {{"certs.jsonl", file_of(more)}});
    CHECK(result.valid == 1);
    REQUIRE(result.issues.size() == 1);
    CHECK(result.issues[0].line == 1);
    CHECK(result.issues[0].why == "superseded by " + more[1].id);
}

TEST_CASE("certificate: tampering, a wrong key, duplicates and revocations fail verification, naming the line") {
    const auto key = yanxiu::SigningKey::generate();
    const auto certificates = certify(2, key);
    const std::string good = file_of(certificates);
    SUBCASE("every byte changed in turn") {
        const std::string line = certificates[0].line();
        for (std::size_t i = 0; i < line.size(); ++i) {
            std::string bad = line;
            bad[i] = static_cast<char>(bad[i] == 'A' ? 'B' : 'A');
            if (bad == line) continue;
            const auto result = yanxiu::verify(key.public_key(), {{"c", bad + "\n"}});
            CHECK_MESSAGE(!result.ok(), "byte ", i);
        }
    }
    SUBCASE("a space added, keys reordered") {
        auto j = nlohmann::json::parse(certificates[0].line());
        const auto result = yanxiu::verify(key.public_key(), {{"c", j.dump(1) + "\n"}});
        CHECK(!result.ok());
    }
    SUBCASE("another key") {
        const auto other = yanxiu::SigningKey::generate();
        const auto result = yanxiu::verify(other.public_key(), {{"c", good}});
        REQUIRE(result.issues.size() == 1);
        CHECK(result.issues[0].why.find("another key") != std::string::npos);
    }
    SUBCASE("the same record twice") {
        const auto result = yanxiu::verify(key.public_key(), {{"c", good + good}});
        REQUIRE(result.issues.size() == 1);
        CHECK(result.issues[0].line == 2);
    }
    SUBCASE("revoked") {
        const auto r = yanxiu::revoke(certificates[0].id, "issued in error", yanxiu::Instant{}, key);
        const auto result = yanxiu::verify(key.public_key(), {{"c", good}}, {{"revoked.jsonl", r.line() + "\n"}});
        REQUIRE(result.issues.size() == 1);
        CHECK(result.issues[0].why == "revoked: issued in error");
        // A revocation signed by another key revokes nothing (and is itself reported).
        const auto forged = yanxiu::revoke(certificates[0].id, "forged", yanxiu::Instant{}, yanxiu::SigningKey::generate());
        const auto f = yanxiu::verify(key.public_key(), {{"c", good}}, {{"revoked.jsonl", forged.line() + "\n"}});
        CHECK(f.valid == 1);
        REQUIRE(f.issues.size() == 1);
        CHECK(f.issues[0].file == "revoked.jsonl");
    }
}

TEST_CASE("certificate: a printable page with the verification code and a QR code of the verification URL") {
    const auto key = yanxiu::SigningKey::generate();
    auto certificates = certify(2, key);
    REQUIRE(certificates.size() == 1);
    certificates[0].name = "张<三>";  // escaped, never markup
    const std::string page = yanxiu::certificate_html(certificates[0], program(), "https://cert.example.cn/v/{code}");
    CHECK(page.find("学时记录证书") != std::string::npos);
    CHECK(page.find(certificates[0].code) != std::string::npos);
    CHECK(page.find("张&lt;三&gt;") != std::string::npos);
    CHECK(page.find("<svg") != std::string::npos);
    CHECK(page.find("https://cert.example.cn/v/" + certificates[0].code) != std::string::npos);  // the QR's label
    CHECK(page.find("http", page.find("</svg>")) == std::string::npos);  // nothing fetched from the network
    CHECK(yanxiu::certificate_qr_text(certificates[0], "") == certificates[0].code);
    const std::string svg = yanxiu::qr_svg("HELLO");
    CHECK(svg.find("viewBox=\"0 0 29 29\"") != std::string::npos);  // version 1: 21 modules and a quiet zone of 4
}

#ifdef YANXIU_HAVE_PDF
TEST_CASE("certificate: a one-page A4 PDF with the Chinese face embedded, the same bytes from any thread") {
    const auto key = yanxiu::SigningKey::generate();
    const auto certificates = certify(2, key);
    REQUIRE(certificates.size() == 1);
    const auto& c = certificates[0];
    const std::string pdf = yanxiu::certificate_pdf(c, program(), "https://cert.example.cn/v/{code}");
    CHECK(pdf.rfind("%PDF-1.", 0) == 0);
    CHECK(pdf.find("/MediaBox [ 0 0 595.275591 841.889764 ]") != std::string::npos);  // A4 in points
    CHECK(pdf.find("/Type /Pages") != std::string::npos);
    CHECK(pdf.find("/Count 1") != std::string::npos);
    CHECK(pdf.find("NotoSerifCJK") != std::string::npos);  // shaped in the CJK face, embedded (no tofu)
    // No clock in the document: the same certificate gives the same bytes, on this thread or two others at once.
    CHECK(yanxiu::certificate_pdf(c, program(), "https://cert.example.cn/v/{code}") == pdf);
    std::string a, b;
    std::thread one([&] { a = yanxiu::certificate_pdf(c, program(), "https://cert.example.cn/v/{code}"); });
    std::thread two([&] { b = yanxiu::certificate_pdf(c, program(), "https://cert.example.cn/v/{code}"); });
    one.join();
    two.join();
    CHECK(a == pdf);
    CHECK(b == pdf);
    // Another certificate is another document.
    auto other = c;
    other.name = "李四";
    CHECK(yanxiu::certificate_pdf(other, program()) != pdf);
}
#endif

TEST_CASE("certificate: the same records and the same verdicts on one thread or several") {
    const auto key = yanxiu::SigningKey::generate();
    yanxiu::Dataset data(program());
    std::string people, events;
    for (int p = 0; p < 700; ++p) {  // past the 256 records below which one thread does it all
        const std::string id = "P" + std::to_string(1000 + p);
        people += R"({"id":")" + id + R"(","unit":"长沙市","category":"homeroom"})" "\n";
        for (int l = 1; l <= 2; ++l) {
            const std::string lesson = "L0" + std::to_string(l);
            events += R"({"kind":"study","participant":")" + id + R"(","lesson":")" + lesson +
                      R"(","start":"2023-01-1)" + std::to_string(l) + R"(T19:00:00+08:00","duration":"PT4)" +
                      std::to_string(p % 10) + R"(M"})" "\n";
            events += R"({"kind":"quiz","participant":")" + id + R"(","lesson":")" + lesson +
                      R"(","at":"2023-01-1)" + std::to_string(l) + R"(T20:00:00+08:00","score":90})" "\n";
        }
    }
    data.read_participants(people, "p.jsonl");
    data.read_events(events, "e.jsonl");
    const auto evaluation = yanxiu::evaluate(data);
    yanxiu::CertifyOptions one, four;
    one.threads = 1;
    four.threads = 4;
    const auto a = yanxiu::certify(evaluation, data, key, {}, one);
    const auto b = yanxiu::certify(evaluation, data, key, {}, four);
    REQUIRE(a.size() == 700);
    CHECK(file_of(a) == file_of(b));
    std::string file = file_of(a);
    file[file.find("\"hours\":\"") + 9] = '9';  // one record's hours changed: its signature no longer holds
    file += a[10].line() + "\n";                // and a record twice
    const auto r1 = yanxiu::verify(key.public_key(), {{"certs.jsonl", file}}, {}, 1);
    const auto r4 = yanxiu::verify(key.public_key(), {{"certs.jsonl", file}}, {}, 4);
    CHECK(r1.records == 701);
    CHECK(r1.valid == 699);
    REQUIRE(r1.issues.size() == 2);
    CHECK(r1.issues[0].why == "bad signature");
    CHECK(r1.issues[1].line == 701);  // the record after the forged one is not blamed for it
    CHECK(r4.records == r1.records);
    CHECK(r4.valid == r1.valid);
    REQUIRE(r4.issues.size() == r1.issues.size());
    for (std::size_t i = 0; i < r1.issues.size(); ++i) {
        CHECK(r4.issues[i].line == r1.issues[i].line);
        CHECK(r4.issues[i].why == r1.issues[i].why);
    }
}

TEST_CASE("certificate: each record links to the one before it, so moving or removing a line is caught") {
    const auto key = yanxiu::SigningKey::generate();
    yanxiu::Dataset data(program());
    std::string people, events;
    for (int p = 0; p < 5; ++p) {
        const std::string id = "Q" + std::to_string(p);
        people += R"({"id":")" + id + R"(","unit":"长沙市","category":"homeroom"})" "\n";
        for (int l = 1; l <= 2; ++l)
            events += R"({"kind":"study","participant":")" + id + R"(","lesson":"L0)" + std::to_string(l) +
                      R"(","start":"2023-01-1)" + std::to_string(l) + R"(T19:00:00+08:00","duration":"PT45M"})" "\n" +
                      R"({"kind":"quiz","participant":")" + id + R"(","lesson":"L0)" + std::to_string(l) +
                      R"(","at":"2023-01-1)" + std::to_string(l) + R"(T20:00:00+08:00","score":90})" "\n";
    }
    data.read_participants(people, "p.jsonl");
    data.read_events(events, "e.jsonl");
    const auto certificates = yanxiu::certify(yanxiu::evaluate(data), data, key);
    REQUIRE(certificates.size() == 5);
    CHECK(certificates[0].prev.empty());
    for (std::size_t i = 1; i < certificates.size(); ++i)
        CHECK(certificates[i].prev == yanxiu::chain_link(certificates[i - 1].signed_bytes()));
    std::vector<std::string> l;
    for (const auto& c : certificates) l.push_back(c.line() + "\n");
    const auto verdict = [&](const std::vector<std::string>& lines) {
        std::string text;
        for (const auto& line : lines) text += line;
        return yanxiu::verify(key.public_key(), {{"c.jsonl", text}});
    };
    CHECK(verdict(l).ok());
    CHECK(verdict({l[0], l[1], l[2], l[3]}).ok());  // the last line removed cannot be seen: only the end moves
    const auto swapped = verdict({l[1], l[0], l[2], l[3], l[4]});
    CHECK(swapped.valid == 2);
    REQUIRE(swapped.issues.size() == 3);
    CHECK(swapped.issues[0].why.find("the file's first") != std::string::npos);
    CHECK(swapped.issues[1].why.find("starts a file") != std::string::npos);
    const auto removed = verdict({l[0], l[1], l[3], l[4]});
    REQUIRE(removed.issues.size() == 1);
    CHECK(removed.issues[0].line == 3);
    CHECK(removed.issues[0].why.find("does not follow line 2") != std::string::npos);
    CHECK(verdict({l[1], l[2], l[3], l[4]}).issues.size() == 1);  // the first removed
    std::string a;
    for (const auto& line : l) a += line;
    // Revocations chain the same way: one removed from the file is reported.
    const yanxiu::Instant at{};
    const auto r1 = yanxiu::revoke(certificates[0].id, "one", at, key);
    const auto r2 = yanxiu::revoke(certificates[1].id, "two", at, key, &r1);
    const auto r3 = yanxiu::revoke(certificates[2].id, "three", at, key, &r2);
    CHECK(r2.prev == yanxiu::chain_link(r1.signed_bytes()));
    const std::string all = r1.line() + "\n" + r2.line() + "\n" + r3.line() + "\n";
    const auto kept = yanxiu::verify(key.public_key(), {{"c.jsonl", a}}, {{"r.jsonl", all}});
    CHECK(kept.valid == 2);
    CHECK(kept.issues.size() == 3);  // the three revoked certificates
    const auto gap = yanxiu::verify(key.public_key(), {{"c.jsonl", a}}, {{"r.jsonl", r1.line() + "\n" + r3.line() + "\n"}});
    REQUIRE(gap.issues.size() == 3);  // the two still revoked (c.jsonl:1, :3), and the break (r.jsonl:2)
    CHECK(gap.issues[2].file == "r.jsonl");
    CHECK(gap.issues[2].line == 2);
    CHECK(gap.issues[2].why.find("out of place") != std::string::npos);
    CHECK(gap.valid == 3);  // out of its place, a signed revocation still revokes
}

TEST_CASE("certificate: a record that parses the same but is not byte for byte as issued fails") {
    const auto key = yanxiu::SigningKey::generate();
    const auto certificates = certify(2, key);
    REQUIRE(certificates.size() == 1);
    const std::string line = certificates[0].line();
    const auto check = [&](const std::string& text) {
        return yanxiu::verify(key.public_key(), {{"c.jsonl", text + "\n"}});
    };
    REQUIRE(check(line).ok());
    const auto at = [&](const std::string& from, const std::string& to) {
        std::string s = line;
        const auto i = s.find(from);
        REQUIRE(i != std::string::npos);
        return s.replace(i, from.size(), to);
    };
    CHECK(!check(at("\"lessons\":2", "\"lessons\":4294967298")).ok());  // 2 + 2^32 would read back as 2
    CHECK(!check(at("\"v\":1", "\"v\":1.0")).ok());
    CHECK(!check(at("\"participant\"", "\"prev\":\"\",\"participant\"")).ok());  // an empty field added
    const auto hostile = check(at("\"type\":\"certificate\"", "\"type\":1"));
    REQUIRE(hostile.issues.size() == 1);  // reported at its line, never thrown
    CHECK(hostile.issues[0].line == 1);
    CHECK(yanxiu::Certificate::from_json(nlohmann::json::parse(R"({"type":[1]})")) == std::nullopt);
    CHECK(yanxiu::Revocation::from_json(nlohmann::json::parse(R"({"type":{"a":1},"v":1})")) == std::nullopt);
}

TEST_CASE("certificate: figures that change back are a new record, never a repeated id") {
    const auto key = yanxiu::SigningKey::generate();
    const auto a = certify(2, key);
    const auto b = certify(3, key, a);
    const auto again = certify(2, key, b);  // A, B, then A's figures again
    REQUIRE(b.size() == 2);
    REQUIRE(again.size() == 3);
    CHECK(again[2].supersedes == b[1].id);
    CHECK(again[2].id != a[0].id);  // a reissue's id names what it replaces
    CHECK(certify(2, key, again).size() == 3);  // and then stands: nothing more to issue
    const auto result = yanxiu::verify(key.public_key(), {{"c.jsonl", file_of(again)}});
    CHECK(result.valid == 1);
    REQUIRE(result.issues.size() == 2);
    CHECK(result.issues[0].why == "superseded by " + b[1].id);
    CHECK(result.issues[1].why == "superseded by " + again[2].id);
}

TEST_CASE("certificate: a previous file must be as the key issued it, and another programme's stand apart") {
    const auto key = yanxiu::SigningKey::generate();
    const auto a = certify(2, key);
    const auto issuer = key.public_key();
    CHECK(yanxiu::read_certificates(file_of(a), "prev.jsonl", &issuer).size() == 1);
    std::string tampered = file_of(a);
    tampered[tampered.find("\"lessons\":") + 10] = '7';
    CHECK_THROWS_WITH_AS((void)yanxiu::read_certificates(tampered, "prev.jsonl", &issuer),
                         doctest::Contains("prev.jsonl:1: bad signature"), std::runtime_error);
    const auto other = yanxiu::SigningKey::generate().public_key();
    CHECK_THROWS_AS((void)yanxiu::read_certificates(file_of(a), "prev.jsonl", &other), std::runtime_error);
    // A record of another programme for the same teacher is not superseded by this one's.
    auto elsewhere = a;
    elsewhere[0].programme_id = "another-programme";
    const auto both = certify(2, key, elsewhere);
    REQUIRE(both.size() == 2);
    CHECK(both[1].supersedes.empty());
}
