#pragma once
/// \file fuzz_checks.hpp
/// The invariants the fuzz targets check, one function per target, shared by
/// the libFuzzer mains (fuzz/fuzz_<target>.cpp, clang only) and by the corpus
/// replay in every ordinary build (tests/cpp/test_fuzz_corpus.cpp).
///
/// Each `check_<target>(bytes)` must return normally for every input: an
/// input is either accepted (and then re-serialises and re-reads to the same
/// thing) or rejected with a reason, and every record is accounted for.  A
/// broken invariant throws `InvariantBroken` (the fuzz mains turn that into an
/// abort, so libFuzzer saves the input; doctest reports it as a failure).

#include <yanxiu/evaluate.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/dataset.hpp>
#include <yanxiu/time.hpp>

#include <date/tz.h>
#include <yanxiu/io/xapi.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <unistd.h>

namespace yanxiu::fuzz {

/// An invariant did not hold for the input.
class InvariantBroken : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

namespace detail {

inline void require(bool condition, const char* what) {
    if (!condition) throw InvariantBroken(what);
}

/// The programme every record target reads under (built in, no files).
inline const Program& hunan() {
    static const Program program = Program::load("hunan-2023-mh-winter");
    return program;
}

/// A few known participants, so that events can be accepted.
inline constexpr std::string_view kParticipants =
    "{\"id\":\"T001\",\"unit\":\"长沙市\",\"sector\":\"secondary\",\"category\":\"mh_fulltime\"}\n"
    "{\"id\":\"T002\",\"unit\":\"株洲市\",\"sector\":\"primary\",\"category\":\"homeroom\"}\n"
    "{\"id\":\"1\",\"unit\":\"湖南大学\",\"sector\":\"undergraduate\",\"category\":\"counselor\"}\n"
    "{\"id\":\"T004\",\"unit\":\"长沙市\",\"category\":\"other\",\"verified\":false}\n"
    "{\"id\":\"steve@example.org\",\"unit\":\"长沙市\",\"category\":\"other\"}\n";

inline void read_known_participants(Dataset& data) {
    auto summary = data.read_participants(kParticipants, "participants.jsonl", Format::jsonl);
    require(summary.accepted == 5 && summary.rejected == 0, "the fixed participants are accepted");
}

/// Every accepted participant as one JSON Lines record.
inline std::string participants_as_jsonl(const Dataset& data) {
    std::string out;
    for (const auto& p : data.participants()) {
        nlohmann::json record = {{"id", p.id},
                                 {"unit", p.unit},
                                 {"category", data.program().categories()[p.category].id},
                                 {"verified", p.verified}};
        if (p.sector != Sector::unknown) record["sector"] = std::string(to_string(p.sector));
        if (!p.name.empty()) record["name"] = p.name;
        // dump() throws on invalid UTF-8: an accepted string must be valid.
        out += record.dump();
        out += '\n';
    }
    return out;
}

/// Every accepted event as one JSON Lines record (instants in UTC).
inline std::string events_as_jsonl(const Dataset& data) {
    std::string out;
    const auto& e = data.events();
    const auto ids = data.event_record_ids();
    for (std::size_t i = 0; i < e.size(); ++i) {
        nlohmann::json record;
        if (!ids[i].empty()) record["id"] = ids[i];
        record["participant"] = data.participants()[e.participant[i]].id;
        record["lesson"] = data.lessons().str(e.lesson[i]);
        const Instant start{Seconds{e.start[i]}}, end{Seconds{e.end[i]}};
        if (e.kind[i] == EventKind::study) {
            record["kind"] = "study";
            record["start"] = format_instant_utc(start);
            record["end"] = format_instant_utc(end);
        } else {
            record["kind"] = "quiz";
            record["at"] = format_instant_utc(start);
            if (!std::isnan(e.score[i])) record["score"] = e.score[i];
            record["completed"] = e.completed[i] != 0;
        }
        out += record.dump();
        out += '\n';
    }
    return out;
}

/// One CSV cell, always quoted (quotes doubled).
inline void csv_cell(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

/// Every accepted event as a CSV file (header row, every cell quoted).
inline std::string events_as_csv(const Dataset& data) {
    std::string out = "id,kind,participant,lesson,start,end,at,score,completed\r\n";
    const auto& e = data.events();
    const auto ids = data.event_record_ids();
    for (std::size_t i = 0; i < e.size(); ++i) {
        const bool study = e.kind[i] == EventKind::study;
        const std::string start = format_instant_utc(Instant{Seconds{e.start[i]}});
        csv_cell(out, ids[i]);
        out += study ? ",study," : ",quiz,";
        csv_cell(out, data.participants()[e.participant[i]].id);
        out += ',';
        csv_cell(out, data.lessons().str(e.lesson[i]));
        if (study) {
            out += ',' + start + ',' + format_instant_utc(Instant{Seconds{e.end[i]}}) + ",,,";
        } else {
            out += ",,," + start + ',';
            if (!std::isnan(e.score[i])) out += nlohmann::json(e.score[i]).dump();
            out += e.completed[i] != 0 ? ",true" : ",false";
        }
        out += "\r\n";
    }
    return out;
}

inline bool same_score(double a, double b) { return std::isnan(a) ? std::isnan(b) : a == b; }

/// Whether two datasets hold the same participants and the same events (by
/// participant and lesson id, so interning order does not matter).
inline void require_same_records(const Dataset& a, const Dataset& b, const char* what) {
    require(a.participants() == b.participants(), what);
    const auto& x = a.events();
    const auto& y = b.events();
    require(x.size() == y.size(), what);
    for (std::size_t i = 0; i < x.size(); ++i) {
        require(x.kind[i] == y.kind[i] && x.start[i] == y.start[i] && x.end[i] == y.end[i] &&
                    x.completed[i] == y.completed[i] && same_score(x.score[i], y.score[i]) &&
                    a.participants()[x.participant[i]].id == b.participants()[y.participant[i]].id &&
                    a.lessons().str(x.lesson[i]) == b.lessons().str(y.lesson[i]),
                what);
    }
    require(a.event_record_ids() == b.event_record_ids(), what);
}

/// Rejections name a line inside the text (or 0 for the whole file).  CSV
/// also ends a line at a lone CR (old Mac files); JSON Lines only at LF.
inline void require_located(const Dataset& data, std::string_view text, bool lone_cr_ends_line) {
    std::size_t lines = 1;
    for (std::size_t i = 0; i < text.size(); ++i)
        lines += text[i] == '\n' || (lone_cr_ends_line && text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'));
    for (const auto& r : data.rejections()) require(r.line <= lines, "a rejection's line lies in the file");
}

/// The checks after a read: reconciliation, the evaluation runs, and the
/// accepted events re-read (as JSON Lines and as CSV) to the same records.
inline void check_events_read(const Dataset& data, std::string_view text, bool lone_cr_ends_line) {
    const auto& s = data.event_summary();
    require(s.reconciles(), "events: read = accepted + rejected + duplicates");
    require(s.accepted == data.events().size(), "events: accepted = events stored");
    require_located(data, text, lone_cr_ends_line);

    // Every accepted event re-serialises and re-reads to the same event.
    for (Format format : {Format::jsonl, Format::csv}) {
        Dataset again(data.program());
        read_known_participants(again);
        const std::string serialised = format == Format::jsonl ? events_as_jsonl(data) : events_as_csv(data);
        auto summary = again.read_events(serialised, format == Format::jsonl ? "again.jsonl" : "again.csv", format);
        require(summary.rejected == 0 && summary.duplicates == 0 && summary.accepted == data.events().size(),
                "events: accepted events re-read without loss");
        require_same_records(data, again, "events: accepted events re-read unchanged");
    }

    // The evaluation takes whatever was accepted, single- and multi-threaded alike.
    EvaluateOptions one;
    one.threads = 1;
    EvaluateOptions two;
    two.threads = 2;
    auto a = evaluate_all(data, one);
    auto b = evaluate_all(data, two);
    require(a.size() == data.participants().size() && a.size() == b.size(), "evaluation: one outcome each");
    for (std::size_t i = 0; i < a.size(); ++i) {
        require(a[i].lessons_credited >= 0 && a[i].seconds_studied.count() >= 0, "evaluation: counts are counts");
        require(a[i].seconds_credited <= a[i].seconds_studied, "evaluation: credited <= studied");
        require(a[i] == b[i], "evaluation: threads do not change outcomes");
    }
}

/// The same text read as a file in pieces of a few bytes, split and checked
/// on two threads and kept in order, gives the same records and the same
/// rejections (line, code, field) as reading it whole on one thread.  Only
/// for UTF-8 without zero bytes: a file's reader also takes UTF-16 and
/// GB18030, which text given as a string is not.
inline void require_pieces_agree(const Dataset& whole, std::string_view input, Format format, bool events) {
    if (input.find('\0') != std::string_view::npos) return;
    for (char c : input)
        if (static_cast<unsigned char>(c) >= 0x80) {
            // Not ASCII: compare only text that is valid UTF-8 throughout.
            bool valid = true;
            try {
                (void)nlohmann::json(std::string(input)).dump();
            } catch (const nlohmann::json::exception&) {
                valid = false;
            }
            if (!valid) return;
            break;
        }
    static const std::string path = "/tmp/yanxiu_fuzz_pieces_" + std::to_string(::getpid());
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (!f) return;
        std::fwrite(input.data(), 1, input.size(), f);
        std::fclose(f);
    }
    Dataset pieces(whole.program());
    pieces.read_threads = 2;
    pieces.read_chunk_bytes = 64;
    if (events) {
        read_known_participants(pieces);
        pieces.read_events_file(path, format);
    } else {
        pieces.read_participants_file(path, format);
    }
    std::remove(path.c_str());
    const ReadSummary& a = events ? whole.event_summary() : whole.participant_summary();
    const ReadSummary& b = events ? pieces.event_summary() : pieces.participant_summary();
    require(a.read == b.read && a.accepted == b.accepted && a.rejected == b.rejected && a.duplicates == b.duplicates,
            "pieces: the same counts as the whole text");
    if (events) require_same_records(whole, pieces, "pieces: the same events as the whole text");
    else require(whole.participants() == pieces.participants(), "pieces: the same participants as the whole text");
    require(whole.rejections().size() == pieces.rejections().size(), "pieces: as many rejections as the whole text");
    for (std::size_t i = 0; i < whole.rejections().size(); ++i) {
        const Rejection& x = whole.rejections()[i];
        const Rejection& y = pieces.rejections()[i];
        require(x.line == y.line && x.code == y.code && x.field == y.field, "pieces: the same rejections, in order");
    }
}

}  // namespace detail

/// Timestamps: an accepted timestamp prints (UTC and programme zone) and
/// re-parses to the same instant; rejected ones say why.
inline void check_timestamp(std::string_view input) {
    const TimeZone& zone = detail::hunan().time_zone();
    std::string error;
    auto t = parse_instant(input, zone, &error);
    if (!t) {
        detail::require(!error.empty(), "timestamp: a rejection says why");
        return;
    }
    for (const std::string& printed : {format_instant_utc(*t), format_instant(*t, zone)}) {
        auto again = parse_instant(printed, zone);
        detail::require(again.has_value() && *again == *t, "timestamp: printed instants re-parse equal");
    }
    auto date = parse_local_date(input);
    if (date) detail::require(date->ok(), "local date: an accepted date exists");
}

/// Durations: an accepted duration is within bounds and re-parses, written
/// as seconds, to the same length.
inline void check_duration(std::string_view input) {
    std::string error;
    auto d = parse_duration(input, &error);
    if (!d) {
        detail::require(!error.empty(), "duration: a rejection says why");
        return;
    }
    detail::require(d->count() >= 0 && d->count() <= kMaxDurationSeconds, "duration: within bounds");
    auto again = parse_duration("PT" + std::to_string(d->count()) + "S");
    detail::require(again.has_value() && *again == *d, "duration: PT<n>S re-parses equal");
}

/// The JSON Lines reader, for participants and for events.
inline void check_jsonl(std::string_view input) {
    const Program& program = detail::hunan();
    {
        Dataset data(program);
        auto s = data.read_participants(input, "participants.jsonl", Format::jsonl);
        detail::require(s.reconciles(), "participants: read = accepted + rejected + duplicates");
        detail::require_pieces_agree(data, input, Format::jsonl, false);
        Dataset again(program);
        auto t = again.read_participants(detail::participants_as_jsonl(data), "again.jsonl", Format::jsonl);
        detail::require(t.accepted == data.participants().size() && t.rejected == 0,
                        "participants: accepted participants re-read without loss");
        detail::require(again.participants() == data.participants(), "participants: re-read unchanged");
    }
    Dataset data(program);
    detail::read_known_participants(data);
    data.read_events(input, "events.jsonl", Format::jsonl);
    detail::check_events_read(data, input, false);
    detail::require_pieces_agree(data, input, Format::jsonl, true);
}

/// The CSV reader, for participants and for events.
inline void check_csv(std::string_view input) {
    const Program& program = detail::hunan();
    {
        Dataset data(program);
        auto s = data.read_participants(input, "participants.csv", Format::csv);
        detail::require(s.reconciles(), "participants: read = accepted + rejected + duplicates");
        detail::require_pieces_agree(data, input, Format::csv, false);
        Dataset again(program);
        auto t = again.read_participants(detail::participants_as_jsonl(data), "again.jsonl", Format::jsonl);
        detail::require(t.accepted == data.participants().size() && t.rejected == 0,
                        "participants: accepted participants re-read without loss");
        detail::require(again.participants() == data.participants(), "participants: re-read unchanged");
    }
    Dataset data(program);
    detail::read_known_participants(data);
    data.read_events(input, "events.csv", Format::csv);
    detail::check_events_read(data, input, true);
    detail::require_pieces_agree(data, input, Format::csv, true);
}

/// The xAPI reader, under each lesson mapping: statements reconcile, and
/// the dataset it fills obeys the same invariants as any events file.
inline void check_xapi(std::string_view input) {
    static const XapiOptions mappings[] = {*XapiOptions::parse("last_segment"), *XapiOptions::parse("whole_iri"),
                                           *XapiOptions::parse("query:id")};
    for (const auto& options : mappings) {
        Dataset data(detail::hunan());
        detail::read_known_participants(data);
        auto s = read_xapi(data, input, "statements.json", options);
        detail::require(s.reconciles(), "xapi: read = mapped + ignored + rejected + duplicates");
        detail::require(s.voided <= s.ignored, "xapi: voided statements are counted among the ignored");
        std::size_t by_verb = 0;
        for (const auto& [verb, n] : s.ignored_by_verb) by_verb += n;
        detail::require(by_verb + s.voided == s.ignored, "xapi: every ignored statement has a verb or was voided");
        detail::require(s.mapped == data.events().size(), "xapi: mapped = events stored");
        detail::check_events_read(data, input, false);
    }
}

/// The programme loader: a programme is loaded or refused with a
/// `ProgramError` naming the key; a loaded programme re-loads from its own
/// JSON to the same programme.
inline void check_program(std::string_view input) {
    std::optional<Program> program;
    try {
        program = Program::from_json(input, "fuzz.json", "");
    } catch (const ProgramError& e) {
        detail::require(std::string_view(e.what()).size() > 0, "program: an error says why");
        return;
    }
    const std::string first = program->to_json().dump();
    Program again = Program::from_json(first, "again.json", "");
    detail::require(again.to_json().dump() == first, "program: to_json re-loads to the same programme");
    detail::require(!program->id().empty(), "program: a loaded programme has an id");
}

}  // namespace yanxiu::fuzz
