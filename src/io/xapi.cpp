// xAPI statements mapped to event records (include/yanxiu/io/xapi.hpp).

#include <yanxiu/io/xapi.hpp>

#include "io/fields.hpp"
#include "io/read.hpp"
#include "io/scan.hpp"
#include "io/xapi_check.hpp"
#include "parallel.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <thread>
#include <unordered_map>
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
    /// `first_line`: the line `text` starts on (a page's statement array
    /// inside a larger text).
    explicit Splitter(std::string_view text, std::size_t first_line = 1) : text_(text), line_(first_line) {
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
                // Only report an unclosed array when no element already failed for it.
                if (!closed_ && !last_unterminated_)
                    return Piece{{}, line_, FieldError{"", RejectCode::malformed, "the statement array is not closed"}};
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
            // read on from the next, so one cut-off line cannot swallow the
            // rest.  Each such scan ran to the end of the text; once they have
            // scanned it 8 times over, the rest is read line by line, so that
            // a file of lines each opening a brace costs linear time, not
            // quadratic.
            failed_scan_bytes_ += pos_ - begin;
            if (failed_scan_bytes_ > 8 * text_.size()) lines_mode_ = true;
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
    std::size_t line_;
    std::size_t last_value_end_line_ = 0;
    std::size_t failed_scan_bytes_ = 0;  ///< bytes scanned by values that ran to the end unclosed
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

/// Keys an object may have before they are checked by sorting instead of one by one.
inline constexpr std::ptrdiff_t kLinearKeys = 32;

/// The keys of the objects open while a statement is parsed, kept between
/// statements so that parsing one allocates nothing for them.
struct KeyScratch {
    std::vector<std::string> keys;    ///< every open object's keys, one after another
    std::vector<std::size_t> starts;  ///< where each open object's keys begin
};

/// Parses one statement.  Duplicate keys are refused at any depth (JSON
/// leaves their meaning open), as in the other readers.
inline std::optional<FieldError> parse_statement(std::string_view text, nlohmann::json& out, KeyScratch& scratch) {
    if (auto bad = find_invalid_utf8(text); bad != std::string_view::npos)
        return FieldError{"", RejectCode::bad_utf8, "invalid UTF-8 at byte " + std::to_string(bad)};
    scratch.keys.clear();
    scratch.starts.clear();
    bool duplicate = false;
    auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            scratch.starts.push_back(scratch.keys.size());
        } else if (event == E::object_end) {
            if (!scratch.starts.empty()) {
                const auto first = scratch.keys.begin() + static_cast<std::ptrdiff_t>(scratch.starts.back());
                if (scratch.keys.end() - first > kLinearKeys) {
                    // A large object's keys were not compared as they came: sort them once.
                    std::sort(first, scratch.keys.end());
                    if (std::adjacent_find(first, scratch.keys.end()) != scratch.keys.end()) duplicate = true;
                }
                scratch.keys.resize(scratch.starts.back());
                scratch.starts.pop_back();
            }
        } else if (event == E::key && !scratch.starts.empty()) {
            // An object has a handful of keys: a linear look beats a hash set,
            // up to kLinearKeys; past that the object is checked at its end.
            const auto& key = parsed.get_ref<const std::string&>();
            const auto first = scratch.keys.begin() + static_cast<std::ptrdiff_t>(scratch.starts.back());
            if (scratch.keys.end() - first < kLinearKeys && std::find(first, scratch.keys.end(), key) != scratch.keys.end())
                duplicate = true;
            scratch.keys.push_back(key);
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

/// The IRIs the mapping looks for.
inline constexpr std::string_view kVoidedVerb = "http://adlnet.gov/expapi/verbs/voided";
inline constexpr const char* kSessionId = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
inline constexpr const char* kWaiveReason = "https://w3id.org/xapi/cmi5/result/extensions/reason";

/// What one statement became in the first pass.
struct Candidate {
    enum class Kind : std::uint8_t { ignored, rejected, event } kind = Kind::ignored;
    enum class What : std::uint8_t { study, quiz, credit } what = What::study;
    std::size_t line = 0;
    std::string verb;                                 ///< ignored: the verb's last segment
    FieldError error{"", RejectCode::malformed, ""};  ///< rejected
    std::string statement_id;                         ///< event: for voiding and as the event id
    std::string participant, lesson;
    Instant at{};              ///< study: the session's end; quiz, credit: when
    std::int64_t seconds = 0;  ///< study: the session's length; credit: the seconds credited
    std::string session;       ///< study closing a cmi5 session: its registration and session id
    std::optional<double> score;
    std::optional<bool> completed;
    std::string by, reason;  ///< credit
};

/// What the first pass learns across statements.
struct Seen {
    std::unordered_set<std::string> voided;             ///< targets of voiding statements
    std::unordered_map<std::string, Instant> launches;  ///< cmi5 session -> its earliest `launched`
};

/// A UUID in lower case: its hex digits are case-insensitive (RFC 4122 §3),
/// so voiding, duplicates and cmi5 sessions compare them so.
inline std::string lower_uuid(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

inline bool one_of(std::string_view s, std::initializer_list<std::string_view> options) {
    for (auto o : options)
        if (s == o) return true;
    return false;
}

/// The participant an agent names: account name, else the mbox address,
/// else openid, else mbox_sha1sum.
inline std::string agent_identity(const nlohmann::json& agent) {
    if (const auto* name = string_member(agent, {"account", "name"})) return *name;
    if (const auto* mbox = string_member(agent, {"mbox"})) {
        constexpr std::string_view mailto = "mailto:";
        return mbox->compare(0, mailto.size(), mailto) == 0 ? mbox->substr(mailto.size()) : *mbox;
    }
    if (const auto* openid = string_member(agent, {"openid"})) return *openid;
    if (const auto* sha = string_member(agent, {"mbox_sha1sum"})) return *sha;
    return {};
}

/// A quiz score on the 0-100 scale `pass_score` uses: 100 x scaled (a
/// negative scaled score counts as 0); else raw placed in [min, max] (min
/// taken as 0 when absent, so raw/max); else none.
inline std::optional<double> quiz_score(const nlohmann::json& s) {
    const auto* score = member(s, {"result", "score"});
    if (!score) return std::nullopt;
    auto number = [&](const char* key) -> std::optional<double> {
        const auto* v = member(*score, {key});
        if (!v || !v->is_number()) return std::nullopt;
        return v->get<double>();
    };
    if (auto scaled = number("scaled")) return std::max(0.0, *scaled) * 100;
    auto raw = number("raw"), max = number("max");
    if (!raw || !max) return std::nullopt;
    const double min = number("min").value_or(0);
    if (!(*max > min)) return std::nullopt;  // min absent and max <= 0: no scale to place raw on
    return std::clamp((*raw - min) / (*max - min) * 100, 0.0, 100.0);
}

/// Maps one statement that passed check_statement.
inline Candidate map_statement(const nlohmann::json& s, const Program& program, const XapiOptions& options,
                               Version version, Seen& seen) {
    Candidate c;
    auto reject = [&](std::string field, RejectCode code, std::string message) {
        c.kind = Candidate::Kind::rejected;
        c.error = FieldError{std::move(field), code, std::move(message)};
        return c;
    };
    const std::string& verb_id = s["verb"]["id"].get_ref<const std::string&>();
    const std::string verb(last_segment(verb_id));
    auto ignore = [&] {
        c.kind = Candidate::Kind::ignored;
        c.verb = verb;
        return c;
    };
    if (verb_id == kVoidedVerb) {
        seen.voided.insert(lower_uuid(s["object"]["id"].get<std::string>()));
        return ignore();
    }
    // A participant is one person doing an activity: a group as actor, or an
    // agent, a statement or a SubStatement as object, maps to nothing.
    const auto* actor_type = string_member(s["actor"], {"objectType"});
    const auto* object_type = string_member(s["object"], {"objectType"});
    if ((actor_type && *actor_type == "Group") || (object_type && *object_type != "Activity")) return ignore();

    // The statement's time: its timestamp, else when the LRS stored it.
    std::optional<Instant> at;
    const char* time_field = member(s, {"timestamp"}) ? "timestamp" : "stored";
    if (const auto* when = string_member(s, {time_field})) {
        std::string error;
        at = parse_xapi_timestamp(*when, version, program.time_zone(), &error);
        if (!at) return reject(time_field, RejectCode::bad_timestamp, detail::quote_value(*when) + ": " + error);
    }

    // cmi5: statements of one launch share a registration and a session id.
    std::string session;
    const auto* registration = string_member(s, {"context", "registration"});
    const auto* session_id = member(s, {"context", "extensions", kSessionId});
    if (registration && session_id && session_id->is_string() && !session_id->get_ref<const std::string&>().empty())
        session = lower_uuid(*registration) + ' ' + session_id->get<std::string>();
    if (verb == "launched" && !session.empty()) {
        if (at) {
            auto [it, inserted] = seen.launches.emplace(session, *at);
            if (!inserted && *at < it->second) it->second = *at;
        }
        return ignore();
    }

    const auto* type = string_member(s, {"object", "definition", "type"});
    const std::string_view type_tail = type ? last_segment(*type) : std::string_view{};
    const bool assessment = one_of(type_tail, {"assessment", "attempt", "cmi.interaction"});
    const auto* duration = member(s, {"result", "duration"});
    if (verb == "waived") c.what = Candidate::What::credit;
    else if (one_of(verb, {"passed", "failed", "scored", "evaluated"}) ||
             (verb == "completed" && (assessment || !session.empty())))
        c.what = Candidate::What::quiz;
    else if (duration && one_of(verb, {"terminated", "abandoned", "completed", "experienced", "attended", "paused"}))
        c.what = Candidate::What::study;
    else
        return ignore();

    if (const auto* id = string_member(s, {"id"})) c.statement_id = lower_uuid(*id);
    c.participant = agent_identity(s["actor"]);
    if (c.participant.empty()) return reject("actor", RejectCode::missing_field, "the actor's identifier is empty");
    c.lesson = lesson_of(s["object"]["id"].get_ref<const std::string&>(), options);
    if (c.lesson.empty())
        return reject("object.id", RejectCode::missing_field, "the object id names no lesson under the lesson mapping");
    if (!at) return reject("timestamp", RejectCode::missing_field, "the statement has neither timestamp nor stored");
    c.at = *at;

    if (c.what == Candidate::What::study) {
        std::string why;
        auto length = parse_iso_duration(duration->get_ref<const std::string&>(), &why);
        if (!length) return reject("result.duration", RejectCode::bad_duration, why);
        if (length->calendar())
            return reject("result.duration", RejectCode::session_too_long,
                          "a duration with years or months is longer than 24 hours");
        if (length->seconds > static_cast<double>(kMaxSession.count()))
            return reject("result.duration", RejectCode::session_too_long, "a study session may last at most 24 hours");
        c.seconds = static_cast<std::int64_t>(std::floor(length->seconds));
        if (one_of(verb, {"terminated", "abandoned"})) c.session = std::move(session);
    } else if (c.what == Candidate::What::quiz) {
        c.score = quiz_score(s);
        if (const auto* completion = member(s, {"result", "completion"})) c.completed = completion->get<bool>();
    } else {
        // A waived AU: a manual credit of the lesson's catalogue length, by
        // whoever the LRS names as the statement's authority.
        const Lesson* lesson = program.find_lesson(c.lesson);
        if (!lesson || lesson->length.count() <= 0)
            return reject("object.id", RejectCode::unknown_lesson,
                          "a waived lesson is credited with its catalogue length, and " + detail::quote_value(c.lesson) +
                              " has none in the programme");
        c.seconds = lesson->length.count();
        if (const auto* authority = member(s, {"authority"})) {
            const auto* members = member(*authority, {"member"});
            c.by = agent_identity(members && members->is_array() && !members->empty() ? (*members)[0] : *authority);
        }
        if (c.by.empty()) c.by = "xapi";
        if (const auto* reason = string_member(s, {"result", "extensions", kWaiveReason})) c.reason = *reason;
        else c.reason = "waived";
    }
    c.kind = Candidate::Kind::event;
    return c;
}

/// The event record a mapped statement stands for.
void candidate_record(const Candidate& c, Record& fields) {
    fields.clear();
    using What = Candidate::What;
    fields.set(Field::kind, c.what == What::study ? "study" : c.what == What::quiz ? "quiz" : "credit");
    if (!c.statement_id.empty()) fields.set(Field::id, c.statement_id);
    fields.set(Field::participant, c.participant);
    fields.set(Field::lesson, c.lesson);
    if (c.what == What::study) {
        fields.set(Field::start, format_instant_utc(c.at - Seconds{c.seconds}));
        fields.set(Field::end, format_instant_utc(c.at));
        return;
    }
    fields.set(Field::at, format_instant_utc(c.at));
    if (c.what == What::quiz) {
        if (c.score) fields.slot(Field::score).set_number(*c.score);
        if (c.completed) fields.slot(Field::completed).set_boolean(*c.completed);
    } else {
        fields.slot(Field::seconds).set_integer(c.seconds);
        fields.set(Field::by, c.by);
        fields.set(Field::reason, c.reason);
    }
}

/// One past the bracket closing the one at `open` (strings skipped), or npos.
inline std::size_t close_of(std::string_view text, std::size_t open) {
    std::size_t depth = 0;
    bool quoted = false;
    for (std::size_t j = open; j < text.size(); ++j) {
        const char e = text[j];
        if (quoted) {
            if (e == '\\') ++j;
            else if (e == '"') quoted = false;
        } else if (e == '"') {
            quoted = true;
        } else if (e == '[' || e == '{') {
            ++depth;
        } else if ((e == ']' || e == '}') && --depth == 0) {
            return j + 1;
        }
    }
    return std::string_view::npos;
}

/// Where a StatementResult's `statements` array lies in a page's text: the
/// offsets of its `[` and one past its `]`, if the object is a page: its
/// keys are `statements` (once, an array) and `more`, nothing else.  A scan, not a parse: the page's
/// statements are parsed one by one, each with its own line.
inline std::optional<std::pair<std::size_t, std::size_t>> statements_array(std::string_view page) {
    // Walks the top-level members: a key, ':', then its value skipped whole.
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < page.size() && is_ws(page[i])) ++i;
    };
    // The closing quote of a string whose text starts at `from`, or npos.
    auto string_end = [&](std::size_t from) {
        while (from < page.size() && page[from] != '"') from += page[from] == '\\' ? 2 : 1;
        return from < page.size() ? from : std::string_view::npos;
    };
    skip_ws();
    if (i >= page.size() || page[i] != '{') return std::nullopt;
    ++i;
    std::optional<std::pair<std::size_t, std::size_t>> found;
    while (true) {
        skip_ws();
        if (i >= page.size() || page[i] != '"') return std::nullopt;
        const std::size_t key_start = ++i;
        i = string_end(i);
        if (i == std::string_view::npos) return std::nullopt;
        const std::string_view key = page.substr(key_start, i - key_start);
        const bool wanted = key == "statements";
        if (!wanted && key != "more") return std::nullopt;  // a page has statements and more, nothing else
        if (wanted && found) return std::nullopt;            // statements twice: not a page (read as a statement, refused)
        ++i;
        skip_ws();
        if (i >= page.size() || page[i] != ':') return std::nullopt;
        ++i;
        skip_ws();
        if (i >= page.size()) return std::nullopt;
        const std::size_t value = i;
        if (page[i] == '[' || page[i] == '{') {
            i = close_of(page, i);
            if (i == std::string_view::npos) return std::nullopt;
        } else if (page[i] == '"') {
            i = string_end(i + 1);
            if (i == std::string_view::npos) return std::nullopt;
            ++i;
        } else {
            while (i < page.size() && page[i] != ',' && page[i] != '}' && !is_ws(page[i])) ++i;
        }
        if (wanted) {
            if (page[value] != '[') return std::nullopt;
            found = std::make_pair(value, i);
        }
        skip_ws();
        if (i < page.size() && page[i] == '}') return found;
        if (i >= page.size() || page[i] != ',') return std::nullopt;
        ++i;
    }
}

/// Whether a piece of text is a StatementResult page (a statement with a
/// `statements` key is not one: it is read, and refused `unknown_key`).
inline bool is_page(std::string_view piece) {
    return piece.find("\"statements\"") != std::string_view::npos && statements_array(piece).has_value();
}

/// Splits `text` into statements and maps each (the one mapping both
/// `read_xapi` and `xapi_events` use), in statement order: ignored ones are
/// counted into `summary`, voided ones too, the others handed to
/// `on_rejected(candidate)` or `on_event(candidate)`.  StatementResult pages
/// (`{"statements": [...], "more": "..."}`) are read as their statements.
template <class OnRejected, class OnEvent>
void map_text(std::string_view text, const Program& program, const XapiOptions& options, XapiSummary& summary,
              OnRejected&& on_rejected, OnEvent&& on_event, unsigned threads = 1) {
    // The statements, in order (a page's own expanded in its place)...
    std::vector<Piece> pieces;
    Splitter splitter(text);
    while (auto piece = splitter.next()) {
        const bool nesting_only = !piece->error || piece->error->code == RejectCode::too_deep;
        if (nesting_only && !piece->text.empty() && piece->text.front() == '{' && is_page(piece->text)) {
            // A page: its statements, with lines counted from where its array starts.
            const auto [begin, end] = *statements_array(piece->text);
            const std::string_view before = piece->text.substr(0, begin);
            const std::size_t first_line = piece->line + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
            ++summary.pages;
            Splitter page(piece->text.substr(begin, end - begin), first_line);
            while (auto inner = page.next()) pieces.push_back(std::move(*inner));
            continue;
        }
        pieces.push_back(std::move(*piece));
    }
    // ...each parsed, checked and mapped on `threads` threads (0: every core),
    // a run of statements each with its own voidings and launches, which are
    // a set and earliest instants: merged, they are the same in any order.
    const std::size_t n = pieces.size();
    unsigned t = detail::resolve_threads(threads);
    if (n < 512) t = 1;
    std::vector<Candidate> candidates(n);
    std::vector<Seen> seens(t);
    const std::size_t run = (n + t - 1) / std::max(1u, t);
    detail::parallel_for(
        t, t,
        [&](std::size_t k) {
            KeyScratch scratch;
            nlohmann::json statement;
            for (std::size_t i = k * run, end = std::min(n, (k + 1) * run); i < end; ++i) {
                const Piece& piece = pieces[i];
                Candidate& c = candidates[i];
                std::optional<detail::FieldError> error = piece.error;
                if (!error) error = parse_statement(piece.text, statement, scratch);
                if (!error) error = check_statement(statement, program.time_zone());
                if (error) {
                    c.kind = Candidate::Kind::rejected;
                    c.error = std::move(*error);
                } else {
                    c = map_statement(statement, program, options, version_of(statement), seens[k]);
                }
                c.line = piece.line;
            }
        },
        1, 1);
    Seen seen = std::move(seens[0]);
    for (std::size_t k = 1; k < seens.size(); ++k) {
        seen.voided.insert(seens[k].voided.begin(), seens[k].voided.end());
        for (const auto& [session, at] : seens[k].launches) {
            auto [it, inserted] = seen.launches.emplace(session, at);
            if (!inserted && at < it->second) it->second = at;
        }
    }
    // Voiding and cmi5 launches are known only once every statement is read.
    for (Candidate& c : candidates) {
        ++summary.read;
        if (c.kind == Candidate::Kind::ignored) {
            ++summary.ignored;
            ++summary.ignored_by_verb[c.verb];
        } else if (c.kind == Candidate::Kind::rejected) {
            ++summary.rejected;
            on_rejected(c);
        } else if (!c.statement_id.empty() && seen.voided.count(c.statement_id)) {
            ++summary.ignored;
            ++summary.voided;
        } else {
            if (!c.session.empty()) {
                // A cmi5 session runs from its launch for the duration its
                // terminated/abandoned statement reports.
                auto launch = seen.launches.find(c.session);
                if (launch != seen.launches.end() && launch->second <= c.at) {
                    c.at = launch->second + Seconds{c.seconds};
                    ++summary.sessions;
                }
            }
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
        },
        data.read_threads);
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

XapiEvents xapi_events_file(const std::string& path, const Program& program, const XapiOptions& options) {
    const std::string text = detail::read_whole_file(path);
    return xapi_events(text, path, program, options);
}

XapiSummary read_xapi_file(Dataset& data, const std::string& path, const XapiOptions& options) {
    const std::string text = detail::read_whole_file(path);
    return read_xapi(data, text, path, options);
}

}  // namespace yanxiu
