#pragma once
/// \file program.hpp
/// A training programme as data: window, categories, quiz gate, crediting,
/// lesson catalogue, milestones and support channels.
///
/// The model only: the loader (strict JSON, overlays, defaults, validation)
/// is compiled (src/program/).  A `Program` is immutable once built, cheap to
/// copy (the resolved document is shared) and safe to share across threads.

#include <yanxiu/time.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// The school sector a participant works in.
enum class Sector : std::uint8_t {
    kindergarten,
    primary,
    secondary,
    secondary_vocational,
    higher_vocational,
    undergraduate,
    other,
    unknown,  ///< not given in the record; never flagged as a mismatch
};

/// All sectors a record may name, in a fixed order (excludes `unknown`).
inline constexpr Sector kSectors[] = {Sector::kindergarten,         Sector::primary,
                                      Sector::secondary,            Sector::secondary_vocational,
                                      Sector::higher_vocational,    Sector::undergraduate,
                                      Sector::other};

/// The record spelling of a sector ("" for `unknown`).
[[nodiscard]] inline std::string_view to_string(Sector s) noexcept {
    switch (s) {
        case Sector::kindergarten: return "kindergarten";
        case Sector::primary: return "primary";
        case Sector::secondary: return "secondary";
        case Sector::secondary_vocational: return "secondary_vocational";
        case Sector::higher_vocational: return "higher_vocational";
        case Sector::undergraduate: return "undergraduate";
        case Sector::other: return "other";
        case Sector::unknown: return "";
    }
    return "";
}

/// Parses a sector name; nullopt if it is not one of `kSectors`.
[[nodiscard]] inline std::optional<Sector> parse_sector(std::string_view s) noexcept {
    for (Sector candidate : kSectors)
        if (to_string(candidate) == s) return candidate;
    return std::nullopt;
}

/// A label in Chinese and English.
struct Label {
    std::string zh;
    std::string en;
};

/// Which lessons a requirement counts: all of them, a declared group, a
/// theme, or listed catalogue lessons.
struct Selection {
    enum class Kind : std::uint8_t { all, group, theme, lessons };
    Kind kind = Kind::all;
    std::string name;                  ///< the group or theme
    std::vector<std::string> lessons;  ///< Kind::lessons

    friend bool operator==(const Selection& a, const Selection& b) {
        return a.kind == b.kind && a.name == b.name && a.lessons == b.lessons;
    }
};

/// What a category must reach for its certificate, as data: a lesson
/// count, hours, an exam, a sign-off, or all / any of other requirements.
struct Requirement {
    enum class Kind : std::uint8_t { lessons, hours, exam, approval, all, any };
    Kind kind = Kind::lessons;
    int lessons = 0;                    ///< Kind::lessons: at least this many credited lessons
    double hours = 0;                   ///< Kind::hours: at least this many credited hours
    Selection from;                     ///< Kind::lessons, Kind::hours: among these lessons
    std::string exam;                   ///< Kind::exam: a passed attempt of this exam
    std::vector<Requirement> children;  ///< Kind::all, Kind::any

    /// Whether this is a bare lesson count over every lesson (`min_lessons`).
    [[nodiscard]] bool is_lesson_count() const noexcept {
        return kind == Kind::lessons && from.kind == Selection::Kind::all;
    }
    friend bool operator==(const Requirement& a, const Requirement& b) {
        return a.kind == b.kind && a.lessons == b.lessons && a.hours == b.hours && a.from == b.from &&
               a.exam == b.exam && a.children == b.children;
    }
};

/// The spelling of a requirement kind ("lessons", "hours", "exam", "approval", "all", "any").
[[nodiscard]] constexpr std::string_view to_string(Requirement::Kind k) noexcept {
    switch (k) {
        case Requirement::Kind::lessons: return "lessons";
        case Requirement::Kind::hours: return "hours";
        case Requirement::Kind::exam: return "exam";
        case Requirement::Kind::approval: return "approval";
        case Requirement::Kind::all: return "all";
        case Requirement::Kind::any: return "any";
    }
    return "lessons";
}

/// A participant category (the identity chosen at registration, R2/R4/R7).
struct Category {
    std::string id;
    Label label;
    /// The lesson count of a bare `{"lessons": N}` requirement (or `min_lessons`), else 0.
    int min_lessons = 0;
    bool certificate = false;
    std::vector<Sector> sectors;  ///< empty: every sector allowed
    /// What the certificate needs (`min_lessons: N` is `{"lessons": N}`).
    Requirement requires;

    /// Whether a participant of `sector` may choose this category.
    [[nodiscard]] bool allows(Sector sector) const noexcept {
        if (sectors.empty() || sector == Sector::unknown) return true;
        for (Sector s : sectors)
            if (s == sector) return true;
        return false;
    }
};

/// Which quiz attempts open a lesson's hours (R5).
enum class QuizMode : std::uint8_t { completed, passed, none };

/// The quiz gate.
struct QuizRule {
    QuizMode mode = QuizMode::completed;
    double pass_score = 60;  ///< 0-100; used when mode is `passed`
};

/// How counted time becomes credited hours (R6).
struct CreditRule {
    int minutes_per_hour = 45;             ///< minutes in one 学时
    double hour_step = 0.1;                ///< hours are rounded down to a multiple of this
    std::optional<double> max_hours;       ///< cap on hours, if any
    bool cap_at_lesson_length = true;      ///< cap a lesson's time at its catalogue length
    double min_study_ratio = 0;            ///< a lesson needs this share of its length
};

/// One lesson of the optional catalogue.
struct Lesson {
    std::string id;
    std::string title;
    Seconds length{0};  ///< from `minutes`
    std::string theme;
    std::string group;                ///< a declared group, or empty
    std::optional<double> max_hours;  ///< the most hours the lesson counts, however long it is studied
};

/// A declared group of lessons (a module), whose hours may be capped.
struct Group {
    std::string id;
    Label label;
    std::optional<double> max_hours;  ///< the most hours the group's lessons count together
};

/// A declared exam.
struct Exam {
    std::string id;
    Label label;
    double pass_score = 60;  ///< 0-100: an attempt with a score at or above it passes
};

/// A dated milestone that is not a study rule (R9).
struct Milestone {
    std::string id;
    LocalDate date;
    Label label;
};

/// A support channel (R11): e.g. a QQ group serving some sectors.
struct SupportChannel {
    std::string id;
    std::string kind;   ///< e.g. "qq_group"
    std::string value;  ///< e.g. "211108206"
    Label label;
    std::vector<Sector> sectors;  ///< sectors it serves; empty = all
};

/// What to do with a category chosen outside its sectors.
enum class SectorMismatchPolicy : std::uint8_t { flag, reject };

/// A programme error: a bad key, value, file or `extends` chain.
/// `what()` names the file (or built-in id) and the key.
class ProgramError : public std::runtime_error {
public:
    ProgramError(std::string source, std::string key, const std::string& message)
        : std::runtime_error(compose(source, key, message)), source_(std::move(source)), key_(std::move(key)) {}
    /// The file path or built-in id the error is in.
    [[nodiscard]] const std::string& source() const noexcept { return source_; }
    /// The JSON key path, e.g. `credit.minutes_per_hour` (may be empty).
    [[nodiscard]] const std::string& key() const noexcept { return key_; }

private:
    static std::string compose(const std::string& source, const std::string& key, const std::string& message) {
        std::string out = source;
        if (!key.empty()) out += ": " + key;
        out += ": " + message;
        return out;
    }
    std::string source_;
    std::string key_;
};

/// An unknown built-in programme id (and no such file).
class ProgramNotFound : public ProgramError {
public:
    using ProgramError::ProgramError;
};

/// A resolved, validated programme.
class Program {
public:
    /// Loads a built-in programme by id, or a programme file by path
    /// (resolving `extends`).  Throws `ProgramNotFound` or `ProgramError`.
    [[nodiscard]] static Program load(std::string_view id_or_path);
    /// Builds a programme from JSON text; `source` names it in errors.
    /// An `extends` naming a relative path is resolved against `base_dir`.
    [[nodiscard]] static Program from_json(std::string_view text, std::string_view source = "<json>",
                                           std::string_view base_dir = ".");
    /// Builds a programme from JSON text held in a `std::string`.  (Without
    /// this overload a `std::string` or literal converts equally well to
    /// `std::string_view` and to `nlohmann::json`, and the call is ambiguous.)
    [[nodiscard]] static Program from_json(const std::string& text, std::string_view source = "<json>",
                                           std::string_view base_dir = ".");
    /// Builds a programme from JSON text given as a C string.
    [[nodiscard]] static Program from_json(const char* text, std::string_view source = "<json>",
                                           std::string_view base_dir = ".");
    /// Builds a programme from a parsed JSON object.  Duplicate keys cannot
    /// be detected here (nlohmann has already dropped them), and object
    /// members arrive sorted, so categories are listed in key order.
    [[nodiscard]] static Program from_json(const nlohmann::json& document, std::string_view source = "<json>",
                                           std::string_view base_dir = ".");
    /// Builds a programme from a parsed JSON object that keeps member order
    /// (e.g. another programme's `to_json()`).
    [[nodiscard]] static Program from_json(const nlohmann::ordered_json& document, std::string_view source = "<json>",
                                           std::string_view base_dir = ".");
    /// The ids of the built-in programmes, in a stable order.
    [[nodiscard]] static std::vector<std::string> builtin_ids();
    /// The JSON Schema of a resolved programme.
    [[nodiscard]] static const nlohmann::json& schema();

    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    [[nodiscard]] const std::string& version() const noexcept { return version_; }
    [[nodiscard]] const Label& title() const noexcept { return title_; }
    [[nodiscard]] const std::string& authority() const noexcept { return authority_; }
    [[nodiscard]] const std::string& time_zone_name() const noexcept { return time_zone_name_; }
    [[nodiscard]] const TimeZone& time_zone() const noexcept { return *time_zone_; }
    [[nodiscard]] const Window& window() const noexcept { return window_; }
    [[nodiscard]] bool require_verified() const noexcept { return require_verified_; }
    [[nodiscard]] SectorMismatchPolicy on_sector_mismatch() const noexcept { return on_sector_mismatch_; }
    /// Categories in the order the programme lists them.
    [[nodiscard]] const std::vector<Category>& categories() const noexcept { return categories_; }
    /// The category with this id, or nullptr.
    [[nodiscard]] const Category* find_category(std::string_view id) const noexcept {
        for (const Category& c : categories_)
            if (c.id == id) return &c;
        return nullptr;
    }
    [[nodiscard]] const QuizRule& quiz() const noexcept { return quiz_; }
    [[nodiscard]] const CreditRule& credit() const noexcept { return credit_; }
    /// The lesson catalogue (empty: any lesson id accepted, nothing capped).
    [[nodiscard]] const std::vector<Lesson>& lessons() const noexcept { return lessons_; }
    /// The catalogue lesson with this id, or nullptr.
    [[nodiscard]] const Lesson* find_lesson(std::string_view id) const noexcept {
        for (const Lesson& l : lessons_)
            if (l.id == id) return &l;
        return nullptr;
    }
    [[nodiscard]] const std::vector<std::string>& themes() const noexcept { return themes_; }
    /// Declared groups (modules) of lessons, in file order.
    [[nodiscard]] const std::vector<Group>& groups() const noexcept { return groups_; }
    /// The group with this id, or nullptr.
    [[nodiscard]] const Group* find_group(std::string_view id) const noexcept {
        for (const Group& g : groups_)
            if (g.id == id) return &g;
        return nullptr;
    }
    /// Declared exams, in file order.
    [[nodiscard]] const std::vector<Exam>& exams() const noexcept { return exams_; }
    /// The exam with this id, or nullptr.
    [[nodiscard]] const Exam* find_exam(std::string_view id) const noexcept {
        for (const Exam& e : exams_)
            if (e.id == id) return &e;
        return nullptr;
    }
    [[nodiscard]] const std::vector<Milestone>& milestones() const noexcept { return milestones_; }
    /// The milestone with this id, or nullptr.
    [[nodiscard]] const Milestone* find_milestone(std::string_view id) const noexcept {
        for (const Milestone& m : milestones_)
            if (m.id == id) return &m;
        return nullptr;
    }
    /// The dispatch calendar (调度、通报, R10): the dates progress is
    /// circulated, in order (empty when the programme names none).
    [[nodiscard]] const std::vector<LocalDate>& dispatches() const noexcept { return dispatches_; }
    [[nodiscard]] const std::vector<SupportChannel>& support() const noexcept { return support_; }
    /// The resolved programme as JSON: every key present, defaults filled in,
    /// keys and categories in the order the programme format lists them.
    [[nodiscard]] const nlohmann::ordered_json& to_json() const noexcept { return *resolved_; }

private:
    Program() = default;

    std::string id_;
    std::string version_;
    Label title_;
    std::string authority_;
    std::string time_zone_name_;
    const TimeZone* time_zone_ = nullptr;
    Window window_;
    bool require_verified_ = true;
    SectorMismatchPolicy on_sector_mismatch_ = SectorMismatchPolicy::flag;
    std::vector<Category> categories_;
    QuizRule quiz_;
    CreditRule credit_;
    std::vector<Lesson> lessons_;
    std::vector<std::string> themes_;
    std::vector<Group> groups_;
    std::vector<Exam> exams_;
    std::vector<Milestone> milestones_;
    std::vector<LocalDate> dispatches_;
    std::vector<SupportChannel> support_;
    std::shared_ptr<const nlohmann::ordered_json> resolved_;

    friend struct ProgramBuilder;  // src/program/loader.cpp: the only code that writes a Program's members
};

/// The spelling of a quiz mode in a programme file ("completed", "passed", "none").
[[nodiscard]] inline std::string_view to_string(QuizMode mode) noexcept {
    switch (mode) {
        case QuizMode::completed: return "completed";
        case QuizMode::passed: return "passed";
        case QuizMode::none: return "none";
    }
    return "completed";
}

}  // namespace yanxiu
