#pragma once
/// \file render/report_json.hpp
/// A report as JSON: the programme's rules, totals, units in rank order, the
/// daily series, the census gaps and the inputs' counts.

#include <yanxiu/report.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace yanxiu {

/// The report as a JSON object.  Coverage is a ratio (6 decimals) with its
/// base and denominator; hours to 2 decimals.
[[nodiscard]] nlohmann::ordered_json to_json(const Report& r);

/// The same as the text `yanxiu report --json` writes: indented by 2, ending
/// in a newline, bytes that are not UTF-8 replaced by U+FFFD.
[[nodiscard]] std::string to_json_text(const Report& r);

}  // namespace yanxiu
