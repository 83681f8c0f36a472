#pragma once
// Files compiled into the library (programmes, the schema, the report's
// style sheet), generated into the build tree by cmake/Embed.cmake.

#include <cstddef>
#include <string_view>

namespace yanxiu::detail {

/// One file's name (without its extension) and text.
struct EmbeddedFile {
    std::string_view name;
    std::string_view text;
};

/// A list of embedded files, in the order CMake lists them.
struct EmbeddedFiles {
    const EmbeddedFile* first;
    std::size_t count;
    [[nodiscard]] const EmbeddedFile* begin() const noexcept { return first; }
    [[nodiscard]] const EmbeddedFile* end() const noexcept { return first + count; }
    /// The text of the file named `name`, or an empty view.
    [[nodiscard]] std::string_view find(std::string_view name) const noexcept {
        for (const EmbeddedFile& file : *this)
            if (file.name == name) return file.text;
        return {};
    }
};

/// programs/*.json: the built-in programmes and the schema.
extern const EmbeddedFiles kEmbeddedPrograms;
/// src/render/*.css: the report page's style.
extern const EmbeddedFiles kEmbeddedStyles;

}  // namespace yanxiu::detail
