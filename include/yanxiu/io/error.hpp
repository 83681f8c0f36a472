#pragma once
/// \file io/error.hpp
/// The error every reader and writer throws when a file cannot be opened,
/// read or written: a `std::system_error` carrying the OS error (errno), so
/// a caller can tell a missing file from a full disk, and Python raises the
/// matching `OSError` subclass (`FileNotFoundError`, `IsADirectoryError`, …).

#include <string>
#include <system_error>

namespace yanxiu {

/// A file that could not be opened, read or written.  `what()` is one line,
/// "PATH: ACTION: REASON" (e.g. "events.jsonl: cannot open: No such file or directory").
class io_error : public std::system_error {
public:
    io_error(std::string path, const std::string& action, int error_number)
        : std::system_error(error_number, std::generic_category(), path + ": " + action),
          path_(std::move(path)) {}
    /// The file's path as given.
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace yanxiu
