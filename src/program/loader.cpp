// The programme loader: a strict JSON reader, RFC 7386 merging, `extends`
// resolution, defaults and validation.  The only code that writes a
// Program's members.

#include <yanxiu/program.hpp>

#include "embed.hpp"
#include "text.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace yanxiu::detail::program_loader {

/// Programme JSON while it is read and merged: member order is kept so that
/// categories come out in the order the file lists them.
using ojson = nlohmann::ordered_json;

/// Deepest nesting accepted; a real programme needs 4 levels.
inline constexpr std::size_t kMaxDepth = 64;
/// Longest `extends` chain accepted (files after the first).
inline constexpr std::size_t kMaxExtendsDepth = 16;
/// Largest programme file read; real ones are a few kilobytes.
inline constexpr std::size_t kMaxFileBytes = 16u * 1024u * 1024u;
/// Longest window accepted, in days; R1's window is 33 days.
inline constexpr int kMaxWindowDays = 366;
/// The embedded file that is the schema, not a programme.
inline constexpr std::string_view kSchemaName = "programme.schema";

// ---------------------------------------------------------------------------
// Text helpers

using text::printable;

/// A value quoted for a message.
[[nodiscard]] inline std::string quote_value(std::string_view s) { return text::quote(s, 80, '"'); }

/// "a string", "an object", … for type errors.
template <class Json>
[[nodiscard]] std::string type_name(const Json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float: return "a number";
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::binary: return "binary data";
        case nlohmann::json::value_t::discarded: return "nothing";
    }
    return "an unknown value";
}

/// `path.key`, or `key` at the top level.
[[nodiscard]] inline std::string join_key(const std::string& path, std::string_view key) {
    std::string shown = printable(key, 80);
    return path.empty() ? shown : path + "." + shown;
}

/// `path[i]`.
[[nodiscard]] inline std::string join_index(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

// ---------------------------------------------------------------------------
// Strict JSON

/// SAX handler that builds an ordered document and refuses what nlohmann
/// would silently accept: repeated keys (it keeps the last) and unbounded
/// nesting.
class StrictBuilder {
public:
    using number_integer_t = ojson::number_integer_t;
    using number_unsigned_t = ojson::number_unsigned_t;
    using number_float_t = ojson::number_float_t;
    using string_t = ojson::string_t;
    using binary_t = ojson::binary_t;

    bool null() { return place(ojson(nullptr)) != nullptr; }
    bool boolean(bool value) { return place(ojson(value)) != nullptr; }
    bool number_integer(number_integer_t value) { return place(ojson(value)) != nullptr; }
    bool number_unsigned(number_unsigned_t value) { return place(ojson(value)) != nullptr; }
    bool number_float(number_float_t value, const string_t& /*text*/) { return place(ojson(value)) != nullptr; }
    bool string(string_t& value) { return place(ojson(std::move(value))) != nullptr; }
    bool binary(binary_t& /*value*/) {
        failure_message_ = "binary values are not JSON";
        return false;
    }
    bool start_object(std::size_t /*size*/) { return open(ojson::object()); }
    bool key(string_t& name) {
        Frame& frame = frames_.back();
        if (!frame.keys.insert(name).second) {
            failure_key_ = join_key(current_path(), name);
            failure_message_ = "duplicate key (a JSON object must not repeat a key)";
            return false;
        }
        frame.pending_key = std::move(name);
        return true;
    }
    bool end_object() {
        frames_.pop_back();
        return true;
    }
    bool start_array(std::size_t /*size*/) { return open(ojson::array()); }
    bool end_array() {
        frames_.pop_back();
        return true;
    }
    bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::json::exception& error) {
        syntax_position_ = position;
        syntax_message_ = error.what();
        return false;
    }

    /// The parsed document (valid only after a successful parse).
    [[nodiscard]] ojson take() { return std::move(root_); }
    /// Set when our own rules stopped the parse.
    [[nodiscard]] const std::string& failure_message() const noexcept { return failure_message_; }
    [[nodiscard]] const std::string& failure_key() const noexcept { return failure_key_; }
    /// Set when the JSON grammar stopped the parse.
    [[nodiscard]] const std::optional<std::size_t>& syntax_position() const noexcept { return syntax_position_; }
    [[nodiscard]] const std::string& syntax_message() const noexcept { return syntax_message_; }

private:
    struct Frame {
        ojson* node;
        std::string segment;  // how the parent names this container: ".key" or "[i]"
        std::unordered_set<std::string> keys;
        std::string pending_key;
        std::size_t next_index = 0;
    };

    [[nodiscard]] std::string current_path() const {
        std::string path;
        for (const Frame& frame : frames_) path += frame.segment;
        if (!path.empty() && path.front() == '.') path.erase(0, 1);
        return path;
    }

    [[nodiscard]] std::string child_segment() const {
        if (frames_.empty()) return {};
        const Frame& parent = frames_.back();
        if (parent.node->is_array()) return "[" + std::to_string(parent.next_index) + "]";
        return "." + printable(parent.pending_key, 80);
    }

    ojson* place(ojson&& value) {
        if (frames_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        Frame& parent = frames_.back();
        if (parent.node->is_array()) {
            auto& array = parent.node->get_ref<ojson::array_t&>();
            array.push_back(std::move(value));
            parent.next_index += 1;
            return &array.back();
        }
        // Appending to the underlying vector skips ordered_map's linear key
        // search; `key()` has already ruled out a repeat.
        auto& object = parent.node->get_ref<ojson::object_t&>();
        static_cast<ojson::object_t::Container&>(object).emplace_back(std::move(parent.pending_key), std::move(value));
        return &object.back().second;
    }

    bool open(ojson&& container) {
        if (frames_.size() >= kMaxDepth) {
            // The path of a depth bomb is all "[0]"; a short prefix locates it.
            failure_message_ = "nesting deeper than " + std::to_string(kMaxDepth) + " levels (at " +
                               printable(current_path(), 40) + ")";
            return false;
        }
        std::string segment = child_segment();
        ojson* node = place(std::move(container));
        frames_.push_back(Frame{node, std::move(segment), {}, {}, 0});
        return true;
    }

    ojson root_;
    std::vector<Frame> frames_;
    std::string failure_message_;
    std::string failure_key_;
    std::optional<std::size_t> syntax_position_;
    std::string syntax_message_;
};

/// The useful part of an nlohmann parse error, without its own position.
[[nodiscard]] inline std::string syntax_detail(const std::string& what) {
    std::string_view text = what;
    const std::size_t parse_error = text.find("parse error");
    if (parse_error != std::string_view::npos) {
        const std::size_t colon = text.find(": ", parse_error);
        if (colon != std::string_view::npos) return printable(text.substr(colon + 2), 200);
    }
    const std::size_t bracket = text.find("] ");
    if (bracket != std::string_view::npos) text.remove_prefix(bracket + 2);
    return printable(text, 200);
}

/// Parses programme text strictly; errors name `source` and where.
[[nodiscard]] inline ojson parse_strict(std::string_view text, const std::string& source) {
    if (const std::size_t bad = text::find_invalid_utf8(text); bad != std::string_view::npos)
        throw ProgramError(source, "", text::position(text, bad) + ": invalid UTF-8");
    StrictBuilder builder;
    const bool ok = ojson::sax_parse(text.data(), text.data() + text.size(), &builder);
    if (ok) return builder.take();
    if (!builder.failure_message().empty())
        throw ProgramError(source, builder.failure_key(), builder.failure_message());
    if (builder.syntax_position()) {
        // nlohmann counts the offending character as read.
        const std::size_t read = *builder.syntax_position();
        const std::size_t offset = read > 0 ? read - 1 : 0;
        throw ProgramError(source, "", text::position(text, offset) + ": " + syntax_detail(builder.syntax_message()));
    }
    throw ProgramError(source, "", "not valid JSON");
}

/// Checks a document built in memory as strictly as parsed text: nesting
/// depth and UTF-8 of every key and string.
template <class Json>
void check_document(const Json& document, const std::string& source) {
    struct Item {
        const Json* node;
        std::size_t depth;
        std::string path;
    };
    std::vector<Item> stack{{&document, 1, ""}};
    while (!stack.empty()) {
        Item item = std::move(stack.back());
        stack.pop_back();
        const Json& node = *item.node;
        if (node.is_string()) {
            if (text::find_invalid_utf8(node.template get_ref<const std::string&>()) != std::string_view::npos)
                throw ProgramError(source, item.path, "invalid UTF-8 in a string");
            continue;
        }
        if (!node.is_structured()) continue;
        if (item.depth > kMaxDepth)
            throw ProgramError(source, "", "nesting deeper than " + std::to_string(kMaxDepth) + " levels (at " +
                                               printable(item.path, 40) + ")");
        if (node.is_object()) {
            for (const auto& [key, value] : node.template get_ref<const typename Json::object_t&>()) {
                if (text::find_invalid_utf8(key) != std::string_view::npos)
                    throw ProgramError(source, join_key(item.path, key), "invalid UTF-8 in a key");
                stack.push_back({&value, item.depth + 1, join_key(item.path, key)});
            }
        } else {
            const auto& array = node.template get_ref<const typename Json::array_t&>();
            for (std::size_t i = 0; i < array.size(); ++i)
                stack.push_back({&array[i], item.depth + 1, join_index(item.path, i)});
        }
    }
}

/// The same document with ordered objects (depth already checked).
[[nodiscard]] inline ojson to_ordered(const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::object: {
            ojson out = ojson::object();
            auto& members = static_cast<ojson::object_t::Container&>(out.get_ref<ojson::object_t&>());
            for (const auto& [key, value] : v.get_ref<const nlohmann::json::object_t&>())
                members.emplace_back(key, to_ordered(value));
            return out;
        }
        case nlohmann::json::value_t::array: {
            ojson out = ojson::array();
            for (const auto& value : v) out.push_back(to_ordered(value));
            return out;
        }
        case nlohmann::json::value_t::string: return ojson(v.get_ref<const std::string&>());
        case nlohmann::json::value_t::boolean: return ojson(v.get<bool>());
        case nlohmann::json::value_t::number_integer: return ojson(v.get<std::int64_t>());
        case nlohmann::json::value_t::number_unsigned: return ojson(v.get<std::uint64_t>());
        case nlohmann::json::value_t::number_float: return ojson(v.get<double>());
        case nlohmann::json::value_t::binary: return ojson::binary(v.get_binary());
        case nlohmann::json::value_t::null:
        case nlohmann::json::value_t::discarded: return ojson(nullptr);
    }
    return ojson(nullptr);
}

/// The same number as plain `nlohmann::json`, keeping integer or float.
[[nodiscard]] inline ojson number_json(const ojson& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer()) return v.get<std::int64_t>();
    return v.get<double>();
}

// ---------------------------------------------------------------------------
// Overlays

/// Applies an RFC 7386 merge patch.  Like nlohmann's `merge_patch`, but
/// indexed, so a large object costs linear time rather than quadratic.
inline void merge_patch(ojson& target, const ojson& patch) {
    if (!patch.is_object()) {
        target = patch;
        return;
    }
    if (!target.is_object()) target = ojson::object();
    using Members = ojson::object_t::Container;
    auto& target_members = static_cast<Members&>(target.get_ref<ojson::object_t&>());
    const auto& patch_members = static_cast<const Members&>(patch.get_ref<const ojson::object_t&>());

    std::unordered_map<std::string_view, const ojson*> patch_index;
    patch_index.reserve(patch_members.size());
    for (const auto& [key, value] : patch_members) patch_index.emplace(key, &value);
    std::unordered_set<std::string_view> target_keys;
    target_keys.reserve(target_members.size());
    for (const auto& member : target_members) target_keys.insert(member.first);

    Members merged;
    merged.reserve(target_members.size() + patch_members.size());
    for (auto& [key, value] : target_members) {
        const auto found = patch_index.find(key);
        if (found == patch_index.end()) {
            merged.emplace_back(key, std::move(value));
            continue;
        }
        if (found->second->is_null()) continue;  // null removes the member
        ojson updated = std::move(value);
        merge_patch(updated, *found->second);
        merged.emplace_back(key, std::move(updated));
    }
    for (const auto& [key, value] : patch_members) {
        if (target_keys.count(key) != 0 || value.is_null()) continue;
        ojson added;
        merge_patch(added, value);  // strips nulls nested in a new object
        merged.emplace_back(key, std::move(added));
    }
    target_members.swap(merged);
}

/// The compiled-in text of a built-in programme, if `id` names one.
[[nodiscard]] inline std::optional<std::string_view> builtin_text(std::string_view id) noexcept {
    if (id == kSchemaName) return std::nullopt;
    for (const auto& file : kEmbeddedPrograms)
        if (file.name == id) return file.text;
    return std::nullopt;
}

/// The ids of the built-in programmes, in the order they are compiled in.
[[nodiscard]] inline std::string builtin_id_list() {
    std::string out;
    for (const auto& file : kEmbeddedPrograms) {
        if (file.name == kSchemaName) continue;
        if (!out.empty()) out += ", ";
        out += file.name;
    }
    return out;
}

/// Reads a programme file, refusing anything unreasonably large.
[[nodiscard]] inline std::string read_programme_file(const std::filesystem::path& path, const std::string& shown) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ProgramError(shown, "", "cannot open the file");
    std::string text;
    std::vector<char> buffer(std::size_t{1} << 16);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
        text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxFileBytes)
            throw ProgramError(shown, "", "the file is larger than 16 MiB, far beyond any programme");
        if (in.eof()) break;
    }
    if (in.bad()) throw ProgramError(shown, "", "cannot read the file");
    return text;
}

/// A programme found by id or path: its text and how to name it.
struct ProgrammeSource {
    std::string identity;  ///< what cycles are detected on
    std::string shown;     ///< the id or path, as named in errors
    std::string text;
    std::filesystem::path directory;  ///< where its own relative `extends` resolve
};

/// Finds a built-in id or an existing file; nullopt if neither.
/// `shown_source` names the referring file in errors about `name`.
[[nodiscard]] inline std::optional<ProgrammeSource> locate(std::string_view name, const std::filesystem::path& base_dir,
                                                           const std::string& shown_source, const std::string& key) {
    if (auto text = builtin_text(name))
        return ProgrammeSource{"builtin:" + std::string(name), std::string(name), std::string(*text), "."};
    if (name.empty()) return std::nullopt;
    std::filesystem::path path{std::string(name)};
    if (path.is_relative()) path = base_dir / path;
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status)) return std::nullopt;
    std::string shown = printable(path.lexically_normal().string(), 4096);
    if (std::filesystem::is_directory(status)) {
        if (key.empty()) throw ProgramError(shown, "", "is a directory, not a programme file");
        throw ProgramError(shown_source, key, printable(shown, 200) + " is a directory, not a programme file");
    }
    auto canonical = std::filesystem::weakly_canonical(path, error);
    std::string identity = "file:" + (error ? path.lexically_normal().string() : canonical.string());
    std::filesystem::path directory = path.parent_path();
    if (directory.empty()) directory = ".";
    std::string text = read_programme_file(path, shown);
    return ProgrammeSource{std::move(identity), std::move(shown), std::move(text), std::move(directory)};
}

// ---------------------------------------------------------------------------
// Validation

/// Reads values out of a merged programme document; every failure names the
/// source and the key path.
class Reader {
public:
    explicit Reader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw ProgramError(source_, key, message);
    }

    /// Fails on the first member not in `known`, naming what is allowed.
    void check_known_keys(const ojson& object, const std::string& path,
                          std::initializer_list<std::string_view> known) const {
        for (const auto& [key, value] : object.get_ref<const ojson::object_t&>()) {
            (void)value;
            bool ok = false;
            for (std::string_view k : known) ok = ok || (k == key);
            if (ok) continue;
            std::string list;
            for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
            fail(join_key(path, key), "unknown key (allowed here: " + list + ")");
        }
    }

    /// The member `key`, or nullptr when absent or null (null means "use the
    /// default", as a merge patch's null removes a key).
    [[nodiscard]] static const ojson* member(const ojson& object, std::string_view key) {
        for (const auto& [k, value] : object.get_ref<const ojson::object_t&>())
            if (k == key) return value.is_null() ? nullptr : &value;
        return nullptr;
    }

    [[nodiscard]] const ojson& required(const ojson& object, const std::string& path, std::string_view key) const {
        const ojson* value = member(object, key);
        if (!value) fail(join_key(path, key), "required key is missing");
        return *value;
    }

    void expect_object(const ojson& v, const std::string& key) const {
        if (!v.is_object()) fail(key, "expected an object, found " + type_name(v));
    }

    void expect_array(const ojson& v, const std::string& key) const {
        if (!v.is_array()) fail(key, "expected an array, found " + type_name(v));
    }

    [[nodiscard]] std::string string(const ojson& v, const std::string& key) const {
        if (!v.is_string()) fail(key, "expected a string, found " + type_name(v));
        return v.get<std::string>();
    }

    /// A non-empty identifier without control characters.
    [[nodiscard]] std::string identifier(const ojson& v, const std::string& key) const {
        std::string s = string(v, key);
        check_identifier(s, key);
        return s;
    }

    void check_identifier(std::string_view s, const std::string& key) const {
        if (s.empty()) fail(key, "must not be empty");
        for (char c : s)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) fail(key, "must not contain control characters");
    }

    [[nodiscard]] bool boolean(const ojson& v, const std::string& key) const {
        if (!v.is_boolean()) fail(key, "expected true or false, found " + type_name(v));
        return v.get<bool>();
    }

    /// A finite number within [low, high] (low excluded when `low_open`).
    [[nodiscard]] double number(const ojson& v, const std::string& key, double low, double high,
                                bool low_open = false) const {
        if (!v.is_number()) fail(key, "expected a number, found " + type_name(v));
        const double x = v.get<double>();
        const bool ok = std::isfinite(x) && (low_open ? x > low : x >= low) && x <= high;
        if (!ok)
            fail(key, "must be " + std::string(low_open ? "greater than " : "at least ") + number_text(low) +
                          " and at most " + number_text(high) + ", found " + v.dump());
        return x;
    }

    /// An integer written as one (no fraction or exponent) within [low, high].
    [[nodiscard]] std::int64_t integer(const ojson& v, const std::string& key, std::int64_t low,
                                       std::int64_t high) const {
        if (!v.is_number()) fail(key, "expected an integer, found " + type_name(v));
        if (!v.is_number_integer()) fail(key, "expected an integer, found " + v.dump());
        const std::string range = "must be an integer from " + std::to_string(low) + " to " + std::to_string(high) +
                                  ", found " + v.dump();
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(high) || static_cast<std::int64_t>(u) < low) fail(key, range);
            return static_cast<std::int64_t>(u);
        }
        const auto i = v.get<std::int64_t>();
        if (i < low || i > high) fail(key, range);
        return i;
    }

    [[nodiscard]] LocalDate date(const ojson& v, const std::string& key) const {
        const std::string text = string(v, key);
        std::string error;
        auto parsed = parse_local_date(text, &error);
        if (!parsed) fail(key, error + ", found " + quote_value(text));
        return *parsed;
    }

    /// A label; each missing language falls back to `fallback` (the owner's id).
    [[nodiscard]] Label label(const ojson* v, const std::string& key, const std::string& fallback) const {
        Label out{fallback, fallback};
        if (!v) return out;
        if (!v->is_object()) fail(key, "expected an object {\"zh\": …, \"en\": …}, found " + type_name(*v));
        check_known_keys(*v, key, {"zh", "en"});
        if (const ojson* zh = member(*v, "zh")) out.zh = string(*zh, key + ".zh");
        if (const ojson* en = member(*v, "en")) out.en = string(*en, key + ".en");
        return out;
    }

    /// A list of distinct sector names; absent means every sector.
    [[nodiscard]] std::vector<Sector> sectors(const ojson* v, const std::string& key) const {
        std::vector<Sector> out;
        if (!v) return out;
        expect_array(*v, key);
        for (std::size_t i = 0; i < v->size(); ++i) {
            const std::string item_key = join_index(key, i);
            const std::string name = string((*v)[i], item_key);
            const auto sector = parse_sector(name);
            if (!sector) {
                std::string list;
                for (Sector s : kSectors) list += (list.empty() ? "" : ", ") + std::string(to_string(s));
                fail(item_key, "unknown sector " + quote_value(name) + " (one of " + list + ")");
            }
            for (Sector seen : out)
                if (seen == *sector) fail(item_key, "sector " + quote_value(name) + " is listed twice");
            out.push_back(*sector);
        }
        return out;
    }

    /// Fails if `id` was already seen in this list.
    void unique(std::unordered_set<std::string>& seen, const std::string& id, const std::string& key,
                std::string_view what) const {
        if (!seen.insert(id).second) fail(key, "duplicate " + std::string(what) + " " + quote_value(id));
    }

    [[nodiscard]] const std::string& source() const noexcept { return source_; }

private:
    static std::string number_text(double x) { return nlohmann::json(x).dump(); }

    std::string source_;
};

[[nodiscard]] inline ojson label_json(const Label& label) {
    return ojson{{"zh", label.zh}, {"en", label.en}};
}

[[nodiscard]] inline ojson sectors_json(const std::vector<Sector>& sectors) {
    ojson out = ojson::array();
    for (Sector s : sectors) out.push_back(std::string(to_string(s)));
    return out;
}

}  // namespace yanxiu::detail::program_loader

namespace yanxiu {

/// Builds `Program`s: the only code that writes a Program's members.
struct ProgramBuilder {
    [[nodiscard]] static Program empty() { return Program(); }

    using ojson = detail::program_loader::ojson;

    /// Validates a merged, `extends`-free document and fills in defaults.
    [[nodiscard]] static Program build(const ojson& doc, const std::string& source) {
        namespace loader = detail::program_loader;
        const loader::Reader in(source);
        if (!doc.is_object()) in.fail("", "a programme must be a JSON object, found " + loader::type_name(doc));
        in.check_known_keys(doc, "",
                            {"id", "version", "title", "authority", "time_zone", "window", "require_verified",
                             "on_sector_mismatch", "categories", "quiz", "credit", "lessons", "themes",
                             "groups", "exams", "milestones", "support", "dispatches"});
        Program p = empty();
        ojson out = ojson::object();

        p.id_ = in.identifier(in.required(doc, "", "id"), "id");
        p.version_ = in.identifier(in.required(doc, "", "version"), "version");
        p.title_ = in.label(in.member(doc, "title"), "title", p.id_);
        if (const ojson* authority = in.member(doc, "authority")) p.authority_ = in.string(*authority, "authority");
        out["id"] = p.id_;
        out["version"] = p.version_;
        out["title"] = loader::label_json(p.title_);
        out["authority"] = p.authority_;

        // R1: the zone the window and offset-less timestamps are read in.
        p.time_zone_name_ = in.string(in.required(doc, "", "time_zone"), "time_zone");
        p.time_zone_ = find_zone(p.time_zone_name_);
        if (!p.time_zone_)
            in.fail("time_zone", "unknown time zone " + loader::quote_value(p.time_zone_name_) +
                                     " (an exact IANA name such as \"Asia/Shanghai\")");
        out["time_zone"] = p.time_zone_name_;

        // R1: the window, both days inclusive.
        const ojson& window = in.required(doc, "", "window");
        in.expect_object(window, "window");
        in.check_known_keys(window, "window", {"start", "end"});
        const LocalDate start = in.date(in.required(window, "window", "start"), "window.start");
        const LocalDate end = in.date(in.required(window, "window", "end"), "window.end");
        if (date::sys_days{end} < date::sys_days{start})
            in.fail("window.end", "the end date " + format_local_date(end) + " is before the start date " +
                                      format_local_date(start));
        const auto days = (date::sys_days{end} - date::sys_days{start}).count() + 1;
        if (days > loader::kMaxWindowDays)
            in.fail("window", "the window is " + std::to_string(days) + " days long; at most " +
                                  std::to_string(loader::kMaxWindowDays) + " days are allowed");
        p.window_ = Window(start, end, *p.time_zone_);
        out["window"] = {{"start", format_local_date(start)}, {"end", format_local_date(end)}};

        // R3.
        if (const ojson* v = in.member(doc, "require_verified")) p.require_verified_ = in.boolean(*v, "require_verified");
        out["require_verified"] = p.require_verified_;

        if (const ojson* v = in.member(doc, "on_sector_mismatch")) {
            const std::string policy = in.string(*v, "on_sector_mismatch");
            if (policy == "flag") p.on_sector_mismatch_ = SectorMismatchPolicy::flag;
            else if (policy == "reject") p.on_sector_mismatch_ = SectorMismatchPolicy::reject;
            else in.fail("on_sector_mismatch", "must be \"flag\" or \"reject\", found " + loader::quote_value(policy));
        }
        out["on_sector_mismatch"] = p.on_sector_mismatch_ == SectorMismatchPolicy::flag ? "flag" : "reject";

        // Categories name groups, themes, lessons and exams in their
        // requirements, so those are read first; the resolved document still
        // lists the keys in the programme format's order.
        out["categories"] = nullptr;
        out["quiz"] = nullptr;
        out["credit"] = nullptr;
        read_themes(in, doc, p, out);
        read_groups(in, doc, p, out);
        read_exams(in, doc, p, out);
        read_lessons(in, doc, p, out);
        read_categories(in, doc, p, out);
        read_quiz(in, doc, p, out);
        read_credit(in, doc, p, out);
        read_milestones(in, doc, p, out);
        read_support(in, doc, p, out);
        read_dispatches(in, doc, p, out);

        p.resolved_ = std::make_shared<const ojson>(std::move(out));
        return p;
    }

private:
    using Reader = detail::program_loader::Reader;

    // R2, R4, R7.
    static void read_categories(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        const ojson& categories = in.required(doc, "", "categories");
        in.expect_object(categories, "categories");
        if (categories.empty()) in.fail("categories", "at least one category is required");
        ojson json = ojson::object();
        for (const auto& [id, value] : categories.get_ref<const ojson::object_t&>()) {
            const std::string key = detail::program_loader::join_key("categories", id);
            if (id.empty()) in.fail("categories", "a category id must not be empty");
            in.check_identifier(id, key);
            in.expect_object(value, key);
            in.check_known_keys(value, key, {"label", "min_lessons", "requires", "certificate", "sectors"});
            Category c;
            c.id = id;
            c.label = in.label(in.member(value, "label"), key + ".label", id);
            const ojson* min_lessons = in.member(value, "min_lessons");
            const ojson* requires = in.member(value, "requires");
            if (min_lessons && requires)
                in.fail(key, "give requires or min_lessons (a shorthand for {\"lessons\": N}), not both");
            if (!min_lessons && !requires) in.fail(key + ".requires", "required key is missing (or give min_lessons)");
            ojson requires_json;
            if (min_lessons) {
                c.requires.kind = Requirement::Kind::lessons;
                c.requires.lessons =
                    static_cast<int>(in.integer(*min_lessons, key + ".min_lessons", 0, kMaxLessonCount));
                requires_json = {{"lessons", c.requires.lessons}};
            } else {
                c.requires = read_requirement(in, p, *requires, key + ".requires", requires_json);
            }
            if (c.requires.is_lesson_count()) c.min_lessons = c.requires.lessons;
            c.certificate = in.boolean(in.required(value, key, "certificate"), key + ".certificate");
            c.sectors = in.sectors(in.member(value, "sectors"), key + ".sectors");
            json[id] = {{"label", detail::program_loader::label_json(c.label)},
                        {"requires", std::move(requires_json)},
                        {"certificate", c.certificate},
                        {"sectors", detail::program_loader::sectors_json(c.sectors)}};
            p.categories_.push_back(std::move(c));
        }
        out["categories"] = std::move(json);
    }

    /// The most lessons a requirement may count, and the most hours.
    static constexpr std::int64_t kMaxLessonCount = 10000;
    static constexpr double kMaxRequiredHours = 1e6;

    /// A requirement (`requires`, or a member of `all`/`any`), with its resolved JSON.
    static Requirement read_requirement(const Reader& in, const Program& p, const ojson& v, const std::string& key,
                                        ojson& json) {
        namespace loader = detail::program_loader;
        in.expect_object(v, key);
        static constexpr std::string_view kinds[] = {"lessons", "hours", "exam", "approval", "all", "any"};
        const ojson* found = nullptr;
        std::string_view kind_name;
        for (std::string_view k : kinds)
            if (const ojson* m = in.member(v, k)) {
                if (found)
                    in.fail(key, "a requirement names one of lessons, hours, exam, approval, all or any; this one "
                                 "names both " + std::string(kind_name) + " and " + std::string(k));
                found = m, kind_name = k;
            }
        if (!found) in.fail(key, "a requirement names one of lessons, hours, exam, approval, all or any");
        in.check_known_keys(v, key, {"lessons", "hours", "exam", "approval", "all", "any", "from"});
        const ojson* from = in.member(v, "from");
        const std::string at = key + "." + std::string(kind_name);
        Requirement r;
        json = ojson::object();
        if (kind_name == "lessons" || kind_name == "hours") {
            if (kind_name == "lessons") {
                r.kind = Requirement::Kind::lessons;
                r.lessons = static_cast<int>(in.integer(*found, at, 0, kMaxLessonCount));
                json["lessons"] = r.lessons;
            } else {
                r.kind = Requirement::Kind::hours;
                r.hours = in.number(*found, at, 0, kMaxRequiredHours);
                json["hours"] = loader::number_json(*found);
            }
            if (from) {
                r.from = read_selection(in, p, *from, key + ".from");
                json["from"] = selection_json(r.from);
            }
            return r;
        }
        if (from) in.fail(key + ".from", "only a lessons or hours requirement selects lessons");
        if (kind_name == "exam") {
            r.kind = Requirement::Kind::exam;
            r.exam = in.identifier(*found, at);
            if (!p.find_exam(r.exam))
                in.fail(at, "unknown exam " + loader::quote_value(r.exam) + " (declare it under exams)");
            json["exam"] = r.exam;
        } else if (kind_name == "approval") {
            r.kind = Requirement::Kind::approval;
            if (!in.boolean(*found, at)) in.fail(at, "must be true (a requirement that needs a sign-off)");
            json["approval"] = true;
        } else {
            r.kind = kind_name == "all" ? Requirement::Kind::all : Requirement::Kind::any;
            in.expect_array(*found, at);
            if (found->empty()) in.fail(at, "must list at least one requirement");
            ojson children = ojson::array();
            for (std::size_t i = 0; i < found->size(); ++i) {
                ojson child;
                r.children.push_back(read_requirement(in, p, (*found)[i], loader::join_index(at, i), child));
                children.push_back(std::move(child));
            }
            json[std::string(kind_name)] = std::move(children);
        }
        return r;
    }

    /// `from`: exactly one of group, theme, lessons, each naming what the programme declares.
    static Selection read_selection(const Reader& in, const Program& p, const ojson& v, const std::string& key) {
        namespace loader = detail::program_loader;
        in.expect_object(v, key);
        in.check_known_keys(v, key, {"group", "theme", "lessons"});
        const ojson* group = in.member(v, "group");
        const ojson* theme = in.member(v, "theme");
        const ojson* lessons = in.member(v, "lessons");
        if ((group ? 1 : 0) + (theme ? 1 : 0) + (lessons ? 1 : 0) != 1)
            in.fail(key, "a selection names exactly one of group, theme or lessons");
        Selection sel;
        if (group) {
            sel.kind = Selection::Kind::group;
            sel.name = in.identifier(*group, key + ".group");
            if (!p.find_group(sel.name))
                in.fail(key + ".group", "unknown group " + loader::quote_value(sel.name) + " (declare it under groups)");
        } else if (theme) {
            sel.kind = Selection::Kind::theme;
            sel.name = in.identifier(*theme, key + ".theme");
            bool known = false;
            for (const std::string& t : p.themes()) known = known || t == sel.name;
            if (!known)
                in.fail(key + ".theme", "unknown theme " + loader::quote_value(sel.name) + " (one of the programme's themes)");
        } else {
            sel.kind = Selection::Kind::lessons;
            in.expect_array(*lessons, key + ".lessons");
            if (lessons->empty()) in.fail(key + ".lessons", "must list at least one lesson");
            std::unordered_set<std::string> seen;
            for (std::size_t i = 0; i < lessons->size(); ++i) {
                const std::string item_key = loader::join_index(key + ".lessons", i);
                std::string id = in.identifier((*lessons)[i], item_key);
                if (!p.find_lesson(id))
                    in.fail(item_key, "unknown lesson " + loader::quote_value(id) + " (not in the programme's catalogue)");
                in.unique(seen, id, item_key, "lesson");
                sel.lessons.push_back(std::move(id));
            }
        }
        return sel;
    }

    static ojson selection_json(const Selection& sel) {
        switch (sel.kind) {
            case Selection::Kind::group: return ojson{{"group", sel.name}};
            case Selection::Kind::theme: return ojson{{"theme", sel.name}};
            case Selection::Kind::lessons: return ojson{{"lessons", sel.lessons}};
            case Selection::Kind::all: break;
        }
        return ojson::object();
    }

    // Modules: groups of lessons whose hours may be capped together.
    static void read_groups(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        namespace loader = detail::program_loader;
        ojson json = ojson::object();
        if (const ojson* groups = in.member(doc, "groups")) {
            in.expect_object(*groups, "groups");
            for (const auto& [id, value] : groups->get_ref<const ojson::object_t&>()) {
                const std::string key = loader::join_key("groups", id);
                in.check_identifier(id, key);
                in.expect_object(value, key);
                in.check_known_keys(value, key, {"label", "max_hours"});
                Group g;
                g.id = id;
                g.label = in.label(in.member(value, "label"), key + ".label", id);
                ojson max_hours = nullptr;
                if (const ojson* v = in.member(value, "max_hours")) {
                    g.max_hours = in.number(*v, key + ".max_hours", 0, kMaxRequiredHours);
                    max_hours = loader::number_json(*v);
                }
                json[id] = {{"label", loader::label_json(g.label)}, {"max_hours", std::move(max_hours)}};
                p.groups_.push_back(std::move(g));
            }
        }
        out["groups"] = std::move(json);
    }

    static void read_exams(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        namespace loader = detail::program_loader;
        ojson json = ojson::object();
        if (const ojson* exams = in.member(doc, "exams")) {
            in.expect_object(*exams, "exams");
            for (const auto& [id, value] : exams->get_ref<const ojson::object_t&>()) {
                const std::string key = loader::join_key("exams", id);
                in.check_identifier(id, key);
                in.expect_object(value, key);
                in.check_known_keys(value, key, {"label", "pass_score"});
                Exam e;
                e.id = id;
                e.label = in.label(in.member(value, "label"), key + ".label", id);
                ojson pass_score = 60;
                if (const ojson* v = in.member(value, "pass_score")) {
                    e.pass_score = in.number(*v, key + ".pass_score", 0, 100);
                    pass_score = loader::number_json(*v);
                }
                json[id] = {{"label", loader::label_json(e.label)}, {"pass_score", std::move(pass_score)}};
                p.exams_.push_back(std::move(e));
            }
        }
        out["exams"] = std::move(json);
    }

    // R5.
    static void read_quiz(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson pass_score = 60;
        if (const ojson* quiz = in.member(doc, "quiz")) {
            in.expect_object(*quiz, "quiz");
            in.check_known_keys(*quiz, "quiz", {"mode", "pass_score"});
            if (const ojson* v = in.member(*quiz, "mode")) {
                const std::string mode = in.string(*v, "quiz.mode");
                if (mode == "completed") p.quiz_.mode = QuizMode::completed;
                else if (mode == "passed") p.quiz_.mode = QuizMode::passed;
                else if (mode == "none") p.quiz_.mode = QuizMode::none;
                else in.fail("quiz.mode", "must be \"completed\", \"passed\" or \"none\", found " +
                                              detail::program_loader::quote_value(mode));
            }
            if (const ojson* v = in.member(*quiz, "pass_score")) {
                p.quiz_.pass_score = in.number(*v, "quiz.pass_score", 0, 100);
                pass_score = detail::program_loader::number_json(*v);
            }
        }
        out["quiz"] = {{"mode", to_string(p.quiz_.mode)}, {"pass_score", pass_score}};
    }

    // R6.
    static void read_credit(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson hour_step = 0.1, max_hours = nullptr, min_study_ratio = 0;
        if (const ojson* credit = in.member(doc, "credit")) {
            in.expect_object(*credit, "credit");
            in.check_known_keys(*credit, "credit",
                                {"minutes_per_hour", "hour_step", "max_hours", "cap_at_lesson_length", "min_study_ratio"});
            if (const ojson* v = in.member(*credit, "minutes_per_hour"))
                p.credit_.minutes_per_hour = static_cast<int>(in.integer(*v, "credit.minutes_per_hour", 1, 1440));
            if (const ojson* v = in.member(*credit, "hour_step")) {
                p.credit_.hour_step = in.number(*v, "credit.hour_step", 0.000001, 100);
                hour_step = detail::program_loader::number_json(*v);
            }
            if (const ojson* v = in.member(*credit, "max_hours")) {
                p.credit_.max_hours = in.number(*v, "credit.max_hours", 0, 1e9);
                max_hours = detail::program_loader::number_json(*v);
            }
            if (const ojson* v = in.member(*credit, "cap_at_lesson_length"))
                p.credit_.cap_at_lesson_length = in.boolean(*v, "credit.cap_at_lesson_length");
            if (const ojson* v = in.member(*credit, "min_study_ratio")) {
                p.credit_.min_study_ratio = in.number(*v, "credit.min_study_ratio", 0, 1);
                min_study_ratio = detail::program_loader::number_json(*v);
            }
        }
        out["credit"] = {{"minutes_per_hour", p.credit_.minutes_per_hour},
                         {"hour_step", hour_step},
                         {"max_hours", max_hours},
                         {"cap_at_lesson_length", p.credit_.cap_at_lesson_length},
                         {"min_study_ratio", min_study_ratio}};
    }

    // R8.
    static void read_themes(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        if (const ojson* themes = in.member(doc, "themes")) {
            in.expect_array(*themes, "themes");
            std::unordered_set<std::string> seen;
            for (std::size_t i = 0; i < themes->size(); ++i) {
                const std::string key = detail::program_loader::join_index("themes", i);
                std::string theme = in.identifier((*themes)[i], key);
                in.unique(seen, theme, key, "theme");
                p.themes_.push_back(std::move(theme));
            }
        }
        out["themes"] = p.themes_;
    }

    // The catalogue behind the lesson cap and minimum study (R6) and themes (R8).
    static void read_lessons(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson json = ojson::array();
        if (const ojson* lessons = in.member(doc, "lessons")) {
            in.expect_array(*lessons, "lessons");
            std::unordered_set<std::string> seen;
            for (std::size_t i = 0; i < lessons->size(); ++i) {
                const std::string key = detail::program_loader::join_index("lessons", i);
                const ojson& item = (*lessons)[i];
                in.expect_object(item, key);
                in.check_known_keys(item, key, {"id", "title", "minutes", "theme", "group", "max_hours"});
                Lesson lesson;
                lesson.id = in.identifier(in.required(item, key, "id"), key + ".id");
                in.unique(seen, lesson.id, key + ".id", "lesson id");
                lesson.title = lesson.id;
                if (const ojson* v = in.member(item, "title")) lesson.title = in.string(*v, key + ".title");
                const ojson& minutes = in.required(item, key, "minutes");
                const double m = in.number(minutes, key + ".minutes", 0, 1440, true);
                lesson.length = Seconds{std::llround(m * 60)};
                if (lesson.length.count() < 1) in.fail(key + ".minutes", "must come to at least one second");
                ojson theme = nullptr;
                if (const ojson* v = in.member(item, "theme")) {
                    lesson.theme = in.identifier(*v, key + ".theme");
                    bool known = p.themes_.empty();
                    for (const std::string& t : p.themes_) known = known || t == lesson.theme;
                    if (!known)
                        in.fail(key + ".theme", "theme " + detail::program_loader::quote_value(lesson.theme) +
                                                    " is not one of the programme's themes");
                    theme = lesson.theme;
                }
                ojson group = nullptr, max_hours = nullptr;
                if (const ojson* v = in.member(item, "group")) {
                    lesson.group = in.identifier(*v, key + ".group");
                    if (!p.find_group(lesson.group))
                        in.fail(key + ".group", "unknown group " + detail::program_loader::quote_value(lesson.group) +
                                                    " (declare it under groups)");
                    group = lesson.group;
                }
                if (const ojson* v = in.member(item, "max_hours")) {
                    lesson.max_hours = in.number(*v, key + ".max_hours", 0, kMaxRequiredHours);
                    max_hours = detail::program_loader::number_json(*v);
                }
                json.push_back({{"id", lesson.id},
                                {"title", lesson.title},
                                {"minutes", detail::program_loader::number_json(minutes)},
                                {"theme", std::move(theme)},
                                {"group", std::move(group)},
                                {"max_hours", std::move(max_hours)}});
                p.lessons_.push_back(std::move(lesson));
            }
        }
        out["lessons"] = std::move(json);
    }

    // R9 (and dated steps such as Hunan's deadline).
    static void read_milestones(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson json = ojson::array();
        if (const ojson* milestones = in.member(doc, "milestones")) {
            in.expect_array(*milestones, "milestones");
            std::unordered_set<std::string> seen;
            for (std::size_t i = 0; i < milestones->size(); ++i) {
                const std::string key = detail::program_loader::join_index("milestones", i);
                const ojson& item = (*milestones)[i];
                in.expect_object(item, key);
                in.check_known_keys(item, key, {"id", "date", "label"});
                Milestone m;
                m.id = in.identifier(in.required(item, key, "id"), key + ".id");
                in.unique(seen, m.id, key + ".id", "milestone id");
                m.date = in.date(in.required(item, key, "date"), key + ".date");
                m.label = in.label(in.member(item, "label"), key + ".label", m.id);
                json.push_back({{"id", m.id},
                                {"date", format_local_date(m.date)},
                                {"label", detail::program_loader::label_json(m.label)}});
                p.milestones_.push_back(std::move(m));
            }
        }
        out["milestones"] = std::move(json);
    }

    // R10: the dates a province dispatches and circulates progress (调度、通报).
    static void read_dispatches(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson json = ojson::array();
        if (const ojson* dispatches = in.member(doc, "dispatches")) {
            in.expect_array(*dispatches, "dispatches");
            for (std::size_t i = 0; i < dispatches->size(); ++i) {
                const std::string key = detail::program_loader::join_index("dispatches", i);
                const LocalDate d = in.date((*dispatches)[i], key);
                if (!p.dispatches_.empty() && date::sys_days{d} <= date::sys_days{p.dispatches_.back()})
                    in.fail(key, "dispatch dates must be in order, each after the one before (" + format_local_date(d) +
                                     " follows " + format_local_date(p.dispatches_.back()) + ")");
                p.dispatches_.push_back(d);
                json.push_back(format_local_date(d));
            }
        }
        out["dispatches"] = std::move(json);
    }

    // R11.
    static void read_support(const Reader& in, const ojson& doc, Program& p, ojson& out) {
        ojson json = ojson::array();
        if (const ojson* support = in.member(doc, "support")) {
            in.expect_array(*support, "support");
            std::unordered_set<std::string> seen;
            for (std::size_t i = 0; i < support->size(); ++i) {
                const std::string key = detail::program_loader::join_index("support", i);
                const ojson& item = (*support)[i];
                in.expect_object(item, key);
                in.check_known_keys(item, key, {"id", "kind", "value", "label", "sectors"});
                SupportChannel s;
                s.id = in.identifier(in.required(item, key, "id"), key + ".id");
                in.unique(seen, s.id, key + ".id", "support channel id");
                s.kind = in.identifier(in.required(item, key, "kind"), key + ".kind");
                s.value = in.identifier(in.required(item, key, "value"), key + ".value");
                s.label = in.label(in.member(item, "label"), key + ".label", s.id);
                s.sectors = in.sectors(in.member(item, "sectors"), key + ".sectors");
                json.push_back({{"id", s.id},
                                {"kind", s.kind},
                                {"value", s.value},
                                {"label", detail::program_loader::label_json(s.label)},
                                {"sectors", detail::program_loader::sectors_json(s.sectors)}});
                p.support_.push_back(std::move(s));
            }
        }
        out["support"] = std::move(json);
    }

public:
    /// Resolves `extends` (recursively) and returns the merged document.
    /// `chain` holds the identities of the files being resolved, outermost
    /// first, with how each is named, for cycle messages.
    [[nodiscard]] static ojson resolve(ojson doc, const std::string& source, const std::filesystem::path& base_dir,
                                       std::vector<std::pair<std::string, std::string>>& chain) {
        namespace loader = detail::program_loader;
        if (!doc.is_object())
            throw ProgramError(source, "", "a programme must be a JSON object, found " + loader::type_name(doc));
        const auto extends = doc.find("extends");
        if (extends == doc.end()) return doc;
        if (extends->is_null()) {  // a merge-patch null: no base
            doc.erase("extends");
            return doc;
        }
        if (!extends->is_string() || extends->get_ref<const std::string&>().empty())
            throw ProgramError(source, "extends",
                               "expected a built-in programme id or a file path, found " + loader::type_name(*extends));
        for (const char* key : {"id", "version"}) {
            const auto it = doc.find(key);
            if (it == doc.end() || it->is_null())
                throw ProgramError(source, key,
                                   std::string("an overlay (a file with \"extends\") must give its own ") + key);
        }
        const std::string name = extends->get<std::string>();
        if (chain.size() > loader::kMaxExtendsDepth)
            throw ProgramError(source, "extends",
                               "the extends chain is longer than " + std::to_string(loader::kMaxExtendsDepth) + " files");
        auto base = loader::locate(name, base_dir, source, "extends");
        if (!base)
            throw ProgramError(source, "extends",
                               loader::quote_value(name) + " is neither a built-in programme (" + loader::builtin_id_list() +
                                   ") nor an existing file");
        for (std::size_t i = 0; i < chain.size(); ++i) {
            if (chain[i].first != base->identity) continue;
            std::string cycle;
            for (std::size_t k = i; k < chain.size(); ++k) cycle += chain[k].second + " -> ";
            throw ProgramError(source, "extends", "cycle: " + cycle + base->shown);
        }
        chain.emplace_back(base->identity, base->shown);
        ojson merged = resolve(loader::parse_strict(base->text, base->shown), base->shown, base->directory, chain);
        // A base must be a programme in its own right; checking it here names
        // the file an error is in, not the overlay that names it.
        (void)build(merged, base->shown);
        chain.pop_back();
        doc.erase("extends");
        loader::merge_patch(merged, doc);
        return merged;
    }

    /// Runs `work`, turning any stray exception into a `ProgramError` so that
    /// no nlohmann or filesystem exception escapes the API.
    template <class Work>
    [[nodiscard]] static Program guarded(const std::string& source, Work&& work) {
        try {
            return work();
        } catch (const ProgramError&) {
            throw;
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& error) {
            throw ProgramError(source, "", "unexpected error: " + detail::program_loader::printable(error.what(), 200));
        }
    }

    /// Resolves and builds an already parsed document.
    [[nodiscard]] static Program from_document(ojson doc, const std::string& source, const std::string& identity,
                                               const std::filesystem::path& base_dir) {
        std::vector<std::pair<std::string, std::string>> chain{{identity, source}};
        ojson merged = resolve(std::move(doc), source, base_dir, chain);
        return build(merged, source);
    }
};

}  // namespace yanxiu

namespace yanxiu {

namespace loader = detail::program_loader;

Program Program::load(std::string_view id_or_path) {
    const std::string shown = id_or_path.empty() ? std::string("\"\"") : loader::printable(id_or_path, 4096);
    return ProgramBuilder::guarded(shown, [&] {
        auto found = loader::locate(id_or_path, ".", shown, "");
        if (!found)
            throw ProgramNotFound(shown, "",
                                  "no built-in programme and no file of this name (built-in: " +
                                      loader::builtin_id_list() + ")");
        return ProgramBuilder::from_document(loader::parse_strict(found->text, found->shown), found->shown,
                                             found->identity, found->directory);
    });
}

Program Program::from_json(std::string_view text, std::string_view source, std::string_view base_dir) {
    const std::string shown = loader::printable(source, 4096);
    return ProgramBuilder::guarded(shown, [&] {
        return ProgramBuilder::from_document(loader::parse_strict(text, shown), shown, "source:" + shown,
                                             std::filesystem::path(std::string(base_dir)));
    });
}

Program Program::from_json(const std::string& text, std::string_view source, std::string_view base_dir) {
    return from_json(std::string_view(text), source, base_dir);
}

Program Program::from_json(const char* text, std::string_view source, std::string_view base_dir) {
    return from_json(std::string_view(text ? text : ""), source, base_dir);
}

Program Program::from_json(const nlohmann::json& document, std::string_view source, std::string_view base_dir) {
    const std::string shown = loader::printable(source, 4096);
    return ProgramBuilder::guarded(shown, [&] {
        loader::check_document(document, shown);
        return ProgramBuilder::from_document(loader::to_ordered(document), shown, "source:" + shown,
                                             std::filesystem::path(std::string(base_dir)));
    });
}

Program Program::from_json(const nlohmann::ordered_json& document, std::string_view source,
                           std::string_view base_dir) {
    const std::string shown = loader::printable(source, 4096);
    return ProgramBuilder::guarded(shown, [&] {
        loader::check_document(document, shown);
        return ProgramBuilder::from_document(document, shown, "source:" + shown,
                                             std::filesystem::path(std::string(base_dir)));
    });
}

std::vector<std::string> Program::builtin_ids() {
    std::vector<std::string> ids;
    for (const auto& file : detail::kEmbeddedPrograms)
        if (file.name != loader::kSchemaName) ids.emplace_back(file.name);
    return ids;
}

const nlohmann::json& Program::schema() {
    // Parsed once; C++11 guarantees a thread-safe first call.
    static const nlohmann::json parsed = [] {
        const std::string_view text = detail::kEmbeddedPrograms.find(loader::kSchemaName);
        if (text.empty()) throw ProgramError(std::string(loader::kSchemaName), "", "the schema is not compiled in");
        nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
        if (document.is_discarded())
            throw ProgramError(std::string(loader::kSchemaName), "", "the compiled-in schema is not valid JSON");
        return document;
    }();
    return parsed;
}

}  // namespace yanxiu
