// The contacts reader.

#include <yanxiu/io/contacts.hpp>

#include "io/fields.hpp"
#include "io/read.hpp"

namespace yanxiu {

AddStatus Contacts::accept(const Record& f, std::string_view file, std::size_t line) {
    auto reject = [&](std::string_view field, RejectCode code, std::string message) {
        rejections_.push_back(Rejection{std::string(file), line, std::string(field), code, std::move(message)});
        return AddStatus::rejected;
    };
    Contact c;
    const auto& unit = f.get(Field::unit);
    if (unit.empty()) return reject("unit", RejectCode::missing_field, "a contact row needs a unit");
    if (!detail::as_id(unit, c.unit)) return reject("unit", RejectCode::bad_type, "unit must be a string");
    // The person's details: text (a number written without quotes, as a
    // spreadsheet exports a mobile, is read as its digits); never quoted back.
    auto text = [&](Field field, std::string& out) {
        const auto& v = f.get(field);
        if (v.empty()) return true;
        return detail::as_id(v, out);
    };
    for (auto [field, out] : {std::pair<Field, std::string*>{Field::name, &c.name}, {Field::title, &c.title},
                              {Field::phone, &c.phone}, {Field::mobile, &c.mobile}, {Field::wechat, &c.wechat}})
        if (!text(field, *out))
            return reject(field_name(field), RejectCode::bad_type, std::string(field_name(field)) + " must be text");
    if (c.name.empty()) return reject("name", RejectCode::missing_field, "a contact row needs the contact's name");
    if (c.phone.empty() && c.mobile.empty() && c.wechat.empty())
        return reject("mobile", RejectCode::missing_field,
                      "a contact row needs a way to reach them: mobile, phone or wechat");
    const auto& updated = f.get(Field::updated_at);
    if (!updated.empty()) {
        if (updated.type != ValueType::string)
            return reject("updated_at", RejectCode::bad_type, "updated_at must be a date or a timestamp");
        std::string error;
        if (auto day = parse_local_date(updated.text)) {
            c.updated_at = *day;
        } else if (auto t = parse_instant(updated.text, program_->time_zone(), &error)) {
            c.updated_at = local_date_of(*t, program_->time_zone());
        } else {
            const bool timestamp = updated.text.find_first_of("T ") != std::string::npos;
            return reject("updated_at", RejectCode::bad_timestamp,
                          "updated_at must be a date (2023-01-12) or a timestamp" + (timestamp ? ": " + error : ""));
        }
    }
    if (auto it = by_unit_.find(c.unit); it != by_unit_.end()) {
        if (rows_[it->second.first] == c) return AddStatus::duplicate;
        return reject("unit", RejectCode::duplicate_id,
                      "unit " + detail::quote_value(c.unit) + " already has a contact (line " +
                          std::to_string(it->second.second) + "); send one contact a unit");
    }
    by_unit_.emplace(c.unit, std::make_pair(rows_.size(), line));
    rows_.push_back(std::move(c));
    return AddStatus::accepted;
}

ReadSummary Contacts::read(std::string_view text, std::string_view file, Format format) {
    return detail::read_small_table(text, file, format, rejections_, summary_,
                                    [&](const Record& fields, std::size_t line) { return accept(fields, file, line); });
}

AddStatus Contacts::add(const Record& row, std::string_view where, std::size_t line) {
    return detail::add_small_table_row(row, where, line, rejections_, summary_,
                                       [&](const Record& r) { return accept(r, where, line); });
}

void Contacts::reject(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                    std::string message) {
    detail::reject_small_table_row(where, line, field, code, std::move(message), rejections_, summary_);
}

ReadSummary Contacts::read_file(const std::string& path, Format format) {
    // One row a unit: small enough to read whole, in whatever encoding it was saved.
    const std::string text = detail::read_whole_file(path);
    return read(text, path, format);
}

}  // namespace yanxiu
