#pragma once
/// \file io/contacts.hpp
/// Each unit's contact person (工作联系人), as the organisers' annex table
/// lists them: `unit, name, title, phone, mobile, wechat, updated_at` (or the
/// annex's headers 单位, 姓名, 职务, 座机, 手机, 微信, 更新时间), from CSV in
/// any of the encodings a spreadsheet saves (UTF-8 with or without a BOM,
/// GB18030) or JSON Lines, with a rejection for every row that cannot be
/// used: read = accepted + rejected + duplicates.
///
/// One contact a unit: a row repeating a unit's row exactly is a duplicate,
/// a different row for the same unit is rejected `duplicate_id` (send the
/// current contact once).  Rejection messages never quote a contact's name
/// or numbers, only the unit.

#include <yanxiu/dataset.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>
#include <yanxiu/report.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// Contact rows read from CSV or JSON Lines.
class Contacts {
public:
    /// `program` gives the zone an `updated_at` instant is dated in; it must outlive this.
    explicit Contacts(const Program& program) : program_(&program) {}

    /// Reads contact rows from text; `file` names it in rejections.
    ReadSummary read(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads a contacts file (format from the extension, else sniffed; any
    /// encoding TextSource reads).  Throws io_error.
    ReadSummary read_file(const std::string& path, Format format = Format::automatic);
    /// Adds one row given as fields (a row of a data frame, a Python dict).
    AddStatus add(const Record& row, std::string_view where = "<contacts>", std::size_t line = 0);
    /// Counts one row read but unusable before it had fields, with its rejection.
    void reject(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                std::string message);

    /// Accepted rows, in the order read.
    [[nodiscard]] const std::vector<Contact>& rows() const noexcept { return rows_; }
    [[nodiscard]] const std::vector<Rejection>& rejections() const noexcept { return rejections_; }
    [[nodiscard]] const ReadSummary& summary() const noexcept { return summary_; }

private:
    AddStatus accept(const Record& r, std::string_view file, std::size_t line);

    const Program* program_;
    std::vector<Contact> rows_;
    std::map<std::string, std::pair<std::size_t, std::size_t>> by_unit_;  ///< unit -> (row, line)
    std::vector<Rejection> rejections_;
    ReadSummary summary_;
};

}  // namespace yanxiu
