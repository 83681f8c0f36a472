#pragma once
// A file read as UTF-8 text, whatever it was saved as: UTF-8 (with or without
// a byte-order mark), UTF-16 (by its mark, or by its zero bytes) or GB18030
// (text that is not UTF-8 and reads whole as GB18030, as offices' Excel
// still saves CSV).  Converted with the C library's iconv, piece by piece;
// a byte that does not convert becomes 0xFF, so its line is rejected
// bad_utf8 rather than read wrong.  A file that is mostly zero bytes and
// not UTF-16 is refused: it is not text.  Private to the compiled library.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace yanxiu::detail {

/// The encodings a TextSource recognises.
enum class Encoding : std::uint8_t { utf8, utf16le, utf16be, gb18030 };

/// "UTF-8", "UTF-16LE", "UTF-16BE", "GB18030".
[[nodiscard]] std::string_view to_string(Encoding e) noexcept;

/// What the first bytes of a file say it is; throws std::runtime_error
/// naming `path` for a file of mostly zero bytes that is not UTF-16.
[[nodiscard]] Encoding detect_encoding(std::string_view sample, const std::string& path, bool complete);

class TextSource {
public:
    /// Opens `path`; throws io_error.
    explicit TextSource(const std::string& path);
    ~TextSource();
    TextSource(const TextSource&) = delete;
    TextSource& operator=(const TextSource&) = delete;

    /// Appends about `want` bytes of UTF-8 to `out` (whole characters);
    /// false once the file is done.  Throws io_error on a read error, or when
    /// the file changed size while it was read.
    bool read(std::string& out, std::size_t want);

    [[nodiscard]] Encoding encoding() const noexcept { return encoding_; }
    /// Bytes of the file read so far, and its size (0 for a pipe or device).
    [[nodiscard]] std::uint64_t bytes_read() const noexcept;
    [[nodiscard]] std::uint64_t total_bytes() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    Encoding encoding_ = Encoding::utf8;
};

}  // namespace yanxiu::detail
