#pragma once
/// \file io/xapi.hpp
/// xAPI statements as study sessions and quiz attempts.
///
/// Statements come as a JSON array, as JSON Lines, or as pretty-printed
/// objects one after another.  Each one maps to a study event, a quiz event,
/// nothing (counted as ignored, by verb), or a rejection, so that statements
/// read = mapped + ignored + rejected + duplicates.  Events go through
/// `Dataset::add_event`, so duplicate detection and every check of an event
/// live in one place.

#include <yanxiu/dataset.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// How a statement's object id (an IRI) becomes a lesson id.
struct XapiOptions {
    enum class Lesson : std::uint8_t {
        last_segment,  ///< the IRI's last path segment, query and fragment dropped
        whole_iri,     ///< the IRI as written
        query,         ///< the value of one query parameter (`query_parameter`)
    };
    Lesson lesson = Lesson::last_segment;
    std::string query_parameter;  ///< for Lesson::query

    /// Options from `last_segment`, `whole_iri` or `query:<param>`; nullopt if neither.
    [[nodiscard]] static std::optional<XapiOptions> parse(std::string_view mapping);
    /// The lesson an object IRI names under these options; empty if it names none.
    [[nodiscard]] std::string lesson_of(std::string_view iri) const;
};

/// Counts for one read of statements: read = mapped + ignored + rejected + duplicates.
struct XapiSummary {
    std::size_t read = 0;        ///< statements (and unreadable pieces of text)
    std::size_t mapped = 0;      ///< accepted as a study or quiz event
    std::size_t ignored = 0;     ///< mapped to nothing, including voided targets
    std::size_t rejected = 0;    ///< unusable; each has a Rejection in the Dataset
    std::size_t duplicates = 0;  ///< the same event again (Dataset duplicate rules)
    std::size_t voided = 0;      ///< of `ignored`: statements voided by another statement
    std::size_t pages = 0;       ///< StatementResult pages (`{"statements": [...], "more": ...}`) read
    std::size_t sessions = 0;    ///< of `mapped`'s study: cmi5 sessions placed from their `launched`
    /// Of `ignored`, by the last segment of the verb id (voided targets not included).
    std::map<std::string, std::size_t> ignored_by_verb;

    /// Whether nothing was lost.
    [[nodiscard]] bool reconciles() const noexcept { return read == mapped + ignored + rejected + duplicates; }
};

/// Reads statements from `text` into `data` (participants must be read first);
/// `file` names the text in rejections.  Ignored statements are not counted in
/// the Dataset's event summary; everything else is, as records read.
XapiSummary read_xapi(Dataset& data, std::string_view text, std::string_view file, const XapiOptions& options = {});
/// Reads a statements file.  Throws io_error if it cannot be read.
XapiSummary read_xapi_file(Dataset& data, const std::string& path, const XapiOptions& options = {});

/// One statement mapped to an event record.
struct XapiEvent {
    std::size_t line = 0;  ///< where the statement starts in the text
    Record record;         ///< an event record, as Dataset::add_event and Ledger::add take it
};

/// Statements mapped to event records without a Dataset, for services that
/// feed a `Ledger`: the same mapping, voiding and counts as `read_xapi`.
/// `summary.mapped` counts the records in `events`; whether each is accepted,
/// a duplicate or rejected (e.g. an unknown participant) is for whoever adds
/// it.  Voiding applies within one text: a statement voided by a later call
/// is not withdrawn.
struct XapiEvents {
    std::vector<XapiEvent> events;
    std::vector<Rejection> rejections;  ///< statements that could not be mapped
    XapiSummary summary;
};

/// Maps the statements of `text` (a JSON array or JSON Lines) under `program`.
XapiEvents xapi_events(std::string_view text, std::string_view file, const Program& program,
                       const XapiOptions& options = {});
/// Maps the statements of a file, read as `read_xapi_file` reads it (UTF-16
/// and GB18030 recognised).  Throws io_error if it cannot be read.
XapiEvents xapi_events_file(const std::string& path, const Program& program, const XapiOptions& options = {});

}  // namespace yanxiu
