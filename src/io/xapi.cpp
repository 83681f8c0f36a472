// xAPI statements mapped to event records (include/yanxiu/io/xapi.hpp).

#include <yanxiu/io/xapi.hpp>

#include "io/fields.hpp"
#include "io/read.hpp"
#include "io/scan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace yanxiu {

std::optional<XapiOptions> XapiOptions::parse(std::string_view mapping) {
    XapiOptions options;
    if (mapping == "last_segment") return options;
    if (mapping == "whole_iri") {
        options.lesson = Lesson::whole_iri;
        return options;
    }
    constexpr std::string_view prefix = "query:";
    if (mapping.substr(0, prefix.size()) == prefix && mapping.size() > prefix.size()) {
        options.lesson = Lesson::query;
        options.query_parameter = std::string(mapping.substr(prefix.size()));
        return options;
    }
    return std::nullopt;
}

namespace detail::xapi {

/// One top-level JSON value's text and the line it starts on, or why the text
/// around it is not one.
struct Piece {
    std::string_view text;
    std::size_t line = 0;
    std::optional<FieldError> error;  ///< set when the piece is unusable as it stands
};

inline bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// Splits text into top-level statements without recursion (nesting is a
/// counter), so any depth of brackets costs nothing.  `[ ... ]` at the top is
/// an array of statements; otherwise objects follow one another, at most one
/// starting per line (JSON Lines or pretty-printed).
class Splitter {
public:
    explicit Splitter(std::string_view text) : text_(text) {
        pos_ = skip_bom(text_);
        skip_ws();
        if (pos_ < text_.size() && text_[pos_] == '[') {
            in_array_ = true;
            ++pos_;
        } else {
            lines_mode_ = first_line_balanced();
        }
    }

    /// The next piece, or nullopt at the end.
    std::optional<Piece> next() {
        if (done_) return std::nullopt;
        skip_ws();
        if (in_array_) {
            if (pos_ >= text_.size()) {
                done_ = true;
                if (expect_value_ || !closed_) {
                    // Only report an unclosed array when no element already failed for it.
                    if (!last_unterminated_)
                        return Piece{{}, line_, FieldError{"", RejectCode::malformed, "the statement array is not closed"}};
                }
                return std::nullopt;
            }
            if (closed_) {
                // Text after the closing bracket.
                std::size_t start_line = line_;
                skip_to_line_end();
                return Piece{{}, start_line, FieldError{"", RejectCode::malformed, "text after the statement array"}};
            }
            char c = text_[pos_];
            if (c == ']' && !after_comma_) {
                ++pos_;
                closed_ = true;
                return next();
            }
            if (c == ',' && !expect_value_) {
                ++pos_;
                expect_value_ = true;
                after_comma_ = true;
                return next();
            }
            if (!expect_value_) {
                std::size_t start_line = line_;
                skip_to_line_end();
                return Piece{{}, start_line, FieldError{"", RejectCode::malformed, "expected ',' or ']' between statements"}};
            }
            expect_value_ = false;
            after_comma_ = false;
            return value();
        }
        if (pos_ >= text_.size()) {
            done_ = true;
            return std::nullopt;
        }
        if (lines_mode_) return line();
        if (line_ == last_value_end_line_) {
            std::size_t start_line = line_;
            skip_to_line_end();
            return Piece{{}, start_line, FieldError{"", RejectCode::malformed, "a second statement on the same line"}};
        }
        return value();
    }

private:
    void skip_ws() {
        while (pos_ < text_.size() && is_ws(text_[pos_])) {
            if (text_[pos_] == '\n') ++line_;
            ++pos_;
        }
    }
    void skip_to_line_end() {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    }
    /// One value from pos_: an object or array scanned to its matching close,
    /// or a scalar to the next delimiter.
    Piece value() {
        const std::size_t begin = pos_, start_line = line_;
        char c = text_[pos_];
        if (c != '{' && c != '[') {
            // Not a statement: skip the rest of the line (or to the next
            // delimiter in an array) and reject what was there.
            while (pos_ < text_.size() && text_[pos_] != '\n' &&
                   !(in_array_ && (text_[pos_] == ',' || text_[pos_] == ']')))
                ++pos_;
            last_value_end_line_ = line_;
            return Piece{text_.substr(begin, pos_ - begin), start_line,
                         FieldError{"", RejectCode::malformed, "a statement must be a JSON object"}};
        }
        std::size_t depth = 0, max_depth = 0;
        bool in_string = false;
        while (pos_ < text_.size()) {
            char d = text_[pos_++];
            if (d == '\n') ++line_;
            if (in_string) {
                if (d == '\\' && pos_ < text_.size()) {
                    if (text_[pos_] == '\n') ++line_;
                    ++pos_;
                } else if (d == '"') {
                    in_string = false;
                }
                continue;
            }
            if (d == '"') {
                in_string = true;
            } else if (d == '{' || d == '[') {
                if (++depth > max_depth) max_depth = depth;
            } else if (d == '}' || d == ']') {
                if (--depth == 0) break;
            }
        }
        if (depth != 0 && !in_array_) {
            // Not closed by the end of the text: reject its first line only and
            // read on from the next, so one cut-off line cannot swallow the rest.
            pos_ = begin;
            line_ = start_line;
            Piece piece = line();
            if (!piece.error)
                piece.error = FieldError{"", RejectCode::malformed, "the statement is not closed"};
            last_value_end_line_ = line_;
            return piece;
        }
        last_value_end_line_ = line_;
        Piece piece{text_.substr(begin, pos_ - begin), start_line, std::nullopt};
        if (depth != 0) {
            last_unterminated_ = true;
            done_ = true;
            piece.error = FieldError{"", RejectCode::malformed, "the statement is cut short at the end of the text"};
        }
        // The array element's own level does not count: a statement's nesting is limited.
        if (max_depth > kMaxDepth)
            piece.error = FieldError{"", RejectCode::too_deep,
                                     "nesting deeper than " + std::to_string(kMaxDepth) + " levels"};
        return piece;
    }
    /// Whether the first line holds a whole value: then the text is JSON
    /// Lines, read line by line, so one broken line cannot swallow the next.
    bool first_line_balanced() const noexcept {
        long depth = 0;
        bool in_string = false;
        for (std::size_t i = pos_; i < text_.size() && text_[i] != '\n'; ++i) {
            char d = text_[i];
            if (in_string) {
                if (d == '\\') ++i;
                else if (d == '"') in_string = false;
            } else if (d == '"') {
                in_string = true;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if (d == '}' || d == ']') {
                if (--depth == 0) return true;
            }
        }
        return false;
    }
    /// One line as one statement (JSON Lines), with its nesting measured first.
    Piece line() {
        const std::size_t begin = pos_, start_line = line_;
        skip_to_line_end();
        Piece piece{text_.substr(begin, pos_ - begin), start_line, std::nullopt};
        std::size_t depth = 0, max_depth = 0;
        bool in_string = false;
        for (std::size_t i = 0; i < piece.text.size(); ++i) {
            char d = piece.text[i];
            if (in_string) {
                if (d == '\\') ++i;
                else if (d == '"') in_string = false;
            } else if (d == '"') {
                in_string = true;
            } else if (d == '{' || d == '[') {
                max_depth = std::max(max_depth, ++depth);
            } else if ((d == '}' || d == ']') && depth > 0) {
                --depth;
            }
        }
        if (max_depth > kMaxDepth)
            piece.error = FieldError{"", RejectCode::too_deep,
                                     "nesting deeper than " + std::to_string(kMaxDepth) + " levels"};
        return piece;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t last_value_end_line_ = 0;
    bool in_array_ = false, expect_value_ = true, after_comma_ = false, closed_ = false, done_ = false;
    bool last_unterminated_ = false, lines_mode_ = false;
};

/// The text after the last '/' or '#' (verbs such as `…/verbs#sent` use either).
inline std::string_view last_segment(std::string_view iri) {
    while (!iri.empty() && (iri.back() == '/' || iri.back() == '#')) iri.remove_suffix(1);
    auto cut = iri.find_last_of("/#");
    return cut == std::string_view::npos ? iri : iri.substr(cut + 1);
}

/// The lesson an object IRI names under `options`; empty if it names none.
inline std::string lesson_of(std::string_view iri, const XapiOptions& options) {
    if (options.lesson == XapiOptions::Lesson::whole_iri) return std::string(iri);
    auto hash = iri.find('#');
    if (hash != std::string_view::npos) iri = iri.substr(0, hash);
    auto question = iri.find('?');
    std::string_view query = question == std::string_view::npos ? std::string_view{} : iri.substr(question + 1);
    if (options.lesson == XapiOptions::Lesson::query) {
        while (!query.empty()) {
            auto amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
            auto eq = pair.find('=');
            if (pair.substr(0, eq) == options.query_parameter && eq != std::string_view::npos)
                return std::string(pair.substr(eq + 1));
        }
        return {};
    }
    if (question != std::string_view::npos) iri = iri.substr(0, question);
    while (!iri.empty() && iri.back() == '/') iri.remove_suffix(1);
    auto slash = iri.rfind('/');
    return std::string(slash == std::string_view::npos ? iri : iri.substr(slash + 1));
}

/// A statement's member by path, if present.
inline const nlohmann::json* member(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* at = &j;
    for (const char* key : path) {
        if (!at->is_object()) return nullptr;
        auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

inline const std::string* string_member(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const auto* m = member(j, path);
    return m && m->is_string() ? &m->get_ref<const std::string&>() : nullptr;
}

/// Parses one statement.  Duplicate keys are refused at any depth (JSON
/// leaves their meaning open), as in the other readers.
inline std::optional<FieldError> parse_statement(std::string_view text, nlohmann::json& out) {
    if (auto bad = find_invalid_utf8(text); bad != std::string_view::npos)
        return FieldError{"", RejectCode::bad_utf8, "invalid UTF-8 at byte " + std::to_string(bad)};
    std::vector<std::unordered_set<std::string>> keys;  // one set per open object
    bool duplicate = false;
    auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            keys.emplace_back();
        } else if (event == E::object_end) {
            if (!keys.empty()) keys.pop_back();
        } else if (event == E::key && !keys.empty()) {
            if (!keys.back().insert(parsed.get<std::string>()).second) duplicate = true;
        }
        return true;
    };
    try {
        out = nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        if (what.find("surrogate") != std::string::npos)
            return FieldError{"", RejectCode::bad_utf8, "a string holds a lone surrogate escape"};
        return FieldError{"", RejectCode::malformed, "not valid JSON (at byte " + std::to_string(e.byte) + ")"};
    } catch (const nlohmann::json::out_of_range&) {
        return FieldError{"", RejectCode::number_out_of_range, "a number is too large to represent"};
    } catch (const nlohmann::json::exception&) {
        return FieldError{"", RejectCode::malformed, "not valid JSON"};
    }
    if (duplicate) return FieldError{"", RejectCode::duplicate_key, "a key appears twice in one object"};
    if (!out.is_object()) return FieldError{"", RejectCode::malformed, "a statement must be a JSON object"};
    return std::nullopt;
}

/// What one statement became in the first pass.
struct Candidate {
    enum class Kind : std::uint8_t { ignored, rejected, event } kind = Kind::ignored;
    std::size_t line = 0;
    std::string verb;          ///< ignored: the verb's last segment
    FieldError error{"", RejectCode::malformed, ""};  ///< rejected
    std::string statement_id;  ///< event: for voiding and as the event id
    bool quiz = false;
    std::string participant, lesson, start, end;  ///< start is `at` for a quiz
    std::optional<double> score;
    std::optional<bool> completed;
};

inline bool one_of(std::string_view s, std::initializer_list<std::string_view> options) {
    for (auto o : options)
        if (s == o) return true;
    return false;
}

/// Maps one parsed statement; `voided` collects the targets of voiding statements.
inline Candidate map_statement(const nlohmann::json& s, const Program& program, const XapiOptions& options,
                               std::unordered_set<std::string>& voided) {
    Candidate c;
    auto reject = [&](std::string field, RejectCode code, std::string message) {
        c.kind = Candidate::Kind::rejected;
        c.error = FieldError{std::move(field), code, std::move(message)};
        return c;
    };
    const auto* verb_id = string_member(s, {"verb", "id"});
    if (!verb_id) {
        if (member(s, {"verb", "id"})) return reject("verb.id", RejectCode::bad_type, "verb.id must be a string");
        return reject("verb.id", RejectCode::missing_field, "a statement needs verb.id");
    }
    const std::string verb(last_segment(*verb_id));
    auto ignore = [&] {
        c.kind = Candidate::Kind::ignored;
        c.verb = verb;
        return c;
    };
    if (verb == "voided") {
        if (const auto* target = string_member(s, {"object", "id"})) voided.insert(*target);
        return ignore();
    }
    const auto* type = string_member(s, {"object", "definition", "type"});
    const std::string_view type_tail = type ? last_segment(*type) : std::string_view{};
    const bool assessment = one_of(type_tail, {"assessment", "attempt", "cmi.interaction"});
    const auto* duration = member(s, {"result", "duration"});
    bool quiz = false, study = false;
    if (one_of(verb, {"passed", "failed", "scored"}) || (verb == "completed" && assessment))
        quiz = true;
    else if (duration && one_of(verb, {"terminated", "completed", "experienced", "attended", "paused"}))
        study = true;
    if (!quiz && !study) return ignore();
    c.quiz = quiz;

    if (const auto* id = member(s, {"id"})) {
        if (!id->is_string()) return reject("id", RejectCode::bad_type, "the statement id must be a string");
        c.statement_id = id->get<std::string>();
    }
    const auto* actor = member(s, {"actor"});
    if (!actor || !actor->is_object()) return reject("actor", RejectCode::missing_field, "a statement needs an actor");
    if (const auto* name = string_member(*actor, {"account", "name"})) {
        c.participant = *name;
    } else if (const auto* mbox = string_member(*actor, {"mbox"})) {
        constexpr std::string_view mailto = "mailto:";
        c.participant = mbox->compare(0, mailto.size(), mailto) == 0 ? mbox->substr(mailto.size()) : *mbox;
    } else if (const auto* openid = string_member(*actor, {"openid"})) {
        c.participant = *openid;
    } else {
        return reject("actor", RejectCode::missing_field, "the actor has no account name, mbox or openid");
    }
    const auto* object_id = member(s, {"object", "id"});
    if (!object_id) return reject("object.id", RejectCode::missing_field, "a statement needs object.id");
    if (!object_id->is_string()) return reject("object.id", RejectCode::bad_type, "object.id must be a string");
    c.lesson = lesson_of(object_id->get_ref<const std::string&>(), options);
    if (c.lesson.empty())
        return reject("object.id", RejectCode::missing_field, "the object id names no lesson under the lesson mapping");

    const char* time_field = "timestamp";
    const auto* when = member(s, {"timestamp"});
    if (!when || when->is_null()) time_field = "stored", when = member(s, {"stored"});
    if (!when || when->is_null()) return reject("timestamp", RejectCode::missing_field, "the statement has no timestamp");
    if (!when->is_string()) return reject(time_field, RejectCode::bad_type, std::string(time_field) + " must be a string");
    std::string error;
    auto at = parse_instant(when->get_ref<const std::string&>(), program.time_zone(), &error);
    if (!at) return reject(time_field, RejectCode::bad_timestamp, detail::quote_value(when->get<std::string>()) + ": " + error);

    if (study) {
        if (!duration->is_string())
            return reject("result.duration", RejectCode::bad_type, "result.duration must be an ISO 8601 string");
        std::string why;
        auto length = parse_duration(duration->get_ref<const std::string&>(), &why);
        // xAPI durations are ISO 8601 only; a plain number of seconds is ours, not theirs.
        if (length && duration->get_ref<const std::string&>().front() != 'P')
            length.reset(), why = "expected an ISO 8601 duration such as PT45M";
        if (!length) return reject("result.duration", RejectCode::bad_duration, why);
        if (*length > kMaxSession)
            return reject("result.duration", RejectCode::session_too_long, "a study session may last at most 24 hours");
        c.start = format_instant_utc(*at - *length);
        c.end = format_instant_utc(*at);
        return c.kind = Candidate::Kind::event, c;
    }
    c.start = format_instant_utc(*at);
    const auto* scaled = member(s, {"result", "score", "scaled"});
    const auto* raw = member(s, {"result", "score", "raw"});
    const auto* max = member(s, {"result", "score", "max"});
    if (scaled && !scaled->is_null()) {
        if (!scaled->is_number()) return reject("result.score.scaled", RejectCode::bad_type, "the scaled score must be a number");
        c.score = scaled->get<double>() * 100;
    } else if (raw && max && raw->is_number() && max->is_number() && max->get<double>() > 0) {
        c.score = raw->get<double>() / max->get<double>() * 100;
    }
    if (const auto* completion = member(s, {"result", "completion"}); completion && !completion->is_null()) {
        if (!completion->is_boolean())
            return reject("result.completion", RejectCode::bad_type, "result.completion must be true or false");
        c.completed = completion->get<bool>();
    }
    return c.kind = Candidate::Kind::event, c;
}

/// The event record a mapped statement stands for.
void candidate_record(const Candidate& c, Record& fields) {
    fields.clear();
    fields.set(Field::kind, c.quiz ? "quiz" : "study");
    if (!c.statement_id.empty()) fields.set(Field::id, c.statement_id);
    fields.set(Field::participant, c.participant);
    fields.set(Field::lesson, c.lesson);
    if (c.quiz) {
        fields.set(Field::at, c.start);
        if (c.score) fields.slot(Field::score).set_number(*c.score);
        if (c.completed) fields.slot(Field::completed).set_boolean(*c.completed);
    } else {
        fields.set(Field::start, c.start);
        fields.set(Field::end, c.end);
    }
}

/// Splits `text` into statements and maps each (the one mapping both
/// `read_xapi` and `xapi_events` use), in statement order: ignored ones are
/// counted into `summary`, voided ones too, the others handed to
/// `on_rejected(candidate)` or `on_event(candidate)`.
template <class OnRejected, class OnEvent>
void map_text(std::string_view text, const Program& program, const XapiOptions& options, XapiSummary& summary,
              OnRejected&& on_rejected, OnEvent&& on_event) {
    std::vector<Candidate> candidates;
    std::unordered_set<std::string> voided;
    Splitter splitter(text);
    nlohmann::json statement;
    while (auto piece = splitter.next()) {
        std::optional<detail::FieldError> error = piece->error;
        if (!error) error = parse_statement(piece->text, statement);
        if (error) {
            Candidate c;
            c.kind = Candidate::Kind::rejected;
            c.line = piece->line;
            c.error = std::move(*error);
            candidates.push_back(std::move(c));
            continue;
        }
        Candidate c = map_statement(statement, program, options, voided);
        c.line = piece->line;
        candidates.push_back(std::move(c));
    }
    // Voiding is known only once every statement is read.
    for (const Candidate& c : candidates) {
        ++summary.read;
        if (c.kind == Candidate::Kind::ignored) {
            ++summary.ignored;
            ++summary.ignored_by_verb[c.verb];
        } else if (c.kind == Candidate::Kind::rejected) {
            ++summary.rejected;
            on_rejected(c);
        } else if (!c.statement_id.empty() && voided.count(c.statement_id)) {
            ++summary.ignored;
            ++summary.voided;
        } else {
            on_event(c);
        }
    }
}

}  // namespace detail::xapi

std::string XapiOptions::lesson_of(std::string_view iri) const { return detail::xapi::lesson_of(iri, *this); }

XapiSummary read_xapi(Dataset& data, std::string_view text, std::string_view file, const XapiOptions& options) {
    using namespace detail::xapi;
    XapiSummary summary;
    Record fields;
    map_text(
        text, data.program(), options, summary,
        [&](const Candidate& c) { data.reject_event(file, c.line, c.error.field, c.error.code, c.error.message); },
        [&](const Candidate& c) {
            candidate_record(c, fields);
            switch (data.add_event(fields, file, c.line)) {
                case AddStatus::accepted:
                    // A statement that displaces an earlier one with its id
                    // turns that one from mapped to rejected.
                    if (data.last_replacement()) ++summary.rejected;
                    else ++summary.mapped;
                    break;
                case AddStatus::rejected: ++summary.rejected; break;
                case AddStatus::duplicate: ++summary.duplicates; break;
            }
        });
    return summary;
}

XapiEvents xapi_events(std::string_view text, std::string_view file, const Program& program,
                       const XapiOptions& options) {
    using namespace detail::xapi;
    XapiEvents out;
    map_text(
        text, program, options, out.summary,
        [&](const Candidate& c) {
            out.rejections.push_back(Rejection{std::string(file), c.line, c.error.field, c.error.code, c.error.message});
        },
        [&](const Candidate& c) {
            XapiEvent event;
            event.line = c.line;
            candidate_record(c, event.record);
            ++out.summary.mapped;
            out.events.push_back(std::move(event));
        });
    return out;
}

XapiSummary read_xapi_file(Dataset& data, const std::string& path, const XapiOptions& options) {
    const std::string text = detail::read_whole_file(path);
    return read_xapi(data, text, path, options);
}

}  // namespace yanxiu
