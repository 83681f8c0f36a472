// The census reader.

#include <yanxiu/io/census.hpp>

#include "io/fields.hpp"
#include "io/read.hpp"

#include <cmath>

namespace yanxiu {

AddStatus Census::accept(const Record& f, std::string_view file, std::size_t line) {
    auto reject = [&](std::string_view field, RejectCode code, std::string message) {
        rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
        return AddStatus::rejected;
    };
    CensusRow row;
    const auto& unit = f.get(Field::unit);
    if (unit.empty()) return reject("unit", RejectCode::missing_field, "a census row needs a unit");
    if (!detail::as_id(unit, row.unit)) return reject("unit", RejectCode::bad_type, "unit must be a string");
    const auto& category = f.get(Field::category);
    if (category.empty())
        return reject("category", RejectCode::missing_field, "a census row needs a category");
    if (category.type != ValueType::string)
        return reject("category", RejectCode::bad_type, "category must be a string");
    if (!program_->find_category(category.text))
        return reject("category", RejectCode::unknown_category,
                      "unknown category " + detail::quote_value(category.text) + " for programme " +
                          program_->id());
    row.category = category.text;
    const auto& expected = f.get(Field::expected);
    if (expected.empty())
        return reject("expected", RejectCode::missing_field, "a census row needs expected (a number of teachers)");
    const auto number = detail::field_as_number(expected);
    if (number.out_of_range) return reject("expected", RejectCode::number_out_of_range, "expected is too large");
    if (!number.value || *number.value != std::floor(*number.value))
        return reject("expected", RejectCode::bad_type, "expected must be a whole number");
    if (*number.value < 0 || *number.value > static_cast<double>(kMaxCensusExpected))
        return reject("expected", RejectCode::number_out_of_range,
                      "expected must lie between 0 and " + std::to_string(kMaxCensusExpected));
    row.expected = static_cast<std::int64_t>(*number.value);
    auto key = std::make_pair(row.unit, row.category);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
        if (rows_[it->second] == row) return AddStatus::duplicate;
        return reject("expected", RejectCode::duplicate_id,
                      "the unit and category were already read with a different expected");
    }
    by_key_.emplace(std::move(key), rows_.size());
    rows_.push_back(std::move(row));
    return AddStatus::accepted;
}

ReadSummary Census::read(std::string_view text, std::string_view file, Format format) {
    return detail::read_small_table(text, file, format, rejections_, summary_,
                                    [&](const Record& fields, std::size_t line) { return accept(fields, file, line); });
}

AddStatus Census::add(const Record& row, std::string_view where, std::size_t line) {
    return detail::add_small_table_row(row, where, line, rejections_, summary_,
                                       [&](const Record& r) { return accept(r, where, line); });
}

void Census::reject(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                    std::string message) {
    detail::reject_small_table_row(where, line, field, code, std::move(message), rejections_, summary_);
}

ReadSummary Census::read_file(const std::string& path, Format format) {
    // A census has a row per unit and category: small enough to read whole.
    const std::string text = detail::read_whole_file(path);
    return read(text, path, format);
}

}  // namespace yanxiu
