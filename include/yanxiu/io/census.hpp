#pragma once
/// \file io/census.hpp
/// The census (摸底, R10): how many teachers of each category each unit
/// expects to train, read from CSV or JSON Lines (`unit,category,expected`)
/// with a rejection for every row that cannot be used.

#include <yanxiu/dataset.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>
#include <yanxiu/report.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yanxiu {

/// Census rows read from CSV or JSON Lines (`unit,category,expected`), with a
/// Census rows read from CSV or JSON Lines (`unit,category,expected`), with a
/// rejection for every row that cannot be used: read = accepted + rejected +
/// duplicates.  A row repeating a unit and category with the same `expected`
/// is a duplicate; with a different one, the later row is rejected
/// `duplicate_id`.
class Census {
public:
    /// `program` names the categories a row may use; it must outlive the census.
    explicit Census(const Program& program) : program_(&program) {}

    /// Reads census rows from text; `file` names it in rejections.
    ReadSummary read(std::string_view text, std::string_view file, Format format = Format::automatic);
    /// Reads a census file (format from the extension, else sniffed).  Throws io_error.
    ReadSummary read_file(const std::string& path, Format format = Format::automatic);
    /// Adds one census row given as fields (e.g. a row of a data frame).  A
    /// string that is not valid UTF-8 is rejected `bad_utf8`.
    AddStatus add(const Record& row, std::string_view where = "<census>", std::size_t line = 0);
    /// Counts one row read but unusable before it had fields, with its rejection.
    void reject(std::string_view where, std::size_t line, std::string_view field, RejectCode code,
                std::string message);

    /// Accepted rows, in the order read.
    [[nodiscard]] const std::vector<CensusRow>& rows() const noexcept { return rows_; }
    [[nodiscard]] const std::vector<Rejection>& rejections() const noexcept { return rejections_; }
    /// Counts over every row read so far.
    [[nodiscard]] const ReadSummary& summary() const noexcept { return summary_; }

private:
    AddStatus accept(const Record& r, std::string_view file, std::size_t line);

    const Program* program_;
    std::vector<CensusRow> rows_;
    std::map<std::pair<std::string, std::string>, std::size_t> by_key_;
    std::vector<Rejection> rejections_;
    ReadSummary summary_;
};

}  // namespace yanxiu
