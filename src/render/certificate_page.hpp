#pragma once
// What a certificate's printed page says, shared by the HTML page
// (certificate_html.cpp) and the PDF (certificate_pdf.cpp), so the two never
// disagree; and the QR code's modules, which each draws in its own way.

#include <yanxiu/certificate.hpp>
#include <yanxiu/program.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yanxiu::render {

/// The words of a certificate page, as plain text (not escaped).
struct CertificatePage {
    std::string heading;                                    ///< 学时记录证书
    std::string programme;                                  ///< the programme's title
    std::string body;                                       ///< the sentence that certifies
    std::vector<std::pair<std::string, std::string>> rows;  ///< label, value
    std::string code_label;                                 ///< 验证码
    std::string verify_note;                                ///< how to check it
    std::string qr_text;                                    ///< what the QR code carries
};

[[nodiscard]] CertificatePage certificate_page(const Certificate& certificate, const Program& program,
                                               std::string_view verify_url);

/// A QR code (error correction level M) as a square of modules, row by row;
/// `true` is dark.  Throws std::runtime_error if the text cannot be encoded.
struct QrModules {
    int width = 0;
    std::vector<bool> dark;
    [[nodiscard]] bool at(int x, int y) const { return dark[static_cast<std::size_t>(y) * width + x]; }
};
[[nodiscard]] QrModules qr_modules(std::string_view text);

/// The quiet zone around a QR code, in modules (the standard's 4).
inline constexpr int kQrQuietZone = 4;

}  // namespace yanxiu::render
