// Files read as UTF-8 whatever they were saved as (see source.hpp).

#include "io/source.hpp"

#include "io/read.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <sys/stat.h>

#include <iconv.h>

namespace yanxiu::detail {

std::string_view to_string(Encoding e) noexcept {
    switch (e) {
        case Encoding::utf8: return "UTF-8";
        case Encoding::utf16le: return "UTF-16LE";
        case Encoding::utf16be: return "UTF-16BE";
        case Encoding::gb18030: return "GB18030";
    }
    return "UTF-8";
}

namespace {

/// Remembers a file's size when opened, and fails a read that ends on a
/// different count or size: a file still being written (or cut) gives
/// partial data that would look like a whole, smaller file.
class SizeCheck {
public:
    SizeCheck(std::FILE* file, const std::string& path) : path_(path) {
        struct stat st {};
        if (::fstat(::fileno(file), &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<std::uint64_t>(st.st_size);
        file_ = file;
    }
    void add(std::size_t n) noexcept { read_ += n; }
    [[nodiscard]] std::uint64_t read_bytes() const noexcept { return read_; }
    /// The size when opened; 0 for a pipe or device.
    [[nodiscard]] std::uint64_t total() const noexcept { return size_ == kNotRegular ? 0 : size_; }
    /// At the end of the file; throws io_error when the size moved.
    void finish() const {
        if (size_ == kNotRegular) return;
        struct stat st {};
        const bool stat_ok = ::fstat(::fileno(file_), &st) == 0;
        const auto now = stat_ok ? static_cast<std::uint64_t>(st.st_size) : size_;
        if (read_ != size_ || now != size_)
            throw io_error(path_,
                           "changed size while being read (" + std::to_string(size_) + " bytes when opened, " +
                               std::to_string(read_) + " read, " + std::to_string(now) +
                               " now): read it again once it is complete",
                           EIO);
    }

private:
    static constexpr std::uint64_t kNotRegular = ~std::uint64_t{0};
    std::string path_;
    std::FILE* file_ = nullptr;
    std::uint64_t size_ = kNotRegular;
    std::uint64_t read_ = 0;
};

/// A converter to UTF-8, closed on destruction.
struct Converter {
    iconv_t cd = reinterpret_cast<iconv_t>(-1);
    explicit Converter(const char* from) : cd(iconv_open("UTF-8", from)) {}
    ~Converter() {
        if (ok()) iconv_close(cd);
    }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;
    [[nodiscard]] bool ok() const noexcept { return cd != reinterpret_cast<iconv_t>(-1); }
};

/// Converts `in` (all of it) to UTF-8 appended to `out`.  An incomplete
/// character at the end is left in `rest` (when `at_end`, it becomes 0xFF);
/// an unconvertible one becomes 0xFF (`unit` bytes skipped).  The number of
/// unconvertible characters.
std::size_t convert(iconv_t cd, std::string_view in, std::string& out, std::string& rest, bool at_end,
                    std::size_t unit) {
    std::size_t bad = 0;
    char* src = const_cast<char*>(in.data());
    std::size_t src_left = in.size();
    std::size_t pos = out.size();
    while (src_left > 0) {
        if (out.size() < pos + src_left * 2 + 16) out.resize(pos + src_left * 2 + 16);
        char* dst = out.data() + pos;
        std::size_t dst_left = out.size() - pos;
        const std::size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
        pos = static_cast<std::size_t>(dst - out.data());
        if (r != static_cast<std::size_t>(-1)) break;
        if (errno == E2BIG) continue;
        if (errno == EINVAL && !at_end) {  // a character cut by the end of this piece
            rest.assign(src, src_left);
            break;
        }
        // Not convertible (or cut by the end of the file): one byte that is not UTF-8.
        if (out.size() < pos + 1) out.resize(pos + 1);
        out[pos++] = static_cast<char>(0xFF);
        ++bad;
        const std::size_t skip = std::min(src_left, unit);
        src += skip;
        src_left -= skip;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the shift state
    }
    out.resize(pos);
    return bad;
}

/// Whether `sample` reads whole as GB18030 (a cut last character allowed when not `complete`).
bool reads_as_gb18030(std::string_view sample, bool complete) {
    Converter c("GB18030");
    if (!c.ok()) return false;
    std::string out, rest;
    return convert(c.cd, sample, out, rest, complete, 1) == 0;
}

}  // namespace

Encoding detect_encoding(std::string_view sample, const std::string& path, bool complete) {
    if (sample.size() >= 3 && sample.compare(0, 3, "\xEF\xBB\xBF") == 0) return Encoding::utf8;
    if (sample.size() >= 2 && sample.compare(0, 2, "\xFF\xFE") == 0) return Encoding::utf16le;
    if (sample.size() >= 2 && sample.compare(0, 2, "\xFE\xFF") == 0) return Encoding::utf16be;
    const std::string_view head = sample.substr(0, 4096);
    std::size_t even = 0, odd = 0;
    for (std::size_t i = 0; i < head.size(); ++i)
        if (head[i] == '\0') ++((i % 2) ? odd : even);
    if (even + odd > 0) {
        // Text in UTF-16 without a mark: every ASCII character has a zero byte beside it.
        const std::size_t half = head.size() / 2;
        if (odd * 10 >= half * 3 && even * 10 < odd) return Encoding::utf16le;
        if (even * 10 >= half * 3 && odd * 10 < even) return Encoding::utf16be;
        // Mostly zeros (a file allocated and never written, a disk image): not
        // text.  A few zero bytes among text are the lines' problem, rejected as such.
        if ((even + odd) * 2 < head.size()) return Encoding::utf8;
        const std::size_t first = head.find('\0');
        throw std::runtime_error(path + ": mostly zero bytes (the first at byte " + std::to_string(first) +
                                 "): it is not a text file (JSON Lines or CSV in UTF-8, UTF-16 or GB18030)");
    }
    // Text not UTF-8 in runs of 4 bytes or more in all (two Chinese characters
    // in GB18030; one broken UTF-8 sequence is shorter), and whole as GB18030.
    std::string_view checked = sample;
    if (!complete) checked = checked.substr(0, checked.size() > 4 ? checked.size() - 4 : 0);  // a cut character
    std::size_t invalid_bytes = 0;
    for (std::size_t i = 0; i < checked.size() && invalid_bytes < 4;) {
        if (static_cast<unsigned char>(checked[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < checked.size() && static_cast<unsigned char>(checked[end]) >= 0x80) ++end;
        const std::string_view run = checked.substr(i, end - i);
        if (find_invalid_utf8(run) != std::string_view::npos) invalid_bytes += run.size();
        i = end;
    }
    if (invalid_bytes >= 4 && reads_as_gb18030(checked, complete)) return Encoding::gb18030;
    return Encoding::utf8;
}

struct TextSource::Impl {
    Impl(std::FILE* f, const std::string& p) : path(p), file(f, &std::fclose), size(f, p) {}
    std::string path;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file;
    SizeCheck size;
    std::unique_ptr<Converter> converter;
    std::size_t unit = 1;  // bytes skipped after one that does not convert
    std::string raw, rest;
    bool first = true;
    bool done = false;

    /// Reads up to `n` bytes at the end of `into`; true at the end of the file.
    bool read_raw(std::string& into, std::size_t n) {
        const std::size_t old = into.size();
        into.resize(old + n);
        errno = 0;
        const std::size_t got = std::fread(into.data() + old, 1, n, file.get());
        into.resize(old + got);
        if (std::ferror(file.get())) throw io_error(path, "cannot read", errno ? errno : EIO);
        size.add(got);
        const bool at_end = got < n;
        if (at_end) size.finish();
        return at_end;
    }
};

TextSource::TextSource(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw io_error(path, "cannot open", errno);
    impl_ = std::make_unique<Impl>(f, path);
}

TextSource::~TextSource() = default;

std::uint64_t TextSource::bytes_read() const noexcept { return impl_->size.read_bytes(); }
std::uint64_t TextSource::total_bytes() const noexcept { return impl_->size.total(); }

bool TextSource::read(std::string& out, std::size_t want) {
    Impl& s = *impl_;
    if (s.done) return false;
    want = std::max<std::size_t>(want, 1);
    if (s.first) {
        s.first = false;
        const std::size_t old = out.size();
        const bool at_end = s.read_raw(out, std::max<std::size_t>(want, 64 << 10));
        encoding_ = detect_encoding(std::string_view(out).substr(old), s.path, at_end);
        if (encoding_ != Encoding::utf8) {
            s.raw.assign(out, old, std::string::npos);
            out.resize(old);
            std::string_view text = s.raw;
            const char* name = encoding_ == Encoding::gb18030   ? "GB18030"
                               : encoding_ == Encoding::utf16le ? "UTF-16LE"
                                                                : "UTF-16BE";
            s.converter = std::make_unique<Converter>(name);
            if (!s.converter->ok()) throw io_error(s.path, std::string("cannot convert from ") + name, errno);
            s.unit = encoding_ == Encoding::gb18030 ? 1 : 2;
            if (encoding_ != Encoding::gb18030 && text.size() >= 2 &&
                (text.compare(0, 2, "\xFF\xFE") == 0 || text.compare(0, 2, "\xFE\xFF") == 0))
                text.remove_prefix(2);  // the byte-order mark
            convert(s.converter->cd, text, out, s.rest, at_end, s.unit);
        }
        s.done = at_end;
        return !at_end;
    }
    if (!s.converter) {
        s.done = s.read_raw(out, want);
        return !s.done;
    }
    s.raw.swap(s.rest);
    s.rest.clear();
    s.done = s.read_raw(s.raw, want);
    convert(s.converter->cd, s.raw, out, s.rest, s.done, s.unit);
    s.raw.clear();
    return !s.done;
}

}  // namespace yanxiu::detail
