#pragma once
/// \file io/jsonl.hpp
/// Outcomes written as JSON: one object per participant, as `yanxiu
/// evaluate` writes a line of JSON Lines.  (Rejections: record.hpp.)

#include <yanxiu/messages.hpp>
#include <yanxiu/outcome.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/time.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace yanxiu {

/// What an outcome's JSON holds beyond its fields and reasons.
struct OutcomeJson {
    /// `lessons`: each studied lesson's counted time, whether it was credited,
    /// its first counted instant and its credit instant (`--explain`).
    bool include_lessons = false;
    /// `explanations`: each reason as a sentence in this language.
    std::optional<Lang> explanations;
    /// Names categories by their labels in `explanations`, when given.
    const Program* program = nullptr;
};

/// An outcome as a JSON object; times in `zone` (the programme's).
[[nodiscard]] nlohmann::ordered_json to_json(const Outcome& o, const TimeZone& zone, const OutcomeJson& options = {});

/// Appends an outcome as one line of JSON (ending in '\n'), byte for byte
/// what `to_json(o, zone, options).dump()` gives, without building a DOM.
void append_json_line(std::string& out, const Outcome& o, const TimeZone& zone, const OutcomeJson& options = {});

/// Appends `s` as a JSON string, escaped exactly as nlohmann::json::dump does.
void append_json_string(std::string& out, std::string_view s);

}  // namespace yanxiu
